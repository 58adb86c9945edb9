//! The inventory pane: one item per organization, each with its context menu.

use egui::{Key, Modifiers};

use crate::model::Organization;
use crate::ui::action::{ActionSender, MainAction};
use crate::ui::command::{OrganizationCommand, OrganizationContext};
use crate::ui::{a11y, authentication_icon};

/// One organization in the inventory, with its context menu.
/// Arrow keys move the focus (egui's own navigation) and the selection follows it; the Menu
/// key or Shift+F10 opens the context menu of the focused organization. Screen readers get it
/// as option `position` of the inventory's list box. Returns the item's response.
pub(super) fn inventory_item_ui(
    ui: &mut egui::Ui,
    organization: &Organization,
    context: OrganizationContext,
    selected: Option<&str>,
    keyboard_menu: &mut Option<(crate::model::OrganizationId, egui::Pos2)>,
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
    let is_mine = |menu: &Option<(crate::model::OrganizationId, egui::Pos2)>| {
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
        if organization_menu_ui(ui, organization, context, sender) {
            ui.close();
        }
    });
    response
}

/// The context menu of an organization: its [`OrganizationCommand`]s, in order.
fn organization_menu_ui(
    ui: &mut egui::Ui,
    organization: &Organization,
    context: OrganizationContext,
    sender: &ActionSender,
) -> bool {
    OrganizationCommand::ALL
        .into_iter()
        .filter(|command| command.is_offered(context))
        .any(|command| command.button_ui(ui, organization, context, sender))
}
