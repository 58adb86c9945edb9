//! R14: accounts a changed directory no longer allows wait for the administrator's consent.
//! *Revoke these accounts* runs the revocation on the keyring worker with its progress;
//! *Keep them for now* (or Escape) changes nothing and marks them as pending review.

use crate::model::Revocation;
use crate::state::AppState;
use crate::ui::consent::{REVOCATION_DIALOG_ID, revocation_consent_ui};
use crate::ui::modal::dialog_closed;
use crate::ui::{ActionSender, ConsentAction};

use super::BackupAccountsApp;
use super::keyring_job::KeyringJob;

/// The open consent dialog and, once consented, the revocation running.
#[derive(Debug)]
pub struct RevocationSession {
    revocations: Vec<Revocation>,
    job: Option<KeyringJob>,
}

impl RevocationSession {
    /// Draws the dialog; updates that revoke nothing run without one.
    pub fn ui(&self, ctx: &egui::Context, sender: &ActionSender) {
        if self.revocations.is_empty() {
            return;
        }
        let progress = self.job.as_ref().map(KeyringJob::progress);
        revocation_consent_ui(ctx, &self.revocations, progress, sender);
    }
}

/// Starts revoking what the directory no longer allows on the keyring worker, or says why
/// it cannot (read-only, no keyring, no thread).
fn start_revocation(state: &AppState, ctx: &egui::Context) -> Result<KeyringJob, String> {
    state
        .begin_revocation()
        .map_err(|e| e.to_string())
        .and_then(|pending| KeyringJob::start(pending, ctx))
}

impl BackupAccountsApp {
    /// Opens the consent dialog when revocations wait and no other dialog is open.
    pub(super) fn open_pending_revocations(&mut self, ctx: &egui::Context) {
        if self.revocation.is_some() || self.manager.is_some() || self.settings.is_some() {
            return;
        }
        let Ok(state) = &self.state else {
            return;
        };
        if !state.pending_revocations().is_empty() {
            self.revocation = Some(RevocationSession {
                revocations: state.pending_revocations().to_vec(),
                job: None,
            });
        } else if state.has_updates_without_revocations() && state.read_only_reason().is_none() {
            // Nothing to consent to (a UPN's case, a group's name), but the keyring may move
            // items: still on the worker.
            match start_revocation(state, ctx) {
                Ok(job) => {
                    self.revocation = Some(RevocationSession {
                        revocations: Vec::new(),
                        job: Some(job),
                    });
                }
                Err(e) => self.revocation_failed(ctx, &e),
            }
        }
    }

    pub(super) fn apply_consent(&mut self, ctx: &egui::Context, action: ConsentAction) {
        let (Some(session), Ok(state)) = (&mut self.revocation, &mut self.state) else {
            return;
        };
        if session.job.is_some() {
            // A revocation under way cannot be abandoned half-way.
            return;
        }
        match action {
            ConsentAction::Revoke => match start_revocation(state, ctx) {
                Ok(job) => session.job = Some(job),
                Err(e) => self.revocation_failed(ctx, &e),
            },
            ConsentAction::Keep => {
                state.keep_pending();
                let count = session.revocations.len();
                self.close_revocation(ctx);
                self.show_banner(
                    format!(
                        "Kept {count} {} for now: nothing was revoked or deleted. {} marked \
                         pending review in the details pane; reload the directory to decide \
                         again.",
                        if count == 1 { "account" } else { "accounts" },
                        if count == 1 { "It is" } else { "They are" },
                    ),
                    false,
                );
            }
        }
    }

    /// Collects the revocation's result once the keyring worker is done.
    pub(super) fn poll_revocation(&mut self, ctx: &egui::Context) {
        let (Some(session), Ok(state)) = (&mut self.revocation, &mut self.state) else {
            return;
        };
        let Some(result) = KeyringJob::finish(&mut session.job, ctx, state) else {
            return;
        };
        match result {
            Ok(()) => {
                let lines: Vec<String> = session
                    .revocations
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                for line in &lines {
                    log::info!("{line}");
                }
                self.close_revocation(ctx);
                if !lines.is_empty() {
                    self.show_banner(lines.join("\n"), false);
                }
            }
            Err(e) => self.revocation_failed(ctx, &e.to_string()),
        }
    }

    /// Nothing was revoked: the accounts stay, pending review, and the banner says why.
    fn revocation_failed(&mut self, ctx: &egui::Context, error: &str) {
        if let Ok(state) = &mut self.state {
            state.keep_pending();
        }
        self.close_revocation(ctx);
        self.show_banner(
            format!(
                "Nothing was revoked: {error} The accounts are kept and marked pending review; \
                 reload the directory to try again."
            ),
            true,
        );
    }

    fn close_revocation(&mut self, ctx: &egui::Context) {
        self.revocation = None;
        dialog_closed(ctx, REVOCATION_DIALOG_ID, None);
    }

    /// True while the consent dialog is open or its revocation runs.
    pub fn is_revoking(&self) -> bool {
        self.revocation.as_ref().is_some_and(|r| r.job.is_some())
    }
}
