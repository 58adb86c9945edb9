//! R14: accounts a changed directory no longer allows wait for the administrator's consent.
//! *Revoke these accounts* runs the revocation on the keyring worker with its progress;
//! *Keep them for now* (or Escape) changes nothing and marks them as pending review.

use crate::model::Revocation;
use crate::state::{AppState, CommitFailure, DirectoryChange};
use crate::ui::consent::{REVOCATION_DIALOG_ID, revocation_consent_ui};
use crate::ui::{Action, ActionSender, ConsentAction};

use super::event::{EventSender, WorkerEvent};
use super::keyring_job::KeyringJob;
use super::session::{Closing, Session, SessionContext, Step};

/// The open consent dialog and, once consented, the revocation running.
#[derive(Debug)]
pub struct RevocationSession {
    revocations: Vec<Revocation>,
    job: Option<KeyringJob>,
}

impl RevocationSession {
    /// The consent dialog when revocations wait; or, when a change revokes nothing but may
    /// move keyring items (a UPN's case, a group's name), that work on the worker without a
    /// dialog. `None` when nothing waits; `Err` with how it ended when it could not start.
    pub fn open(
        change: DirectoryChange,
        state: &mut AppState,
        events: &EventSender,
    ) -> Option<Result<Self, Closing>> {
        if !change.revocations.is_empty() {
            return Some(Ok(Self {
                revocations: change.revocations,
                job: None,
            }));
        }
        if !change.has_updates_without_revocations() || state.read_only_reason().is_some() {
            return None;
        }
        Some(match start_revocation(state, events) {
            Ok(job) => Ok(Self {
                revocations: Vec::new(),
                job: Some(job),
            }),
            Err(e) => Err(failed(state, &[], &e)),
        })
    }
}

impl Session for RevocationSession {
    /// Draws the dialog; updates that revoke nothing run without one.
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        if self.revocations.is_empty() {
            return;
        }
        let progress = self.job.as_ref().map(KeyringJob::progress);
        revocation_consent_ui(ctx, &self.revocations, progress, sender);
    }

    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Consent(action) = action else {
            return Err(action);
        };
        if self.job.is_some() {
            // A revocation under way cannot be abandoned half-way.
            return Ok(Step::Stay);
        }
        Ok(match action {
            ConsentAction::Revoke => match start_revocation(cx.state, cx.events) {
                Ok(job) => {
                    self.job = Some(job);
                    Step::Stay
                }
                Err(e) => Step::Close(failed(cx.state, &self.revocations, &e)),
            },
            ConsentAction::Keep => {
                cx.state.keep_pending(&self.revocations);
                let count = self.revocations.len();
                Step::Close(closing(Some((
                    format!(
                        "Kept {count} {} for now: nothing was revoked or deleted. {} marked \
                         pending review in the details pane; reload the directory to decide \
                         again.",
                        if count == 1 { "account" } else { "accounts" },
                        if count == 1 { "It is" } else { "They are" },
                    ),
                    false,
                ))))
            }
        })
    }

    /// The revocation's result when the keyring worker ends.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        Ok(match KeyringJob::finish(&mut self.job, event, cx.state)? {
            Ok(()) => {
                let lines: Vec<String> = self.revocations.iter().map(ToString::to_string).collect();
                for line in &lines {
                    log::info!("{line}");
                }
                Step::Close(closing(
                    (!lines.is_empty()).then(|| (lines.join("\n"), false)),
                ))
            }
            Err(e) => Step::Close(failed(cx.state, &self.revocations, &e)),
        })
    }

    fn is_saving(&self) -> bool {
        self.job.is_some()
    }
}

/// Starts revoking what the directory no longer allows on the keyring worker, or says why
/// it cannot (read-only, no keyring, no thread).
fn start_revocation(state: &AppState, events: &EventSender) -> Result<KeyringJob, CommitFailure> {
    state
        .begin_revocation()
        .and_then(|pending| KeyringJob::start(pending, events))
}

fn closing(banner: Option<(String, bool)>) -> Closing {
    Closing {
        dialog: REVOCATION_DIALOG_ID,
        banner,
        ..Closing::default()
    }
}

/// Nothing was revoked: the accounts stay, pending review, and the banner says why.
fn failed(
    state: &mut AppState,
    revocations: &[Revocation],
    error: &dyn std::fmt::Display,
) -> Closing {
    state.keep_pending(revocations);
    closing(Some((
        format!(
            "Nothing was revoked: {error} The accounts are kept and marked pending review; \
             reload the directory to try again."
        ),
        true,
    )))
}
