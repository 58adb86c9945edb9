//! What views ask for. Views push actions into a queue through an [`ActionSender`]; the app
//! drains it once per frame and applies each action through the model, so nothing asked for
//! in a frame is lost. What workers bring back travels apart, as `app::WorkerEvent`s.

use std::path::PathBuf;
use std::sync::mpsc;

use crate::model::health::HealthList;
use crate::model::{AppId, OrganizationId, OrganizationSettings, Password};

/// Everything a view can ask for, by the window that asks.
#[derive(Debug)]
pub enum Action {
    /// The Organizations view and its menus.
    Main(MainAction),
    /// The Backup Accounts Manager and the dialogs over it.
    Manager(ManagerAction),
    /// Organization Settings.
    Settings(SettingsAction),
    /// The dialog shown when a file cannot be used at start-up.
    Startup(StartupAction),
    /// The consent to revoke accounts a changed directory no longer allows (R14).
    Consent(ConsentAction),
    /// The Health view.
    Health(HealthAction),
    /// The Backup Applications Manager and the dialogs over it.
    Applications(ApplicationsAction),
    /// Connect to Backup Server, its certificate question, Apply to Backup Server.
    Server(ServerAction),
}

/// The Organizations view, its menu bar and context menus.
#[derive(Debug)]
pub enum MainAction {
    /// Show this organization's details.
    SelectOrganization(OrganizationId),
    /// Open the Backup Accounts Manager (R1 is checked when applied).
    OpenManager(OrganizationId),
    /// The app-only alternative, which lives in the backup console.
    ManageBackupApplications(OrganizationId),
    /// File > Open directory...: ask for a snapshot file.
    OpenDirectory,
    /// File > Import directory...: ask for a folder of Microsoft Graph responses.
    ImportDirectory,
    /// File > Reload directory.
    ReloadDirectory,
    /// File > Sync now: reads what changed in the synced tenant since the last sync.
    SyncNow,
    /// Context menu: Organization settings... (imported organizations).
    EditSettings,
    /// File > Quit.
    Quit,
    /// Close the error or notice banner.
    DismissBanner,
    /// The main window's tabs: the selected organization's details, or Health.
    ShowHealth(bool),
    /// File > *Sign in to Microsoft 365...*: a device-code sign-in, then a sync.
    SignIn,
    /// The sign-in and sync window: *Cancel*.
    CancelSync,
    /// File > *Sign out of Microsoft 365*: the synced tenant's refresh token is deleted.
    SignOut,
    /// File > *Connect to backup server...*.
    ConnectServer,
    /// File > *Refresh from backup server*: read the server's pools again.
    RefreshServer,
    /// File > *Disconnect from backup server*: sign out and forget the session.
    DisconnectServer,
    /// Context menu, details pane or Health: *Apply to backup server...* for an organization.
    ApplyToServer(OrganizationId),
    /// Health (KB4821): *Remove the others from the server...*: the organization's backup
    /// applications on the server except the one it was added with.
    RemoveServerApplications(OrganizationId),
}

/// Connect to Backup Server, its certificate question, and Apply to Backup Server.
#[derive(Debug)]
pub enum ServerAction {
    /// Connect: *Connect*.
    Connect {
        /// What was typed as the address.
        address: String,
        /// The user name.
        user: String,
        /// The password, sent once and never kept.
        password: Password,
    },
    /// The certificate question: *Pin and connect*.
    PinCertificate,
    /// The certificate question: *Do not connect*.
    RefuseCertificate,
    /// Apply: the consent to the removals changed.
    SetConsent(bool),
    /// Apply: *Apply*; removing applications: *Remove*.
    Apply,
    /// Connect or Apply: *Cancel* or Escape; a running step is asked to stop.
    Cancel,
}

/// The Backup Applications Manager, Select Application and Install Certificate (R15).
#[derive(Debug)]
pub enum ApplicationsAction {
    /// Manager: *Add...*.
    OpenSelect,
    /// Select Application: *Add* (R15 checked when applied).
    Add(AppId),
    /// Select Application: *Cancel*.
    CloseSelect,
    /// Manager: *Remove* on the selected applications (R15 checked when applied).
    Remove(std::collections::BTreeSet<AppId>),
    /// Manager: a Certificate link.
    OpenCertificate(AppId),
    /// Install Certificate: *Choose file...* (`key`: the PEM private key's file).
    ChooseFile {
        /// True for the private key's file.
        key: bool,
    },
    /// Install Certificate: *Install* (R15 checked when applied).
    Install {
        /// Application id.
        app_id: AppId,
        /// The PKCS#12 file, or the PEM certificate.
        file: PathBuf,
        /// The PEM private key, with a PEM certificate.
        key_file: Option<PathBuf>,
        /// The PKCS#12 file's password.
        password: Password,
    },
    /// Install Certificate: *Cancel*.
    CloseCertificate,
    /// Manager: *OK* (R9).
    Commit,
    /// Manager: *Cancel* or Escape.
    Cancel,
}

/// The Health view: checks, its threshold, and each finding's fix.
#[derive(Debug)]
pub enum HealthAction {
    /// *Check now*: read every saved secret on the keyring worker.
    CheckNow,
    /// The password-age threshold changed.
    SetMaxAge(u32),
    /// *Set password*: Edit Password for the account, over its organization's manager.
    SetPassword {
        /// Organization id.
        organization_id: OrganizationId,
        /// The account.
        upn: String,
    },
    /// *Review*: the organization's manager.
    Review(OrganizationId),
    /// *Review*: the organization's Backup Applications Manager.
    ReviewApplications(OrganizationId),
    /// *Export...*: ask where to save a list as CSV.
    Export {
        /// Organization id.
        organization_id: OrganizationId,
        /// Which list.
        list: HealthList,
    },
}

/// The Backup Accounts Manager, Select Security Group and Add Password.
#[derive(Debug)]
pub enum ManagerAction {
    /// Manager: *Select...*.
    OpenGroupPicker,
    /// Select Security Group: *Add* (R2, R3 checked when applied).
    ChooseGroup(crate::model::GroupId),
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
    /// Manager: *OK* (R7, R9); asks for consent first when it deletes secrets (R14).
    Commit,
    /// The manager's summary: *Save these changes*.
    ConfirmCommit,
    /// The manager's summary: *Go back* or Escape.
    BackToManager,
    /// Manager: *Cancel* or Escape (R9).
    Cancel,
}

/// Organization Settings.
#[derive(Debug)]
pub enum SettingsAction {
    /// *OK*.
    Apply(OrganizationSettings),
    /// *Cancel* or Escape.
    Cancel,
}

/// The start-up error dialog.
#[derive(Clone, Copy, Debug)]
pub enum StartupAction {
    /// *Keep the file aside and start*.
    KeepAside,
    /// *Quit*.
    Quit,
}

/// The consent to revoke accounts (R14).
#[derive(Clone, Copy, Debug)]
pub enum ConsentAction {
    /// *Revoke these accounts*.
    Revoke,
    /// *Keep them for now* or Escape.
    Keep,
}

/// The sending end of the action queue, handed to every view's `ui` and to workers.
#[derive(Clone, Debug)]
pub struct ActionSender(mpsc::Sender<Action>);

impl ActionSender {
    /// Queues an action for the app to apply after this frame's drawing.
    pub fn send(&self, action: impl Into<Action>) {
        // The receiver lives as long as the app; after it is gone nobody is left to act.
        let _ = self.0.send(action.into());
    }
}

/// The app's end of the queue.
#[derive(Debug)]
pub struct ActionQueue {
    sender: ActionSender,
    receiver: mpsc::Receiver<Action>,
}

impl Default for ActionQueue {
    fn default() -> Self {
        let (sender, receiver) = mpsc::channel();
        Self {
            sender: ActionSender(sender),
            receiver,
        }
    }
}

impl ActionQueue {
    /// A sender for views and workers.
    pub fn sender(&self) -> &ActionSender {
        &self.sender
    }

    /// Takes every action queued so far, in the order they were sent.
    pub fn drain(&self) -> Vec<Action> {
        self.receiver.try_iter().collect()
    }
}

impl From<MainAction> for Action {
    fn from(action: MainAction) -> Self {
        Self::Main(action)
    }
}

impl From<ManagerAction> for Action {
    fn from(action: ManagerAction) -> Self {
        Self::Manager(action)
    }
}

impl From<SettingsAction> for Action {
    fn from(action: SettingsAction) -> Self {
        Self::Settings(action)
    }
}

impl From<ConsentAction> for Action {
    fn from(action: ConsentAction) -> Self {
        Self::Consent(action)
    }
}

impl From<StartupAction> for Action {
    fn from(action: StartupAction) -> Self {
        Self::Startup(action)
    }
}

impl From<HealthAction> for Action {
    fn from(action: HealthAction) -> Self {
        Self::Health(action)
    }
}

impl From<ServerAction> for Action {
    fn from(action: ServerAction) -> Self {
        Self::Server(action)
    }
}

impl From<ApplicationsAction> for Action {
    fn from(action: ApplicationsAction) -> Self {
        Self::Applications(action)
    }
}
