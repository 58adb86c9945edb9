//! Connect to Backup Server: the REST API's address, the user and the masked password (sent
//! once, never saved), what is required on the server, and why a connection failed.

use egui::{RichText, TextEdit};

use super::action::{ActionSender, ServerAction};
use super::masked_field::MaskedField;
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::{inline_error_ui, tokens};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "server_connect";

/// The password field's id salt.
const FIELD_ID: &str = "server_password";

/// What is typed in the dialog.
#[derive(Debug)]
pub struct ConnectForm {
    address: String,
    user: String,
    password: MaskedField,
}

/// What the dialog shows besides the form.
#[derive(Debug, Default)]
pub struct ConnectStatus<'a> {
    /// What the connection does now, while it runs.
    pub busy: Option<&'a str>,
    /// Why the last attempt failed.
    pub error: Option<&'a str>,
}

impl ConnectForm {
    /// The form, filled with the saved server and user when there are.
    pub fn new(address: Option<&str>, user: Option<&str>) -> Self {
        Self {
            address: address.unwrap_or_default().to_owned(),
            user: user.unwrap_or_default().to_owned(),
            password: MaskedField::new(FIELD_ID),
        }
    }

    /// Forgets egui's copy of the password field (cursor and undo history).
    pub fn forget_field_state(ctx: &egui::Context) {
        MaskedField::new(FIELD_ID).forget_state(ctx);
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ctx: &egui::Context, status: &ConnectStatus<'_>, sender: &ActionSender) {
        let missing = if self.address.trim().is_empty() {
            Some("Type the backup server's address first.")
        } else if self.user.trim().is_empty() {
            Some("Type the user name first.")
        } else if self.password.is_empty() {
            Some("Type the password first.")
        } else {
            None
        };
        let dialog = Dialog::new(
            DIALOG_ID,
            "Connect to Backup Server",
            tokens::DIALOG_WIDTH_FORM,
        )
        .ok(DialogButton::new("Connect")
            .named("Connect to the backup server")
            .disabled_because(
                status
                    .busy
                    .map(str::to_owned)
                    .or(missing.map(str::to_owned)),
            ))
        .cancel(DialogButton::new("Cancel").named("Cancel connecting to the backup server"));
        let response = dialog.show(ctx, |ui, footer| {
            self.form_ui(ui, status.busy.is_none());
            if let Some(error) = status.error {
                inline_error_ui(ui, error);
            }
            footer.ui(
                ui,
                |ui| {
                    if let Some(step) = status.busy {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(step);
                        });
                    }
                },
                |_| {},
            );
        });
        match response.answer {
            Some(DialogAnswer::Ok) if missing.is_none() && status.busy.is_none() => {
                sender.send(ServerAction::Connect {
                    address: self.address.trim().to_owned(),
                    user: self.user.trim().to_owned(),
                    password: self.password.take(),
                });
            }
            Some(DialogAnswer::Cancel) => sender.send(ServerAction::Cancel),
            _ => {}
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, enabled: bool) {
        ui.label(
            "Veeam Backup for Microsoft 365's REST API (version 8). The password is sent once \
             over TLS and never saved; the session's refresh token goes to the system keyring.",
        );
        ui.add_space(tokens::GAP);
        ui.add_enabled_ui(enabled, |ui| {
            egui::Grid::new("server_connect_form")
                .num_columns(2)
                .spacing([tokens::GAP * 2.0, tokens::GAP])
                .show(ui, |ui| {
                    let label = ui.label("Server:");
                    ui.add(
                        TextEdit::singleline(&mut self.address)
                            .hint_text("vbo.example.com:4443")
                            .desired_width(300.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                    let label = ui.label("User:");
                    ui.add(
                        TextEdit::singleline(&mut self.user)
                            .hint_text("DOMAIN\\user")
                            .desired_width(300.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                });
            self.password
                .ui(ui, "Password:", "Show the backup server password");
        });
        ui.add_space(tokens::GAP);
        ui.label(
            RichText::new(
                "The account must be a Windows account of the server or its domain, marked as \
                 a service account (multi-factor authentication off for it), and the REST API \
                 must be enabled on the server (port 4443 unless changed).",
            )
            .weak(),
        );
    }
}
