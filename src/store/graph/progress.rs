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
    /// Requests in flight now.
    pub in_flight: AtomicUsize,
    /// Times `RateLimit-*` headers said to slow down before a 429.
    pub slowed: AtomicUsize,
    /// A [`SyncPhase`], as a number.
    phase: std::sync::atomic::AtomicU8,
    /// The full sync's users read, of the tenant's (`$count`).
    pub users: Counter,
    /// The full sync's groups read, of the tenant's (`$count`).
    pub groups: Counter,
    /// Member lists written, of the groups.
    pub member_lists: Counter,
    /// MFA report entries read, of the users.
    pub mfa: Counter,
    /// When the tenant started being read, for the time left.
    started: std::sync::Mutex<Option<std::time::Instant>>,
}

/// Objects done of a total that may not be known.
#[derive(Debug, Default)]
pub struct Counter {
    done: AtomicUsize,
    /// The total plus one; 0 while unknown.
    total: AtomicUsize,
    finished: std::sync::atomic::AtomicBool,
}

impl Counter {
    /// `n` more done.
    pub fn add(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// The total, as Graph said it.
    pub fn set_total(&self, total: usize) {
        self.total.store(total.saturating_add(1), Ordering::Relaxed);
    }

    /// Everything of this phase is read.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::Relaxed);
    }

    /// Done so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// The total, once known.
    pub fn total(&self) -> Option<usize> {
        self.total.load(Ordering::Relaxed).checked_sub(1)
    }

    /// True once the phase is read.
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }

    /// How far along, 0 to 1: 1 once finished; `None` while the total is unknown.
    pub fn fraction(&self) -> Option<f32> {
        if self.is_finished() {
            return Some(1.0);
        }
        let total = self.total()?;
        #[expect(clippy::cast_precision_loss, reason = "a progress bar's fraction")]
        Some((self.done() as f32 / total.max(1) as f32).min(1.0))
    }
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

    /// The full read starts now.
    pub fn start_reading(&self) {
        *self
            .started
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::time::Instant::now());
    }

    /// How far the full read is over its four phases (users, groups, member lists and the
    /// MFA report weigh as the requests they take: member lists most), once every total is
    /// known.
    pub fn fraction(&self) -> Option<f32> {
        // Requests per object: a page of 999 users or report entries, one of 999 groups, a
        // twentieth of a batch per member list.
        let weighted = [
            (&self.users, 1.0 / 999.0),
            (&self.groups, 1.0 / 999.0),
            (&self.member_lists, 1.0 / 20.0),
            (&self.mfa, 1.0 / 999.0),
        ];
        let (mut done, mut all) = (0.0, 0.0);
        for (counter, per_object) in weighted {
            #[expect(clippy::cast_precision_loss, reason = "an estimate")]
            let requests = counter.total()? as f32 * per_object;
            done += counter.fraction()? * requests;
            all += requests;
        }
        Some(if all > 0.0 { done / all } else { 1.0 })
    }

    /// The time left, estimated from the time so far and [`GraphStats::fraction`]; `None`
    /// before 5% is read (too early to say).
    pub fn time_left(&self) -> Option<std::time::Duration> {
        let fraction = self.fraction().filter(|f| *f >= 0.05)?;
        let started = (*self
            .started
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))?;
        let elapsed = started.elapsed().as_secs_f32();
        Some(std::time::Duration::from_secs_f32(
            elapsed * (1.0 - fraction) / fraction,
        ))
    }
}
