//! Organization Settings: what Microsoft Graph does not say about an imported organization,
//! asked when a new tenant is imported or from the organization's context menu.

use crate::state::AppState;
use crate::ui::organization_settings::{DIALOG_ID, OrganizationSettingsView};
use crate::ui::{Action, ActionSender, SettingsAction};

use super::session::{Closing, FollowUp, Session, SessionContext, Step};

/// The open Organization Settings dialog.
#[derive(Debug)]
pub struct SettingsSession {
    view: OrganizationSettingsView,
}

impl SettingsSession {
    /// The dialog for the import that waits for its organization's settings, if one does.
    pub fn waiting(state: &AppState) -> Option<Self> {
        let tenant = state.awaiting_settings()?;
        Some(Self {
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
        })
    }
}

impl Session for SettingsSession {
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        self.view.ui(ctx, sender);
    }

    /// OK applies the settings (the import goes on, revocations wait for consent); Cancel
    /// leaves the directory as it was.
    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Settings(action) = action else {
            return Err(action);
        };
        let then = match action {
            SettingsAction::Apply(settings) => Some(FollowUp::ShowChange {
                done: "Organization settings saved.".to_owned(),
                result: cx.state.apply_settings(settings),
            }),
            SettingsAction::Cancel => {
                cx.state.cancel_settings();
                None
            }
        };
        Ok(Step::Close(Closing {
            dialog: DIALOG_ID,
            then,
            ..Closing::default()
        }))
    }

    fn poll(&mut self, _: &mut SessionContext<'_>) -> Step {
        Step::Stay
    }
}
