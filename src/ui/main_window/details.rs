//! The details pane: the selected organization's method, group and backup accounts.

use egui::{Button, RichText};

use super::MainWindowData;
use super::server::server_ui;
use crate::model::Organization;
use crate::state::AppState;
use crate::ui::action::ActionSender;
use crate::ui::command::{OrganizationCommand, OrganizationContext};
use crate::ui::tokens;
use crate::ui::{a11y, authentication_icon, error_text, explain_disabled, pool_details};

/// The selected organization: its method, where it stands on the backup server (when one is
/// connected), its group and backup accounts.
pub(super) fn details_ui(
    ui: &mut egui::Ui,
    data: &MainWindowData<'_>,
    organization: &Organization,
    sender: &ActionSender,
) {
    let context = OrganizationContext {
        imported: data.state.organization_settings(&organization.id).is_some(),
        connected: data.state.backup_server().is_some(),
    };
    backup_accounts_ui(ui, data, organization, context, sender);
}

/// The method, the adding account, *Manage backup accounts...* and the saved pool.
fn backup_accounts_ui(
    ui: &mut egui::Ui,
    data: &MainWindowData<'_>,
    organization: &Organization,
    context: OrganizationContext,
    sender: &ActionSender,
) {
    let state = data.state;
    let method = organization.authentication;
    ui.heading(format!(
        "{}  {}",
        authentication_icon(method),
        organization.name
    ));
    egui::Grid::new("organization_details")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            ui.label("Authentication:");
            ui.label(method.label());
            ui.end_row();
            ui.label("Added with account:");
            ui.label(&organization.added_by);
            ui.end_row();
        });
    if context.connected {
        server_ui(ui, data, organization, context, sender);
    }
    ui.add_space(tokens::SECTION_GAP);
    let command = OrganizationCommand::ManageBackupAccounts;
    let reason = command.disabled_reason(organization, context);
    let button = ui
        .add_enabled(reason.is_none(), Button::new(command.label()))
        // The context menu holds the same words; this name keeps both findable.
        .accessible_name(format!(
            "Manage backup accounts of {}...",
            organization.name
        ));
    if explain_disabled(button, reason.as_deref()).clicked() {
        sender.send(command.action(organization));
    }
    if let Some(reason) = &reason {
        ui.label(RichText::new(reason).weak());
        pool_details::pool_details_ui(ui, state, organization, sender);
        return;
    }
    ui.add_space(tokens::SECTION_GAP);
    ui.separator();
    let Some(selection) = state.config().organizations.get(organization.id.as_str()) else {
        ui.label("No backup accounts are configured. Use Manage backup accounts... to add them.");
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Security group:");
        ui.strong(&selection.group_name);
        if organization.group(&selection.group_id).is_none() {
            ui.label(error_text(
                ui,
                "(no longer in the directory: choose another group)",
            ));
        }
    });
    configured_accounts_ui(ui, state, organization, selection);
}

/// The saved accounts with their password state (or *Pending review*, R14).
fn configured_accounts_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    organization: &Organization,
    selection: &crate::model::OrganizationSelection,
) {
    ui.label(format!("Backup accounts ({}):", selection.accounts.len()));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let count = selection.accounts.len();
    a11y::table(ui, "Backup accounts", count, 2, |ui| {
        egui_extras::TableBuilder::new(ui)
            .id_salt("configured_accounts")
            .striped(true)
            .column(egui_extras::Column::remainder().at_least(240.0).clip(true))
            .column(egui_extras::Column::auto().at_least(120.0))
            .header(row_height, |mut header| {
                header.col(|ui| {
                    a11y::column_header(ui, "Account", 0);
                    ui.strong("Account");
                });
                header.col(|ui| {
                    a11y::column_header(ui, "Password", 1);
                    ui.strong("Password");
                });
            })
            .body(|body| {
                body.rows(row_height, selection.accounts.len(), |mut row| {
                    let index = row.index();
                    let upn = &selection.accounts[index];
                    let name = organization
                        .user(upn)
                        .map_or(upn.clone(), |u| format!("{} ({upn})", u.display_name));
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 0, "Account");
                        ui.label(name);
                    });
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 1, "Password");
                        if state.is_pending_review(&organization.id, upn) {
                            let text =
                                RichText::new("Pending review").color(ui.visuals().warn_fg_color);
                            ui.label(text).on_hover_text(
                                "Kept after a directory change that would have revoked it. Reload \
                                 the directory to decide again, or uncheck it in Manage backup \
                                 accounts...",
                            );
                        } else {
                            // Every saved account had its secret written in the same commit (R9).
                            ui.label("Configured");
                        }
                    });
                });
            });
    });
}
