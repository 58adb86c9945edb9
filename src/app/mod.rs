//! The eframe application: draws the views, drains the action queue once per frame and
//! applies each action through the model. One session file per window.

mod applications_session;
mod directory_actions;
mod dispatch;
mod event;
mod file_dialog;
mod health_actions;
mod health_session;
mod job;
mod keyring_job;
mod manager_session;
mod revocation_session;
mod server_actions;
mod server_applications_session;
mod server_apply_session;
mod server_connect_session;
mod server_overview;
mod session;
mod settings_session;
mod startup_session;
mod sync_session;
mod window;

use crate::model::{ManagerDraft, OrganizationId};
use crate::state::{AppState, Secrets, StartupError, StartupOptions};
use crate::ui::health::{self, HealthViewData};
use crate::ui::main_window::{MainWindowData, OrganizationsView};
use crate::ui::startup_error::startup_error_ui;
use crate::ui::{ActionQueue, ActionSender, MainAction, banner_ui, modal};

pub use event::{EventSender, FileRequest, WorkerEvent};

use applications_session::ApplicationsSession;
use event::EventQueue;
use health_session::HealthSession;
use manager_session::ManagerSession;
use server_overview::ServerOverview;
use session::Session;
use sync_session::SyncSession;

/// A message across the top of the main window, under the menu bar.
#[derive(Debug)]
struct Banner {
    text: String,
    is_error: bool,
}

/// The application: the shared state plus the open windows.
#[derive(Debug)]
pub struct BackupAccountsApp {
    options: StartupOptions,
    secrets: Secrets,
    state: Result<AppState, StartupError>,
    selected: Option<OrganizationId>,
    organizations: OrganizationsView,
    /// The windows open over the main one, the newest last; it gets the actions first.
    sessions: Vec<Box<dyn Session>>,
    health: HealthSession,
    /// The last look at the backup server, and the reads under way.
    server: ServerOverview,
    /// The state was (re)loaded: what it left to decide opens at the next frame.
    loaded: bool,
    banner: Option<Banner>,
    actions: ActionQueue,
    events: EventQueue,
}

impl BackupAccountsApp {
    /// Loads the state; `secrets` is the keyring, or why there is none.
    pub fn new(options: &StartupOptions, secrets: Secrets) -> Self {
        let mut app = Self {
            options: options.clone(),
            secrets,
            state: Err(StartupError::NoConfigFolder),
            selected: None,
            organizations: OrganizationsView::default(),
            sessions: Vec::new(),
            health: HealthSession::default(),
            server: ServerOverview::default(),
            loaded: false,
            banner: None,
            actions: ActionQueue::default(),
            events: EventQueue::default(),
        };
        app.load();
        app
    }

    /// (Re)loads the state from the options; start-up problems are shown once, in a banner.
    fn load(&mut self) {
        self.state = AppState::load(&self.options, self.secrets.clone());
        // A connected server is read in the background, never while drawing.
        self.server.mark_stale();
        self.loaded = true;
        let mut problems = Vec::new();
        self.select_first_organization();
        match &self.state {
            Ok(state) => {
                if let Some(reason) = state.read_only_reason() {
                    problems.push(reason.to_string());
                }
            }
            Err(e) => log::error!("{e}"),
        }
        if let Err(e) = &self.secrets {
            problems.push(format!(
                "{e} Until then you can look around, but not save passwords."
            ));
        }
        if !problems.is_empty() {
            self.show_banner(problems.join("\n"), true);
        } else if let Ok(state) = &self.state
            && !state.startup_notices().is_empty()
        {
            self.show_banner(state.startup_notices().join("\n"), false);
        }
    }

    /// The shared state, when start-up succeeded.
    pub fn state(&self) -> Option<&AppState> {
        self.state.as_ref().ok()
    }

    /// True while a commit or a revocation is being written on the keyring worker thread.
    pub fn is_saving(&self) -> bool {
        self.sessions.iter().any(|s| s.is_saving())
    }

    /// The manager's draft while it is open.
    pub fn manager_draft(&self) -> Option<&ManagerDraft> {
        self.sessions.iter().find_map(|s| s.manager_draft())
    }

    /// The banner's text, if one is shown.
    pub fn banner_text(&self) -> Option<&str> {
        self.banner.as_ref().map(|b| b.text.as_str())
    }

    /// The selected organization's id.
    pub fn selected_organization(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// A sender into the action queue, as the views get: what is sent is applied after the
    /// next frame is drawn, in order.
    pub fn action_sender(&self) -> ActionSender {
        self.actions.sender().clone()
    }

    /// A sender of worker answers, as the workers get (tests stand in for a file dialog with
    /// it): taken after the next frame's actions, in order.
    pub fn event_sender(&self) -> EventSender {
        self.events.sender().clone()
    }

    /// Draws every window for one frame, then applies everything the views asked for and
    /// takes what workers brought back.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        // Screen readers announce the window by this name.
        ui.ctx()
            .accesskit_node_builder(egui::accesskit_root_id(), |node| {
                node.set_label("Backup Accounts");
            });
        modal::give_back_focus(ui.ctx());
        self.events.wake(ui.ctx());
        let sender = self.actions.sender().clone();
        self.read_server_if_stale();
        match &self.state {
            Err(error) => startup_error_ui(ui, error, &sender),
            Ok(state) => {
                let blocked = !self.sessions.is_empty();
                let synced = || state.synced_tenant().is_some();
                let connected = state.backup_server().is_some();
                self.organizations
                    .menu_bar_ui(ui, blocked, synced, connected, &sender);
                if self.health.visible {
                    let events = self.events.sender();
                    self.health.refresh(state, &self.server, events, ui.ctx());
                }
                let banner = self.banner.as_ref();
                let health = &self.health;
                let banner_ui = |ui: &mut egui::Ui| {
                    let Some(banner) = banner else {
                        return;
                    };
                    let dismissed = egui::Panel::top("banner")
                        .show(ui, |ui| banner_ui(ui, &banner.text, banner.is_error))
                        .inner;
                    if dismissed {
                        sender.send(MainAction::DismissBanner);
                    }
                };
                let health_ui = |ui: &mut egui::Ui| {
                    let data = HealthViewData {
                        report: health.report().map(AsRef::as_ref),
                        checking: health.check_progress(),
                        check_status: health.check_status(),
                        checked_at: health.checked_at(),
                        max_age_days: state.config().max_password_age_days,
                    };
                    let directory = state.directory();
                    health::health_ui(ui, &data, |id| directory.organization(id), &sender);
                };
                let data = MainWindowData {
                    state,
                    selected: self.selected.as_deref(),
                    show_health: health.visible,
                    server: self.server.facts().map(AsRef::as_ref),
                    server_reading: self.server.is_reading(),
                };
                self.organizations
                    .ui(ui, &data, &sender, banner_ui, health_ui);
            }
        }
        self.dialogs_ui(ui.ctx(), &sender);
        let actions = self.actions.drain();
        if !actions.is_empty() {
            // What the actions changed is drawn in the next frame, even without new input.
            ui.ctx().request_repaint();
        }
        for action in actions {
            self.apply(ui.ctx(), action);
        }
        let events = self.events.drain();
        if !events.is_empty() {
            ui.ctx().request_repaint();
        }
        for event in events {
            self.take_event(ui.ctx(), event);
        }
    }

    /// Takes a worker's answer to the part of the app that asked for it: the open windows
    /// first (newest first), then the Health view and the backup server's overview, then the
    /// main window's own file dialogs.
    fn take_event(&mut self, ctx: &egui::Context, event: WorkerEvent) {
        let taken = self.offer_to_sessions(ctx, event, |session, cx, event| {
            session.take_event(cx, event)
        });
        let Some(event) = taken else {
            return;
        };
        let Err(event) = self.health.take_event(event) else {
            return;
        };
        let Err(event) = self.take_server_event(event) else {
            return;
        };
        match event {
            WorkerEvent::FileChosen { request, path } => match request {
                FileRequest::Snapshot => self.open_directory(ctx, &path),
                FileRequest::GraphFolder => self.import_folder(ctx, &path),
                FileRequest::SaveCsv {
                    organization_id,
                    list,
                    ..
                } => self.export_list(&path, &organization_id, list),
                // Its window closed while the dialog was open.
                FileRequest::Certificate { .. } => {}
            },
            WorkerEvent::FileDialogUnavailable(reason) => self.show_banner(reason, true),
            // The window that started it closed first (a cancelled dialog); nobody waits.
            WorkerEvent::JobEnded(ended) => log::debug!("{ended:?} after its window closed"),
        }
    }

    fn apply_main(&mut self, ctx: &egui::Context, action: MainAction) {
        match action {
            MainAction::SelectOrganization(id) => self.selected = Some(id),
            MainAction::OpenManager(id) => self.open_manager(id),
            MainAction::ManageBackupApplications(id) => self.open_applications(id),
            MainAction::OpenDirectory => self.ask_for_file(FileRequest::Snapshot),
            MainAction::ImportDirectory => self.ask_for_file(FileRequest::GraphFolder),
            MainAction::ReloadDirectory => self.reload_directory(ctx),
            MainAction::SyncNow => self.start_sync(false),
            MainAction::EditSettings => self.edit_settings(ctx),
            MainAction::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            MainAction::DismissBanner => self.banner = None,
            MainAction::SignIn => self.start_sync(true),
            MainAction::CancelSync => self.sessions.iter_mut().for_each(|s| s.cancel()),
            MainAction::SignOut => self.sign_out(),
            MainAction::ConnectServer => self.open_server_connect(),
            MainAction::RefreshServer => self.server.mark_stale(),
            MainAction::DisconnectServer => self.disconnect_server(),
            MainAction::ApplyToServer(id) => self.open_server_apply(id),
            MainAction::RemoveServerApplications(id) => self.open_server_application_removal(&id),
            MainAction::ShowHealth(visible) => {
                if let Ok(state) = &self.state {
                    self.health
                        .set_visible(visible, state, self.events.sender());
                }
            }
        }
    }

    fn open_manager(&mut self, id: OrganizationId) {
        let Ok(state) = &self.state else {
            return;
        };
        match state.open_manager(&id) {
            Ok(draft) => self.sessions.push(Box::new(ManagerSession::new(draft))),
            Err(e) => self.show_banner(e.to_string(), true),
        }
        self.selected = Some(id);
    }

    /// *Manage backup applications...* (R1: app-only organizations only).
    fn open_applications(&mut self, id: OrganizationId) {
        let Ok(state) = &self.state else {
            return;
        };
        match state.open_applications(&id) {
            Ok(draft) => self
                .sessions
                .push(Box::new(ApplicationsSession::new(draft))),
            Err(e) => self.show_banner(e.to_string(), true),
        }
        self.selected = Some(id);
    }

    /// File > Sign in (`sign_in`), or Sync now (the stored refresh token is tried first).
    fn start_sync(&mut self, sign_in: bool) {
        let Ok(state) = &self.state else {
            return;
        };
        if !self.sessions.is_empty() {
            return;
        }
        match SyncSession::start(state, self.events.sender(), sign_in) {
            Ok(session) => self.sessions.push(Box::new(session)),
            Err(e) => self.show_banner(e, true),
        }
    }

    fn select_first_organization(&mut self) {
        if let Ok(state) = &self.state {
            self.selected = state
                .directory()
                .organizations
                .first()
                .map(|o| o.id.clone());
        }
    }

    fn show_banner(&mut self, text: String, is_error: bool) {
        if is_error {
            log::warn!("{text}");
        }
        self.banner = Some(Banner { text, is_error });
    }
}

impl eframe::App for BackupAccountsApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    // Only the window's size and position are remembered; egui's memory (which can hold
    // text-field history) is never written to disk.
    fn persist_egui_memory(&self) -> bool {
        false
    }
}

pub use window::{APP_ID, run, window_icon};
