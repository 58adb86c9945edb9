//! Sign in to Microsoft 365: the device code and where to enter it, then the sync's
//! progress (a bar per phase of a full read, requests in flight, throttling waits, the time
//! left), with *Cancel* throughout.

use egui::RichText;

use super::a11y;
use super::action::{ActionSender, MainAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::state::{DeviceCodePrompt, SyncPhase};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "sign_in";

/// One phase of a full read: its objects done of its total.
#[derive(Clone, Copy, Debug)]
pub struct PhaseBar {
    /// "Users", "Groups", "Member lists", "MFA report".
    pub name: &'static str,
    /// Objects read (member lists written).
    pub done: usize,
    /// The total, when Graph said it (`$count`).
    pub total: Option<usize>,
    /// The phase is over.
    pub finished: bool,
}

/// How a sync is going.
#[derive(Debug, Default)]
pub struct SyncProgress {
    /// The full read's phases, each with its bar (empty for a delta sync).
    pub phases: Vec<PhaseBar>,
    /// Pages, objects and throttling waits so far.
    pub counts: (usize, usize, usize),
    /// Requests in flight now.
    pub in_flight: usize,
    /// The time left, once it can be estimated.
    pub time_left: Option<std::time::Duration>,
}

/// What the dialog shows, from the sync's worker.
#[derive(Debug)]
pub struct SignInData<'a> {
    /// The code to enter, once the identity platform gave it.
    pub prompt: Option<&'a DeviceCodePrompt>,
    /// How the reading goes.
    pub progress: &'a SyncProgress,
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
                progress_ui(ui, data);
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

/// One bar per phase of a full read, then requests in flight, throttling waits and the time
/// left. Screen readers hear each phase end (one polite announcement each), not each page.
fn progress_ui(ui: &mut egui::Ui, data: &SignInData<'_>) {
    let progress = data.progress;
    let (pages, objects, throttled) = progress.counts;
    let what = match data.phase {
        SyncPhase::Delta => "Reading the changes since the last sync",
        _ => "Reading the tenant",
    };
    ui.label(format!("{what}: {pages} pages, {objects} objects."));
    for phase in &progress.phases {
        let text = match (phase.finished, phase.total) {
            (true, _) => format!("{}: {} read", phase.name, phase.done),
            (false, Some(total)) => format!("{}: {} of {total}", phase.name, phase.done),
            (false, None) => format!("{}: {}", phase.name, phase.done),
        };
        #[expect(clippy::cast_precision_loss, reason = "a progress bar's fraction")]
        let fraction = match (phase.finished, phase.total) {
            (true, _) => 1.0,
            (false, Some(total)) => (phase.done as f32 / total.max(1) as f32).min(1.0),
            (false, None) => 0.0,
        };
        // Not animated: the sync's job repaints the window as it goes.
        let bar = ui.add(egui::ProgressBar::new(fraction).text(text));
        if let Some(total) = phase.total {
            a11y::progress(&bar, phase.done.min(total), total);
        }
    }
    let left = progress.time_left.map_or_else(String::new, |left| {
        format!(", about {} left", duration_words(left))
    });
    ui.label(format!(
        "{} requests in flight, {throttled} throttling waits{left}.",
        progress.in_flight
    ));
    let finished: Vec<&str> = progress
        .phases
        .iter()
        .filter(|p| p.finished)
        .map(|p| p.name)
        .collect();
    if !finished.is_empty() {
        let done = ui.label(format!("Read: {}.", finished.join(", ")));
        a11y::live(ui.ctx(), done.id, false);
    }
}

/// "about 3 min 20 s" as "3 min 20 s", "45 s".
fn duration_words(duration: std::time::Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 60 {
        format!("{} min {} s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s")
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
