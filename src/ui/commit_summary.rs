//! What OK in the manager would change, shown before anything is saved when it removes
//! accounts or changes the group (R14).

use egui::RichText;

use super::action::{ActionSender, ManagerAction};
use super::consent::account_list_ui;
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::model::CommitSummary;

/// The manager summary's id.
pub const SUMMARY_DIALOG_ID: &str = "manager_commit_summary";

/// What OK in the manager changes, before anything is saved: accounts added, accounts
/// removed with their secrets, and who gets the Site Collection Administrator role.
pub fn commit_summary_ui(ctx: &egui::Context, summary: &CommitSummary, sender: &ActionSender) {
    let dialog = Dialog::new(
        SUMMARY_DIALOG_ID,
        "Save these changes?",
        tokens::DIALOG_WIDTH_MESSAGE,
    )
    .ok(DialogButton::new("Save these changes"))
    .cancel(DialogButton::new("Go back"));
    let response = dialog.show(ctx, |ui, footer| {
        ui.label(format!("Organization: {}", summary.organization));
        if let Some(previous) = &summary.previous_group {
            ui.label(format!(
                "The group changes from {previous} to {}.",
                summary.group.as_deref().unwrap_or("no group")
            ));
        }
        account_list_ui(ui, "Added", &summary.added);
        account_list_ui(
            ui,
            "Removed, password deleted from the keyring",
            &summary.removed,
        );
        if let Some(group) = &summary.group {
            ui.label(
                RichText::new(format!(
                    "ℹ All {} users of {group} hold the Site Collection Administrator role.",
                    summary.role_holders
                ))
                .weak(),
            );
        }
        footer.ui(ui, |_| {}, |_| {});
    });
    match response.answer {
        Some(DialogAnswer::Ok) => sender.send(ManagerAction::ConfirmCommit),
        Some(DialogAnswer::Cancel) => sender.send(ManagerAction::BackToManager),
        None => {}
    }
}
