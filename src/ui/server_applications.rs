//! Remove Backup Applications from the Server (KB4821): the applications that go and the one
//! that stays, then the removal's progress. Nothing is removed until *Remove* is pressed.

use super::action::{ActionSender, ServerAction};
use super::consent::account_list_ui;
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::server_apply::busy_ui;
use super::{inline_error_ui, tokens};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "server_applications";

/// What the dialog shows.
#[derive(Debug)]
pub struct RemovalView<'a> {
    /// The organization's name.
    pub organization: &'a str,
    /// `host:port`.
    pub server: &'a str,
    /// "Name (id)" of the application that stays.
    pub keep: &'a str,
    /// "Name (id)" of each application to remove.
    pub remove: &'a [String],
    /// What runs now, and steps done of all.
    pub busy: Option<(&'a str, (usize, usize))>,
    /// Why the removal failed.
    pub error: Option<&'a str>,
}

/// Draws the dialog.
pub fn removal_ui(ctx: &egui::Context, view: &RemovalView<'_>, sender: &ActionSender) {
    let count = view.remove.len();
    let plural = if count == 1 { "" } else { "s" };
    let title = format!("Remove Backup Applications: {}", view.organization);
    let dialog = Dialog::new(DIALOG_ID, title, tokens::DIALOG_WIDTH_TABLE)
        .ok(
            DialogButton::new(format!("Remove {count} application{plural}"))
                .named("Remove these backup applications from the backup server")
                .disabled_because(view.busy.map(|(step, _)| step.to_owned())),
        )
        .cancel(DialogButton::new("Cancel").named("Cancel removing backup applications"));
    let response = dialog.show(ctx, |ui, footer| {
        ui.label(format!(
            "Since 1 March 2026 Microsoft counts every backup application of a tenant against \
             one throttling limit, so more applications add no throughput (KB4821). These \
             are removed from the backup server {}; the applications stay registered in \
             Microsoft Entra ID. Backup applications are never added to the server from here: \
             version 8.4 and later no longer accept new ones.",
            view.server
        ));
        ui.add_space(tokens::GAP);
        ui.label(format!("Stays: {}", view.keep));
        account_list_ui(ui, "Removed from the backup server", view.remove);
        if let Some(error) = view.error {
            inline_error_ui(ui, error);
        }
        footer.ui(ui, |ui| busy_ui(ui, view.busy), |_| {});
    });
    match response.answer {
        Some(DialogAnswer::Ok) => sender.send(ServerAction::Apply),
        Some(DialogAnswer::Cancel) => sender.send(ServerAction::Cancel),
        None => {}
    }
}
