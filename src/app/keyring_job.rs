//! Commits run on a named worker thread (`keyring-commit`), so a slow keyring, or its unlock
//! prompt, never freezes the window; the window draws their progress meanwhile.

use super::event::{EventSender, WorkerEvent};
use super::job::{Job, JobPanicked};
use crate::state::{CommitFailure, PendingCommit};
use crate::store::{CommitError, Config, SecretError};

/// A commit running on the keyring worker thread.
#[derive(Debug)]
pub struct KeyringJob(Job<Result<Config, CommitError>>);

impl KeyringJob {
    /// Starts the commit on its own thread; its end comes back as a worker event.
    pub fn start(pending: PendingCommit, events: &EventSender) -> Result<Self, CommitFailure> {
        let total = pending.keyring_steps();
        Job::spawn("keyring-commit", total, events, move |progress| {
            pending.run(&progress.done)
        })
        .map(Self)
        .map_err(CommitFailure::NotStarted)
    }

    /// Keyring changes done so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        self.0.progress()
    }

    /// When `event` is the end of the commit in `job`: on success the saved configuration
    /// goes to the state; a failure is logged and returned for the window to show. Any other
    /// event is given back.
    pub fn finish(
        job: &mut Option<Self>,
        event: WorkerEvent,
        state: &mut crate::state::AppState,
    ) -> Result<Result<(), CommitError>, WorkerEvent> {
        let mut inner = job.take().map(|j| j.0);
        let result = Job::result_of(&mut inner, event);
        *job = inner.map(Self);
        let result = result?.unwrap_or_else(|JobPanicked| {
            Err(CommitError::Secret(SecretError::Failed {
                store: crate::store::secrets::PLATFORM_KEYRING,
                action: "save",
                account: String::new(),
                detail: "the keyring worker stopped unexpectedly".to_owned(),
            }))
        });
        Ok(match result {
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
