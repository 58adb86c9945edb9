//! One pace for every request of a sync: at most N requests in flight over all its phases,
//! and a pause that throttling imposes on all of them. Graph throttles per application and
//! tenant, so a 429 for the users means the member batches should wait too, not only the
//! request that was told.

use std::sync::atomic::AtomicBool;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::graph_error::GraphError;

/// Requests in flight at once unless the settings say otherwise.
pub const DEFAULT_IN_FLIGHT: usize = 4;
/// The most the settings may ask for: more would invite throttling.
pub const MAX_IN_FLIGHT: usize = 16;

/// How often a waiting request looks at the cancel flag.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// How long a chain's place stays kept for its next request once an answer came (the time
/// to read it and ask for the next page), so a member batch does not take it meanwhile and
/// make the chain wait for a batch's answer.
const HANDOVER: Duration = Duration::from_millis(20);

/// The shared pace.
#[derive(Debug)]
pub struct Pacer {
    limit: usize,
    state: Mutex<PaceState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct PaceState {
    in_flight: usize,
    /// Requests of the chains (pages that follow one another) waiting for a place: they go
    /// before member batches, which are many and independent, so the longest chains are not
    /// stretched by waiting behind them.
    chains_waiting: usize,
    /// Member batches waiting and in flight: with more than one place, one batch may always
    /// go, so that chains as many as the places do not hold the batches back until they end.
    batches_waiting: usize,
    batches_in_flight: usize,
    /// Places kept for chains' next requests, until these deadlines ([`HANDOVER`]).
    kept: Vec<Instant>,
    most_in_flight: usize,
    paused_until: Option<Instant>,
    /// Time requests spent waiting for a throttling pause to end, added up.
    paused: Duration,
}

impl PaceState {
    fn waiting(&mut self, batch: bool) -> &mut usize {
        if batch {
            &mut self.batches_waiting
        } else {
            &mut self.chains_waiting
        }
    }
}

/// A request's place in flight; dropping it lets the next one go.
#[derive(Debug)]
pub struct InFlight<'a> {
    pacer: &'a Pacer,
    batch: bool,
}

impl Pacer {
    /// At most `limit` requests in flight (1 to [`MAX_IN_FLIGHT`]).
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.clamp(1, MAX_IN_FLIGHT),
            state: Mutex::default(),
            changed: Condvar::new(),
        }
    }

    /// The most requests in flight at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn state(&self) -> MutexGuard<'_, PaceState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until no throttling pause is on and fewer than the limit are in flight, then
    /// takes a place; [`GraphError::Cancelled`] once `cancel` is set.
    pub fn start(&self, cancel: &AtomicBool) -> Result<InFlight<'_>, GraphError> {
        let batch = in_batches();
        let mut state = self.state();
        *state.waiting(batch) += 1;
        let started = self.wait_for_place(state, cancel, batch);
        *self.state().waiting(batch) -= 1;
        self.changed.notify_all();
        started
    }

    /// Whether a request (a member batch's when `batch`) may take a place now: chains go
    /// first, but with more than one place one batch always flies when batches wait (it goes
    /// before the chains then), so the batches start with the first groups page even when
    /// the chains are as many as the places.
    /// Places kept for chains count as taken for batches, but for that one batch.
    fn may_start(&self, state: &mut PaceState, batch: bool, now: Instant) -> bool {
        state.kept.retain(|deadline| *deadline > now);
        let lane = self.limit > 1 && state.batches_in_flight == 0;
        let free = self.limit.saturating_sub(state.in_flight);
        free > 0
            && if batch {
                lane || (state.chains_waiting == 0 && free > state.kept.len())
            } else {
                !(lane && state.batches_waiting > 0)
            }
    }

    fn wait_for_place<'a>(
        &'a self,
        mut state: MutexGuard<'_, PaceState>,
        cancel: &AtomicBool,
        batch: bool,
    ) -> Result<InFlight<'a>, GraphError> {
        loop {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(GraphError::Cancelled);
            }
            let now = Instant::now();
            let paused_until = state.paused_until;
            let wait = match paused_until {
                Some(until) if until > now => {
                    let step = (until - now).min(CANCEL_CHECK);
                    state.paused += step;
                    step
                }
                _ if self.may_start(&mut state, batch, now) => {
                    state.in_flight += 1;
                    state.batches_in_flight += usize::from(batch);
                    if !batch && !state.kept.is_empty() {
                        state.kept.remove(0);
                    }
                    state.most_in_flight = state.most_in_flight.max(state.in_flight);
                    return Ok(InFlight { pacer: self, batch });
                }
                // A kept place that lapses frees it for a batch: look again then.
                _ => state.kept.iter().min().map_or(CANCEL_CHECK, |deadline| {
                    deadline.saturating_duration_since(now).min(CANCEL_CHECK)
                }),
            };
            state = self
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Throttling: no request starts for `wait`, whichever phase it belongs to.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.state();
        state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.state().in_flight
    }

    /// The most requests that were in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.state().most_in_flight
    }

    /// Time requests spent waiting for throttling pauses, added up over requests.
    pub fn paused(&self) -> Duration {
        self.state().paused
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut state = self.pacer.state();
        state.in_flight -= 1;
        state.batches_in_flight -= usize::from(self.batch);
        if !self.batch {
            state.kept.push(Instant::now() + HANDOVER);
        }
        drop(state);
        // Everyone looks: a chain's request must not sleep while a batch takes its place.
        self.pacer.changed.notify_all();
    }
}

thread_local! {
    /// This thread reads member batches: its requests yield to the chains'.
    static IN_BATCHES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True when this thread's requests yield to the chains' (it reads member batches).
pub(super) fn in_batches() -> bool {
    IN_BATCHES.with(std::cell::Cell::get)
}

/// Runs `work` with this thread's requests yielding to the chains' (member batches).
pub(super) fn as_batches<R>(work: impl FnOnce() -> R) -> R {
    IN_BATCHES.with(|flag| flag.set(true));
    let result = work();
    IN_BATCHES.with(|flag| flag.set(false));
    result
}

/// A `Retry-After` value in seconds (at most five minutes), from a header or from the
/// headers of a `$batch` answer.
pub fn retry_after_seconds(value: &str) -> Option<Duration> {
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(300)))
}

/// 0.5 s, 1 s, 2 s, ... (at most 30 s), plus up to a quarter more at random, so clients
/// throttled together do not come back together.
pub(super) fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500) * 2u32.saturating_pow(attempt.saturating_sub(1));
    let base = base.min(Duration::from_secs(30));
    let quarter = u64::try_from(base.as_millis() / 4).unwrap_or(0);
    let jitter_millis = u64::from(rand_u32() % 1000) * quarter / 1000;
    base + Duration::from_millis(jitter_millis)
}

/// A little randomness for the jitter, from the clock: no cryptographic use.
fn rand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn one_batch_flies_while_batches_wait_unless_there_is_one_place() {
        let waiting = || PaceState {
            chains_waiting: 3,
            batches_waiting: 1,
            ..PaceState::default()
        };
        let now = Instant::now();
        let three = Pacer::new(3);
        assert!(three.may_start(&mut waiting(), true, now));
        assert!(
            !three.may_start(&mut waiting(), false, now),
            "its lane first"
        );
        let flying = || PaceState {
            in_flight: 1,
            batches_in_flight: 1,
            ..waiting()
        };
        assert!(three.may_start(&mut flying(), false, now));
        assert!(
            !three.may_start(&mut flying(), true, now),
            "one lane; chains first"
        );
        let one = Pacer::new(1);
        assert!(one.may_start(&mut waiting(), false, now));
        assert!(
            !one.may_start(&mut waiting(), true, now),
            "one place: chains first"
        );
    }

    #[test]
    fn a_chains_place_is_kept_for_its_next_request_for_a_moment() {
        let (pacer, cancel) = (Pacer::new(2), AtomicBool::new(false));
        let batch = as_batches(|| pacer.start(&cancel)).unwrap_or_else(|e| panic!("{e}"));
        drop(pacer.start(&cancel).unwrap_or_else(|e| panic!("{e}")));
        let now = Instant::now();
        let mut state = pacer.state();
        assert!(!pacer.may_start(&mut state, true, now), "kept from batches");
        assert!(pacer.may_start(&mut state, false, now), "for the chain");
        assert!(
            pacer.may_start(&mut state, true, now + 2 * HANDOVER),
            "lapsed"
        );
        drop(state);
        drop(batch);
    }

    #[test]
    fn no_more_than_the_limit_fly_and_a_pause_holds_everyone() {
        let pacer = Pacer::new(2);
        let cancel = AtomicBool::new(false);
        let most = AtomicUsize::new(0);
        let now = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let _place = pacer.start(&cancel).unwrap_or_else(|e| panic!("{e}"));
                    let flying = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(flying, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(pacer.most_in_flight(), 2);
        assert_eq!(pacer.in_flight(), 0);

        pacer.pause_for(Duration::from_millis(200));
        let asked = Instant::now();
        drop(pacer.start(&cancel));
        assert!(
            asked.elapsed() >= Duration::from_millis(150),
            "held by the pause"
        );
        assert!(pacer.paused() >= Duration::from_millis(150));

        pacer.pause_for(Duration::from_secs(60));
        cancel.store(true, Ordering::Relaxed);
        assert!(matches!(pacer.start(&cancel), Err(GraphError::Cancelled)));
        assert_eq!(Pacer::new(99).limit(), MAX_IN_FLIGHT);
    }
}
