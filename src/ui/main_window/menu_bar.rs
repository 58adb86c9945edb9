//! The main window's menu bar: the File menu's commands ([`UiCommand`]), and their shortcuts.

use super::OrganizationsView;
use crate::ui::action::ActionSender;
use crate::ui::command::{CommandContext, UiCommand};

impl OrganizationsView {
    /// Draws the menu bar and takes its shortcuts; `blocked` is true while a modal is open,
    /// so shortcuts do not act behind it. `synced` says whether the directory was synced from
    /// Microsoft 365 (*Sync now* works); asked only while the menu is open or when *Sync
    /// now*'s shortcut is pressed; `connected` whether a backup server is.
    pub fn menu_bar_ui(
        &mut self,
        ui: &mut egui::Ui,
        blocked: bool,
        synced: impl Fn() -> bool,
        connected: bool,
        sender: &ActionSender,
    ) {
        let context = CommandContext {
            synced: &synced,
            connected,
        };
        if !blocked {
            // Taken here, outside the menu, so they work while the menu is closed.
            UiCommand::consume_shortcuts(ui, &context, sender);
        }
        egui::Panel::top("menu_bar").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let mut chosen = None;
                    for command in UiCommand::ALL {
                        if command.starts_group() {
                            ui.separator();
                        }
                        if command.menu_item_ui(ui, &context) {
                            chosen = Some(command.action());
                        }
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
}
