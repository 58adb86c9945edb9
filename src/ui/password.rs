//! Add Password / Edit Password: one masked field for one account.

use egui::{Id, RichText, TextEdit};
use zeroize::Zeroizing;

use super::action::{ActionSender, ManagerAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use crate::model::{Password, PasswordPrompt};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "password_dialog";

/// The longest password the field takes, in characters.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Bytes for [`MAX_PASSWORD_CHARS`] characters of up to four UTF-8 bytes each: the buffer
/// never grows, so no copy of the password is left behind by a reallocation.
const BUFFER_BYTES: usize = MAX_PASSWORD_CHARS * 4;

fn new_buffer() -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(BUFFER_BYTES))
}

/// The dialog's form. The typed text lives in one buffer, allocated once and wiped when the
/// dialog closes or the password is handed to the model.
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
            text: new_buffer(),
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

    /// Empties the field's undo history, which would keep earlier texts of the password.
    fn forget_undo_history(ctx: &egui::Context) {
        if let Some(mut state) = egui::text_edit::TextEditState::load(ctx, Self::field_id()) {
            state.clear_undoer();
            state.store(ctx, Self::field_id());
        }
    }

    /// Forgets egui's copy of the field (cursor and undo history).
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
                // Moves the buffer into the password, without a copy; the field gets a
                // fresh one in case the model refuses and the dialog stays open.
                let mut typed = std::mem::replace(&mut self.text, new_buffer());
                sender.send(ManagerAction::SubmitPassword {
                    upn,
                    password: Password::new(std::mem::take(&mut *typed)),
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
            // Always masked: egui never copies a password field nor offers its selection to
            // the X PRIMARY selection. Cut would still delete the selection it does not copy,
            // so Copy and Cut never reach the field.
            if ui.memory(|m| m.has_focus(Self::field_id())) {
                ui.input_mut(|i| {
                    i.events
                        .retain(|e| !matches!(e, egui::Event::Copy | egui::Event::Cut));
                });
            }
            let field = ui
                .add(
                    TextEdit::singleline(&mut *self.text)
                        .id(Self::field_id())
                        .password(true)
                        .char_limit(MAX_PASSWORD_CHARS)
                        .desired_width(240.0),
                )
                .labelled_by(label.id);
            Self::forget_undo_history(ui.ctx());
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
        if self.show_text {
            shown_password_ui(ui, &self.text);
        }
        if let Some(error) = &self.error {
            super::inline_error_ui(ui, error);
        }
    }
}

/// The typed password, painted apart from the field: not a text widget, so it cannot be
/// selected or copied, and screen readers get "Password shown", never the password itself.
fn shown_password_ui(ui: &mut egui::Ui, text: &str) {
    let galley = ui.painter().layout_no_wrap(
        text.to_owned(),
        egui::TextStyle::Monospace.resolve(ui.style()),
        ui.visuals().text_color(),
    );
    let (rect, response) = ui.allocate_exact_size(galley.size(), egui::Sense::hover());
    ui.painter()
        .galley(rect.min, galley, ui.visuals().text_color());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, "Password shown"));
}
