//! The main window's commands. Each knows its label, tooltip, shortcut, why it is disabled
//! and what it asks the app to do; the menu item and the shortcut are drawn and heard by the
//! same code, so a label, its shortcut and its action cannot drift apart, and no two commands
//! can share a shortcut (`tests/keyboard.rs` checks every pair).

use egui::{Button, Key, KeyboardShortcut, Modifiers};

use super::action::{ActionSender, MainAction};
use crate::model::rules::check_can_manage_backup_accounts;
use crate::model::{AuthenticationMethod, Organization};

/// A command of the File menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiCommand {
    /// Opens a RON directory snapshot.
    OpenDirectory,
    /// Reads the current directory again from its file or folder (never the network).
    ReloadDirectory,
    /// Imports a folder of Microsoft Graph responses.
    ImportDirectory,
    /// Signs in to Microsoft 365 and reads the whole tenant.
    SignIn,
    /// Reads what changed in the synced tenant since the last sync.
    SyncNow,
    /// Deletes the synced tenant's refresh token.
    SignOut,
    /// Signs in to the backup server's REST API.
    ConnectServer,
    /// Reads the backup server's pools again.
    RefreshServer,
    /// Signs out of the backup server and forgets it.
    DisconnectServer,
    /// Closes the window.
    Quit,
}

/// What decides, when it is asked, whether a command can run now.
pub struct CommandContext<'a> {
    /// Whether the directory was synced from Microsoft 365; asked only when needed (while the
    /// menu is open, or when *Sync now*'s shortcut is pressed).
    pub synced: &'a dyn Fn() -> bool,
    /// Whether a backup server is connected.
    pub connected: bool,
}

impl UiCommand {
    /// Every command, in the File menu's order.
    pub const ALL: [Self; 10] = [
        Self::OpenDirectory,
        Self::ReloadDirectory,
        Self::ImportDirectory,
        Self::SignIn,
        Self::SyncNow,
        Self::SignOut,
        Self::ConnectServer,
        Self::RefreshServer,
        Self::DisconnectServer,
        Self::Quit,
    ];

    /// True for the first command of a group, which the menu separates from the one before.
    pub fn starts_group(self) -> bool {
        matches!(self, Self::ConnectServer | Self::Quit)
    }

    /// The menu item's text.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenDirectory => "Open directory...",
            Self::ReloadDirectory => "Reload directory",
            Self::ImportDirectory => "Import directory...",
            Self::SignIn => "Sign in to Microsoft 365...",
            Self::SyncNow => "Sync now",
            Self::SignOut => "Sign out of Microsoft 365",
            Self::ConnectServer => "Connect to backup server...",
            Self::RefreshServer => "Refresh from backup server",
            Self::DisconnectServer => "Disconnect from backup server",
            Self::Quit => "Quit",
        }
    }

    /// What hovering the item says.
    pub fn tooltip(self) -> Option<&'static str> {
        match self {
            Self::ReloadDirectory => {
                Some("Reads the directory again from its file or folder, without the network")
            }
            Self::ImportDirectory => {
                Some("A folder of Microsoft Graph responses (see docs/microsoft-365.md)")
            }
            Self::SignIn => {
                Some("Reads the tenant from Microsoft Graph (see docs/microsoft-365.md)")
            }
            Self::SyncNow => Some("Reads only what changed in the tenant since the last sync"),
            Self::SignOut => Some("Deletes the synced tenant's refresh token from the keyring"),
            Self::ConnectServer => Some(
                "Signs in to Veeam Backup for Microsoft 365's REST API (see \
                 docs/backup-server.md)",
            ),
            Self::RefreshServer => {
                Some("Reads each organization's pool on the backup server again")
            }
            Self::DisconnectServer => {
                Some("Signs out and deletes the backup server's session from the keyring")
            }
            Self::OpenDirectory | Self::Quit => None,
        }
    }

    /// The command's shortcut, if it has one.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let shortcut = KeyboardShortcut::new;
        match self {
            Self::OpenDirectory => Some(shortcut(Modifiers::COMMAND, Key::O)),
            Self::ReloadDirectory => Some(shortcut(Modifiers::NONE, Key::F5)),
            Self::SyncNow => Some(shortcut(Modifiers::SHIFT, Key::F5)),
            Self::Quit => Some(shortcut(Modifiers::COMMAND, Key::Q)),
            Self::ImportDirectory
            | Self::SignIn
            | Self::SignOut
            | Self::ConnectServer
            | Self::RefreshServer
            | Self::DisconnectServer => None,
        }
    }

    /// Why the command cannot run now, or `None` when it can.
    pub fn disabled_reason(self, context: &CommandContext<'_>) -> Option<&'static str> {
        match self {
            Self::SyncNow if !(context.synced)() => Some(
                "No tenant was synced from Microsoft 365 yet: use Sign in to Microsoft 365... \
                 first.",
            ),
            Self::RefreshServer | Self::DisconnectServer if !context.connected => {
                Some("No backup server is connected: use Connect to backup server... first.")
            }
            _ => None,
        }
    }

    /// What the command asks the app to do.
    pub fn action(self) -> MainAction {
        match self {
            Self::OpenDirectory => MainAction::OpenDirectory,
            Self::ReloadDirectory => MainAction::ReloadDirectory,
            Self::ImportDirectory => MainAction::ImportDirectory,
            Self::SignIn => MainAction::SignIn,
            Self::SyncNow => MainAction::SyncNow,
            Self::SignOut => MainAction::SignOut,
            Self::ConnectServer => MainAction::ConnectServer,
            Self::RefreshServer => MainAction::RefreshServer,
            Self::DisconnectServer => MainAction::DisconnectServer,
            Self::Quit => MainAction::Quit,
        }
    }

    /// Draws the command as a menu item (disabled with its reason when it cannot run);
    /// true when it was chosen.
    pub fn menu_item_ui(self, ui: &mut egui::Ui, context: &CommandContext<'_>) -> bool {
        let mut button = Button::new(self.label());
        if let Some(shortcut) = self.shortcut() {
            button = button.shortcut_text(ui.ctx().format_shortcut(&shortcut));
        }
        let reason = self.disabled_reason(context);
        let mut response =
            super::explain_disabled(ui.add_enabled(reason.is_none(), button), reason);
        if let Some(tooltip) = self.tooltip() {
            response = response.on_hover_text(tooltip);
        }
        response.clicked()
    }

    /// Sends the action of each command whose shortcut was pressed and that can run now.
    pub fn consume_shortcuts(
        ui: &mut egui::Ui,
        context: &CommandContext<'_>,
        sender: &ActionSender,
    ) {
        // `consume_shortcut` ignores extra Shift and Alt (F5 would also take Shift+F5), so
        // the shortcuts with more modifiers are asked first.
        let mut by_modifiers: Vec<(Self, KeyboardShortcut)> = Self::ALL
            .into_iter()
            .filter_map(|c| Some((c, c.shortcut()?)))
            .collect();
        by_modifiers.sort_by_key(|(_, s)| std::cmp::Reverse(modifier_count(s.modifiers)));
        for (command, shortcut) in by_modifiers {
            if ui.input_mut(|input| input.consume_shortcut(&shortcut))
                && command.disabled_reason(context).is_none()
            {
                sender.send(command.action());
            }
        }
    }
}

fn modifier_count(modifiers: Modifiers) -> usize {
    [
        modifiers.alt,
        modifiers.ctrl,
        modifiers.shift,
        modifiers.mac_cmd,
        modifiers.command,
    ]
    .into_iter()
    .filter(|&m| m)
    .count()
}

/// A command of an organization's context menu; *Manage backup accounts...* is also the
/// details pane's button. R1 decides what is enabled, and says why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganizationCommand {
    /// Opens the Backup Accounts Manager.
    ManageBackupAccounts,
    /// Opens the Backup Applications Manager (modern app-only organizations).
    ManageBackupApplications,
    /// Opens Organization Settings (organizations imported from Microsoft Graph).
    Settings,
    /// Shows what the backup server would gain and lose, then applies the saved pool.
    ApplyToServer,
}

/// What decides which organization commands are offered and enabled, besides R1.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrganizationContext {
    /// Imported from Microsoft Graph: it has settings to edit.
    pub imported: bool,
    /// A backup server is connected.
    pub connected: bool,
}

impl OrganizationCommand {
    /// Every command, in the context menu's order.
    pub const ALL: [Self; 4] = [
        Self::ManageBackupAccounts,
        Self::ManageBackupApplications,
        Self::ApplyToServer,
        Self::Settings,
    ];

    /// The menu item's text.
    pub fn label(self) -> &'static str {
        match self {
            Self::ManageBackupAccounts => "Manage backup accounts...",
            Self::ManageBackupApplications => "Manage backup applications...",
            Self::Settings => "Organization settings...",
            Self::ApplyToServer => "Apply to backup server...",
        }
    }

    /// Whether the menu offers it at all: settings only for imported organizations.
    pub fn is_offered(self, context: OrganizationContext) -> bool {
        self != Self::Settings || context.imported
    }

    /// Why it cannot run for `organization`, or `None` when it can.
    pub fn disabled_reason(
        self,
        organization: &Organization,
        context: OrganizationContext,
    ) -> Option<String> {
        match self {
            Self::ManageBackupAccounts => check_can_manage_backup_accounts(organization)
                .err()
                .map(|refusal| refusal.to_string()),
            Self::ApplyToServer => match check_can_manage_backup_accounts(organization) {
                Err(refusal) => Some(refusal.to_string()),
                Ok(()) if !context.connected => Some(
                    "No backup server is connected: use File > Connect to backup server... \
                     first."
                        .to_owned(),
                ),
                Ok(()) => None,
            },
            Self::ManageBackupApplications => {
                (organization.authentication != AuthenticationMethod::ModernAppOnly).then(|| {
                    "This organization uses backup accounts; backup applications apply to \
                     modern app-only organizations."
                        .to_owned()
                })
            }
            Self::Settings => None,
        }
    }

    /// What it asks the app to do for `organization`.
    pub fn action(self, organization: &Organization) -> MainAction {
        match self {
            Self::ManageBackupAccounts => MainAction::OpenManager(organization.id.clone()),
            Self::ManageBackupApplications => {
                MainAction::ManageBackupApplications(organization.id.clone())
            }
            Self::Settings => MainAction::EditSettings,
            Self::ApplyToServer => MainAction::ApplyToServer(organization.id.clone()),
        }
    }

    /// Draws it as a button (disabled with its reason when it cannot run); sends its action
    /// and returns true when it was chosen.
    pub fn button_ui(
        self,
        ui: &mut egui::Ui,
        organization: &Organization,
        context: OrganizationContext,
        sender: &ActionSender,
    ) -> bool {
        let reason = self.disabled_reason(organization, context);
        let button = ui.add_enabled(reason.is_none(), Button::new(self.label()));
        let chosen = super::explain_disabled(button, reason.as_deref()).clicked();
        if chosen {
            sender.send(self.action(organization));
        }
        chosen
    }
}
