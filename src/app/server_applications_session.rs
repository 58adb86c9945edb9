//! Remove Backup Applications from the Server (KB4821), from the Health view: the consent
//! lists what the last look at the server found; *Remove* runs on the
//! `vb365-remove-applications` worker, removing only what was listed.

use std::sync::Arc;

use crate::state::{AppState, ApplicationRemoval, RemovalError, RemovalRefused};
use crate::ui::server_applications::{DIALOG_ID, RemovalView, removal_ui};
use crate::ui::{Action, ActionSender, ServerAction};

use super::event::WorkerEvent;
use super::job::Job;
use super::server_overview::ServerOverview;
use super::session::{Closing, FollowUp, Session, SessionContext, Step};

/// The consent dialog and its work.
#[derive(Debug)]
pub struct ServerApplicationsSession {
    removal: Arc<ApplicationRemoval>,
    keep: String,
    remove: Vec<String>,
    error: Option<String>,
    removing: Option<Job<Result<usize, RemovalError>>>,
}

impl ServerApplicationsSession {
    /// The consent for `organization_id`, from the last look at the server; refused with
    /// the reason when it found nothing to remove or cannot say which application stays.
    pub fn open(
        state: &AppState,
        server: &ServerOverview,
        organization_id: &str,
    ) -> Result<Self, RemovalRefused> {
        let removal =
            state.application_removal(organization_id, server.facts().map(AsRef::as_ref))?;
        let named = |(id, name): &(String, String)| format!("{name} ({id})");
        Ok(Self {
            keep: named(&removal.keep),
            remove: removal.remove.iter().map(named).collect(),
            removal: Arc::new(removal),
            error: None,
            removing: None,
        })
    }

    fn closing(&self, banner: Option<(String, bool)>) -> Closing {
        Closing {
            dialog: DIALOG_ID,
            banner,
            then: Some(FollowUp::RefreshServer),
            ..Closing::default()
        }
    }
}

impl Session for ServerApplicationsSession {
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let busy = self.removing.as_ref().map(Job::status);
        let server = self.removal.server();
        let view = RemovalView {
            organization: &self.removal.organization,
            server: &server,
            keep: &self.keep,
            remove: &self.remove,
            busy: busy
                .as_ref()
                .map(|(step, progress)| (step.as_str(), *progress)),
            error: self.error.as_deref(),
        };
        removal_ui(ctx, &view, sender);
    }

    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Server(action) = action else {
            return Err(action);
        };
        match action {
            ServerAction::Apply if self.removing.is_none() => {
                let removal = self.removal.clone();
                match Job::spawn("vb365-remove-applications", 0, cx.events, move |progress| {
                    removal.run(progress)
                }) {
                    Ok(job) => {
                        self.error = None;
                        self.removing = Some(job);
                    }
                    Err(e) => self.error = Some(format!("Could not start the removal: {e}")),
                }
            }
            // A DELETE under way is not taken back: the dialog waits for its end.
            ServerAction::Cancel if self.removing.is_none() => {
                return Ok(Step::Close(Closing {
                    dialog: DIALOG_ID,
                    ..Closing::default()
                }));
            }
            _ => {}
        }
        Ok(Step::Stay)
    }

    /// The removal's end: done, the dialog closes; refused, it stays with the reason.
    fn take_event(
        &mut self,
        _: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        Ok(match Job::result_of(&mut self.removing, event)? {
            Ok(Ok(count)) => Step::Close(self.closing(Some((
                format!(
                    "Removed {count} backup application{} of {} from the backup server; {} stays.",
                    if count == 1 { "" } else { "s" },
                    self.removal.organization,
                    self.keep
                ),
                false,
            )))),
            Ok(Err(refused)) => {
                self.error = Some(refused.to_string());
                Step::Stay
            }
            Err(_) => Step::Close(self.closing(Some((
                "The removal stopped unexpectedly; Refresh shows what the server has.".into(),
                true,
            )))),
        })
    }
}
