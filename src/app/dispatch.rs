//! The stack of windows over the main one: each frame their jobs are collected and what an
//! import or a reload left waiting is opened; each action goes to the newest window that
//! takes it; what a closing window hands over (focus, banner, follow-up work) is done here.

use crate::ui::{Action, ActionSender, modal};

use super::BackupAccountsApp;
use super::revocation_session::RevocationSession;
use super::session::{Closing, FollowUp, SessionContext, Step};
use super::settings_session::SettingsSession;

impl BackupAccountsApp {
    /// The windows over the main one, after collecting what their jobs finished and
    /// opening what an import or a reload left waiting (settings, then consent).
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
        self.open_waiting_windows(ctx);
        for session in &mut self.sessions {
            session.ui(ctx, sender);
        }
    }

    /// Organization Settings when an import waits for them; otherwise the consent to revoke
    /// what a changed directory no longer allows (R14). Only over the main window.
    fn open_waiting_windows(&mut self, ctx: &egui::Context) {
        let Ok(state) = &mut self.state else {
            return;
        };
        if !self.sessions.is_empty() {
            return;
        }
        if let Some(settings) = SettingsSession::waiting(state, ctx) {
            self.sessions.push(Box::new(settings));
            return;
        }
        match RevocationSession::open_pending(state, ctx) {
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
            Some(FollowUp::Import { folder, done }) => self.import_folder_saying(&folder, &done),
            Some(FollowUp::ShowChange { done, result }) => {
                self.show_directory_change(&done, result)
            }
            Some(FollowUp::RefreshServer) => self.server.mark_stale(),
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
