//! Consent before secrets are deleted (R14): the accounts a changed directory would revoke.
//! Nothing is deleted until the administrator says so; Escape keeps everything. The lists
//! here serve the manager's summary (`commit_summary.rs`) too.

use super::a11y;
use super::action::{ActionSender, ConsentAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::model::Revocation;

/// The revocation dialog's id.
pub const REVOCATION_DIALOG_ID: &str = "revocation_consent";

/// Rows shown at once before the list scrolls.
const VISIBLE_ROWS: f32 = 8.0;

/// *Revoke these accounts* / *Keep them for now*, listing each account, its organization and
/// why. `progress` is (done, total) while the revocation runs on the keyring worker.
pub fn revocation_consent_ui(
    ctx: &egui::Context,
    revocations: &[Revocation],
    progress: Option<(usize, usize)>,
    sender: &ActionSender,
) {
    let dialog = Dialog::new(
        REVOCATION_DIALOG_ID,
        "Revoke backup accounts?",
        tokens::DIALOG_WIDTH_TABLE,
    )
    .ok(DialogButton::new("Revoke these accounts"))
    .cancel(DialogButton::new("Keep them for now"))
    .buttons(progress.is_none());
    let response = dialog.show(ctx, |ui, footer| {
        ui.label(format!(
            "The directory changed: {} saved backup {} can no longer be used. Revoke these \
             accounts drops them from the configuration, deletes their passwords from the \
             system keyring and ends their Site Collection Administrator role. Keep them for \
             now changes nothing; they are marked as pending review until the next change.",
            revocations.len(),
            if revocations.len() == 1 {
                "account"
            } else {
                "accounts"
            },
        ));
        ui.add_space(tokens::GAP);
        text_list_ui(ui, "Accounts to revoke", revocations, |revocation| {
            format!(
                "{} — {} — {}",
                revocation.upn,
                revocation.organization,
                revocation.reason.describe(&revocation.group)
            )
        });
        footer.ui(
            ui,
            |ui| super::keyring_progress_ui(ui, "Revoking in the system keyring", progress),
            |_| {},
        );
    });
    match response.answer {
        Some(DialogAnswer::Ok) => sender.send(ConsentAction::Revoke),
        Some(DialogAnswer::Cancel) => sender.send(ConsentAction::Keep),
        None => {}
    }
}

pub(super) fn account_list_ui(ui: &mut egui::Ui, heading: &str, accounts: &[String]) {
    if accounts.is_empty() {
        return;
    }
    ui.strong(format!("{heading} ({}):", accounts.len()));
    text_list_ui(ui, heading, accounts, Clone::clone);
}

/// A virtualized list of lines, `VISIBLE_ROWS` high, exposed as the list box `name`.
fn text_list_ui<T>(ui: &mut egui::Ui, name: &str, items: &[T], text: impl Fn(&T) -> String) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt(name)
        .max_height(row_height * VISIBLE_ROWS)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, items.len(), |ui, rows| {
            let first = rows.start;
            a11y::list_box(ui, name, items.len(), |ui| {
                for (offset, item) in items[rows].iter().enumerate() {
                    let line = ui.label(text(item));
                    a11y::list_option(&line, false, first + offset);
                }
            });
        });
}
