//! Organization Settings: what Microsoft Graph does not say about an imported organization.

use egui::{RichText, TextEdit};

use super::action::{ActionSender, SettingsAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::model::{AuthenticationMethod, OrganizationSettings};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "organization_settings";

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
    /// The tenant's applications, (application id, name), for app-only organizations.
    applications: Vec<(String, String)>,
    added_with_application: Option<String>,
    /// What the backup server said about the organization, or why it could not say.
    server_note: Option<String>,
}

impl OrganizationSettingsView {
    /// Opens the form for an imported tenant, filled with its saved settings if any.
    pub fn new(
        organization: &str,
        mfa_reported: bool,
        known_upns: impl Iterator<Item = String>,
        applications: Vec<(String, String)>,
        saved: Option<&OrganizationSettings>,
    ) -> Self {
        Self {
            organization: organization.to_owned(),
            mfa_reported,
            authentication: saved.map_or(AuthenticationMethod::ModernWithLegacyProtocols, |s| {
                s.authentication
            }),
            added_by: saved.map(|s| s.added_by.clone()).unwrap_or_default(),
            known_upns: known_upns.map(|upn| upn.to_lowercase()).collect(),
            mfa_not_enabled: saved.map(|s| s.mfa_not_enabled.clone()).unwrap_or_default(),
            applications,
            added_with_application: saved.and_then(|s| s.added_with_application.clone()),
            server_note: None,
        }
    }

    /// Fills the form with what the backup server says (what it does not say stays as it
    /// was), with a note above the form.
    pub fn fill_from_server(
        &mut self,
        authentication: AuthenticationMethod,
        added_by: Option<&str>,
        application: Option<&str>,
        note: String,
    ) {
        self.authentication = authentication;
        if let Some(account) = added_by {
            account.clone_into(&mut self.added_by);
        }
        if let Some(application) = application {
            self.added_with_application = Some(application.to_owned());
        }
        self.server_note = Some(note);
    }

    /// A note above the form, e.g. why the backup server could not say.
    pub fn set_server_note(&mut self, note: String) {
        self.server_note = Some(note);
    }

    /// The settings as *OK* would save them, when the form is complete.
    pub fn settings(&self) -> Option<OrganizationSettings> {
        if self.problem().is_some() {
            return None;
        }
        Some(OrganizationSettings {
            authentication: self.authentication,
            added_by: self.added_by.trim().to_owned(),
            mfa_not_enabled: self.mfa_not_enabled.clone(),
            // Only app-only organizations are added with an application.
            added_with_application: self
                .added_with_application
                .clone()
                .filter(|_| self.authentication == AuthenticationMethod::ModernAppOnly),
        })
    }

    /// Why OK is refused, if it is. The model checks the same when the directory is built;
    /// this says it while typing.
    fn problem(&self) -> Option<String> {
        let added_by = self.added_by.trim();
        if added_by.is_empty() {
            Some("Type the account the organization was added with.".to_owned())
        } else if !self.known_upns.contains(&added_by.to_lowercase()) {
            Some(format!(
                "{added_by} is not a user of this organization. Type a UPN from users.json."
            ))
        } else if self.authentication == AuthenticationMethod::ModernAppOnly
            && !self.applications.is_empty()
            && self.added_with_application.is_none()
        {
            Some("Choose the application the organization was added with.".to_owned())
        } else {
            None
        }
    }

    /// Draws the modal.
    pub fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let problem = self.problem();
        let dialog = Dialog::new(
            DIALOG_ID,
            "Organization Settings",
            tokens::DIALOG_WIDTH_FORM,
        )
        .ok(DialogButton::new("OK")
            .named("OK, save the organization settings")
            .disabled_because(problem.clone()))
        .cancel(DialogButton::new("Cancel").named("Cancel organization settings"));
        let response = dialog.show(ctx, |ui, footer| {
            self.form_ui(ui, problem.as_deref());
            footer.ui(ui, |_| {}, |_| {});
        });
        match response.answer {
            Some(DialogAnswer::Ok) => {
                if let Some(settings) = self.settings() {
                    sender.send(SettingsAction::Apply(settings));
                }
            }
            Some(DialogAnswer::Cancel) => sender.send(SettingsAction::Cancel),
            None => {}
        }
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, problem: Option<&str>) {
        ui.label(format!(
            "Microsoft Graph does not say how {} was added to the backup server. Tell it \
             once; it is kept in the configuration and can be changed later from the \
             organization's context menu.",
            self.organization
        ));
        if let Some(note) = &self.server_note {
            ui.label(RichText::new(format!("ℹ {note}")).strong());
        }
        ui.add_space(tokens::GAP);
        ui.strong("Authentication method");
        for method in [
            AuthenticationMethod::Basic,
            AuthenticationMethod::ModernWithLegacyProtocols,
            AuthenticationMethod::ModernAppOnly,
        ] {
            ui.radio_value(&mut self.authentication, method, method.label());
        }
        ui.add_space(tokens::GAP);
        ui.horizontal(|ui| {
            let label = ui.label("Added with account:");
            ui.add(
                TextEdit::singleline(&mut self.added_by)
                    .hint_text("admin@contoso.onmicrosoft.com")
                    .desired_width(280.0),
            )
            .labelled_by(label.id);
        });
        if self.authentication == AuthenticationMethod::ModernAppOnly
            && !self.applications.is_empty()
        {
            self.application_ui(ui);
        }
        if let Some(problem) = problem
            && !self.added_by.is_empty()
        {
            super::inline_error_ui(ui, problem);
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
    }

    /// Which application an app-only organization was added with (R15 keeps it in the pool).
    fn application_ui(&mut self, ui: &mut egui::Ui) {
        let name_of = |id: &str| {
            self.applications
                .iter()
                .find(|(app_id, _)| app_id == id)
                .map_or_else(
                    || id.to_owned(),
                    |(app_id, name)| format!("{name} ({app_id})"),
                )
        };
        let selected = self
            .added_with_application
            .as_deref()
            .map_or_else(|| "Choose...".to_owned(), name_of);
        ui.horizontal(|ui| {
            ui.label("Added with application:");
            let combo = egui::ComboBox::from_id_salt("added_with_application")
                .selected_text(selected)
                .width(300.0)
                .show_ui(ui, |ui| {
                    for (app_id, name) in &self.applications {
                        ui.selectable_value(
                            &mut self.added_with_application,
                            Some(app_id.clone()),
                            format!("{name} ({app_id})"),
                        );
                    }
                });
            let _ = combo.response.accessible_name("Added with application");
        });
    }
}
