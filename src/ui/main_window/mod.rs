//! The Organizations view, the main window: its menu bar (`menu_bar.rs`), the inventory pane
//! (`inventory.rs`) and the selected organization's details (`details.rs`), with the Health
//! tab beside them.

mod details;
mod inventory;
mod menu_bar;
mod server;

use details::details_ui;
use inventory::inventory_item_ui;

use super::a11y;
use super::action::{ActionSender, MainAction};
use super::command::OrganizationContext;
use crate::model::OrganizationId;
use crate::model::server_pool::ServerFacts;
use crate::state::AppState;

/// What the main window draws, besides what it remembers itself.
#[derive(Clone, Copy, Debug)]
pub struct MainWindowData<'a> {
    /// The shared state.
    pub state: &'a AppState,
    /// The selected organization's id.
    pub selected: Option<&'a str>,
    /// The Health tab is shown rather than the details.
    pub show_health: bool,
    /// The last look at the backup server, if one was read.
    pub server: Option<&'a ServerFacts>,
    /// True while the backup server is being read.
    pub server_reading: bool,
}

/// The main window's content. The selection lives in `app.rs`; the view only remembers
/// where each visible organization was drawn, so focus can return to it.
#[derive(Debug, Default)]
pub struct OrganizationsView {
    item_ids: std::collections::HashMap<OrganizationId, egui::Id>,
    /// The organization whose item had the keyboard focus last frame.
    focused: Option<OrganizationId>,
    /// A context menu opened from the keyboard, and where: it has no pointer to follow.
    keyboard_menu: Option<(OrganizationId, egui::Pos2)>,
}

impl OrganizationsView {
    /// The widget of an organization in the inventory, so focus can go back to it when the
    /// manager opened from its context menu closes.
    pub fn item_id(&self, organization_id: &str) -> Option<egui::Id> {
        self.item_ids.get(organization_id).copied()
    }

    /// Draws the inventory, then `above_details` (the banner), then the tabs: the selected
    /// organization's details, or `health` when `data.show_health`. The banner comes after
    /// the inventory so that its coming and going never changes the ids of the inventory's
    /// items, which focus returns to.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &MainWindowData<'_>,
        sender: &ActionSender,
        above_details: impl FnOnce(&mut egui::Ui),
        health: impl FnOnce(&mut egui::Ui),
    ) {
        let (state, selected, show_health) = (data.state, data.selected, data.show_health);
        let connected = state.backup_server().is_some();
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
                                let context = OrganizationContext {
                                    imported: state
                                        .organization_settings(&organization.id)
                                        .is_some(),
                                    connected,
                                };
                                let response = inventory_item_ui(
                                    ui,
                                    organization,
                                    context,
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
                Some(organization) => details_ui(ui, data, organization, sender),
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
