//! Organization Settings: what Microsoft Graph does not say about an imported organization,
//! asked when a new tenant is imported or from the organization's context menu. With a
//! backup server connected, the server is asked first on the `vb365-read` worker: what it
//! says fills the form, and a new tenant it fully describes is not asked about at all.

use crate::model::OrganizationSettings;
use crate::model::text::quoted_from_outside;
use crate::state::{AppState, AwaitingSettings, DirectoryChange, ReloadError, ServerSettingsHint};
use crate::store::vb365::ServerError;
use crate::ui::organization_settings::{DIALOG_ID, OrganizationSettingsView};
use crate::ui::{Action, ActionSender, SettingsAction};

use super::event::{EventSender, WorkerEvent};
use super::job::Job;
use super::session::{Closing, FollowUp, Session, SessionContext, Step};

type Lookup = Result<Option<ServerSettingsHint>, ServerError>;

/// The open Organization Settings dialog.
#[derive(Debug)]
pub struct SettingsSession {
    view: OrganizationSettingsView,
    /// The backup server is asked how it added the organization.
    asking_server: Option<Job<Lookup>>,
    /// Settings were saved before: the administrator is editing them, so the dialog stays.
    editing: bool,
    /// The tenant's application ids, to check the one the server names.
    application_ids: Vec<String>,
    /// The import these settings complete; taken when they are applied.
    awaiting: Option<AwaitingSettings>,
    /// What the same change left besides (a consent of R14), opened if this is cancelled.
    rest: DirectoryChange,
}

impl SettingsSession {
    /// The dialog for the import that waits for its organization's settings; with a backup
    /// server connected, it is asked on a worker. `rest` opens when it is cancelled.
    pub fn new(
        state: &AppState,
        events: &EventSender,
        awaiting: AwaitingSettings,
        rest: DirectoryChange,
    ) -> Self {
        let tenant = awaiting.tenant();
        let saved = state.organization_settings(&tenant.id);
        let mut view = OrganizationSettingsView::new(
            &tenant.name,
            tenant.mfa_reported,
            tenant.user_upns().map(str::to_owned),
            tenant
                .applications
                .iter()
                .map(|a| (a.app_id.to_string(), a.display_name.clone()))
                .collect(),
            saved,
        );
        let asking_server = match state.server_settings_lookup(&tenant.id) {
            None => None,
            Some(Err(e)) => {
                view.set_server_note(format!("The backup server could not be asked: {e}"));
                None
            }
            Some(Ok(lookup)) => {
                view.set_server_note("Asking the backup server how it added it...".to_owned());
                Job::spawn("vb365-read", 0, events, move |_| lookup.run()).ok()
            }
        };
        Self {
            view,
            asking_server,
            editing: saved.is_some(),
            application_ids: tenant
                .applications
                .iter()
                .map(|a| a.app_id.to_string())
                .collect(),
            awaiting: Some(awaiting),
            rest,
        }
    }

    /// Completes the import with `settings`.
    fn apply_settings(
        &mut self,
        state: &mut AppState,
        settings: OrganizationSettings,
    ) -> Result<DirectoryChange, ReloadError> {
        match self.awaiting.take() {
            Some(awaiting) => state.apply_settings(awaiting, settings),
            None => Ok(DirectoryChange::default()),
        }
    }

    /// Fills the form with the server's answer; returns the settings to save at once when a
    /// new tenant is fully described.
    fn take_answer(&mut self, answer: Lookup) -> Option<OrganizationSettings> {
        let hint = match answer {
            Ok(Some(hint)) => hint,
            Ok(None) => {
                self.view.set_server_note(
                    "The backup server does not have this organization yet: answer below."
                        .to_owned(),
                );
                return None;
            }
            Err(e) => {
                self.view
                    .set_server_note(format!("The backup server could not be asked: {e}"));
                return None;
            }
        };
        // The server's answer is outside input: an application the tenant does not have is
        // not taken.
        let application = hint
            .application
            .as_deref()
            .filter(|id| self.application_ids.iter().any(|known| known == id));
        let note = format!(
            "Filled from the backup server {}: {}{}.",
            hint.server,
            hint.authentication.label(),
            hint.added_by
                .as_deref()
                .map(|a| format!(", added with {}", quoted_from_outside(a, 120)))
                .unwrap_or_default()
        );
        self.view.fill_from_server(
            hint.authentication,
            hint.added_by.as_deref(),
            application,
            note,
        );
        self.view.settings().filter(|_| !self.editing)
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
                result: self.apply_settings(cx.state, settings),
            }),
            // A load can leave both an import's settings and a consent to decide.
            SettingsAction::Cancel => {
                Some(FollowUp::OpenWhatIsLeft(std::mem::take(&mut self.rest)))
            }
        };
        Ok(Step::Close(Closing {
            dialog: DIALOG_ID,
            then,
            ..Closing::default()
        }))
    }

    /// The backup server's answer: it fills the form, or saves what it fully describes.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        let answer = Job::result_of(&mut self.asking_server, event)?;
        let answer = answer.unwrap_or(Err(ServerError::Cancelled));
        let Some(settings) = self.take_answer(answer) else {
            return Ok(Step::Stay);
        };
        let done = format!(
            "Organization settings taken from the backup server: {}, added with {}.",
            settings.authentication.label(),
            settings.added_by
        );
        Ok(Step::Close(Closing {
            dialog: DIALOG_ID,
            then: Some(FollowUp::ShowChange {
                done,
                result: self.apply_settings(cx.state, settings),
            }),
            ..Closing::default()
        }))
    }
}
