//! The eframe application: draws the views and applies the actions they return through the
//! model.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::{DraftError, ManagerDraft};
use crate::state::{
    AppState, CommitFailure, ReloadError, Revocation, Secrets, StartupError, StartupOptions,
};
use crate::store::{CommitError, Config, ConfigFile, KeyringSecrets, SecretStore, move_aside};
use crate::ui::group_picker::GroupPickerView;
use crate::ui::manager::ManagerView;
use crate::ui::organization_settings::OrganizationSettingsView;
use crate::ui::organizations::OrganizationsView;
use crate::ui::password::PasswordView;
use crate::ui::{Action, banner_ui};

/// One visit to the Backup Accounts Manager and the dialogs over it.
#[derive(Debug)]
struct ManagerSession {
    draft: ManagerDraft,
    view: ManagerView,
    group_picker: Option<GroupPickerView>,
    password: Option<PasswordView>,
    saving: Option<SavingCommit>,
    /// Where the keyboard focus was before the open sub-dialog took it.
    focus_before_dialog: Option<egui::Id>,
}

/// A commit running on the keyring worker thread, so a slow keyring (or its unlock prompt)
/// never freezes the window.
#[derive(Debug)]
struct SavingCommit {
    worker: std::thread::JoinHandle<Result<Config, CommitError>>,
    done: Arc<AtomicUsize>,
    total: usize,
}

/// A message across the top of the main window.
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
    selected: Option<String>,
    organizations: OrganizationsView,
    manager: Option<ManagerSession>,
    settings: Option<OrganizationSettingsView>,
    banner: Option<Banner>,
    /// Focus to give back once a closed dialog is gone: the widget gets it two frames later,
    /// because egui keeps focus out of a layer that was under a modal the frame before.
    focus_to_give_back: Option<(egui::Id, u8)>,
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
            manager: None,
            settings: None,
            banner: None,
            focus_to_give_back: None,
        };
        app.load();
        app
    }

    /// (Re)loads the state from the options; start-up problems are shown once, in a banner.
    fn load(&mut self) {
        self.state = AppState::load(&self.options, self.secrets.clone());
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
        }
    }

    /// The shared state, when start-up succeeded.
    pub fn state(&self) -> Option<&AppState> {
        self.state.as_ref().ok()
    }

    /// True while a commit is being written on the keyring worker thread.
    pub fn is_saving(&self) -> bool {
        self.manager.as_ref().is_some_and(|m| m.saving.is_some())
    }

    /// The manager's draft while it is open.
    pub fn manager_draft(&self) -> Option<&ManagerDraft> {
        self.manager.as_ref().map(|m| &m.draft)
    }

    /// The banner's text, if one is shown.
    pub fn banner_text(&self) -> Option<&str> {
        self.banner.as_ref().map(|b| b.text.as_str())
    }

    /// Draws every window for one frame and applies what the user did.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        // Screen readers announce the window by this name.
        ui.ctx()
            .accesskit_node_builder(egui::accesskit_root_id(), |node| {
                node.set_label("Backup Accounts");
            });
        self.give_back_focus(ui.ctx());
        let state = match &self.state {
            Ok(state) => state,
            Err(_) => {
                self.startup_error_ui(ui);
                return;
            }
        };
        let mut actions = Vec::new();
        if let Some(banner) = &self.banner {
            let dismissed = egui::Panel::top("banner")
                .show(ui, |ui| banner_ui(ui, &banner.text, banner.is_error))
                .inner;
            if dismissed {
                actions.push(Action::DismissBanner);
            }
        }
        actions.extend(self.organizations.ui(
            ui,
            state,
            self.selected.as_deref(),
            self.manager.is_some() || self.settings.is_some(),
        ));
        self.poll_saving(ui.ctx());
        if let Some(session) = &mut self.manager {
            let covered = session.group_picker.is_some() || session.password.is_some();
            let progress = session
                .saving
                .as_ref()
                .map(|s| (s.done.load(Ordering::Relaxed), s.total));
            actions.extend(session.view.ui(ui.ctx(), &session.draft, covered, progress));
            if let Some(picker) = &mut session.group_picker {
                actions.extend(picker.ui(ui.ctx(), &session.draft));
            }
            if let Some(password) = &mut session.password {
                actions.extend(password.ui(ui.ctx()));
            }
        }
        if self.settings.is_none()
            && let Ok(state) = &self.state
            && let Some(tenant) = state.awaiting_settings()
        {
            self.settings = Some(OrganizationSettingsView::new(
                tenant,
                state.organization_settings(&tenant.id),
            ));
        }
        if let Some(settings) = &mut self.settings {
            actions.extend(settings.ui(ui.ctx()));
        }
        for action in actions {
            self.apply(ui.ctx(), action);
        }
    }

    fn give_back_focus(&mut self, ctx: &egui::Context) {
        match &mut self.focus_to_give_back {
            Some((id, 0)) => {
                let id = *id;
                ctx.memory_mut(|m| m.request_focus(id));
                self.focus_to_give_back = None;
            }
            Some((_, frames)) => {
                *frames -= 1;
                ctx.request_repaint();
            }
            None => {}
        }
    }

    /// Closes the manager and gives the focus back to its organization in the inventory.
    fn close_manager(&mut self) {
        if let Some(session) = self.manager.take() {
            self.focus_to_give_back = self
                .organizations
                .item_id(&session.draft.organization().id)
                .map(|id| (id, 2));
        }
    }

    /// Collects the keyring worker's result once it is done.
    fn poll_saving(&mut self, ctx: &egui::Context) {
        let Some(session) = &mut self.manager else {
            return;
        };
        let Some(saving) = &session.saving else {
            return;
        };
        if !saving.worker.is_finished() {
            // Keep drawing the progress while the worker writes.
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
            return;
        }
        let Some(saving) = session.saving.take() else {
            return;
        };
        let result = saving.worker.join().unwrap_or_else(|_| {
            Err(CommitError::Secret(crate::store::SecretError::Failed {
                store: crate::store::secrets::PLATFORM_KEYRING,
                action: "save",
                account: String::new(),
                detail: "the keyring worker stopped unexpectedly".to_owned(),
            }))
        });
        match (result, &mut self.state) {
            (Ok(config), Ok(state)) => {
                state.finish_commit(config);
                self.close_manager();
            }
            (Err(e), _) => {
                log::error!("{e}");
                session.view.commit_error = Some(e.to_string());
            }
            (Ok(_), Err(_)) => self.manager = None,
        }
    }

    /// The dialog shown instead of the main window when a file cannot be used: it names the
    /// file, line and column, and offers to move the file aside or to quit.
    fn startup_error_ui(&mut self, ui: &mut egui::Ui) {
        let Err(error) = &self.state else {
            return;
        };
        let message = error.to_string();
        let broken_file = error.broken_file().map(Path::to_path_buf);
        let is_directory = error.is_directory_error();
        let mut keep_aside = false;
        egui::CentralPanel::default().show(ui, |_| {});
        egui::Modal::new(egui::Id::unique("startup_error")).show(ui.ctx(), |ui| {
            ui.set_width(560.0);
            ui.heading(if is_directory {
                "The directory snapshot cannot be used"
            } else {
                "The configuration cannot be used"
            });
            ui.add(egui::Label::new(super::ui::error_text(ui, message)).wrap());
            ui.add_space(6.0);
            if let Some(path) = &broken_file {
                ui.label(format!(
                    "Nothing was changed. You can keep {} aside (it is renamed with a time \
                     stamp, never deleted) and start {}, or quit and fix it.",
                    path.display(),
                    if is_directory {
                        "with no directory loaded"
                    } else {
                        "with an empty configuration"
                    }
                ));
            } else {
                ui.label("Nothing was changed. Quit, fix the problem, and start again.");
            }
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if broken_file.is_some() && ui.button("Keep the file aside and start").clicked() {
                    keep_aside = true;
                }
            });
        });
        if let (true, Some(path)) = (keep_aside, broken_file) {
            match move_aside(&path) {
                Ok(new_path) => {
                    log::warn!("moved {} aside to {}", path.display(), new_path.display());
                    if is_directory {
                        self.options.empty_directory = true;
                    }
                    self.load();
                    if self.state.is_ok() {
                        self.show_banner(
                            format!(
                                "{} was moved aside to {}.{}",
                                path.display(),
                                new_path.display(),
                                if is_directory {
                                    " No directory is loaded: use File > Open directory..."
                                } else {
                                    ""
                                }
                            ),
                            false,
                        );
                    }
                }
                Err(e) => {
                    self.state = Err(StartupError::Config(crate::store::ConfigError::Io {
                        action: "rename",
                        path,
                        source: e,
                    }));
                }
            }
        }
    }

    /// Applies one action through the model and the stores.
    fn apply(&mut self, ctx: &egui::Context, action: Action) {
        let Ok(state) = &mut self.state else {
            return;
        };
        match action {
            Action::SelectOrganization(id) => self.selected = Some(id),
            Action::OpenManager(id) => {
                self.selected = Some(id.clone());
                match state.open_manager(&id) {
                    Ok(draft) => {
                        self.manager = Some(ManagerSession {
                            draft,
                            view: ManagerView::default(),
                            group_picker: None,
                            password: None,
                            saving: None,
                            focus_before_dialog: None,
                        });
                    }
                    Err(e) => self.show_banner(e.to_string(), true),
                }
            }
            Action::ManageBackupApplications(id) => {
                let name = state
                    .directory()
                    .organization(&id)
                    .map_or(id.clone(), |o| o.name.clone());
                self.show_banner(
                    format!(
                        "{name} uses modern app-only authentication: its backup applications \
                         are managed in the Veeam Backup for Microsoft 365 console \
                         (Organizations > Manage backup applications). This tool manages \
                         backup accounts only."
                    ),
                    false,
                );
            }
            Action::OpenDirectory => {
                let picked = rfd::FileDialog::new()
                    .set_title("Open directory snapshot")
                    .add_filter("Directory snapshot (RON)", &["ron"])
                    .pick_file();
                if let Some(path) = picked {
                    self.open_directory(path);
                }
            }
            Action::ReloadDirectory => {
                let result = state.reload_directory();
                self.show_reload_result("Directory reloaded.", result);
            }
            Action::ImportDirectory => {
                let picked = rfd::FileDialog::new()
                    .set_title("Import a folder of Microsoft Graph responses")
                    .pick_folder();
                if let Some(folder) = picked {
                    self.import_folder(&folder);
                }
            }
            Action::ApplySettings(settings) => {
                self.settings = None;
                let result = state.apply_settings(settings);
                self.show_directory_change("Organization settings saved.", result);
            }
            Action::CancelSettings => {
                self.settings = None;
                state.cancel_settings();
            }
            Action::EditSettings => {
                if let Err(e) = state.edit_settings() {
                    self.show_banner(e.to_string(), true);
                }
            }
            Action::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Action::DismissBanner => self.banner = None,
            Action::OpenGroupPicker => {
                if let Some(session) = &mut self.manager {
                    session.focus_before_dialog = ctx.memory(|m| m.focused());
                    let current = session.draft.group().map(|g| g.id.clone());
                    session.group_picker = Some(GroupPickerView::new(
                        session.draft.organization(),
                        current.as_deref(),
                    ));
                }
            }
            Action::CloseGroupPicker => {
                if let Some(session) = &mut self.manager {
                    session.group_picker = None;
                    self.focus_to_give_back = session.focus_before_dialog.take().map(|id| (id, 2));
                }
            }
            Action::ChooseGroup(group_id) => {
                let Some(session) = &mut self.manager else {
                    return;
                };
                match session.draft.choose_group(&group_id) {
                    Ok(dropped) => {
                        session.group_picker = None;
                        self.focus_to_give_back =
                            session.focus_before_dialog.take().map(|id| (id, 2));
                        session.view.inline_error = None;
                        session.view.notice = (!dropped.is_empty()).then(|| {
                            format!(
                                "Not in the new group, so unchecked: {}. Their passwords are \
                                 deleted when you click OK.",
                                dropped.join(", ")
                            )
                        });
                    }
                    // The picker disables Add for refused groups; this is the safety net.
                    Err(e) => session.view.inline_error = Some(e.to_string()),
                }
            }
            Action::SetChecked { upn, checked } => {
                if let Some(session) = &mut self.manager {
                    session.view.inline_error = session
                        .draft
                        .set_checked(&upn, checked)
                        .err()
                        .map(|e| e.to_string());
                }
            }
            Action::OpenPassword(upn) => {
                if let Some(session) = &mut self.manager {
                    match session.draft.password_prompt(&upn) {
                        Ok(prompt) => {
                            session.focus_before_dialog = ctx.memory(|m| m.focused());
                            session.password = Some(PasswordView::new(prompt));
                        }
                        Err(e) => session.view.inline_error = Some(e.to_string()),
                    }
                }
            }
            Action::SubmitPassword { upn, password } => {
                if let Some(session) = &mut self.manager {
                    match session.draft.set_password(&upn, password) {
                        Ok(()) => {
                            session.password = None;
                            session.view.inline_error = None;
                            PasswordView::forget_field_state(ctx);
                            self.focus_to_give_back =
                                session.focus_before_dialog.take().map(|id| (id, 2));
                        }
                        Err(e) => {
                            if let Some(dialog) = &mut session.password {
                                dialog.set_error(e.to_string());
                            }
                        }
                    }
                }
            }
            Action::SetMfaNotEnabled { upn, not_enabled } => {
                if let Some(session) = &mut self.manager {
                    let result = session
                        .draft
                        .set_mfa_not_enabled(&upn, not_enabled)
                        .and_then(|()| session.draft.password_prompt(&upn));
                    match (result, &mut session.password) {
                        (Ok(prompt), Some(dialog)) => dialog.set_prompt(prompt),
                        (Err(e), Some(dialog)) => dialog.set_error(e.to_string()),
                        _ => {}
                    }
                }
            }
            Action::ClosePassword => {
                if let Some(session) = &mut self.manager {
                    session.password = None;
                    PasswordView::forget_field_state(ctx);
                    self.focus_to_give_back = session.focus_before_dialog.take().map(|id| (id, 2));
                }
            }
            Action::CommitManager => {
                let Some(session) = &mut self.manager else {
                    return;
                };
                if session.saving.is_some() {
                    return;
                }
                session.view.commit_error = None;
                match state.begin_commit(&session.draft) {
                    Ok(pending) => {
                        let done = Arc::new(AtomicUsize::new(0));
                        let total = pending.keyring_steps();
                        let worker_done = done.clone();
                        let repaint = ctx.clone();
                        let spawned = std::thread::Builder::new()
                            .name("keyring-commit".to_owned())
                            .spawn(move || {
                                let result = pending.run(&worker_done);
                                repaint.request_repaint();
                                result
                            });
                        match spawned {
                            Ok(worker) => {
                                session.saving = Some(SavingCommit {
                                    worker,
                                    done,
                                    total,
                                })
                            }
                            Err(e) => {
                                session.view.commit_error = Some(format!(
                                    "Nothing was saved: could not start saving ({e})."
                                ))
                            }
                        }
                    }
                    Err(CommitFailure::Invalid(e @ DraftError::MissingPasswords { .. })) => {
                        session.view.inline_error = Some(e.to_string());
                    }
                    Err(e) => {
                        log::error!("{e}");
                        session.view.commit_error = Some(e.to_string());
                    }
                }
            }
            // A running commit cannot be abandoned half-way; the buttons are disabled meanwhile.
            Action::CancelManager => {
                if !self.is_saving() {
                    self.close_manager();
                }
            }
        }
    }

    fn open_directory(&mut self, path: PathBuf) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.open_directory(&path);
        self.show_directory_change(&format!("Opened {}.", path.display()), result);
    }

    /// Imports a Graph export folder; a new tenant opens Organization Settings first.
    pub fn import_folder(&mut self, folder: &Path) {
        let Ok(state) = &mut self.state else {
            return;
        };
        let result = state.import_graph_folder(folder);
        if state.awaiting_settings().is_none() {
            self.show_directory_change(&format!("Imported {}.", folder.display()), result);
        }
    }

    /// After the directory was replaced: select its first organization and tell what
    /// changed.
    fn show_directory_change(&mut self, done: &str, result: Result<Vec<Revocation>, ReloadError>) {
        if result.is_ok() {
            self.select_first_organization();
        }
        self.show_reload_result(done, result);
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

    /// Tells what a reload did: the revoked accounts one per line (R5), or why nothing
    /// changed.
    fn show_reload_result(&mut self, done: &str, result: Result<Vec<Revocation>, ReloadError>) {
        match result {
            Ok(revocations) if revocations.is_empty() => self.show_banner(done.to_owned(), false),
            Ok(revocations) => {
                let lines: Vec<String> = revocations.iter().map(ToString::to_string).collect();
                self.show_banner(format!("{done}\n{}", lines.join("\n")), false);
            }
            Err(e) => self.show_banner(
                format!("{e} The directory loaded before is still in use."),
                true,
            ),
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

/// The window icon, decoded from `assets/icon.png`.
pub fn window_icon() -> Option<egui::IconData> {
    let image = image::load_from_memory(include_bytes!("../assets/icon.png"))
        .map_err(|e| log::warn!("the window icon could not be decoded: {e}"))
        .ok()?
        .into_rgba8();
    let (width, height) = image.dimensions();
    Some(egui::IconData {
        rgba: image.into_raw(),
        width,
        height,
    })
}

/// Opens the main window with the platform keyring.
pub fn run(options: StartupOptions) -> eframe::Result {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Backup Accounts")
        .with_app_id("backup-accounts")
        .with_inner_size([1000.0, 680.0])
        .with_min_inner_size([720.0, 480.0]);
    if let Some(icon) = window_icon() {
        viewport = viewport.with_icon(icon);
    }
    // Window geometry lives beside config.ron, so --config-dir keeps runs apart.
    let persistence_path = options
        .config_dir
        .clone()
        .or_else(ConfigFile::default_folder)
        .map(|folder| folder.join("window.ron"));
    let native_options = eframe::NativeOptions {
        viewport,
        persist_window: true,
        persistence_path,
        ..Default::default()
    };
    eframe::run_native(
        "Backup Accounts",
        native_options,
        Box::new(move |_cc| {
            let secrets = KeyringSecrets::platform().map(|k| Arc::new(k) as Arc<dyn SecretStore>);
            Ok(Box::new(BackupAccountsApp::new(&options, secrets)))
        }),
    )
}
