//! The details pane of a modern app-only organization: its backup applications and their
//! certificates, and the button that opens the Backup Applications Manager.

use egui::{Button, RichText};

use super::action::{ActionSender, MainAction};
use super::tokens;
use crate::model::application::{Expiry, date};
use crate::model::{AuthenticationMethod, Organization};
use crate::state::AppState;

/// Draws the pool under the organization's details (app-only organizations only).
pub fn pool_details_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    organization: &Organization,
    sender: &ActionSender,
) {
    if organization.authentication != AuthenticationMethod::ModernAppOnly {
        return;
    }
    let open = ui
        .add(Button::new("Manage backup applications..."))
        .accessible_name(format!(
            "Manage backup applications of {}...",
            organization.name
        ));
    if open.clicked() {
        sender.send(MainAction::ManageBackupApplications(
            organization.id.clone(),
        ));
    }
    ui.add_space(tokens::SECTION_GAP);
    ui.separator();
    let Some(pool) = state
        .config()
        .application_pools
        .get(organization.id.as_str())
    else {
        ui.label(
            "No backup applications are configured here. Use Manage backup applications... to \
             see the pool and install certificates.",
        );
        return;
    };
    ui.label(format!(
        "Backup applications ({}):",
        pool.applications.len()
    ));
    let now = jiff::Timestamp::now();
    for pooled in &pool.applications {
        let name = organization
            .applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(&pooled.app_id))
            .map_or(pooled.app_id.as_str(), |a| a.display_name.as_str());
        let (status, warn) = match &pooled.certificate {
            None => ("certificate not configured".to_owned(), true),
            Some(c) => (
                format!("certificate expires {}", date(c.expires)),
                Expiry::of(c.expires, now) != Expiry::Later,
            ),
        };
        let text = RichText::new(format!("{name}: {status}"));
        ui.label(if warn {
            text.color(ui.visuals().warn_fg_color)
        } else {
            text
        });
    }
}
