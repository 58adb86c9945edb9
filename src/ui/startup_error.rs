//! The dialog shown instead of the main window when a file cannot be used: it names the
//! file, line and column, and offers to move the file aside or to quit. It does no file I/O
//! itself; the app does what the chosen action asks.

use super::action::{ActionSender, StartupAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::state::StartupError;

const DIALOG_ID: &str = "startup_error";

/// Draws the dialog for `error`.
pub fn startup_error_ui(ui: &mut egui::Ui, error: &StartupError, sender: &ActionSender) {
    let broken_file = error.broken_file();
    let is_directory = error.is_directory_error();
    egui::CentralPanel::default().show(ui, |_| {});
    let title = if is_directory {
        "The directory snapshot cannot be used"
    } else {
        "The configuration cannot be used"
    };
    let mut dialog = Dialog::new(DIALOG_ID, title, tokens::DIALOG_WIDTH_MESSAGE)
        .cancel(DialogButton::new("Quit"))
        // Neither quitting nor moving a file should happen on a stray key press.
        .keys(false);
    if broken_file.is_some() {
        dialog = dialog.ok(DialogButton::new("Keep the file aside and start"));
    }
    let response = dialog.show(ui.ctx(), |ui, footer| {
        ui.add(egui::Label::new(super::error_text(ui, error.to_string())).wrap());
        ui.add_space(tokens::GAP);
        if let Some(path) = broken_file {
            ui.label(format!(
                "Nothing was changed. You can keep {} aside (it is renamed with a time stamp, \
                 never deleted) and start {}, or quit and fix it.",
                path.display(),
                if is_directory {
                    "with no directory loaded"
                } else {
                    "with an empty configuration"
                }
            ));
        } else {
            ui.label("Nothing was changed. Quit, fix the problem, and start again.");
        }
        footer.ui(ui, |_| {}, |_| {});
    });
    match response.answer {
        Some(DialogAnswer::Ok) => sender.send(StartupAction::KeepAside),
        Some(DialogAnswer::Cancel) => sender.send(StartupAction::Quit),
        None => {}
    }
}
