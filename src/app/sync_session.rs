//! The sign-in and sync session: the job on the `graph-sync` worker, its prompt and
//! progress for the dialog, and the synced snapshot handed to the import (R13, R14).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::state::{AppState, SyncFailure, SyncedTenant};
use crate::store::graph::client::{Counter, GraphStats, SyncPhase};
use crate::store::graph::signin::DeviceCodePrompt;
use crate::store::graph::sync::{SyncKind, SyncSummary};
use crate::ui::sign_in::{self, PhaseBar, SignInData, SyncProgress, sign_in_ui};
use crate::ui::{Action, ActionSender};

use super::BackupAccountsApp;
use super::event::{EventSender, WorkerEvent};
use super::job::Job;
use super::session::{Closing, FollowUp, Session, SessionContext, Step};

/// A sign-in and sync under way.
#[derive(Debug)]
pub struct SyncSession {
    job: Option<Job<Result<SyncedTenant, SyncFailure>>>,
    prompt: Arc<Mutex<Option<DeviceCodePrompt>>>,
    stats: Arc<GraphStats>,
}

impl SyncSession {
    /// Starts a sign-in (`sign_in`) or a sync with the stored refresh token on the
    /// `graph-sync` worker, or says why it cannot start.
    pub fn start(state: &AppState, events: &EventSender, sign_in: bool) -> Result<Self, String> {
        let job = state.sync_job(sign_in).map_err(|e| e.to_string())?;
        let prompt: Arc<Mutex<Option<DeviceCodePrompt>>> = Arc::default();
        let stats: Arc<GraphStats> = Arc::default();
        let (shown, counted) = (prompt.clone(), stats.clone());
        let spawned = Job::spawn("graph-sync", 0, events, move |progress| {
            let show = move |code: DeviceCodePrompt| {
                *shown
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(code);
            };
            job.run(&show, counted, &progress.cancel)
        });
        match spawned {
            Ok(job) => Ok(Self {
                job: Some(job),
                prompt,
                stats,
            }),
            Err(e) => Err(format!("Could not start the sync: {e}")),
        }
    }
}

impl Session for SyncSession {
    /// Draws the dialog.
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let prompt = self
            .prompt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let count = |n: &std::sync::atomic::AtomicUsize| n.load(Ordering::Relaxed);
        let stats = &self.stats;
        let bar = |name, counter: &Counter| PhaseBar {
            name,
            done: counter.done(),
            total: counter.total(),
            finished: counter.is_finished(),
        };
        let full = stats.phase() != SyncPhase::Delta;
        let progress = SyncProgress {
            phases: if full {
                vec![
                    bar("Users", &stats.users),
                    bar("Groups", &stats.groups),
                    bar("Member lists", &stats.member_lists),
                    bar("MFA report", &stats.mfa),
                ]
            } else {
                Vec::new()
            },
            counts: (
                count(&stats.pages),
                count(&stats.objects),
                count(&stats.throttled),
            ),
            in_flight: count(&stats.in_flight),
            time_left: stats.time_left(),
        };
        let data = SignInData {
            prompt: prompt.as_ref(),
            progress: &progress,
            reading: count(&self.stats.requests) > 0,
            phase: self.stats.phase(),
        };
        sign_in_ui(ctx, &data, sender);
        // The bars move without input: the worker counts, nothing tells the window.
        ctx.request_repaint_after(Duration::from_millis(100));
    }

    /// Its only action, Cancel, is the main window's (`MainAction::CancelSync`).
    fn apply(&mut self, _: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        Err(action)
    }

    /// The finished sync: its snapshot is imported like an export folder (Organization
    /// Settings for a new tenant, consent before revoking anything).
    fn take_event(
        &mut self,
        _: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        let cancelled = self.job.as_ref().is_some_and(Job::was_cancelled);
        let result = Job::result_of(&mut self.job, event)?;
        let mut closing = Closing {
            dialog: sign_in::DIALOG_ID,
            ..Closing::default()
        };
        match result {
            Ok(Ok(tenant)) => {
                closing.then = Some(FollowUp::ImportSynced {
                    done: synced(&tenant.summary),
                    synced: Box::new(tenant),
                });
            }
            Ok(Err(_)) if cancelled => {
                closing.banner = Some((
                    "The sign-in and sync were cancelled; nothing changed.".to_owned(),
                    false,
                ));
            }
            Ok(Err(failure)) => closing.banner = Some((failure.to_string(), true)),
            Err(_) => {
                closing.banner = Some((
                    "The sync stopped unexpectedly; nothing changed.".to_owned(),
                    true,
                ));
            }
        }
        Ok(Step::Close(closing))
    }

    /// *Cancel*: the worker stops at its next request or wait; nothing changes.
    fn cancel(&mut self) {
        if let Some(job) = &self.job {
            job.cancel();
        }
    }
}

impl BackupAccountsApp {
    /// Deletes the synced tenant's refresh token; the snapshot stays.
    pub(super) fn sign_out(&mut self) {
        let Ok(state) = &self.state else {
            return;
        };
        let Some(tenant) = state.synced_tenant() else {
            return self.show_banner(
                "No tenant was synced from Microsoft 365, so there is nothing to sign out of."
                    .into(),
                false,
            );
        };
        let result = state.sign_out();
        match result {
            Ok(()) => self.show_banner(
                format!("Signed out of tenant {tenant}: its refresh token was deleted."),
                false,
            ),
            Err(e) => self.show_banner(e.to_string(), true),
        }
    }
}

/// The notice after a sync: how the tenant was read, and that the MFA report was refused
/// when it was.
fn synced(summary: &SyncSummary) -> String {
    let tenant = &summary.tenant_id;
    let read = match summary.kind {
        SyncKind::Delta => format!(
            "Synced tenant {tenant}: {} users and groups changed since the last sync, and only \
             those were read.",
            summary.changed_objects
        ),
        SyncKind::Full => format!("Synced tenant {tenant}: the whole tenant was read."),
        SyncKind::FullAfterDeltaRefused => format!(
            "Synced tenant {tenant}: Microsoft Graph no longer accepted the saved delta link, \
             so the whole tenant was read again."
        ),
    };
    if summary.mfa_report {
        return read;
    }
    format!(
        "{read} Microsoft Graph refused the MFA report (403: AuditLog.Read.All is not granted), \
         so every account counts as MFA-enabled and is asked for an app password; see \
         docs/microsoft-365.md to grant it."
    )
}
