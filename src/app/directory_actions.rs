//! File > Open, Import and Reload: replacing the directory and telling what it changed.

use std::path::Path;

use crate::state::{DirectoryChange, ReloadError};

use super::BackupAccountsApp;
use super::event::FileRequest;
use super::file_dialog::ask_on_worker;

impl BackupAccountsApp {
    /// Opens the native file dialog on a worker; its answer comes back as a worker event.
    pub(super) fn ask_for_file(&self, request: FileRequest) {
        ask_on_worker(request, self.events.sender());
    }

    pub(super) fn reload_directory(&mut self, ctx: &egui::Context) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.reload_directory();
        self.show_reload_result(ctx, "Directory reloaded.", result);
    }

    pub(super) fn open_directory(&mut self, ctx: &egui::Context, path: &Path) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.open_directory(path);
        self.show_directory_change(ctx, &format!("Opened {}.", path.display()), result);
    }

    /// Imports a Graph export folder; a new tenant opens Organization Settings first.
    pub(super) fn import_folder(&mut self, ctx: &egui::Context, folder: &Path) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.import_graph_folder(folder);
        self.show_import(ctx, &format!("Imported {}.", folder.display()), result);
    }

    /// After an import: says `done`, or opens the new tenant's Organization Settings.
    pub(super) fn show_import(
        &mut self,
        ctx: &egui::Context,
        done: &str,
        result: Result<DirectoryChange, ReloadError>,
    ) {
        match result {
            Ok(change) if change.needs_settings.is_some() => self.open_what_is_left(ctx, change),
            result => self.show_directory_change(ctx, done, result),
        }
    }

    /// Context menu: Organization settings... re-reads the export so the settings can
    /// change, and opens them.
    pub(super) fn edit_settings(&mut self, ctx: &egui::Context) {
        let Ok(state) = &mut self.state else {
            return;
        };
        match state.edit_settings() {
            Ok(Some(awaiting)) => {
                self.open_what_is_left(ctx, DirectoryChange::asking_settings(awaiting));
            }
            // Only an imported organization's context menu offers it.
            Ok(None) => {}
            Err(e) => self.show_banner(e.to_string(), true),
        }
    }

    /// After the directory was replaced: select its first organization and tell what
    /// changed.
    pub(super) fn show_directory_change(
        &mut self,
        ctx: &egui::Context,
        done: &str,
        result: Result<DirectoryChange, ReloadError>,
    ) {
        if result.is_ok() {
            self.select_first_organization();
        }
        self.show_reload_result(ctx, done, result);
    }

    /// Tells what a reload did, or why nothing changed; accounts it would revoke open the
    /// consent dialog right away (R14).
    fn show_reload_result(
        &mut self,
        ctx: &egui::Context,
        done: &str,
        result: Result<DirectoryChange, ReloadError>,
    ) {
        match result {
            Ok(change) => {
                self.show_banner(done.to_owned(), false);
                self.open_what_is_left(ctx, change);
            }
            Err(e) => self.show_banner(
                format!("{e} The directory loaded before is still in use."),
                true,
            ),
        }
    }
}
