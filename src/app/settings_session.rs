//! Organization Settings: what Microsoft Graph does not say about an imported organization,
//! asked when a new tenant is imported or from the organization's context menu.

use crate::ui::organization_settings::{DIALOG_ID, OrganizationSettingsView};
use crate::ui::{ActionSender, SettingsAction, modal::dialog_closed};

use super::BackupAccountsApp;

/// The open Organization Settings dialog.
#[derive(Debug)]
pub struct SettingsSession {
    view: OrganizationSettingsView,
}

impl SettingsSession {
    /// Draws the dialog.
    pub fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        self.view.ui(ctx, sender);
    }
}

impl BackupAccountsApp {
    /// Opens the dialog when an import waits for its organization's settings.
    pub(super) fn open_waiting_settings(&mut self) {
        if self.settings.is_some() {
            return;
        }
        let Ok(state) = &self.state else {
            return;
        };
        if let Some(tenant) = state.awaiting_settings() {
            self.settings = Some(SettingsSession {
                view: OrganizationSettingsView::new(
                    &tenant.name,
                    tenant.mfa_reported,
                    tenant.user_upns().map(str::to_owned),
                    tenant
                        .applications
                        .iter()
                        .map(|a| (a.app_id.clone(), a.display_name.clone()))
                        .collect(),
                    state.organization_settings(&tenant.id),
                ),
            });
        }
    }

    /// Context menu: Organization settings... re-reads the export so the settings can change.
    pub(super) fn edit_settings(&mut self) {
        let Ok(state) = &mut self.state else {
            return;
        };
        if let Err(e) = state.edit_settings() {
            self.show_banner(e.to_string(), true);
        }
    }

    pub(super) fn apply_settings(&mut self, ctx: &egui::Context, action: SettingsAction) {
        let Ok(state) = &mut self.state else {
            return;
        };
        self.settings = None;
        dialog_closed(ctx, DIALOG_ID, None);
        match action {
            SettingsAction::Apply(settings) => {
                let result = state.apply_settings(settings);
                self.show_directory_change("Organization settings saved.", result);
            }
            SettingsAction::Cancel => state.cancel_settings(),
        }
    }
}
