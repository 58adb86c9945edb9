//! The Backup Applications Manager's session (R15): the pool draft, Select Application and
//! Install Certificate over it, and its commit on the keyring worker.

use std::path::Path;

use crate::model::Password;
use crate::model::application_pool::PoolDraft;
use crate::state::AppState;
use crate::store::certificate::{read_pem_pair, read_pkcs12};
use crate::ui::applications::{self, BackupApplicationsView};
use crate::ui::certificate::{self, InstallCertificateView};
use crate::ui::modal::dialog_closed;
use crate::ui::select_application::{self, SelectApplicationView};
use crate::ui::{ActionSender, ApplicationsAction};

use super::BackupAccountsApp;
use super::event::FileRequest;
use super::keyring_job::KeyringJob;
use super::manager_session::SessionEnd;

/// The open Backup Applications Manager.
#[derive(Debug)]
pub struct ApplicationsSession {
    draft: PoolDraft,
    view: BackupApplicationsView,
    select: Option<SelectApplicationView>,
    certificate: Option<InstallCertificateView>,
    saving: Option<KeyringJob>,
}

impl ApplicationsSession {
    fn new(draft: PoolDraft) -> Self {
        Self {
            draft,
            view: BackupApplicationsView::default(),
            select: None,
            certificate: None,
            saving: None,
        }
    }

    /// The pool being edited.
    pub fn draft(&self) -> &PoolDraft {
        &self.draft
    }

    /// True while the keyring worker writes the commit.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Draws the manager and the dialog over it.
    pub fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let covered = self.select.is_some() || self.certificate.is_some();
        let progress = self.saving.as_ref().map(KeyringJob::progress);
        self.view.ui(ctx, &self.draft, covered, progress, sender);
        if let Some(select) = &mut self.select {
            select.ui(ctx, &self.draft, sender);
        }
        if let Some(certificate) = &mut self.certificate {
            certificate.ui(ctx, sender);
        }
    }

    /// Applies one of the manager's actions; file dialogs are asked for through `ask_file`.
    /// The file Install Certificate asked for (`key`: its private key's), once chosen.
    pub fn file_chosen(&mut self, path: std::path::PathBuf, key: bool) {
        if let Some(view) = &mut self.certificate {
            view.set_file(path, key);
        }
    }

    fn apply(
        &mut self,
        ctx: &egui::Context,
        state: &AppState,
        action: ApplicationsAction,
        ask_file: impl FnOnce(FileRequest),
    ) -> SessionEnd {
        match action {
            ApplicationsAction::OpenSelect => self.select = Some(SelectApplicationView::default()),
            ApplicationsAction::CloseSelect => self.close_select(ctx),
            ApplicationsAction::Add(app_id) => match self.draft.add(&app_id) {
                Ok(()) => self.close_select(ctx),
                Err(e) => self.view.set_error(Some(e.to_string())),
            },
            ApplicationsAction::Remove(app_ids) => match self.draft.remove(&app_ids) {
                Ok(()) => {
                    self.view.clear_selection();
                    self.view.set_error(None);
                }
                Err(e) => self.view.set_error(Some(format!("{e}."))),
            },
            ApplicationsAction::OpenCertificate(app_id) => {
                let name = self
                    .draft
                    .rows()
                    .iter()
                    .map(|r| self.draft.application(r))
                    .find(|a| a.app_id == app_id)
                    .map(|a| a.display_name.clone());
                if let Some(name) = name {
                    self.certificate = Some(InstallCertificateView::new(&app_id, &name));
                }
            }
            ApplicationsAction::ChooseFile { key } => ask_file(FileRequest::Certificate { key }),
            ApplicationsAction::Install {
                app_id,
                file,
                key_file,
                password,
            } => self.install(ctx, &app_id, &file, key_file.as_deref(), &password),
            ApplicationsAction::CloseCertificate => self.close_certificate(ctx),
            ApplicationsAction::Commit => self.begin_commit(ctx, state),
            ApplicationsAction::Cancel if self.saving.is_none() => return SessionEnd::Closed,
            ApplicationsAction::Cancel => {}
        }
        SessionEnd::Open
    }

    /// Reads the certificate and gives it to the application if R15 accepts it; a refusal
    /// stays in the dialog with its reason.
    fn install(
        &mut self,
        ctx: &egui::Context,
        app_id: &str,
        file: &Path,
        key_file: Option<&Path>,
        password: &Password,
    ) {
        let read = match key_file {
            Some(key_file) => read_pem_pair(file, Some(key_file)),
            None => read_pkcs12(file, password),
        };
        let result = read.map_err(|e| e.to_string()).and_then(|certificate| {
            self.draft
                .install_certificate(
                    app_id,
                    &certificate.facts,
                    certificate.secret,
                    jiff::Timestamp::now(),
                )
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => self.close_certificate(ctx),
            Err(error) => {
                if let Some(view) = &mut self.certificate {
                    view.set_error(error);
                }
            }
        }
    }

    fn close_select(&mut self, ctx: &egui::Context) {
        if self.select.take().is_some() {
            dialog_closed(ctx, select_application::SELECT_DIALOG_ID, None);
        }
    }

    fn close_certificate(&mut self, ctx: &egui::Context) {
        if let Some(view) = self.certificate.take() {
            view.closed(ctx);
            dialog_closed(ctx, certificate::DIALOG_ID, None);
        }
    }

    fn begin_commit(&mut self, ctx: &egui::Context, state: &AppState) {
        if self.saving.is_some() {
            return;
        }
        self.view.set_error(None);
        let started = state
            .begin_pool_commit(&self.draft)
            .map_err(|e| e.to_string())
            .and_then(|pending| KeyringJob::start(pending, ctx));
        match started {
            Ok(job) => self.saving = Some(job),
            Err(e) => self.view.set_error(Some(e)),
        }
    }

    /// Collects the keyring worker's result: saved, the manager closes; failed, it stays.
    fn poll_saving(&mut self, ctx: &egui::Context, state: &mut AppState) -> SessionEnd {
        match KeyringJob::finish(&mut self.saving, ctx, state) {
            None => SessionEnd::Open,
            Some(Ok(())) => SessionEnd::Closed,
            Some(Err(e)) => {
                self.view.set_error(Some(e.to_string()));
                SessionEnd::Open
            }
        }
    }
}

impl BackupAccountsApp {
    /// *Manage backup applications...* (R1: app-only organizations only).
    pub(super) fn open_applications(&mut self, id: String) {
        let Ok(state) = &self.state else {
            return;
        };
        match state.open_applications(&id) {
            Ok(draft) => self.applications = Some(ApplicationsSession::new(draft)),
            Err(e) => self.show_banner(e.to_string(), true),
        }
        self.selected = Some(id);
    }

    pub(super) fn apply_applications(&mut self, ctx: &egui::Context, action: ApplicationsAction) {
        let (Some(session), Ok(state)) = (&mut self.applications, &self.state) else {
            return;
        };
        let events = self.events.sender().clone();
        let end = session.apply(ctx, state, action, |request| {
            super::file_dialog::ask_on_worker(request, &events, ctx);
        });
        if end == SessionEnd::Closed {
            self.close_applications(ctx);
        }
    }

    fn close_applications(&mut self, ctx: &egui::Context) {
        if let Some(session) = self.applications.take() {
            let opener = self
                .organizations
                .item_id(&session.draft().organization().id);
            dialog_closed(ctx, applications::DIALOG_ID, opener);
        }
    }

    /// Collects the commit's result and says what was saved.
    pub(super) fn poll_applications(&mut self, ctx: &egui::Context) {
        let (Some(session), Ok(state)) = (&mut self.applications, &mut self.state) else {
            return;
        };
        if session.poll_saving(ctx, state) == SessionEnd::Closed {
            let organization = session.draft().organization();
            let count = session.draft().rows().len();
            let saved = format!(
                "Saved the backup applications of {}: {count} {}.",
                organization.name,
                if count == 1 {
                    "application"
                } else {
                    "applications"
                }
            );
            self.close_applications(ctx);
            self.show_banner(saved, false);
        }
    }
}
