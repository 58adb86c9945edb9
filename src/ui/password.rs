//! Add Password / Edit Password: one masked field for one account.

use egui::RichText;

use super::action::{ActionSender, ManagerAction};
pub use super::masked_field::MAX_PASSWORD_CHARS;
use super::masked_field::MaskedField;
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::model::{DraftError, PasswordPrompt};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "password_dialog";

/// The field's id salt: one password field at a time.
const FIELD_ID: &str = "password_field";

/// The dialog's form. The typed text lives in one buffer, allocated once and wiped when the
/// dialog closes or the password is handed to the model.
pub struct PasswordView {
    prompt: PasswordPrompt,
    field: MaskedField,
    error: Option<DraftError>,
}

impl std::fmt::Debug for PasswordView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordView")
            .field("prompt", &self.prompt)
            .field("field", &self.field)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl PasswordView {
    /// Opens the dialog for the account the prompt describes.
    pub fn new(prompt: PasswordPrompt) -> Self {
        Self {
            prompt,
            field: MaskedField::new(FIELD_ID),
            error: None,
        }
    }

    /// The account this dialog is for.
    pub fn upn(&self) -> &str {
        &self.prompt.upn
    }

    /// Takes the prompt again after the account's MFA status was corrected.
    pub fn set_prompt(&mut self, prompt: PasswordPrompt) {
        self.prompt = prompt;
    }

    /// Shows a refusal from the model under the field (R8).
    pub fn set_error(&mut self, error: DraftError) {
        self.error = Some(error);
    }

    /// Forgets egui's copy of the field (cursor and undo history).
    pub fn forget_field_state(ctx: &egui::Context) {
        MaskedField::new(FIELD_ID).forget_state(ctx);
    }

    /// Draws the modal over the manager.
    pub fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let title = self.prompt.title;
        let upn = self.prompt.upn.clone();
        let empty = self.field.is_empty();
        let dialog = Dialog::new(DIALOG_ID, title, tokens::DIALOG_WIDTH_FIELD)
            .ok(DialogButton::new("OK")
                .named(format!("OK, save the password of {upn}"))
                .disabled_because(empty.then(|| "Type the password first.".to_owned())))
            // Named apart from the manager's OK and Cancel, which are still in the tree.
            .cancel(DialogButton::new("Cancel").named(format!("Cancel {title}")));
        let response = dialog.show(ctx, |ui, footer| {
            self.form_ui(ui, sender);
            footer.ui(ui, |_| {}, |_| {});
        });
        match response.answer {
            Some(DialogAnswer::Ok) if !self.field.is_empty() => {
                sender.send(ManagerAction::SubmitPassword {
                    upn,
                    password: self.field.take(),
                });
            }
            Some(DialogAnswer::Ok) => {}
            Some(DialogAnswer::Cancel) => sender.send(ManagerAction::ClosePassword),
            None => {}
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, sender: &ActionSender) {
        ui.label(format!(
            "Account: {} ({})",
            self.prompt.display_name, self.prompt.upn
        ));
        if self.prompt.app_password_required {
            ui.label(
                RichText::new(
                    "⚠ Multi-factor authentication is enabled for this account. Enter a \
                     Microsoft Entra application password (app password) instead of the \
                     user's own password.",
                )
                .color(ui.visuals().warn_fg_color),
            );
        }
        if self.prompt.mfa_correctable {
            let mut no_mfa = !self.prompt.app_password_required;
            let toggle = ui
                .checkbox(&mut no_mfa, "This account does not use MFA")
                .on_hover_text(
                    "No MFA report was imported, so MFA is assumed. Check this if the \
                     account signs in with its password alone; it is kept when you click \
                     OK in the manager.",
                );
            if toggle.changed() {
                sender.send(ManagerAction::SetMfaNotEnabled {
                    upn: self.prompt.upn.clone(),
                    not_enabled: no_mfa,
                });
            }
        }
        ui.add_space(tokens::GAP);
        let label = if self.prompt.app_password_required {
            "App password:"
        } else {
            "Password:"
        };
        if self.field.ui(ui, label, "Show password") {
            self.error = None;
        }
        if let Some(error) = &self.error {
            super::inline_error_ui(ui, error.to_string());
        }
    }
}
