//! The windows, one file each. Views read the state and push [`Action`]s into a queue;
//! the app applies them through the model. Dialogs share one frame ([`modal::Dialog`]).

pub mod a11y;
pub mod action;
pub mod applications;
pub mod certificate;
pub mod command;
pub mod commit_summary;
pub mod consent;
pub mod group_picker;
pub mod health;
pub mod main_window;
pub mod manager;
pub mod masked_field;
pub mod modal;
pub mod organization_settings;
pub mod password;
pub mod pool_details;
pub mod select_application;
pub mod server_applications;
pub mod server_apply;
pub mod server_certificate;
pub mod server_connect;
pub mod sign_in;
pub mod startup_error;
pub mod tokens;

pub use action::{
    Action, ActionQueue, ActionSender, ApplicationsAction, ConsentAction, HealthAction, MainAction,
    ManagerAction, ServerAction, SettingsAction, StartupAction,
};

use crate::model::AuthenticationMethod;

/// A symbol per authentication method, so the inventory can be scanned at a glance.
pub fn authentication_icon(method: AuthenticationMethod) -> &'static str {
    match method {
        AuthenticationMethod::Basic => "🔑",
        AuthenticationMethod::ModernWithLegacyProtocols => "🔐",
        AuthenticationMethod::ModernAppOnly => "⚙",
    }
}

/// Red text for refusals shown inline under a control.
pub fn error_text(ui: &egui::Ui, text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text.into()).color(ui.visuals().error_fg_color)
}

/// A refusal shown inline, and spoken at once by screen readers (a live region).
pub fn inline_error_ui(ui: &mut egui::Ui, text: impl Into<String>) {
    let label = ui.label(error_text(ui, text));
    a11y::live(ui.ctx(), label.id, true);
}

/// A dismissible strip for I/O errors and notices; returns true when dismissed.
pub fn banner_ui(ui: &mut egui::Ui, text: &str, is_error: bool) -> bool {
    let visuals = ui.visuals();
    let (fill, stroke) = if is_error {
        (
            visuals.error_fg_color.gamma_multiply(0.15),
            visuals.error_fg_color,
        )
    } else {
        (
            visuals.selection.bg_fill.gamma_multiply(0.3),
            visuals.selection.stroke.color,
        )
    };
    let mut dismissed = false;
    egui::Frame::new()
        .fill(fill)
        .stroke(egui::Stroke::new(1.0, stroke))
        .inner_margin(8.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(if is_error { "⚠" } else { "ℹ" });
                // Leave room for the button so long messages wrap instead of pushing it out.
                let text_width = (ui.available_width() - 90.0).max(120.0);
                ui.allocate_ui(egui::vec2(text_width, 0.0), |ui| {
                    let label = ui.add(egui::Label::new(text).wrap());
                    a11y::live(ui.ctx(), label.id, is_error);
                });
                dismissed = ui.button("Dismiss").clicked();
            });
        });
    dismissed
}

/// Shows why a disabled control is disabled: as its tooltip, and as its accessible
/// description so screen readers and tests find the reason too.
pub fn explain_disabled(response: egui::Response, reason: Option<&str>) -> egui::Response {
    let Some(reason) = reason else {
        return response;
    };
    response.ctx.accesskit_node_builder(response.id, |node| {
        node.set_description(reason);
    });
    response.on_disabled_hover_text(reason)
}

/// The keyring worker's progress, `(done, total)`, while it runs: "<what>: 3 of 10".
pub fn keyring_progress_ui(ui: &mut egui::Ui, what: &str, progress: Option<(usize, usize)>) {
    let Some((done, total)) = progress else {
        return;
    };
    let fraction = if total == 0 {
        1.0
    } else {
        done as f32 / total as f32
    };
    let bar = ui.add(
        egui::ProgressBar::new(fraction)
            .text(format!("{what}: {done} of {total}"))
            .animate(true),
    );
    a11y::progress(&bar, done, total);
}
