//! Add Password / Edit Password: one masked field for one account.

use egui::{Id, RichText, TextEdit};
use zeroize::Zeroizing;

use super::action::{ActionSender, ManagerAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use crate::model::{Password, PasswordPrompt};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "password_dialog";

/// The dialog's form. The typed text is wiped when the dialog closes.
pub struct PasswordView {
    prompt: PasswordPrompt,
    text: Zeroizing<String>,
    show_text: bool,
    focus_pending: bool,
    error: Option<String>,
}

impl std::fmt::Debug for PasswordView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordView")
            .field("prompt", &self.prompt)
            .field("typed_characters", &self.text.chars().count())
            .field("show_text", &self.show_text)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl PasswordView {
    /// Opens the dialog for the account the prompt describes.
    pub fn new(prompt: PasswordPrompt) -> Self {
        Self {
            prompt,
            text: Zeroizing::new(String::new()),
            show_text: false,
            focus_pending: true,
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
    pub fn set_error(&mut self, error: String) {
        self.error = Some(error);
    }

    fn field_id() -> Id {
        Id::unique("password_field")
    }

    /// Forgets egui's copy of the field (its undo history holds earlier texts).
    pub fn forget_field_state(ctx: &egui::Context) {
        ctx.data_mut(|d| d.remove::<egui::text_edit::TextEditState>(Self::field_id()));
    }

    /// Draws the modal over the manager.
    pub fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let title = self.prompt.title;
        let upn = self.prompt.upn.clone();
        let empty = self.text.is_empty();
        let dialog = Dialog::new(DIALOG_ID, title, 420.0)
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
            Some(DialogAnswer::Ok) if !self.text.is_empty() => {
                sender.send(ManagerAction::SubmitPassword {
                    upn,
                    password: Password::new(std::mem::take(&mut *self.text)),
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
        ui.add_space(6.0);
        let label = if self.prompt.app_password_required {
            "App password:"
        } else {
            "Password:"
        };
        ui.horizontal(|ui| {
            let label = ui.label(label);
            let field = ui
                .add(
                    TextEdit::singleline(&mut *self.text)
                        .id(Self::field_id())
                        .password(!self.show_text)
                        .desired_width(240.0),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus_pending) {
                field.request_focus();
            }
            if field.changed() {
                self.error = None;
            }
            let toggle = if self.show_text { "Hide" } else { "Show" };
            if ui
                .selectable_label(self.show_text, toggle)
                .on_hover_text("Show or hide the typed characters")
                .accessible_name("Show password")
                .clicked()
            {
                self.show_text = !self.show_text;
            }
        });
        if let Some(error) = &self.error {
            ui.label(super::error_text(ui, error));
        }
    }
}
