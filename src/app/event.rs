//! What workers bring back, kept apart from what the administrator asks for (the views'
//! [`crate::ui::Action`]s): a worker's answer is not an intent, and it can arrive at any
//! frame. The app drains these after the frame's actions.

use std::path::PathBuf;
use std::sync::mpsc;

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
}

/// The sending end, for workers (and tests standing in for them).
#[derive(Clone, Debug)]
pub struct EventSender(mpsc::Sender<WorkerEvent>);

impl EventSender {
    /// Queues an answer for the app to take after the next frame's actions.
    pub fn send(&self, event: WorkerEvent) {
        // The receiver lives as long as the app; after it is gone nobody is left to act.
        let _ = self.0.send(event);
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
        let (sender, receiver) = mpsc::channel();
        Self {
            sender: EventSender(sender),
            receiver,
        }
    }
}

impl EventQueue {
    /// A sender for workers.
    pub fn sender(&self) -> &EventSender {
        &self.sender
    }

    /// Takes every answer queued so far, in order.
    pub fn drain(&self) -> Vec<WorkerEvent> {
        self.receiver.try_iter().collect()
    }
}
