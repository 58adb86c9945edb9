//! The eframe application: draws the views and applies the actions they return.

use std::sync::Arc;

use crate::state::{AppState, StartupOptions};
use crate::store::{KeyringSecrets, SecretStore};

/// The application.
pub struct BackupAccountsApp {
    state: Result<AppState, String>,
}

impl BackupAccountsApp {
    /// Loads the state with the platform keyring.
    pub fn new(options: &StartupOptions) -> Self {
        let secrets = KeyringSecrets::platform().map(|k| Arc::new(k) as Arc<dyn SecretStore>);
        Self {
            state: AppState::load(options, secrets).map_err(|e| e.to_string()),
        }
    }
}

impl eframe::App for BackupAccountsApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| match &self.state {
            Ok(state) => {
                for organization in &state.directory().organizations {
                    ui.label(&organization.name);
                }
            }
            Err(error) => {
                ui.label(error);
            }
        });
    }
}

/// Opens the main window.
pub fn run(options: StartupOptions) -> eframe::Result {
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Backup Accounts")
            .with_inner_size([960.0, 640.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Backup Accounts",
        native_options,
        Box::new(move |_cc| Ok(Box::new(BackupAccountsApp::new(&options)))),
    )
}
