//! One shape for every window over the main one. The app keeps the open ones on a stack and
//! knows nothing about their insides: each session draws its windows, applies the actions
//! meant for it, takes the worker events meant for it (its jobs' ends, a file it asked for),
//! and says when it closes and what follows (a banner, the focus back to an organization, a
//! synced folder to import).

use crate::model::ManagerDraft;
use crate::state::{AppState, DirectoryChange, ReloadError};
use crate::ui::{Action, ActionSender};

use super::event::{EventSender, WorkerEvent};

/// What a session may use while it applies an action or takes a worker event.
pub(super) struct SessionContext<'a> {
    /// The window's context (focus, repaints, dialogs' memory).
    pub ctx: &'a egui::Context,
    /// The shared state.
    pub state: &'a mut AppState,
    /// Where file dialogs and other workers answer.
    pub events: &'a EventSender,
}

/// Whether a session stays open.
#[derive(Debug)]
pub(super) enum Step {
    /// It stays.
    Stay,
    /// It closed; the app does what [`Closing`] says.
    Close(Closing),
}

/// What follows a session's end.
#[derive(Debug, Default)]
pub(super) struct Closing {
    /// The dialog whose focus memory is forgotten.
    pub dialog: &'static str,
    /// The organization whose inventory item gets the focus back (the window was opened from
    /// its context menu, which is gone).
    pub focus_organization: Option<crate::model::OrganizationId>,
    /// What the banner says, and whether it is an error.
    pub banner: Option<(String, bool)>,
    /// Work that follows.
    pub then: Option<FollowUp>,
}

/// Work a closing session hands to the app.
#[derive(Debug)]
pub(super) enum FollowUp {
    /// Open this finished sync's snapshot, then say `done`.
    ImportSynced {
        /// The snapshot, and its directory as the worker built it.
        synced: Box<crate::state::SyncedTenant>,
        /// What the banner says once imported.
        done: String,
    },
    /// Say what a directory change did (`done`), or why it changed nothing.
    ShowChange {
        /// What the banner says when it worked.
        done: String,
        /// The change's outcome.
        result: Result<DirectoryChange, ReloadError>,
    },
    /// Read the backup server again: it was connected, or its pool changed.
    RefreshServer,
    /// Open what a directory change still leaves to decide (the consent of R14 after the
    /// settings of an import that was cancelled).
    OpenWhatIsLeft(DirectoryChange),
}

/// An open window (and the dialogs over it) with the work it waits for.
pub(super) trait Session: std::fmt::Debug {
    /// Draws the session's windows for this frame.
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender);

    /// Applies `action` when it is meant for this session; gives it back otherwise.
    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action>;

    /// Takes `event` when it is meant for this session (one of its jobs ended, a file it
    /// asked for was chosen); gives it back otherwise.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent>;

    /// True while it writes to the keyring (a commit or a revocation).
    fn is_saving(&self) -> bool {
        false
    }

    /// The Backup Accounts Manager's draft, when this is the manager.
    fn manager_draft(&self) -> Option<&ManagerDraft> {
        None
    }

    /// Asks its running job to stop, if it has one that can.
    fn cancel(&mut self) {}
}
