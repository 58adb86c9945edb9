//! How far a piece of slow work is, shared between the worker doing it and whoever shows it
//! (the window's progress bar, the command line): steps done of steps in all, what it does
//! now, and a cancel flag it honours at its next check. No egui here, so the store's network
//! clients report through it too.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What a job's worker shares with the window: how far it is, and whether to stop.
#[derive(Debug, Default)]
pub struct JobProgress {
    /// Steps done so far.
    pub done: AtomicUsize,
    /// Steps in all, when known (0: unknown).
    pub total: AtomicUsize,
    /// Set by `Job::cancel`; the worker stops at its next check, changing nothing more.
    pub cancel: Arc<AtomicBool>,
    /// What the worker does now, in words ("Reading the server's groups"); empty at first.
    step: Mutex<String>,
}

impl JobProgress {
    /// Progress of work with `total` steps (0 when unknown), none done.
    pub fn with_total(total: usize) -> Self {
        Self {
            total: AtomicUsize::new(total),
            ..Self::default()
        }
    }

    /// True once the job was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Says what the worker does from now on.
    pub fn set_step(&self, step: impl Into<String>) {
        if let Ok(mut current) = self.step.lock() {
            *current = step.into();
        }
    }

    /// What the worker does now.
    pub fn step(&self) -> String {
        self.step.lock().map(|s| s.clone()).unwrap_or_default()
    }
}
