//! The Health view's fixes: a password, the manager, a CSV export, a new threshold, a check.

use std::path::Path;

use crate::model::health::HealthList;
use crate::store::csv_export::{role_holders_csv, write_atomically};
use crate::ui::{HealthAction, ManagerAction};

use super::BackupAccountsApp;
use super::event::FileRequest;

impl BackupAccountsApp {
    pub(super) fn apply_health(&mut self, action: HealthAction) {
        let Ok(state) = &mut self.state else {
            return;
        };
        match action {
            HealthAction::CheckNow => self.health.check_now(state, self.events.sender()),
            HealthAction::SetMaxAge(days) => {
                if let Err(e) = state.set_max_password_age(days) {
                    self.show_banner(e.to_string(), true);
                }
            }
            HealthAction::SetPassword {
                organization_id,
                upn,
            } => {
                self.open_manager(organization_id);
                // Edit Password opens over the manager a frame later, as if its link had been
                // clicked: two modals first shown in one frame are stacked in the order egui
                // remembers from earlier visits, which can put the manager on top.
                self.actions.sender().send(ManagerAction::OpenPassword(upn));
            }
            HealthAction::Review(organization_id) => self.open_manager(organization_id),
            HealthAction::ReviewApplications(organization_id) => {
                self.open_applications(organization_id);
            }
            HealthAction::Export {
                organization_id,
                list,
            } => {
                let name = state
                    .directory()
                    .organization(&organization_id)
                    .map_or("organization", |o| o.name.as_str());
                let file_name = list.file_name(name);
                self.ask_for_file(FileRequest::SaveCsv {
                    organization_id,
                    list,
                    file_name,
                });
            }
        }
    }

    /// Writes the list as CSV and says how many rows went where.
    pub(super) fn export_list(&mut self, path: &Path, organization_id: &str, list: HealthList) {
        let (Ok(state), Some(report)) = (&self.state, self.health.report()) else {
            return;
        };
        let health = report
            .organizations
            .iter()
            .find(|h| h.organization_id == organization_id);
        let organization = state.directory().organization(organization_id);
        let (Some(health), Some(organization)) = (health, organization) else {
            self.show_banner(
                "Nothing was exported: the organization is no longer in the report.".into(),
                true,
            );
            return;
        };
        let only = match list {
            HealthList::Footprint => None,
            // A finding that cleared since the click exports an empty list, not everyone.
            _ => Some(health.list_accounts(list).unwrap_or_default()),
        };
        let selection = state.config().organizations.get(organization_id);
        let text = role_holders_csv(organization, &health.footprint, selection, only);
        let rows = text.lines().count().saturating_sub(1);
        match write_atomically(path, &text) {
            Ok(()) => self.show_banner(
                format!("Exported {rows} rows to {}.", path.display()),
                false,
            ),
            Err(e) => self.show_banner(
                format!(
                    "Could not export to {}: {e}. Choose another place.",
                    path.display()
                ),
                true,
            ),
        }
    }
}
