//! Slow work off the window's thread, in one shape: a named worker thread, its progress (done
//! of total), a cancel flag it may honour, and its result taken once, when it has finished.
//! The window repaints when the work ends and, while it runs, often enough to move its
//! progress bar; drawing never waits for a job.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

pub use crate::model::progress::JobProgress;

/// The worker ended by panicking: no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobPanicked;

/// Work running on a named worker thread.
#[derive(Debug)]
pub struct Job<T> {
    worker: JoinHandle<T>,
    progress: Arc<JobProgress>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread named `name` with `total` steps to go (0 when unknown);
    /// the window repaints when it ends. Fails only when no thread can be started.
    pub fn spawn(
        name: &str,
        total: usize,
        ctx: &egui::Context,
        work: impl FnOnce(&JobProgress) -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let progress = Arc::new(JobProgress::with_total(total));
        let (shared, repaint) = (progress.clone(), ctx.clone());
        let worker = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let result = work(&shared);
                repaint.request_repaint();
                result
            })?;
        Ok(Self { worker, progress })
    }

    /// Steps done so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.progress.done.load(Ordering::Relaxed),
            self.progress.total.load(Ordering::Relaxed),
        )
    }

    /// What the worker says it does now.
    pub fn step(&self) -> String {
        self.progress.step()
    }

    /// What it does now (said to be cancelling once asked to stop), and steps done of all.
    pub fn status(&self) -> (String, (usize, usize)) {
        let cancelling = if self.was_cancelled() {
            "Cancelling: "
        } else {
            ""
        };
        (format!("{cancelling}{}", self.step()), self.progress())
    }

    /// Asks the worker to stop; it does at its next check.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// True when [`Job::cancel`] was called.
    pub fn was_cancelled(&self) -> bool {
        self.progress.is_cancelled()
    }

    /// True once the worker has ended.
    pub fn is_finished(&self) -> bool {
        self.worker.is_finished()
    }

    /// The result of the job in `job` once it has finished, taking it out; `None` while it
    /// runs (asking for a repaint after `every`, so its progress keeps moving) or when there
    /// is no job.
    pub fn poll(
        job: &mut Option<Self>,
        ctx: &egui::Context,
        every: Duration,
    ) -> Option<Result<T, JobPanicked>> {
        if !job.as_ref()?.is_finished() {
            ctx.request_repaint_after(every);
            return None;
        }
        let job = job.take()?;
        Some(job.worker.join().map_err(|_| JobPanicked))
    }
}

#[cfg(test)]
mod tests {
    // A panic is how a test reports a failure.
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn wait<T: Send + 'static>(
        job: &mut Option<Job<T>>,
        ctx: &egui::Context,
    ) -> Result<T, JobPanicked> {
        loop {
            if let Some(result) = Job::poll(job, ctx, Duration::from_millis(1)) {
                return result;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_job_reports_progress_runs_on_its_named_thread_and_gives_its_result_once() {
        let ctx = egui::Context::default();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let mut job = Some(
            Job::spawn("test-job", 3, &ctx, move |progress| {
                progress.done.fetch_add(2, Ordering::Relaxed);
                hold.recv().unwrap();
                std::thread::current().name().map(str::to_owned)
            })
            .unwrap(),
        );
        while job.as_ref().unwrap().progress() != (2, 3) {
            std::thread::yield_now();
        }
        assert!(
            Job::poll(&mut job, &ctx, Duration::from_millis(1)).is_none(),
            "still running"
        );
        release.send(()).unwrap();
        assert_eq!(wait(&mut job, &ctx), Ok(Some("test-job".to_owned())));
        assert!(job.is_none(), "the result is taken once");
    }

    #[test]
    fn a_cancelled_job_sees_it_and_a_panicking_one_gives_no_result() {
        let ctx = egui::Context::default();
        let mut job = Some(
            Job::spawn("cancelled", 0, &ctx, |progress| {
                while !progress.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                "stopped"
            })
            .unwrap(),
        );
        job.as_ref().unwrap().cancel();
        assert!(job.as_ref().unwrap().was_cancelled());
        assert_eq!(wait(&mut job, &ctx), Ok("stopped"));

        let mut job =
            Some(Job::spawn("panicking", 0, &ctx, |_| -> u8 { panic!("on purpose") }).unwrap());
        assert_eq!(wait(&mut job, &ctx), Err(JobPanicked));
    }
}
