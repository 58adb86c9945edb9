//! Commits run on a named worker thread (`keyring-commit`), so a slow keyring, or its unlock
//! prompt, never freezes the window; the window draws their progress meanwhile.

use std::time::Duration;

use super::job::{Job, JobPanicked};
use crate::state::PendingCommit;
use crate::store::{CommitError, Config, SecretError};

/// A commit running on the keyring worker thread.
#[derive(Debug)]
pub struct KeyringJob(Job<Result<Config, CommitError>>);

impl KeyringJob {
    /// Starts the commit on its own thread; the window repaints when it ends.
    pub fn start(pending: PendingCommit, ctx: &egui::Context) -> Result<Self, String> {
        let total = pending.keyring_steps();
        Job::spawn("keyring-commit", total, ctx, move |progress| {
            pending.run(&progress.done)
        })
        .map(Self)
        .map_err(|e| format!("Nothing was saved: could not start saving ({e})."))
    }

    /// Keyring changes done so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        self.0.progress()
    }

    /// The job's result once it has finished; `None` (and a repaint soon, to keep the
    /// progress moving) while it runs.
    pub fn poll(
        job: &mut Option<Self>,
        ctx: &egui::Context,
    ) -> Option<Result<Config, CommitError>> {
        let mut inner = job.take().map(|j| j.0);
        let result = Job::poll(&mut inner, ctx, Duration::from_millis(50));
        *job = inner.map(Self);
        Some(result?.unwrap_or_else(|JobPanicked| {
            Err(CommitError::Secret(SecretError::Failed {
                store: crate::store::secrets::PLATFORM_KEYRING,
                action: "save",
                account: String::new(),
                detail: "the keyring worker stopped unexpectedly".to_owned(),
            }))
        }))
    }

    /// Once the job has finished: on success the saved configuration goes to the state;
    /// a failure is logged and returned for the window to show. `None` while it runs.
    pub fn finish(
        job: &mut Option<Self>,
        ctx: &egui::Context,
        state: &mut crate::state::AppState,
    ) -> Option<Result<(), CommitError>> {
        Some(match Self::poll(job, ctx)? {
            Ok(config) => {
                state.finish_commit(config);
                Ok(())
            }
            Err(e) => {
                log::error!("{e}");
                Err(e)
            }
        })
    }
}
