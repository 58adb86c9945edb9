//! The eframe application: draws the views and applies the actions they return through the
//! model.

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::{DraftError, ManagerDraft};
use crate::state::{AppState, StartupError, StartupOptions};
use crate::store::{ConfigFile, KeyringSecrets, SecretError, SecretStore};
use crate::ui::group_picker::GroupPickerView;
use crate::ui::manager::ManagerView;
use crate::ui::organizations::OrganizationsView;
use crate::ui::password::PasswordView;
use crate::ui::{Action, banner_ui};

/// One visit to the Backup Accounts Manager and the dialogs over it.
struct ManagerSession {
    draft: ManagerDraft,
    view: ManagerView,
    group_picker: Option<GroupPickerView>,
    password: Option<PasswordView>,
}

/// A message across the top of the main window.
struct Banner {
    text: String,
    is_error: bool,
}

/// The application: the shared state plus the open windows.
pub struct BackupAccountsApp {
    state: Result<AppState, StartupError>,
    selected: Option<String>,
    organizations: OrganizationsView,
    manager: Option<ManagerSession>,
    banner: Option<Banner>,
}

impl BackupAccountsApp {
    /// Loads the state; `secrets` is the keyring, or why there is none.
    pub fn new(
        options: &StartupOptions,
        secrets: Result<Arc<dyn SecretStore>, SecretError>,
    ) -> Self {
        let banner = secrets.as_ref().err().map(|e| Banner {
            text: format!("{e} Until then you can look, but not save passwords."),
            is_error: true,
        });
        let state = AppState::load(options, secrets);
        if let Err(e) = &state {
            log::error!("{e}");
        }
        let selected = state
            .as_ref()
            .ok()
            .and_then(|s| s.directory().organizations.first())
            .map(|o| o.id.clone());
        Self {
            state,
            selected,
            organizations: OrganizationsView,
            manager: None,
            banner,
        }
    }

    /// The shared state, when start-up succeeded.
    pub fn state(&self) -> Option<&AppState> {
        self.state.as_ref().ok()
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
        let state = match &self.state {
            Ok(state) => state,
            Err(error) => {
                let text = error.to_string();
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.heading("Backup Accounts cannot start");
                    ui.label(super::ui::error_text(ui, text));
                    ui.label("Nothing was changed. Fix or move the file, then start again.");
                    if ui.button("Quit").clicked() {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                });
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
            self.manager.is_some(),
        ));
        if let Some(session) = &mut self.manager {
            let covered = session.group_picker.is_some() || session.password.is_some();
            actions.extend(session.view.ui(ui.ctx(), &session.draft, covered));
            if let Some(picker) = &mut session.group_picker {
                actions.extend(picker.ui(ui.ctx(), &session.draft));
            }
            if let Some(password) = &mut session.password {
                actions.extend(password.ui(ui.ctx()));
            }
        }
        for action in actions {
            self.apply(ui.ctx(), action);
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
            Action::ReloadDirectory => match state.reload_directory() {
                Ok(()) => self.show_banner("Directory reloaded.".to_owned(), false),
                Err(e) => self.show_banner(
                    format!("{e} The directory loaded before is still in use."),
                    true,
                ),
            },
            Action::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Action::DismissBanner => self.banner = None,
            Action::OpenGroupPicker => {
                if let Some(session) = &mut self.manager {
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
                }
            }
            Action::ChooseGroup(group_id) => {
                let Some(session) = &mut self.manager else {
                    return;
                };
                match session.draft.choose_group(&group_id) {
                    Ok(dropped) => {
                        session.group_picker = None;
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
                        Ok(prompt) => session.password = Some(PasswordView::new(prompt)),
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
                        }
                        Err(e) => {
                            if let Some(dialog) = &mut session.password {
                                dialog.set_error(e.to_string());
                            }
                        }
                    }
                }
            }
            Action::ClosePassword => {
                if let Some(session) = &mut self.manager {
                    session.password = None;
                    PasswordView::forget_field_state(ctx);
                }
            }
            Action::CommitManager => {
                let Some(session) = &mut self.manager else {
                    return;
                };
                match state.commit_manager(&session.draft) {
                    Ok(()) => self.manager = None,
                    Err(crate::state::CommitFailure::Invalid(
                        e @ DraftError::MissingPasswords { .. },
                    )) => {
                        session.view.inline_error = Some(e.to_string());
                    }
                    Err(e) => {
                        log::error!("{e}");
                        session.view.commit_error = Some(e.to_string());
                    }
                }
            }
            Action::CancelManager => self.manager = None,
        }
    }

    fn open_directory(&mut self, path: PathBuf) {
        let Ok(state) = &mut self.state else {
            return;
        };
        match state.open_directory(&path) {
            Ok(()) => {
                self.selected = state
                    .directory()
                    .organizations
                    .first()
                    .map(|o| o.id.clone());
                self.show_banner(format!("Opened {}.", path.display()), false);
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
