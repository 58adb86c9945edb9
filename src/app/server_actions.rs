//! The backup server from the main window: File > *Connect...*, *Refresh*, *Disconnect*,
//! and *Apply to backup server...* from a context menu, the details pane or Health.

use super::BackupAccountsApp;
use super::event::WorkerEvent;
use super::server_applications_session::ServerApplicationsSession;
use super::server_apply_session::ServerApplySession;
use super::server_connect_session::ServerConnectSession;
use crate::model::OrganizationId;

impl BackupAccountsApp {
    /// File > *Connect to backup server...*: the connect dialog, over the main window only.
    pub(super) fn open_server_connect(&mut self) {
        if let Ok(state) = &self.state
            && self.sessions.is_empty()
        {
            self.sessions
                .push(Box::new(ServerConnectSession::new(state)));
        }
    }

    /// *Apply to backup server...* for an organization: the plan is read first.
    pub(super) fn open_server_apply(&mut self, organization_id: OrganizationId) {
        let Ok(state) = &self.state else {
            return;
        };
        if !self.sessions.is_empty() {
            return;
        }
        match ServerApplySession::open(state, &organization_id, self.events.sender()) {
            Ok(session) => self.sessions.push(Box::new(session)),
            Err(reason) => self.show_banner(reason, true),
        }
        self.selected = Some(organization_id);
    }

    /// Health (KB4821): *Remove the others from the server...*.
    pub(super) fn open_server_application_removal(&mut self, organization_id: &str) {
        let Ok(state) = &self.state else {
            return;
        };
        if !self.sessions.is_empty() {
            return;
        }
        match ServerApplicationsSession::open(state, &self.server, organization_id) {
            Ok(session) => self.sessions.push(Box::new(session)),
            Err(refused) => self.show_banner(refused.to_string(), true),
        }
    }

    /// File > *Disconnect from backup server*.
    pub(super) fn disconnect_server(&mut self) {
        let Ok(state) = &mut self.state else {
            return;
        };
        match self.server.disconnect(state, self.events.sender()) {
            Ok(text) => self.show_banner(text, false),
            Err(reason) => self.show_banner(reason, true),
        }
    }

    /// Reads the backup server when a read is wanted; call every frame.
    pub(super) fn read_server_if_stale(&mut self) {
        if let Ok(state) = &self.state {
            self.server.read_if_stale(state, self.events.sender());
        }
    }

    /// Takes a server read's or a sign-out's end; any other event is given back.
    pub(super) fn take_server_event(&mut self, event: WorkerEvent) -> Result<(), WorkerEvent> {
        if let Some(reason) = self.server.take_event(event)? {
            self.show_banner(
                format!(
                    "The backup server was forgotten here, but it could not be told to end the \
                     session: {reason}"
                ),
                true,
            );
        }
        Ok(())
    }
}
