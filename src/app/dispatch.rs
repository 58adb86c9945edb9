//! The stack of windows over the main one: each frame their jobs are collected; what a
//! directory change leaves to decide is opened by the operation that made it; each action
//! goes to the newest window that takes it; what a closing window hands over (focus, banner,
//! follow-up work) is done here.

use crate::state::{AppState, DirectoryChange};
use crate::ui::{Action, ActionSender, modal};

use super::BackupAccountsApp;
use super::revocation_session::RevocationSession;
use super::session::{Closing, FollowUp, SessionContext, Step};
use super::settings_session::SettingsSession;

impl BackupAccountsApp {
    /// The windows over the main one, after collecting what their jobs finished.
    pub(super) fn dialogs_ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let mut index = 0;
        while index < self.sessions.len() {
            let Ok(state) = &mut self.state else {
                return;
            };
            let mut cx = SessionContext {
                ctx,
                state,
                events: self.events.sender(),
            };
            match self.sessions[index].poll(&mut cx) {
                Step::Stay => index += 1,
                Step::Close(closing) => {
                    self.sessions.remove(index);
                    self.closed(ctx, closing);
                }
            }
        }
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
            let settings = SettingsSession::new(state, ctx, awaiting, change);
            self.sessions.push(Box::new(settings));
            return;
        }
        match RevocationSession::open(change, state, ctx) {
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
        let mut action = match action {
            Action::Startup(action) => return self.apply_startup(ctx, action),
            Action::Main(action) => return self.apply_main(ctx, action),
            Action::Health(action) => return self.apply_health(ctx, action),
            other => other,
        };
        let Ok(state) = &mut self.state else {
            return;
        };
        let events = self.events.sender().clone();
        for index in (0..self.sessions.len()).rev() {
            let mut cx = SessionContext {
                ctx,
                state,
                events: &events,
            };
            match self.sessions[index].apply(&mut cx, action) {
                Ok(Step::Stay) => return,
                Ok(Step::Close(closing)) => {
                    self.sessions.remove(index);
                    return self.closed(ctx, closing);
                }
                Err(unhandled) => action = unhandled,
            }
        }
    }
}
