//! Apply to Backup Server: the plan first (accounts the server's pool gains, loses and keeps,
//! and the group), consent to the removals (as R14), then the apply's progress with *Cancel*.

use super::action::{ActionSender, ServerAction};
use super::consent::account_list_ui;
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::{inline_error_ui, tokens};
use crate::model::server_pool::PoolComparison;

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "server_apply";

/// What the dialog shows.
#[derive(Debug)]
pub struct ApplyView<'a> {
    /// The organization's name.
    pub organization: &'a str,
    /// `host:port`.
    pub server: &'a str,
    /// The saved group's name.
    pub group: &'a str,
    /// The server's pool against the saved one, once read.
    pub plan: Option<&'a PoolComparison>,
    /// The administrator consents to the removals.
    pub consent: bool,
    /// What runs now (reading the plan, applying), and steps done of all.
    pub busy: Option<(&'a str, (usize, usize))>,
    /// Why reading or applying failed.
    pub error: Option<&'a str>,
}

/// Draws the dialog.
pub fn apply_ui(ctx: &egui::Context, view: &ApplyView<'_>, sender: &ActionSender) {
    let removals = view.plan.map_or(0, |p| p.only_on_server.len());
    let reason = if let Some((step, _)) = view.busy {
        Some(step.to_owned())
    } else if view.plan.is_none() {
        Some("The server's pool could not be read.".to_owned())
    } else if removals > 0 && !view.consent {
        Some("Consent to the removals first (the check box above).".to_owned())
    } else {
        None
    };
    let title = format!("Apply to Backup Server: {}", view.organization);
    let dialog = Dialog::new(DIALOG_ID, title, tokens::DIALOG_WIDTH_TABLE)
        .ok(DialogButton::new("Apply")
            .named("Apply the saved pool to the backup server")
            .disabled_because(reason))
        .cancel(DialogButton::new("Cancel").named("Cancel applying to the backup server"));
    let response = dialog.show(ctx, |ui, footer| {
        ui.label(format!(
            "The saved pool of {} (group {}) replaces the backup server's pool on {}, each \
             account with its password from the system keyring.",
            view.organization,
            if view.group.is_empty() {
                "none chosen"
            } else {
                view.group
            },
            view.server
        ));
        ui.add_space(tokens::GAP);
        if let Some(plan) = view.plan {
            plan_ui(ui, plan, view.consent, sender);
        }
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

/// A network step's progress: what runs, with a bar when its steps are counted.
pub(super) fn busy_ui(ui: &mut egui::Ui, busy: Option<(&str, (usize, usize))>) {
    if let Some((step, (done, total))) = busy {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(step);
        });
        if total > 0 {
            ui.add(egui::ProgressBar::new(done as f32 / total as f32));
        }
    }
}

fn plan_ui(ui: &mut egui::Ui, plan: &PoolComparison, consent: bool, sender: &ActionSender) {
    if plan.matches() {
        ui.label(
            "The server's pool already matches the saved selection; Apply sends the passwords \
             again.",
        );
    }
    account_list_ui(ui, "The server's pool gains", &plan.only_saved);
    account_list_ui(ui, "The server's pool loses", &plan.only_on_server);
    account_list_ui(ui, "Kept, passwords sent again", &plan.on_both);
    if !plan.other_groups.is_empty() {
        ui.label(format!(
            "The server's pool now uses another group: {}. After Apply it uses the saved one.",
            plan.other_groups.join(", ")
        ));
    }
    if !plan.only_on_server.is_empty() {
        ui.add_space(tokens::GAP);
        let mut checked = consent;
        let count = plan.only_on_server.len();
        let text = format!(
            "Remove {count} account{} from the backup server's pool",
            if count == 1 { "" } else { "s" }
        );
        if ui.checkbox(&mut checked, text).changed() {
            sender.send(ServerAction::SetConsent(checked));
        }
    }
}
