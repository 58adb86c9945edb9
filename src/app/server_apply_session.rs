//! Apply to Backup Server: the server's pool is read on the `vb365-read` worker and shown as a
//! plan; *Apply* sends the saved pool with its passwords on the `vb365-apply` worker, with
//! the step it is at and *Cancel*. A failed apply reads the plan again, so what is shown is
//! what the server has now.

use std::sync::Arc;

use crate::model::rules::check_can_manage_backup_accounts;
use crate::model::server_pool::PoolComparison;
use crate::state::{AppState, SavedPoolOf};
use crate::store::SecretStore;
use crate::store::vb365::{ApplyError, BackupServer, apply_pool};
use crate::ui::server_apply::{ApplyView, DIALOG_ID, apply_ui};
use crate::ui::{Action, ActionSender, ServerAction};

use super::event::{EventSender, WorkerEvent};
use super::job::Job;
use super::session::{Closing, FollowUp, Session, SessionContext, Step};

/// The apply dialog and its work.
#[derive(Debug)]
pub struct ServerApplySession {
    saved: SavedPoolOf,
    client: Arc<BackupServer>,
    secrets: Arc<dyn SecretStore>,
    plan: Option<PoolComparison>,
    /// The removals the administrator consented to; a new plan asks again.
    consent: bool,
    error: Option<String>,
    reading: Option<Job<Result<PoolComparison, ApplyError>>>,
    applying: Option<Job<Result<usize, ApplyError>>>,
}

impl ServerApplySession {
    /// The dialog for `organization_id`, reading its plan; refused with the reason when no
    /// server is connected, the keyring is missing or the organization is app-only (R1).
    pub fn open(
        state: &AppState,
        organization_id: &str,
        events: &EventSender,
    ) -> Result<Self, String> {
        let organization = state
            .directory()
            .organization(organization_id)
            .ok_or_else(|| {
                format!("The organization {organization_id} is no longer in the directory.")
            })?;
        check_can_manage_backup_accounts(organization).map_err(|e| format!("R1: {e}"))?;
        let client = state.backup_server_client().map_err(|e| e.to_string())?;
        let mut session = Self {
            saved: state.saved_pool(organization),
            client: Arc::new(client),
            secrets: state.server_secrets().map_err(|e| e.to_string())?,
            plan: None,
            consent: false,
            error: None,
            reading: None,
            applying: None,
        };
        session.read_plan(events);
        Ok(session)
    }

    fn read_plan(&mut self, events: &EventSender) {
        let (client, saved) = (self.client.clone(), self.saved.clone());
        let spawned = Job::spawn("vb365-read", 0, events, move |progress| {
            progress.set_step("Reading the backup server's pool");
            let pool = saved.read_from(&client)?;
            Ok(saved.compare(&pool))
        });
        match spawned {
            Ok(job) => self.reading = Some(job),
            Err(e) => self.error = Some(format!("Could not start reading the server: {e}")),
        }
    }

    fn start_apply(&mut self, events: &EventSender) {
        let (client, saved, secrets) = (
            self.client.clone(),
            self.saved.clone(),
            self.secrets.clone(),
        );
        let spawned = Job::spawn("vb365-apply", 0, events, move |progress| {
            apply_pool(&client, secrets.as_ref(), &saved.as_saved(), progress)
                .map(|pool| pool.accounts.len())
        });
        match spawned {
            Ok(job) => {
                self.error = None;
                self.applying = Some(job);
            }
            Err(e) => self.error = Some(format!("Could not start the apply: {e}")),
        }
    }
}

impl Session for ServerApplySession {
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let busy = match (&self.applying, &self.reading) {
            (Some(job), _) => Some(job.status()),
            (None, Some(job)) => Some(job.status()),
            (None, None) => None,
        };
        let server = self.client.address().host_port();
        let view = ApplyView {
            organization: &self.saved.organization_name,
            server: &server,
            group: &self.saved.group_name,
            plan: self.plan.as_ref(),
            consent: self.consent,
            busy: busy
                .as_ref()
                .map(|(step, progress)| (step.as_str(), *progress)),
            error: self.error.as_deref(),
        };
        apply_ui(ctx, &view, sender);
    }

    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Server(action) = action else {
            return Err(action);
        };
        match action {
            ServerAction::SetConsent(consent) => self.consent = consent,
            ServerAction::Apply if self.applying.is_none() && self.reading.is_none() => {
                let removals = self.plan.as_ref().map(|p| p.only_on_server.len());
                match removals {
                    None => {}
                    Some(n) if n > 0 && !self.consent => {
                        self.error = Some(
                            "Consent to the removals first: the check box names how many \
                             accounts the server's pool loses."
                                .into(),
                        );
                    }
                    Some(_) => self.start_apply(cx.events),
                }
            }
            ServerAction::Cancel => {
                if let Some(job) = &self.applying {
                    // The apply says how it ended: a PUT already sent cannot be taken back.
                    job.cancel();
                    return Ok(Step::Stay);
                }
                if let Some(job) = &self.reading {
                    job.cancel();
                }
                return Ok(Step::Close(Closing {
                    dialog: DIALOG_ID,
                    focus_organization: Some(self.saved.organization_id.clone()),
                    ..Closing::default()
                }));
            }
            _ => {}
        }
        Ok(Step::Stay)
    }

    /// The plan's read (a new plan asks for consent again), or the apply's end: done, the
    /// dialog closes; failed, the plan is read again.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        let event = match Job::result_of(&mut self.reading, event) {
            Ok(read) => {
                match read {
                    Ok(Ok(plan)) => {
                        self.consent = false;
                        self.plan = Some(plan);
                    }
                    Ok(Err(refused)) => self.error = Some(refused.to_string()),
                    Err(_) => self.error = Some("Reading the server stopped unexpectedly.".into()),
                }
                return Ok(Step::Stay);
            }
            Err(other) => other,
        };
        Ok(match Job::result_of(&mut self.applying, event)? {
            Ok(Ok(count)) => Step::Close(Closing {
                dialog: DIALOG_ID,
                focus_organization: Some(self.saved.organization_id.clone()),
                banner: Some((
                    format!(
                        "Applied to the backup server {}: the pool of {} is the saved one ({count} \
                         account{}), read back and compared.",
                        self.client.address().host_port(),
                        self.saved.organization_name,
                        if count == 1 { "" } else { "s" }
                    ),
                    false,
                )),
                then: Some(FollowUp::RefreshServer),
            }),
            failed => {
                self.error = Some(match failed {
                    Ok(Err(refused)) => refused.to_string(),
                    _ => {
                        "The apply stopped unexpectedly; Refresh shows what the server has.".into()
                    }
                });
                self.plan = None;
                self.read_plan(cx.events);
                Step::Stay
            }
        })
    }

    fn cancel(&mut self) {
        self.applying.iter().for_each(Job::cancel);
        self.reading.iter().for_each(Job::cancel);
    }
}
