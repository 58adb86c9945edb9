//! The Health view's session: the keyring check on the `keyring-check` worker (when the view
//! opens and on *Check now*), and the report computed on the `health-report` worker whenever
//! the state or the check changed, so drawing never computes it.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::event::{EventSender, WorkerEvent};
use super::job::Job;
use super::server_overview::ServerOverview;
use crate::model::health::HealthReport;
use crate::model::server_pool::ServerFacts;
use crate::state::AppState;
use crate::store::SecretError;

type Missing = BTreeSet<(String, String)>;

/// (state revision, keyring check generation, backup server facts generation).
type ReportInputs = (u64, u64, u64);

/// What the Health view shows and what it waits for.
#[derive(Debug, Default)]
pub struct HealthSession {
    /// The Health tab is shown rather than the details.
    pub visible: bool,
    report: Option<Arc<HealthReport>>,
    /// (state revision, check generation, server facts generation) the report was computed
    /// for.
    report_for: Option<ReportInputs>,
    computing: Option<(ReportInputs, Job<HealthReport>)>,
    check: Option<Job<Result<Missing, SecretError>>>,
    missing: Option<Missing>,
    /// Counts finished checks, so a new result recomputes the report.
    check_generation: u64,
    /// The last check's result in words.
    check_status: Option<(String, bool)>,
    /// The state revision the last check started at: a commit since then changed secrets.
    checked_revision: Option<u64>,
    /// When the last check ended.
    checked_at: Option<jiff::Timestamp>,
}

impl HealthSession {
    /// Shows or hides the view; showing it checks the keyring.
    pub fn set_visible(&mut self, visible: bool, state: &AppState, events: &EventSender) {
        let opened = visible && !self.visible;
        self.visible = visible;
        if opened {
            self.check_now(state, events);
        }
    }

    /// Starts reading every saved secret, unless a check is already running.
    pub fn check_now(&mut self, state: &AppState, events: &EventSender) {
        if self.check.is_some() {
            return;
        }
        self.checked_revision = Some(state.revision());
        let job = match state.secret_check() {
            Ok(job) if job.is_empty() => {
                self.finish_check(Ok(Missing::new()), 0);
                return;
            }
            Ok(job) => job,
            Err(e) => {
                self.finish_check(Err(e), 0);
                return;
            }
        };
        let spawned = Job::spawn("keyring-check", job.len(), events, move |progress| {
            job.run(&progress.done)
        });
        match spawned {
            Ok(check) => self.check = Some(check),
            Err(e) => {
                self.check_status = Some((format!("Could not start the keyring check: {e}"), true));
            }
        }
    }

    fn finish_check(&mut self, result: Result<Missing, SecretError>, total: usize) {
        self.check_generation += 1;
        self.checked_at = Some(jiff::Timestamp::now());
        self.check_status = Some(match result {
            Ok(missing) => {
                let text = format!(
                    "Keyring checked: {} of {total} saved passwords missing.",
                    missing.len()
                );
                self.missing = Some(missing);
                (text, false)
            }
            Err(e) => {
                self.missing = None;
                (format!("The keyring could not be checked: {e}"), true)
            }
        });
    }

    /// Starts what is out of date while the view is visible (call every frame): the check
    /// when the keyring changed since the last one, the report when the state, the check or
    /// the backup server's facts (`server`) changed since it was computed.
    pub fn refresh(
        &mut self,
        state: &AppState,
        server: &ServerOverview,
        events: &EventSender,
        ctx: &egui::Context,
    ) {
        if self.check.is_some() {
            // The bar moves without input: the worker counts, nothing tells the window.
            ctx.request_repaint_after(Duration::from_millis(50));
        } else if self.checked_revision != Some(state.revision()) {
            // Saving or revoking changed the keyring: what the last check found is stale.
            self.check_now(state, events);
        }
        let wanted = (state.revision(), self.check_generation, server.generation());
        if self.computing.is_none() && self.report_for != Some(wanted) {
            self.start_report(state, server.facts().cloned(), wanted, events);
        }
    }

    /// Takes the check's or the report's end; any other event is given back.
    pub fn take_event(&mut self, event: WorkerEvent) -> Result<(), WorkerEvent> {
        let total = self.check.as_ref().map_or(0, |job| job.progress().1);
        let event = match Job::result_of(&mut self.check, event) {
            Ok(result) => {
                let result = result.unwrap_or_else(|_| {
                    Err(SecretError::Unavailable {
                        store: crate::store::secrets::PLATFORM_KEYRING,
                        detail: "the keyring check stopped unexpectedly".to_owned(),
                    })
                });
                self.finish_check(result, total);
                return Ok(());
            }
            Err(other) => other,
        };
        let Some((computed_for, job)) = self.computing.take() else {
            return Err(event);
        };
        let mut running = Some(job);
        match Job::result_of(&mut running, event) {
            Ok(Ok(report)) => {
                self.report = Some(Arc::new(report));
                self.report_for = Some(computed_for);
            }
            Ok(Err(_)) => log::error!("the Health report's worker stopped unexpectedly"),
            Err(other) => {
                self.computing = running.map(|job| (computed_for, job));
                return Err(other);
            }
        }
        Ok(())
    }

    fn start_report(
        &mut self,
        state: &AppState,
        server: Option<Arc<ServerFacts>>,
        wanted: ReportInputs,
        events: &EventSender,
    ) {
        let job = state.health_job(None);
        let missing = self.missing.clone();
        let spawned = Job::spawn("health-report", 0, events, move |_| {
            job.compute(missing.as_ref(), server.as_deref(), jiff::Timestamp::now())
        });
        if let Ok(report) = spawned {
            self.computing = Some((wanted, report));
        }
    }

    /// The latest report, if one was computed.
    pub fn report(&self) -> Option<&Arc<HealthReport>> {
        self.report.as_ref()
    }

    /// Secrets read so far and in all, while a check runs.
    pub fn check_progress(&self) -> Option<(usize, usize)> {
        self.check.as_ref().map(Job::progress)
    }

    /// When the last check ended, e.g. "2026-11-29 04:10 UTC".
    pub fn checked_at(&self) -> Option<String> {
        self.checked_at
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
    }

    /// The last check's result in words, and whether it failed.
    pub fn check_status(&self) -> Option<(&str, bool)> {
        self.check_status.as_ref().map(|(t, e)| (t.as_str(), *e))
    }
}
