//! What workers bring back, kept apart from what the administrator asks for (the views'
//! [`crate::ui::Action`]s): a worker's answer is not an intent, and it can arrive at any
//! frame. Sending one wakes the window; the app drains them after the frame's actions and
//! hands each to the part that waits for it.

use std::any::Any;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, mpsc};

use crate::model::health::HealthList;

/// What to ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRequest {
    /// A RON snapshot to open.
    Snapshot,
    /// A folder of Graph responses to import.
    GraphFolder,
    /// A certificate file for a backup application (`key`: its PEM private key).
    Certificate {
        /// True for the private key's file.
        key: bool,
    },
    /// Where to save a Health list as CSV.
    SaveCsv {
        /// Organization id.
        organization_id: crate::model::OrganizationId,
        /// Which list.
        list: HealthList,
        /// The file name to suggest.
        file_name: String,
    },
}

/// An answer from a worker.
#[derive(Debug)]
pub enum WorkerEvent {
    /// A file or folder was chosen in the native dialog opened for `request`.
    FileChosen {
        /// What the dialog was opened for.
        request: FileRequest,
        /// The file or folder.
        path: PathBuf,
    },
    /// No native dialog could be shown, and what to do instead.
    FileDialogUnavailable(String),
    /// A [`super::job::Job`] ended; only its holder can read the result.
    JobEnded(JobEnded),
}

/// Which job an event is about; unique in the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobId(u64);

impl JobId {
    /// A new id, never given before in this process.
    pub(super) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A job's end, with its result (a `Result<T, JobPanicked>` only the job's holder can read).
pub struct JobEnded {
    pub(super) job: JobId,
    pub(super) result: Box<dyn Any + Send>,
}

impl std::fmt::Debug for JobEnded {
    // The result may hold anything (a configuration, a directory): only the job is named.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobEnded")
            .field("job", &self.job)
            .finish_non_exhaustive()
    }
}

/// The sending end, for workers (and tests standing in for them).
#[derive(Clone, Debug)]
pub struct EventSender {
    queue: mpsc::Sender<WorkerEvent>,
    /// The window to wake, once it has drawn its first frame.
    window: Arc<OnceLock<egui::Context>>,
}

impl EventSender {
    /// Queues an answer for the app to take after the next frame's actions, and wakes the
    /// window so that frame comes without input.
    pub fn send(&self, event: WorkerEvent) {
        // The receiver lives as long as the app; after it is gone nobody is left to act.
        let _ = self.queue.send(event);
        if let Some(window) = self.window.get() {
            window.request_repaint();
        }
    }
}

/// The app's end.
#[derive(Debug)]
pub struct EventQueue {
    sender: EventSender,
    receiver: mpsc::Receiver<WorkerEvent>,
}

impl Default for EventQueue {
    fn default() -> Self {
        let (queue, receiver) = mpsc::channel();
        Self {
            sender: EventSender {
                queue,
                window: Arc::default(),
            },
            receiver,
        }
    }
}

impl EventQueue {
    /// A sender for workers.
    pub fn sender(&self) -> &EventSender {
        &self.sender
    }

    /// The window that sending wakes (the first one given counts: an app has one window).
    pub fn wake(&self, window: &egui::Context) {
        let _ = self.sender.window.set(window.clone());
    }

    /// Takes every answer queued so far, in order.
    pub fn drain(&self) -> Vec<WorkerEvent> {
        self.receiver.try_iter().collect()
    }

    /// Waits for the next answer (tests without a window).
    #[cfg(test)]
    pub fn wait(&self) -> WorkerEvent {
        self.receiver.recv().expect("the queue keeps a sender")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn a_worker_event_wakes_the_window_once_it_has_drawn() {
        let window = egui::Context::default();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counted = wakes.clone();
        window.set_request_repaint_callback(move |_| {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        let queue = EventQueue::default();
        queue
            .sender()
            .send(WorkerEvent::FileDialogUnavailable("before".into()));
        assert_eq!(wakes.load(Ordering::Relaxed), 0, "no window drew yet");
        queue.wake(&window);
        queue
            .sender()
            .clone()
            .send(WorkerEvent::FileDialogUnavailable("after".into()));
        assert_eq!(wakes.load(Ordering::Relaxed), 1, "the window is woken");
        let texts: Vec<String> = queue
            .drain()
            .into_iter()
            .filter_map(|event| match event {
                WorkerEvent::FileDialogUnavailable(text) => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["before", "after"], "both kept, in order");
    }
}
