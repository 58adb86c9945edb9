//! File > Open, Import and Reload: replacing the directory and telling what it changed.

use std::path::Path;

use crate::model::Revocation;
use crate::state::ReloadError;

use super::BackupAccountsApp;
use super::event::FileRequest;
use super::file_dialog::ask_on_worker;

impl BackupAccountsApp {
    /// Opens the native file dialog on a worker; its answer comes back as an action.
    pub(super) fn ask_for_file(&self, ctx: &egui::Context, request: FileRequest) {
        ask_on_worker(request, self.events.sender(), ctx);
    }

    pub(super) fn reload_directory(&mut self) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.reload_directory();
        self.show_reload_result("Directory reloaded.", result);
    }

    pub(super) fn open_directory(&mut self, path: &Path) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.open_directory(path);
        self.show_directory_change(&format!("Opened {}.", path.display()), result);
    }

    /// Imports a Graph export folder; a new tenant opens Organization Settings first.
    pub fn import_folder(&mut self, folder: &Path) {
        self.import_folder_saying(folder, &format!("Imported {}.", folder.display()));
    }

    /// Imports `folder`, then says `done` (unless the organization's settings are asked
    /// for first).
    pub(super) fn import_folder_saying(&mut self, folder: &Path, done: &str) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.import_graph_folder(folder);
        if state.awaiting_settings().is_none() {
            self.show_directory_change(done, result);
        }
    }

    /// Context menu: Organization settings... re-reads the export so the settings can change;
    /// the dialog opens once nothing else is open.
    pub(super) fn edit_settings(&mut self) {
        let Ok(state) = &mut self.state else {
            return;
        };
        if let Err(e) = state.edit_settings() {
            self.show_banner(e.to_string(), true);
        }
    }

    /// After the directory was replaced: select its first organization and tell what
    /// changed.
    pub(super) fn show_directory_change(
        &mut self,
        done: &str,
        result: Result<Vec<Revocation>, ReloadError>,
    ) {
        if result.is_ok() {
            self.select_first_organization();
        }
        self.show_reload_result(done, result);
    }

    /// Tells what a reload did, or why nothing changed. Accounts it would revoke wait in the
    /// consent dialog (R14).
    fn show_reload_result(&mut self, done: &str, result: Result<Vec<Revocation>, ReloadError>) {
        match result {
            Ok(_) => self.show_banner(done.to_owned(), false),
            Err(e) => self.show_banner(
                format!("{e} The directory loaded before is still in use."),
                true,
            ),
        }
    }
}
