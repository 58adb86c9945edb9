//! What a sync is doing and how far it is, shared between the sync's threads and the
//! progress window.

use std::sync::atomic::{AtomicUsize, Ordering};

/// What a sync is doing, for the progress window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SyncPhase {
    /// Signing in, or not started.
    SigningIn = 0,
    /// Reading the whole tenant.
    Full = 1,
    /// Reading only the changes since the last sync.
    Delta = 2,
    /// The saved delta link was refused (410), so the whole tenant is read again.
    FullAfterDeltaRefused = 3,
}

/// Counts for the progress window and the benchmark.
#[derive(Debug, Default)]
pub struct GraphStats {
    /// HTTP requests sent, retries included.
    pub requests: AtomicUsize,
    /// Pages received.
    pub pages: AtomicUsize,
    /// Objects received.
    pub objects: AtomicUsize,
    /// Waits for throttling.
    pub throttled: AtomicUsize,
    /// A [`SyncPhase`], as a number.
    phase: std::sync::atomic::AtomicU8,
}

impl GraphStats {
    /// What the sync is doing now.
    pub fn phase(&self) -> SyncPhase {
        match self.phase.load(Ordering::Relaxed) {
            1 => SyncPhase::Full,
            2 => SyncPhase::Delta,
            3 => SyncPhase::FullAfterDeltaRefused,
            _ => SyncPhase::SigningIn,
        }
    }

    /// Says what the sync does from now on.
    pub fn set_phase(&self, phase: SyncPhase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }
}
