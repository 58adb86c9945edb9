//! The windows, one file each. Views read the state and return [`Action`]s; `app.rs` applies
//! them through the model.

pub mod group_picker;
pub mod manager;
pub mod organization_settings;
pub mod organizations;
pub mod password;

use crate::model::{AuthenticationMethod, Password};

/// Everything a view can ask for.
#[derive(Debug)]
pub enum Action {
    /// Show this organization's details.
    SelectOrganization(String),
    /// Open the Backup Accounts Manager (R1 is checked when applied).
    OpenManager(String),
    /// The app-only alternative, which lives in the backup console.
    ManageBackupApplications(String),
    /// File > Open directory...
    OpenDirectory,
    /// File > Reload directory.
    ReloadDirectory,
    /// File > Import directory... (a folder of Microsoft Graph responses).
    ImportDirectory,
    /// Organization Settings: OK.
    ApplySettings(crate::store::config::OrganizationSettings),
    /// Organization Settings: Cancel.
    CancelSettings,
    /// Context menu: Organization settings... (imported organizations).
    EditSettings,
    /// File > Quit.
    Quit,
    /// Close the error or notice banner.
    DismissBanner,
    /// Manager: *Select...*.
    OpenGroupPicker,
    /// Select Security Group: *Add* (R2, R3 checked when applied).
    ChooseGroup(String),
    /// Select Security Group: *Cancel*.
    CloseGroupPicker,
    /// Manager: a row's check box (R6, R12 checked when applied).
    SetChecked {
        /// The account.
        upn: String,
        /// The new state.
        checked: bool,
    },
    /// Manager: the *Not configured* / *Configured* link.
    OpenPassword(String),
    /// Add Password: *OK* (R8 checked when applied).
    SubmitPassword {
        /// The account.
        upn: String,
        /// What was typed.
        password: Password,
    },
    /// Add Password: *Cancel*.
    ClosePassword,
    /// Add Password: "This account does not use MFA" (imports without an MFA report).
    SetMfaNotEnabled {
        /// The account.
        upn: String,
        /// True when the account does not use MFA.
        not_enabled: bool,
    },
    /// Manager: *OK* (R7, R9).
    CommitManager,
    /// Manager: *Cancel* or Escape (R9).
    CancelManager,
}

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
                    ui.add(egui::Label::new(text).wrap());
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

/// Whether Escape closes this dialog: only the top one, and not while a popup in it is open.
/// Unlike `ModalResponse::should_close`, a click on the backdrop never closes a dialog, so a
/// stray click never throws away what was typed.
pub fn escape_closes<T>(modal: &egui::ModalResponse<T>) -> bool {
    modal.is_top_modal
        && !modal.any_popup_open
        && modal
            .response
            .ctx
            .input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
}
