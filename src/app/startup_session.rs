//! What the start-up error dialog's buttons do: move the broken file aside and start again,
//! or quit.

use crate::state::StartupError;
use crate::store::{ConfigError, move_aside};
use crate::ui::StartupAction;

use super::BackupAccountsApp;

impl BackupAccountsApp {
    pub(super) fn apply_startup(&mut self, ctx: &egui::Context, action: StartupAction) {
        match action {
            StartupAction::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            StartupAction::KeepAside => self.keep_broken_file_aside(),
        }
    }

    /// Renames the file the start-up error names (never deleting it) and starts again.
    fn keep_broken_file_aside(&mut self) {
        let Err(error) = &self.state else {
            return;
        };
        let Some(path) = error.broken_file().map(std::path::Path::to_path_buf) else {
            return;
        };
        let is_directory = error.is_directory_error();
        match move_aside(&path) {
            Ok(new_path) => {
                log::warn!("moved {} aside to {}", path.display(), new_path.display());
                if is_directory {
                    self.options.empty_directory = true;
                }
                self.load();
                if self.state.is_ok() {
                    let next_step = if is_directory {
                        " No directory is loaded: use File > Open directory..."
                    } else {
                        ""
                    };
                    self.show_banner(
                        format!(
                            "{} was moved aside to {}.{next_step}",
                            path.display(),
                            new_path.display(),
                        ),
                        false,
                    );
                }
            }
            Err(source) => {
                self.state = Err(StartupError::Config(ConfigError::Io {
                    action: "rename",
                    path,
                    source,
                }));
            }
        }
    }
}
