//! Organization Settings: what Microsoft Graph does not say about an imported organization.

use egui::{Id, Key, Modal, RichText, TextEdit};

use super::{Action, error_text, explain_disabled};
use crate::model::AuthenticationMethod;
use crate::store::config::OrganizationSettings;
use crate::store::graph::ImportedTenant;

/// The form: authentication method, adding account, and the MFA corrections kept so far.
#[derive(Debug)]
pub struct OrganizationSettingsView {
    organization: String,
    mfa_reported: bool,
    authentication: AuthenticationMethod,
    added_by: String,
    /// Lower-cased UPNs of the tenant, to check the adding account exists.
    known_upns: std::collections::HashSet<String>,
    mfa_not_enabled: std::collections::BTreeSet<String>,
}

impl OrganizationSettingsView {
    /// Opens the form for an imported tenant, filled with its saved settings if any.
    pub fn new(tenant: &ImportedTenant, saved: Option<&OrganizationSettings>) -> Self {
        Self {
            organization: tenant.name.clone(),
            mfa_reported: tenant.mfa_reported,
            authentication: saved.map_or(AuthenticationMethod::ModernWithLegacyProtocols, |s| {
                s.authentication
            }),
            added_by: saved.map(|s| s.added_by.clone()).unwrap_or_default(),
            known_upns: tenant.user_upns().map(str::to_lowercase).collect(),
            mfa_not_enabled: saved.map(|s| s.mfa_not_enabled.clone()).unwrap_or_default(),
        }
    }

    /// Draws the modal.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Action> {
        let mut action = None;
        let modal = Modal::new(Id::unique("organization_settings")).show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading("Organization Settings");
            ui.label(format!(
                "Microsoft Graph does not say how {} was added to the backup server. Tell it \
                 once; it is kept in the configuration and can be changed later from the \
                 organization's context menu.",
                self.organization
            ));
            ui.add_space(6.0);
            ui.strong("Authentication method");
            for method in [
                AuthenticationMethod::Basic,
                AuthenticationMethod::ModernWithLegacyProtocols,
                AuthenticationMethod::ModernAppOnly,
            ] {
                ui.radio_value(&mut self.authentication, method, method.label());
            }
            ui.add_space(6.0);
            let problem = if self.added_by.trim().is_empty() {
                Some("Type the account the organization was added with.".to_owned())
            } else if !self
                .known_upns
                .contains(&self.added_by.trim().to_lowercase())
            {
                Some(format!(
                    "{} is not a user of this organization. Type a UPN from users.json.",
                    self.added_by.trim()
                ))
            } else {
                None
            };
            ui.horizontal(|ui| {
                let label = ui.label("Added with account:");
                ui.add(
                    TextEdit::singleline(&mut self.added_by)
                        .hint_text("admin@contoso.onmicrosoft.com")
                        .desired_width(280.0),
                )
                .labelled_by(label.id);
            });
            if let Some(problem) = &problem
                && !self.added_by.is_empty()
            {
                ui.label(error_text(ui, problem));
            }
            if !self.mfa_reported {
                ui.label(
                    RichText::new(
                        "ℹ No MFA report (mfa.json) was imported, so every account is treated \
                         as MFA-enabled and Add Password asks for app passwords.",
                    )
                    .weak(),
                );
            }
            ui.separator();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let cancel = ui
                    .button("Cancel")
                    .accessible_name("Cancel organization settings");
                if cancel.clicked() {
                    action = Some(Action::CancelSettings);
                }
                let ok = explain_disabled(
                    ui.add_enabled(problem.is_none(), egui::Button::new("OK"))
                        .accessible_name("OK, save the organization settings"),
                    problem.as_deref(),
                );
                let enter = problem.is_none() && ui.input(|i| i.key_pressed(Key::Enter));
                if ok.clicked() || enter {
                    action = Some(Action::ApplySettings(OrganizationSettings {
                        authentication: self.authentication,
                        added_by: self.added_by.trim().to_owned(),
                        mfa_not_enabled: self.mfa_not_enabled.clone(),
                    }));
                }
            });
        });
        if action.is_none() && super::escape_closes(&modal) {
            action = Some(Action::CancelSettings);
        }
        action
    }
}
