//! Install Certificate (R15): a PKCS#12 file and its password, or a PEM certificate with its
//! PEM private key, for one backup application.

use std::path::{Path, PathBuf};

use egui::RichText;

use super::action::{ActionSender, ApplicationsAction};
use super::masked_field::MaskedField;
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::model::application_pool::PoolError;
use crate::state::CertificateFileError;

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "install_certificate";

/// Why a certificate was not installed, kept as it came until drawn.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The file could not be read as a certificate.
    #[error(transparent)]
    Unreadable(#[from] CertificateFileError),
    /// R15 refused it.
    #[error(transparent)]
    Refused(#[from] PoolError),
}

/// The form for one application.
#[derive(Debug)]
pub struct InstallCertificateView {
    app_id: crate::model::AppId,
    application: String,
    file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    password: MaskedField,
    error: Option<InstallError>,
}

/// True for a PEM certificate (`.pem`, `.crt`, `.cer`), which needs its key file; anything
/// else is read as PKCS#12.
fn is_pem(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["pem", "crt", "cer"].contains(&e.to_lowercase().as_str()))
}

impl InstallCertificateView {
    /// Opens the form for an application.
    pub fn new(app_id: &str, application: &str) -> Self {
        Self {
            app_id: app_id.into(),
            application: application.to_owned(),
            file: None,
            key_file: None,
            password: MaskedField::new("certificate_password_field"),
            error: None,
        }
    }

    /// The application this form is for.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Takes the file the dialog chose.
    pub fn set_file(&mut self, path: PathBuf, key: bool) {
        if key {
            self.key_file = Some(path);
        } else {
            self.file = Some(path);
        }
        self.error = None;
    }

    /// Shows why the certificate was refused.
    pub fn set_error(&mut self, error: InstallError) {
        self.error = Some(error);
    }

    /// Forgets egui's copy of the password field.
    pub fn closed(&self, ctx: &egui::Context) {
        self.password.forget_state(ctx);
    }

    fn problem(&self) -> Option<String> {
        match &self.file {
            None => Some("Choose the certificate file first.".to_owned()),
            Some(file) if is_pem(file) && self.key_file.is_none() => {
                Some("Choose the private key's PEM file too.".to_owned())
            }
            Some(_) => None,
        }
    }

    /// Draws the modal over the manager.
    pub fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let problem = self.problem();
        let dialog = Dialog::new(DIALOG_ID, "Install Certificate", tokens::DIALOG_WIDTH_FORM)
            .ok(DialogButton::new("Install")
                .named(format!("Install the certificate of {}", self.application))
                .disabled_because(problem))
            .cancel(DialogButton::new("Cancel").named("Cancel Install Certificate"));
        let response = dialog.show(ctx, |ui, footer| {
            self.form_ui(ui, sender);
            footer.ui(ui, |_| {}, |_| {});
        });
        match response.answer {
            Some(DialogAnswer::Ok) => {
                if let Some(file) = self.file.clone() {
                    let key_file = self.key_file.clone().filter(|_| is_pem(&file));
                    sender.send(ApplicationsAction::Install {
                        app_id: self.app_id.clone(),
                        file,
                        key_file,
                        password: self.password.take(),
                    });
                }
            }
            Some(DialogAnswer::Cancel) => sender.send(ApplicationsAction::CloseCertificate),
            None => {}
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, sender: &ActionSender) {
        ui.label(format!(
            "Application: {} ({})",
            self.application, self.app_id
        ));
        ui.label(
            RichText::new(
                "Certificates only: a .pfx or .p12 file with its private key and password, or \
                 a PEM certificate with its PEM private key. It must be valid now and \
                 registered on the application in Microsoft Entra ID.",
            )
            .weak(),
        );
        ui.add_space(tokens::GAP);
        file_row_ui(ui, "Certificate file:", self.file.as_deref(), false, sender);
        match &self.file {
            Some(file) if is_pem(file) => {
                file_row_ui(
                    ui,
                    "Private key file:",
                    self.key_file.as_deref(),
                    true,
                    sender,
                );
            }
            _ => {
                if self
                    .password
                    .ui(ui, "Certificate password:", "Show certificate password")
                {
                    self.error = None;
                }
            }
        }
        if let Some(error) = &self.error {
            super::inline_error_ui(ui, error.to_string());
        }
    }
}

fn file_row_ui(
    ui: &mut egui::Ui,
    label: &str,
    file: Option<&Path>,
    key: bool,
    sender: &ActionSender,
) {
    ui.horizontal(|ui| {
        ui.label(label);
        let name = file.map_or_else(|| "None chosen".to_owned(), |f| f.display().to_string());
        ui.label(RichText::new(name).monospace());
        let what = if key {
            "private key file"
        } else {
            "certificate file"
        };
        if ui
            .button("Choose...")
            .accessible_name(format!("Choose the {what}"))
            .clicked()
        {
            sender.send(ApplicationsAction::ChooseFile { key });
        }
    });
}
