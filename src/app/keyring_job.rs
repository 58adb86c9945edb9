//! Commits run on a named worker thread (`keyring-commit`), so a slow keyring, or its unlock
//! prompt, never freezes the window; the window draws their progress meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::state::PendingCommit;
use crate::store::{CommitError, Config, SecretError};

/// A commit running on the keyring worker thread.
#[derive(Debug)]
pub struct KeyringJob {
    worker: std::thread::JoinHandle<Result<Config, CommitError>>,
    done: Arc<AtomicUsize>,
    total: usize,
}

impl KeyringJob {
    /// Starts the commit on its own thread; the window repaints when it ends.
    pub fn start(pending: PendingCommit, ctx: &egui::Context) -> Result<Self, String> {
        let done = Arc::new(AtomicUsize::new(0));
        let total = pending.keyring_steps();
        let worker_done = done.clone();
        let repaint = ctx.clone();
        std::thread::Builder::new()
            .name("keyring-commit".to_owned())
            .spawn(move || {
                let result = pending.run(&worker_done);
                repaint.request_repaint();
                result
            })
            .map(|worker| Self {
                worker,
                done,
                total,
            })
            .map_err(|e| format!("Nothing was saved: could not start saving ({e})."))
    }

    /// Keyring changes done so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total)
    }

    /// The job's result once it has finished; `None` (and a repaint soon, to keep the
    /// progress moving) while it runs.
    pub fn poll(
        job: &mut Option<Self>,
        ctx: &egui::Context,
    ) -> Option<Result<Config, CommitError>> {
        if !job.as_ref()?.worker.is_finished() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
            return None;
        }
        let job = job.take()?;
        Some(job.worker.join().unwrap_or_else(|_| {
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
