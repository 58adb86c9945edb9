//! The Organizations view: menu bar, inventory pane and the selected organization's details.

use egui::{Button, Key, KeyboardShortcut, Modifiers, RichText};

use super::action::{ActionSender, MainAction};
use super::{a11y, authentication_icon, explain_disabled};
use crate::model::rules::check_can_manage_backup_accounts;
use crate::model::{AuthenticationMethod, Organization};
use crate::state::AppState;

const OPEN_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
const RELOAD_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F5);
const QUIT_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);

const MANAGE_BACKUP_ACCOUNTS: &str = "Manage backup accounts...";
const MANAGE_BACKUP_APPLICATIONS: &str = "Manage backup applications...";

/// The main window's content. The selection lives in `app.rs`; the view only remembers
/// where each visible organization was drawn, so focus can return to it.
#[derive(Debug, Default)]
pub struct OrganizationsView {
    item_ids: std::collections::HashMap<String, egui::Id>,
    /// The organization whose item had the keyboard focus last frame.
    focused: Option<String>,
    /// A context menu opened from the keyboard, and where: it has no pointer to follow.
    keyboard_menu: Option<(String, egui::Pos2)>,
}

impl OrganizationsView {
    /// The widget of an organization in the inventory, so focus can go back to it when the
    /// manager opened from its context menu closes.
    pub fn item_id(&self, organization_id: &str) -> Option<egui::Id> {
        self.item_ids.get(organization_id).copied()
    }

    /// Draws the menu bar and takes its shortcuts; `blocked` is true while a modal is open,
    /// so shortcuts do not act behind it.
    /// `synced` says whether the directory was synced from Microsoft 365 (*Sync now*
    /// works); asked only while the menu is open.
    pub fn menu_bar_ui(
        &mut self,
        ui: &mut egui::Ui,
        blocked: bool,
        synced: impl Fn() -> bool,
        sender: &ActionSender,
    ) {
        if !blocked {
            // Consumed here, outside the menu, so they work while the menu is closed.
            ui.input_mut(|input| {
                if input.consume_shortcut(&OPEN_SHORTCUT) {
                    sender.send(MainAction::OpenDirectory);
                }
                if input.consume_shortcut(&RELOAD_SHORTCUT) {
                    sender.send(MainAction::ReloadDirectory);
                }
                if input.consume_shortcut(&QUIT_SHORTCUT) {
                    sender.send(MainAction::Quit);
                }
            });
        }
        egui::Panel::top("menu_bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let mut chosen = None;
                    let ctx = ui.ctx().clone();
                    let item = |label, shortcut| {
                        Button::new(label).shortcut_text(ctx.format_shortcut(shortcut))
                    };
                    if ui.add(item("Open directory...", &OPEN_SHORTCUT)).clicked() {
                        chosen = Some(MainAction::OpenDirectory);
                    }
                    if ui.add(item("Reload directory", &RELOAD_SHORTCUT)).clicked() {
                        chosen = Some(MainAction::ReloadDirectory);
                    }
                    if ui
                        .button("Import directory...")
                        .on_hover_text("A folder of Microsoft Graph responses (see README)")
                        .clicked()
                    {
                        chosen = Some(MainAction::ImportDirectory);
                    }
                    if ui
                        .button("Sign in to Microsoft 365...")
                        .on_hover_text("Reads the tenant from Microsoft Graph (see README)")
                        .clicked()
                    {
                        chosen = Some(MainAction::SignIn);
                    }
                    let synced = synced();
                    let sync_now = ui.add_enabled(synced, item("Sync now", &RELOAD_SHORTCUT));
                    let not_synced = (!synced).then_some(
                        "No tenant was synced from Microsoft 365 yet: use Sign in to Microsoft \
                         365... first.",
                    );
                    let sync_now = super::explain_disabled(sync_now, not_synced)
                        .on_hover_text("Reads only what changed in the tenant since the last sync");
                    if sync_now.clicked() {
                        chosen = Some(MainAction::ReloadDirectory);
                    }
                    if ui
                        .button("Sign out of Microsoft 365")
                        .on_hover_text("Deletes the synced tenant's refresh token from the keyring")
                        .clicked()
                    {
                        chosen = Some(MainAction::SignOut);
                    }
                    ui.separator();
                    if ui.add(item("Quit", &QUIT_SHORTCUT)).clicked() {
                        chosen = Some(MainAction::Quit);
                    }
                    // A menu closes by itself on a pointer click, not when an item is
                    // pressed with Enter or Space: left open, it kept the keys from the
                    // dialog the item opened.
                    if let Some(action) = chosen {
                        sender.send(action);
                        ui.close();
                    }
                });
            });
        });
    }

    /// Draws the inventory, then `above_details` (the banner), then the tabs: the selected
    /// organization's details, or `health` when `show_health`. The banner comes after the
    /// inventory so that its coming and going never changes the ids of the inventory's items,
    /// which focus returns to.
    #[allow(clippy::too_many_arguments)] // Each part of the main window, drawn in order.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        state: &AppState,
        selected: Option<&str>,
        sender: &ActionSender,
        above_details: impl FnOnce(&mut egui::Ui),
        show_health: bool,
        health: impl FnOnce(&mut egui::Ui),
    ) {
        egui::Panel::left("inventory")
            .resizable(true)
            .default_size(280.0)
            .min_size(200.0)
            .show(ui, |ui| {
                ui.heading("Organizations");
                ui.separator();
                let organizations = &state.directory().organizations;
                let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
                // Only the visible rows are laid out: service providers have hundreds.
                egui::ScrollArea::vertical().auto_shrink(false).show_rows(
                    ui,
                    row_height,
                    organizations.len(),
                    |ui, rows| {
                        let first = rows.start;
                        // A list box of options, so screen readers say "2 of 3, selected".
                        a11y::list_box(ui, "Organizations", organizations.len(), |ui| {
                            for (offset, organization) in organizations[rows].iter().enumerate() {
                                let imported =
                                    state.organization_settings(&organization.id).is_some();
                                let response = inventory_item_ui(
                                    ui,
                                    organization,
                                    imported,
                                    selected,
                                    &mut self.keyboard_menu,
                                    sender,
                                    first + offset,
                                );
                                self.item_ids.insert(organization.id.clone(), response.id);
                                // The selection follows the focus as the arrow keys move it.
                                if response.has_focus()
                                    && self.focused.as_deref() != Some(organization.id.as_str())
                                {
                                    self.focused = Some(organization.id.clone());
                                    sender.send(MainAction::SelectOrganization(
                                        organization.id.clone(),
                                    ));
                                }
                            }
                        });
                    },
                );
            });
        above_details(ui);
        egui::CentralPanel::default().show(ui, |ui| {
            tabs_ui(ui, show_health, sender);
            if show_health {
                health(ui);
                return;
            }
            let organization = selected.and_then(|id| state.directory().organization(id));
            match organization {
                Some(organization) => details_ui(ui, state, organization, sender),
                None => {
                    ui.centered_and_justified(|ui| {
                        ui.label("Select an organization in the inventory pane.");
                    });
                }
            }
        });
    }
}

/// Details or Health: two tabs, reachable with Tab and Enter like any button.
fn tabs_ui(ui: &mut egui::Ui, show_health: bool, sender: &ActionSender) {
    ui.horizontal(|ui| {
        for (health, name) in [(false, "Details"), (true, "Health")] {
            let tab = ui.selectable_label(show_health == health, name);
            tab.ctx.accesskit_node_builder(tab.id, |node| {
                node.set_role(egui::accesskit::Role::Tab);
                node.set_label(name);
                node.clear_value();
                node.clear_toggled();
                node.set_selected(show_health == health);
            });
            if tab.clicked() && show_health != health {
                sender.send(MainAction::ShowHealth(health));
            }
        }
    });
    ui.separator();
}

/// One organization in the inventory, with its context menu.
/// Arrow keys move the focus (egui's own navigation) and the selection follows it; the Menu
/// key or Shift+F10 opens the context menu of the focused organization. Screen readers get it
/// as option `position` of the inventory's list box. Returns the item's response.
fn inventory_item_ui(
    ui: &mut egui::Ui,
    organization: &Organization,
    imported: bool,
    selected: Option<&str>,
    keyboard_menu: &mut Option<(String, egui::Pos2)>,
    sender: &ActionSender,
    position: usize,
) -> egui::Response {
    let method = organization.authentication;
    let is_selected = selected == Some(organization.id.as_str());
    let response = ui
        .selectable_label(
            is_selected,
            format!("{}  {}", authentication_icon(method), organization.name),
        )
        .accessible_name(format!("{} ({})", organization.name, method.label()))
        .on_hover_text(method.label());
    a11y::list_option(&response, is_selected, position);
    if response.clicked() || response.secondary_clicked() {
        sender.send(MainAction::SelectOrganization(organization.id.clone()));
    }
    let popup_id = egui::Popup::default_response_id(&response);
    let is_mine = |menu: &Option<(String, egui::Pos2)>| {
        menu.as_ref().is_some_and(|(id, _)| *id == organization.id)
    };
    if response.secondary_clicked()
        || (is_mine(keyboard_menu) && !egui::Popup::is_id_open(ui.ctx(), popup_id))
    {
        *keyboard_menu = None;
    }
    if response.has_focus()
        && ui.input_mut(|i| {
            i.consume_key(Modifiers::NONE, Key::Menu) || i.consume_key(Modifiers::SHIFT, Key::F10)
        })
    {
        egui::Popup::open_id(ui.ctx(), popup_id);
        *keyboard_menu = Some((organization.id.clone(), response.rect.left_bottom()));
    }
    let mut popup = egui::Popup::context_menu(&response);
    if let Some((_, position)) = keyboard_menu.as_ref().filter(|_| is_mine(keyboard_menu)) {
        popup = popup.at_position(*position);
    }
    popup.show(|ui| {
        if organization_menu_ui(ui, organization, imported, sender) {
            ui.close();
        }
    });
    response
}

/// The context menu of an organization (R1 decides what is enabled).
fn organization_menu_ui(
    ui: &mut egui::Ui,
    organization: &Organization,
    imported: bool,
    sender: &ActionSender,
) -> bool {
    let refusal = check_can_manage_backup_accounts(organization).err();
    let reason = refusal.as_ref().map(ToString::to_string);
    let accounts = explain_disabled(
        ui.add_enabled(refusal.is_none(), Button::new(MANAGE_BACKUP_ACCOUNTS)),
        reason.as_deref(),
    );
    if accounts.clicked() {
        sender.send(MainAction::OpenManager(organization.id.clone()));
        return true;
    }
    let app_only = organization.authentication == AuthenticationMethod::ModernAppOnly;
    let applications = explain_disabled(
        ui.add_enabled(app_only, Button::new(MANAGE_BACKUP_APPLICATIONS)),
        (!app_only).then_some(
            "This organization uses backup accounts; backup applications apply to modern \
             app-only organizations.",
        ),
    );
    if applications.clicked() {
        sender.send(MainAction::ManageBackupApplications(
            organization.id.clone(),
        ));
        return true;
    }
    if imported && ui.button("Organization settings...").clicked() {
        sender.send(MainAction::EditSettings);
        return true;
    }
    false
}

/// The selected organization: its method, group and backup accounts.
fn details_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    organization: &Organization,
    sender: &ActionSender,
) {
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
    ui.add_space(8.0);
    let refusal = check_can_manage_backup_accounts(organization).err();
    let reason = refusal.as_ref().map(ToString::to_string);
    let button = ui
        .add_enabled(refusal.is_none(), Button::new(MANAGE_BACKUP_ACCOUNTS))
        // The context menu holds the same words; this name keeps both findable.
        .accessible_name(format!(
            "Manage backup accounts of {}...",
            organization.name
        ));
    if explain_disabled(button, reason.as_deref()).clicked() {
        sender.send(MainAction::OpenManager(organization.id.clone()));
    }
    if let Some(refusal) = &refusal {
        ui.label(RichText::new(refusal.to_string()).weak());
        super::pool_details::pool_details_ui(ui, state, organization, sender);
        return;
    }
    ui.add_space(8.0);
    ui.separator();
    let Some(selection) = state.config().organizations.get(&organization.id) else {
        ui.label("No backup accounts are configured. Use Manage backup accounts... to add them.");
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Security group:");
        ui.strong(&selection.group_name);
        if organization.group(&selection.group_id).is_none() {
            ui.label(super::error_text(
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
