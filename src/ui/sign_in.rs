//! Sign in to Microsoft 365: the device code and where to enter it, then the sync's
//! progress (pages, objects, throttling waits), with *Cancel* throughout.

use egui::RichText;

use super::a11y;
use super::action::{ActionSender, MainAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::state::{DeviceCodePrompt, SyncPhase};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "sign_in";

/// What the dialog shows, from the sync's worker.
#[derive(Debug)]
pub struct SignInData<'a> {
    /// The code to enter, once the identity platform gave it.
    pub prompt: Option<&'a DeviceCodePrompt>,
    /// Pages, objects and throttling waits so far.
    pub progress: (usize, usize, usize),
    /// True once tokens were received and the tenant is being read.
    pub reading: bool,
    /// Whether everything or only the changes are read.
    pub phase: SyncPhase,
}

/// Draws the dialog.
pub fn sign_in_ui(ctx: &egui::Context, data: &SignInData<'_>, sender: &ActionSender) {
    let dialog = Dialog::new(
        DIALOG_ID,
        "Sign in to Microsoft 365",
        tokens::DIALOG_WIDTH_PROMPT,
    )
    .cancel(DialogButton::new("Cancel").named("Cancel the sign-in and sync"));
    let response = dialog.show(ctx, |ui, footer| {
        match (data.reading, data.prompt) {
            (false, None) => {
                ui.label("Asking Microsoft 365 for a sign-in code...");
            }
            (false, Some(prompt)) => code_ui(ui, prompt),
            (true, _) => {
                if data.phase == SyncPhase::FullAfterDeltaRefused {
                    let refused = ui.label(
                        "Microsoft Graph no longer accepts the saved delta link (410, a sync \
                         reset), so the whole tenant is read again.",
                    );
                    a11y::live(ui.ctx(), refused.id, false);
                }
                let (pages, objects, throttled) = data.progress;
                let what = match data.phase {
                    SyncPhase::Delta => "Reading the changes since the last sync",
                    _ => "Reading the tenant",
                };
                let text = format!(
                    "{what}: {pages} pages, {objects} objects, {throttled} throttling waits."
                );
                let label = ui.label(text);
                a11y::live(ui.ctx(), label.id, false);
                ui.label(
                    RichText::new(
                        "Nothing changes until everything is read; Cancel keeps the previous \
                         directory.",
                    )
                    .weak(),
                );
            }
        }
        footer.ui(ui, |_| {}, |_| {});
    });
    if response.answer == Some(DialogAnswer::Cancel) {
        sender.send(MainAction::CancelSync);
    }
}

fn code_ui(ui: &mut egui::Ui, prompt: &DeviceCodePrompt) {
    ui.label(format!(
        "Open {} in a browser, enter this code and sign in with an account that may read \
         the tenant's users and groups:",
        prompt.verification_uri
    ));
    let code = ui.label(RichText::new(&prompt.user_code).monospace().size(22.0));
    a11y::live(ui.ctx(), code.id, false);
    ui.horizontal(|ui| {
        if ui
            .button("Copy code")
            .accessible_name(format!("Copy the code {}", prompt.user_code))
            .clicked()
        {
            ui.ctx().copy_text(prompt.user_code.clone());
        }
        if ui.button("Open the sign-in page").clicked() {
            ui.ctx()
                .open_url(egui::OpenUrl::new_tab(&prompt.verification_uri));
        }
    });
    ui.label(
        RichText::new(format!(
            "Waiting for the sign-in (the code is valid for {} minutes)...",
            prompt.expires_in.as_secs() / 60
        ))
        .weak(),
    );
}
