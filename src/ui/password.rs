//! Add Password / Edit Password: one masked field for one account.

use egui::{Id, Key, Modal, RichText, TextEdit};
use zeroize::Zeroizing;

use super::Action;
use crate::model::{Password, PasswordPrompt};

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
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Action> {
        let mut action = None;
        let modal = Modal::new(Id::unique("password_dialog")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(self.prompt.title);
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
                    action = Some(Action::SetMfaNotEnabled {
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
            let mut submit = false;
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
                submit = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
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
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                // Named apart from the manager's OK and Cancel, which are still in the tree.
                let cancel = ui
                    .button("Cancel")
                    .accessible_name(format!("Cancel {}", self.prompt.title));
                if cancel.clicked() {
                    action = Some(Action::ClosePassword);
                }
                let ok = ui
                    .add_enabled(!self.text.is_empty(), egui::Button::new("OK"))
                    .accessible_name(format!("OK, save the password of {}", self.prompt.upn));
                let ok = super::explain_disabled(
                    ok,
                    self.text.is_empty().then_some("Type the password first."),
                );
                if ok.clicked() || (submit && !self.text.is_empty()) {
                    action = Some(Action::SubmitPassword {
                        upn: self.prompt.upn.clone(),
                        password: Password::new(std::mem::take(&mut *self.text)),
                    });
                }
            });
        });
        if action.is_none() && super::escape_closes(&modal) {
            action = Some(Action::ClosePassword);
        }
        action
    }
}
