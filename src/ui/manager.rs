//! Backup Accounts Manager: the chosen group and *Select accounts and configure their
//! passwords*.

use egui::{Checkbox, RichText};
use egui_extras::{Column, TableBuilder};

use super::action::{ActionSender, ManagerAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use super::{a11y, banner_ui, explain_disabled};
use crate::model::{DraftError, ManagerDraft};
use crate::state::CommitFailure;

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "backup_accounts_manager";

/// The manager's transient messages; the draft itself lives in the app's manager session.
#[derive(Debug, Default)]
pub struct ManagerView {
    /// A refusal shown inline above the buttons (R6, R7, R12).
    inline_error: Option<DraftError>,
    /// A failed commit, shown as a banner; the dialog stays open (R9).
    commit_error: Option<CommitFailure>,
    /// Something the administrator should know, e.g. accounts dropped with the old group.
    notice: Option<String>,
}

impl ManagerView {
    /// Shows a refusal inline above the buttons, or clears it.
    pub fn set_error(&mut self, error: Option<DraftError>) {
        self.inline_error = error;
    }

    /// Shows why a commit failed, in a banner inside the dialog, or clears it.
    pub fn set_commit_error(&mut self, error: Option<CommitFailure>) {
        self.commit_error = error;
    }

    /// Shows something the administrator should know, or clears it.
    pub fn set_notice(&mut self, notice: Option<String>) {
        self.notice = notice;
    }

    /// Draws the modal. `covered` is true while a dialog is open over it; `saving` is
    /// (keyring changes done, total) while a commit runs.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        draft: &ManagerDraft,
        covered: bool,
        saving: Option<(usize, usize)>,
        sender: &ActionSender,
    ) {
        let dialog = Dialog::new(
            DIALOG_ID,
            "Backup Accounts Manager",
            tokens::DIALOG_WIDTH_TABLE,
        )
        .ok(DialogButton::new("OK"))
        .keys(!covered)
        // A running commit cannot be abandoned half-way.
        .buttons(saving.is_none());
        let response = dialog.show(ctx, |ui, footer| {
            self.content_ui(ui, draft, sender);
            footer.ui(
                ui,
                |ui| {
                    super::keyring_progress_ui(
                        ui,
                        "Saving passwords to the system keyring",
                        saving,
                    );
                },
                |ui| {
                    ui.label(format!("{} accounts checked", draft.checked_count()));
                },
            );
        });
        match response.answer {
            Some(DialogAnswer::Ok) => sender.send(ManagerAction::Commit),
            Some(DialogAnswer::Cancel) => sender.send(ManagerAction::Cancel),
            None => {}
        }
    }

    fn content_ui(&mut self, ui: &mut egui::Ui, draft: &ManagerDraft, sender: &ActionSender) {
        let organization = draft.organization();
        ui.label(format!(
            "Organization: {} ({})",
            organization.name,
            organization.authentication.label()
        ));
        ui.add_space(tokens::GAP);
        if let Some(error) = &self.commit_error
            && banner_ui(ui, &error.to_string(), true)
        {
            self.commit_error = None;
        }
        if let Some(notice) = &self.notice
            && banner_ui(ui, notice, false)
        {
            self.notice = None;
        }
        ui.horizontal(|ui| {
            ui.label("Security group:");
            match draft.group() {
                Some(group) => ui.strong(&group.display_name),
                None => ui.label(RichText::new("None selected").weak()),
            };
            if ui.button("Select...").clicked() {
                sender.send(ManagerAction::OpenGroupPicker);
            }
        });
        if let Some(group) = draft.group() {
            ui.label(
                RichText::new(format!(
                    "ℹ All {} users of {} are granted the Site Collection Administrator \
                     role. A user who leaves the group loses the role.",
                    draft.rows().len(),
                    group.display_name
                ))
                .weak(),
            );
        }
        ui.add_space(tokens::GAP);
        ui.strong("Select accounts and configure their passwords");
        accounts_table_ui(ui, draft, sender);
        if let Some(error) = &self.inline_error {
            super::inline_error_ui(ui, error.to_string());
        }
    }
}

/// The virtualized list of the group's members.
fn accounts_table_ui(ui: &mut egui::Ui, draft: &ManagerDraft, sender: &ActionSender) {
    let users = &draft.organization().users;
    let body_height = ui.text_style_height(&egui::TextStyle::Body);
    let small_height = ui.text_style_height(&egui::TextStyle::Small);
    let row_height = body_height + small_height + 10.0;
    if draft.group().is_none() {
        ui.label(RichText::new("Click Select... to choose the security group first.").weak());
        return;
    }
    let name = "Select accounts and configure their passwords";
    a11y::table(ui, name, draft.rows().len(), 3, |ui| {
        TableBuilder::new(ui)
            .id_salt("backup_accounts_table")
            .striped(true)
            .min_scrolled_height(260.0)
            .max_scroll_height(260.0)
            .auto_shrink([false, false])
            .column(Column::exact(28.0))
            .column(Column::remainder().at_least(300.0).clip(true))
            .column(Column::exact(130.0))
            .header(body_height + 6.0, |mut header| {
                header.col(|ui| a11y::column_header(ui, "Use", 0));
                header.col(|ui| {
                    a11y::column_header(ui, "Account", 1);
                    ui.strong("Account");
                });
                header.col(|ui| {
                    a11y::column_header(ui, "Password", 2);
                    ui.strong("Password");
                });
            })
            .body(|body| {
                body.rows(row_height, draft.rows().len(), |mut row| {
                    let index = row.index();
                    let account = &draft.rows()[index];
                    let user = &users[account.user_index];
                    let reason = account.refusal.as_ref().map(ToString::to_string);
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 0, "Use");
                        let mut checked = account.checked;
                        let response = ui
                            .add_enabled(reason.is_none(), Checkbox::without_text(&mut checked))
                            .accessible_name(format!("Use {}", user.upn));
                        let response = explain_disabled(response, reason.as_deref());
                        if response.changed() {
                            sender.send(ManagerAction::SetChecked {
                                upn: user.upn.to_string(),
                                checked,
                            });
                        }
                    });
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 1, "Account");
                        account_cell_ui(ui, user, reason);
                    });
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 2, "Password");
                        if account.refusal.is_some() {
                            return;
                        }
                        let text = if account.password.is_configured() {
                            "Configured"
                        } else {
                            "Not configured"
                        };
                        let link = ui
                            .link(text)
                            .accessible_name(format!("Password for {}: {text}", user.upn));
                        if link.clicked() {
                            sender.send(ManagerAction::OpenPassword(user.upn.to_string()));
                        }
                    });
                });
            });
    });
}

/// The Account column: the display name, and under it the UPN with MFA or why the account
/// cannot be used (R6, R12).
fn account_cell_ui(ui: &mut egui::Ui, user: &crate::model::User, reason: Option<String>) {
    ui.vertical(|ui| {
        ui.add(egui::Label::new(&user.display_name).selectable(false));
        let detail = match &reason {
            Some(reason) => format!("{} — {reason}", user.upn),
            None if user.mfa_enabled => format!("{} · MFA", user.upn),
            None => user.upn.to_string(),
        };
        let detail = RichText::new(detail).small();
        let detail = if reason.is_some() {
            detail.color(ui.visuals().warn_fg_color)
        } else {
            detail.weak()
        };
        let response = ui.add(egui::Label::new(detail).selectable(false).truncate());
        if let Some(reason) = reason {
            response.on_hover_text(reason);
        }
    });
}
