//! The Backup Applications Manager's session (R15): the pool draft, Select Application and
//! Install Certificate over it, and its commit on the keyring worker.

use std::path::Path;

use crate::model::Password;
use crate::model::application_pool::PoolDraft;
use crate::state::{AppState, CommitFailure};
use crate::store::certificate::{read_pem_pair, read_pkcs12};
use crate::ui::applications::{self, BackupApplicationsView};
use crate::ui::certificate::{self, InstallCertificateView, InstallError};
use crate::ui::modal::dialog_closed;
use crate::ui::select_application::{self, SelectApplicationView};
use crate::ui::{Action, ActionSender, ApplicationsAction};

use super::event::{EventSender, FileRequest, WorkerEvent};
use super::file_dialog::ask_on_worker;
use super::keyring_job::KeyringJob;
use super::session::{Closing, Session, SessionContext, Step};

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
    /// Opens the manager on an organization's pool.
    pub fn new(draft: PoolDraft) -> Self {
        Self {
            draft,
            view: BackupApplicationsView::default(),
            select: None,
            certificate: None,
            saving: None,
        }
    }

    /// Draws the manager and the dialog over it.
    fn windows_ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
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

    /// Applies one of the manager's actions; true when it closes (Cancel).
    fn apply_applications(&mut self, cx: &SessionContext<'_>, action: ApplicationsAction) -> bool {
        let ctx = cx.ctx;
        match action {
            ApplicationsAction::OpenSelect => self.select = Some(SelectApplicationView::default()),
            ApplicationsAction::CloseSelect => self.close_select(ctx),
            ApplicationsAction::Add(app_id) => match self.draft.add(&app_id) {
                Ok(()) => self.close_select(ctx),
                Err(e) => self.view.set_error(Some(e.into())),
            },
            ApplicationsAction::Remove(app_ids) => match self.draft.remove(&app_ids) {
                Ok(()) => {
                    self.view.clear_selection();
                    self.view.set_error(None);
                }
                Err(e) => self.view.set_error(Some(e.into())),
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
            ApplicationsAction::ChooseFile { key } => {
                ask_on_worker(FileRequest::Certificate { key }, cx.events);
            }
            ApplicationsAction::Install {
                app_id,
                file,
                key_file,
                password,
            } => self.install(ctx, &app_id, &file, key_file.as_deref(), &password),
            ApplicationsAction::CloseCertificate => self.close_certificate(ctx),
            ApplicationsAction::Commit => self.begin_commit(cx.state, cx.events),
            ApplicationsAction::Cancel if self.saving.is_none() => return true,
            ApplicationsAction::Cancel => {}
        }
        false
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
        let result = read.map_err(InstallError::from).and_then(|certificate| {
            self.draft
                .install_certificate(
                    app_id,
                    &certificate.facts,
                    certificate.secret,
                    jiff::Timestamp::now(),
                )
                .map_err(InstallError::from)
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

    fn begin_commit(&mut self, state: &AppState, events: &EventSender) {
        if self.saving.is_some() {
            return;
        }
        self.view.set_error(None);
        let started = state
            .begin_pool_commit(&self.draft)
            .and_then(|pending| KeyringJob::start(pending, events));
        match started {
            Ok(job) => self.saving = Some(job),
            Err(e) => self.view.set_error(Some(e.into())),
        }
    }

    /// How the manager closes: the focus goes back to its organization in the inventory.
    fn closing(&self, banner: Option<(String, bool)>) -> Closing {
        Closing {
            dialog: applications::DIALOG_ID,
            focus_organization: Some(self.draft.organization().id.clone()),
            banner,
            then: None,
        }
    }

    /// What the banner says once saved.
    fn saved(&self) -> String {
        let count = self.draft.rows().len();
        format!(
            "Saved the backup applications of {}: {count} {}.",
            self.draft.organization().name,
            if count == 1 {
                "application"
            } else {
                "applications"
            }
        )
    }
}

impl Session for ApplicationsSession {
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        self.windows_ui(ctx, sender);
    }

    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Applications(action) = action else {
            return Err(action);
        };
        Ok(if self.apply_applications(cx, action) {
            Step::Close(self.closing(None))
        } else {
            Step::Stay
        })
    }

    /// The file Install Certificate asked for (`key`: its private key's), once chosen; the
    /// keyring worker's end: saved, the manager closes; failed, it stays.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        if let WorkerEvent::FileChosen {
            request: FileRequest::Certificate { key },
            path,
        } = event
        {
            if let Some(view) = &mut self.certificate {
                view.set_file(path, key);
            }
            return Ok(Step::Stay);
        }
        let saved = KeyringJob::finish(&mut self.saving, event, cx.state)?;
        Ok(match saved {
            Ok(()) => Step::Close(self.closing(Some((self.saved(), false)))),
            Err(e) => {
                self.view.set_error(Some(CommitFailure::from(e).into()));
                Step::Stay
            }
        })
    }

    fn is_saving(&self) -> bool {
        self.saving.is_some()
    }
}
