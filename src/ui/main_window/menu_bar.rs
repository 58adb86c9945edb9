//! The main window's menu bar and its shortcuts.

use egui::{Button, Key, KeyboardShortcut, Modifiers};

use super::OrganizationsView;
use crate::ui::action::{ActionSender, MainAction};

const OPEN_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
const RELOAD_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F5);
const QUIT_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);

impl OrganizationsView {
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
                        .on_hover_text(
                            "A folder of Microsoft Graph responses (see docs/microsoft-365.md)",
                        )
                        .clicked()
                    {
                        chosen = Some(MainAction::ImportDirectory);
                    }
                    if ui
                        .button("Sign in to Microsoft 365...")
                        .on_hover_text(
                            "Reads the tenant from Microsoft Graph (see docs/microsoft-365.md)",
                        )
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
                    let sync_now = crate::ui::explain_disabled(sync_now, not_synced)
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
}
