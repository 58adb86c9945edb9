//! Slow work off the window's thread, in one shape: a named worker thread, its progress (done
//! of total), a cancel flag it may honour, and its result delivered as a worker event
//! ([`WorkerEvent::JobEnded`]) that wakes the window. The app hands each event to the part
//! that holds the job; drawing never waits for a job, and nothing polls one.

use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::event::{EventSender, JobEnded, JobId, WorkerEvent};
pub use crate::model::progress::JobProgress;

/// The worker ended by panicking: no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobPanicked;

/// Work running on a named worker thread; its result arrives as a [`JobEnded`] event.
pub struct Job<T> {
    id: JobId,
    progress: Arc<JobProgress>,
    result: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("progress", &self.progress)
            .finish()
    }
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread named `name` with `total` steps to go (0 when unknown); its
    /// result (or that it panicked) is sent to `events` when it ends. Fails only when no
    /// thread can be started.
    pub fn spawn(
        name: &str,
        total: usize,
        events: &EventSender,
        work: impl FnOnce(&JobProgress) -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let id = JobId::next();
        let progress = Arc::new(JobProgress::with_total(total));
        let (shared, answers) = (progress.clone(), events.clone());
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // A panic is reported as an end without a result, so the window does not
                // wait for ever.
                let result: Result<T, JobPanicked> =
                    std::panic::catch_unwind(AssertUnwindSafe(|| work(&shared)))
                        .map_err(|_| JobPanicked);
                answers.send(WorkerEvent::JobEnded(JobEnded {
                    job: id,
                    result: Box::new(result),
                }));
            })?;
        Ok(Self {
            id,
            progress,
            result: PhantomData,
        })
    }

    /// The result `event` brings when it is the end of the job in `job` (which is then
    /// gone); the event back, untouched, when it is about something else.
    pub fn result_of(
        job: &mut Option<Self>,
        event: WorkerEvent,
    ) -> Result<Result<T, JobPanicked>, WorkerEvent> {
        let WorkerEvent::JobEnded(ended) = event else {
            return Err(event);
        };
        if job.as_ref().map(|j| j.id) != Some(ended.job) {
            return Err(WorkerEvent::JobEnded(ended));
        }
        let JobEnded { job: id, result } = ended;
        match result.downcast::<Result<T, JobPanicked>>() {
            Ok(result) => {
                *job = None;
                Ok(*result)
            }
            // Not reached: a job's id is only ever sent with its own result type.
            Err(result) => Err(WorkerEvent::JobEnded(JobEnded { job: id, result })),
        }
    }
}

impl<T> Job<T> {
    /// Steps done so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.progress.done.load(Ordering::Relaxed),
            self.progress.total.load(Ordering::Relaxed),
        )
    }

    /// What it does now (said to be cancelling once asked to stop), and steps done of all.
    pub fn status(&self) -> (String, (usize, usize)) {
        let cancelling = if self.was_cancelled() {
            "Cancelling: "
        } else {
            ""
        };
        (
            format!("{cancelling}{}", self.progress.step()),
            self.progress(),
        )
    }

    /// Asks the worker to stop; it does at its next check.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// True when [`Job::cancel`] was called.
    pub fn was_cancelled(&self) -> bool {
        self.progress.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    // A panic is how a test reports a failure.
    #![allow(clippy::unwrap_used)]

    use super::super::event::EventQueue;
    use super::*;

    /// Waits for the next event and hands it to `job`.
    fn wait<T: Send + 'static>(
        job: &mut Option<Job<T>>,
        events: &EventQueue,
    ) -> Result<Result<T, JobPanicked>, WorkerEvent> {
        Job::result_of(job, events.wait())
    }

    #[test]
    fn a_job_reports_progress_runs_on_its_named_thread_and_sends_its_result_once() {
        let events = EventQueue::default();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let mut job = Some(
            Job::spawn("test-job", 3, events.sender(), move |progress| {
                progress.done.fetch_add(2, Ordering::Relaxed);
                hold.recv().unwrap();
                std::thread::current().name().map(str::to_owned)
            })
            .unwrap(),
        );
        while job.as_ref().unwrap().progress() != (2, 3) {
            std::thread::yield_now();
        }
        assert!(events.drain().is_empty(), "nothing is sent while it runs");
        release.send(()).unwrap();
        assert_eq!(
            wait(&mut job, &events).unwrap(),
            Ok(Some("test-job".to_owned()))
        );
        assert!(job.is_none(), "the result is taken once");
    }

    #[test]
    fn another_jobs_end_is_given_back_untouched() {
        let events = EventQueue::default();
        let mut first = Some(Job::spawn("first", 0, events.sender(), |_| 1_u8).unwrap());
        let ended = events.wait();
        let mut second: Option<Job<u8>> =
            Some(Job::spawn("second", 0, events.sender(), |_| 2_u8).unwrap());
        let given_back = Job::result_of(&mut second, ended).unwrap_err();
        assert!(
            second.is_some(),
            "the second job still waits for its own end"
        );
        assert_eq!(Job::result_of(&mut first, given_back).unwrap(), Ok(1));
        assert_eq!(wait(&mut second, &events).unwrap(), Ok(2));
    }

    #[test]
    fn a_cancelled_job_sees_it_and_a_panicking_one_ends_without_a_result() {
        let events = EventQueue::default();
        let mut job = Some(
            Job::spawn("cancelled", 0, events.sender(), |progress| {
                while !progress.is_cancelled() {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                "stopped"
            })
            .unwrap(),
        );
        job.as_ref().unwrap().cancel();
        assert!(job.as_ref().unwrap().was_cancelled());
        assert_eq!(wait(&mut job, &events).unwrap(), Ok("stopped"));

        let mut job = Some(
            Job::spawn("panicking", 0, events.sender(), |_| -> u8 {
                panic!("on purpose")
            })
            .unwrap(),
        );
        assert_eq!(wait(&mut job, &events).unwrap(), Err(JobPanicked));
    }
}
