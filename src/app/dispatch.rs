//! The stack of windows over the main one: what a directory change leaves to decide is
//! opened by the operation that made it; each action and each worker event goes to the
//! newest window that takes it; what a closing window hands over (focus, banner, follow-up
//! work) is done here.

use crate::state::{AppState, DirectoryChange};
use crate::ui::{Action, ActionSender, modal};

use super::BackupAccountsApp;
use super::revocation_session::RevocationSession;
use super::session::{Closing, FollowUp, Session, SessionContext, Step};
use super::settings_session::SettingsSession;

impl BackupAccountsApp {
    /// The windows over the main one.
    pub(super) fn dialogs_ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        if std::mem::take(&mut self.loaded) {
            // Start-up has no window context: what loading found opens at the first frame.
            let left = self
                .state
                .as_mut()
                .ok()
                .and_then(AppState::take_left_at_start);
            if let Some(change) = left {
                self.open_what_is_left(ctx, change);
            }
        }
        for session in &mut self.sessions {
            session.ui(ctx, sender);
        }
    }

    /// What a directory change (a load, reload, import or new settings) left to decide:
    /// Organization Settings when an import waits for them, otherwise the consent to revoke
    /// what the directory no longer allows (R14). Called by the operation that made the
    /// change, only over the main window.
    pub(super) fn open_what_is_left(&mut self, ctx: &egui::Context, mut change: DirectoryChange) {
        let Ok(state) = &mut self.state else {
            return;
        };
        if !self.sessions.is_empty() {
            return;
        }
        if let Some(awaiting) = change.needs_settings.take() {
            let settings = SettingsSession::new(state, self.events.sender(), awaiting, change);
            self.sessions.push(Box::new(settings));
            return;
        }
        match RevocationSession::open(change, state, self.events.sender()) {
            Some(Ok(revocation)) => self.sessions.push(Box::new(revocation)),
            Some(Err(closing)) => self.closed(ctx, closing),
            None => {}
        }
    }

    /// What follows a window's end: its focus memory goes, the focus returns to its
    /// organization, the banner speaks, and follow-up work starts.
    fn closed(&mut self, ctx: &egui::Context, closing: Closing) {
        let opener = closing
            .focus_organization
            .as_deref()
            .and_then(|id| self.organizations.item_id(id));
        modal::dialog_closed(ctx, closing.dialog, opener);
        if let Some((text, is_error)) = closing.banner {
            self.show_banner(text, is_error);
        }
        match closing.then {
            Some(FollowUp::ImportSynced { synced, done }) => {
                if let Ok(state) = &mut self.state {
                    let result = state.import_synced(*synced);
                    self.show_import(ctx, &done, result);
                }
            }
            Some(FollowUp::ShowChange { done, result }) => {
                self.show_directory_change(ctx, &done, result);
            }
            Some(FollowUp::RefreshServer) => self.server.mark_stale(),
            Some(FollowUp::OpenWhatIsLeft(change)) => self.open_what_is_left(ctx, change),
            None => {}
        }
    }

    /// Applies one action: the main window's here, every other to the newest window that
    /// takes it.
    pub(super) fn apply(&mut self, ctx: &egui::Context, action: Action) {
        let action = match action {
            Action::Startup(action) => return self.apply_startup(ctx, action),
            Action::Main(action) => return self.apply_main(ctx, action),
            Action::Health(action) => return self.apply_health(action),
            other => other,
        };
        // Nothing takes an action that no window is open for (its window closed meanwhile).
        let _ =
            self.offer_to_sessions(ctx, action, |session, cx, action| session.apply(cx, action));
    }

    /// Offers `message` (an action or a worker event) to the windows, newest first, through
    /// `take`; gives it back when none takes it.
    pub(super) fn offer_to_sessions<M>(
        &mut self,
        ctx: &egui::Context,
        mut message: M,
        take: impl Fn(&mut dyn Session, &mut SessionContext<'_>, M) -> Result<Step, M>,
    ) -> Option<M> {
        let Ok(state) = &mut self.state else {
            return Some(message);
        };
        let events = self.events.sender().clone();
        for index in (0..self.sessions.len()).rev() {
            let mut cx = SessionContext {
                ctx,
                state,
                events: &events,
            };
            match take(self.sessions[index].as_mut(), &mut cx, message) {
                Ok(step) => {
                    self.stepped(ctx, index, step);
                    return None;
                }
                Err(unhandled) => message = unhandled,
            }
        }
        Some(message)
    }

    /// What the window at `index` said after an action or an event.
    fn stepped(&mut self, ctx: &egui::Context, index: usize, step: Step) {
        if let Step::Close(closing) = step {
            self.sessions.remove(index);
            self.closed(ctx, closing);
        }
    }
}
