//! The one shared application state: the directory, the saved configuration and the
//! keyring, with every change going through the model's rules. Never imports egui.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use crate::model::{CommitPlan, Directory, DirectoryError, DraftError, ManagerDraft};
use crate::store::config::OrganizationSettings;
use crate::store::graph::{GraphImportError, ImportedTenant, import_folder};
use crate::store::{
    CommitError, Config, ConfigError, ConfigFile, DirectorySource, InstanceLock, LockError,
    SecretError, SecretStore, TextFileError, apply_commits, apply_commits_with_progress,
    keyring_steps, read_text_limited,
};

/// Larger directory snapshots are refused unread (a million users take about 150 MB).
pub const DIRECTORY_SIZE_LIMIT: u64 = 1024 * 1024 * 1024;

/// The keyring, or why there is none.
pub type Secrets = Result<Arc<dyn SecretStore>, SecretError>;

/// Where to find things at start-up.
#[derive(Clone, Debug, Default)]
pub struct StartupOptions {
    /// Folder holding `config.ron`; the platform's configuration folder when `None`.
    pub config_dir: Option<PathBuf>,
    /// A directory snapshot that overrides the configured source.
    pub directory: Option<PathBuf>,
    /// Start with an empty directory instead of loading the source (after a broken snapshot
    /// was moved aside).
    pub empty_directory: bool,
}

/// Why a directory snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryLoadError {
    /// The snapshot does not parse or refers to missing objects.
    #[error(transparent)]
    Invalid(#[from] DirectoryError),
    /// The file is missing, too large, not UTF-8 or unreadable.
    #[error(transparent)]
    Unreadable(#[from] TextFileError),
    /// A Microsoft Graph export folder is incomplete or malformed.
    #[error(transparent)]
    Graph(GraphImportError),
}

/// Why the app could not start with the given files. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// No configuration folder could be found.
    #[error("No configuration folder could be found for this user; pass --config-dir DIR.")]
    NoConfigFolder,
    /// The configuration folder could not be locked.
    #[error(transparent)]
    Lock(LockError),
    /// The configuration file is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The directory snapshot is unusable.
    #[error("The directory snapshot cannot be used: {source}")]
    Directory {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong.
        source: DirectoryLoadError,
    },
}

impl StartupError {
    /// A Graph export folder that could not be imported.
    fn graph(folder: &Path, source: GraphImportError) -> Self {
        Self::Directory {
            path: folder.to_path_buf(),
            source: DirectoryLoadError::Graph(source),
        }
    }

    /// The file that caused the error and may be moved aside, if any.
    pub fn broken_file(&self) -> Option<&Path> {
        match self {
            Self::Config(
                ConfigError::Parse { path, .. } | ConfigError::NewerSchema { path, .. },
            ) => Some(path),
            Self::Config(ConfigError::Unreadable(
                TextFileError::TooLarge { path, .. } | TextFileError::NotUtf8 { path, .. },
            )) => Some(path),
            Self::Directory { path, source } => match source {
                DirectoryLoadError::Unreadable(
                    TextFileError::NotFound(_) | TextFileError::Io { .. },
                ) => None,
                _ => Some(path),
            },
            _ => None,
        }
    }

    /// True when the problem is the directory snapshot rather than the configuration.
    pub fn is_directory_error(&self) -> bool {
        matches!(self, Self::Directory { .. })
    }
}

/// The application's state.
pub struct AppState {
    directory: Arc<Directory>,
    config: Config,
    config_file: ConfigFile,
    secrets: Secrets,
    /// `Err` when another instance holds the folder: this one is read-only.
    lock: Result<InstanceLock, LockError>,
    /// A Graph export waiting for the administrator to say how its organization was added.
    awaiting_settings: Option<(DirectorySource, ImportedTenant)>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("organizations", &self.directory.organizations.len())
            .field("config", &self.config)
            .field("config_file", &self.config_file)
            .field("keyring_available", &self.secrets.is_ok())
            .field("read_only", &self.lock.is_err())
            .finish()
    }
}

impl AppState {
    /// Locks the configuration folder (or goes read-only when another instance holds it),
    /// then loads the configuration and the directory it names (or the one given).
    pub fn load(options: &StartupOptions, secrets: Secrets) -> Result<Self, StartupError> {
        let folder = match &options.config_dir {
            Some(folder) => folder.clone(),
            None => ConfigFile::default_folder().ok_or(StartupError::NoConfigFolder)?,
        };
        let lock = match InstanceLock::acquire(&folder) {
            Ok(lock) => Ok(lock),
            Err(held @ LockError::HeldByAnother(_)) => {
                log::warn!("{held}");
                Err(held)
            }
            Err(e) => return Err(StartupError::Lock(e)),
        };
        let config_file = ConfigFile::in_folder(&folder);
        if lock.is_ok() {
            config_file.remove_stale_temporary_files();
        }
        let mut config = config_file.load()?;
        if let Some(path) = &options.directory {
            config.directory = source_of_path(path);
        }
        let mut awaiting_settings = None;
        let directory = if options.empty_directory {
            Directory::default()
        } else {
            match load_directory(&config.directory, &config.organization_settings)? {
                LoadedDirectory::Ready(directory) => directory,
                LoadedDirectory::NeedsSettings(tenant) => {
                    awaiting_settings = Some((config.directory.clone(), tenant));
                    Directory::default()
                }
            }
        };
        Ok(Self {
            directory: Arc::new(directory),
            config,
            config_file,
            secrets,
            lock,
            awaiting_settings,
        })
    }

    /// The directory snapshot.
    pub fn directory(&self) -> &Arc<Directory> {
        &self.directory
    }

    /// The configuration as saved.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Why this instance may not save, if it may not.
    pub fn read_only_reason(&self) -> Option<&LockError> {
        self.lock.as_ref().err()
    }

    /// Re-reads the directory source and drops saved accounts that are no longer usable
    /// members (R5), deleting their secrets, as one step. On error nothing changes.
    pub fn reload_directory(&mut self) -> Result<Vec<Revocation>, ReloadError> {
        let source = self.config.directory.clone();
        self.replace_directory(source)
    }

    /// Switches to another snapshot file, as [`Self::reload_directory`] does.
    pub fn open_directory(&mut self, path: &Path) -> Result<Vec<Revocation>, ReloadError> {
        self.replace_directory(DirectorySource::Snapshot(path.to_path_buf()))
    }

    /// Imports a folder of Microsoft Graph responses, as [`Self::reload_directory`] does.
    /// A tenant seen for the first time waits for [`Self::apply_settings`].
    pub fn import_graph_folder(&mut self, folder: &Path) -> Result<Vec<Revocation>, ReloadError> {
        self.replace_directory(DirectorySource::GraphExport(folder.to_path_buf()))
    }

    /// The imported organization waiting for its settings, if any.
    pub fn awaiting_settings(&self) -> Option<&ImportedTenant> {
        self.awaiting_settings.as_ref().map(|(_, tenant)| tenant)
    }

    /// The settings saved for an imported organization.
    pub fn organization_settings(&self, organization_id: &str) -> Option<&OrganizationSettings> {
        self.config.organization_settings.get(organization_id)
    }

    /// Re-reads an imported organization's export so its settings can be changed.
    pub fn edit_settings(&mut self) -> Result<(), ReloadError> {
        let source = self.config.directory.clone();
        if let DirectorySource::GraphExport(folder) = &source {
            let tenant = import_folder(folder).map_err(|e| StartupError::graph(folder, e))?;
            self.awaiting_settings = Some((source, tenant));
        }
        Ok(())
    }

    /// Drops the waiting import; the directory loaded before stays.
    pub fn cancel_settings(&mut self) {
        self.awaiting_settings = None;
    }

    /// Completes the waiting import with the administrator's settings, saved in the
    /// configuration, and drops accounts the new directory no longer allows (R5).
    pub fn apply_settings(
        &mut self,
        settings: OrganizationSettings,
    ) -> Result<Vec<Revocation>, ReloadError> {
        let Some((source, tenant)) = self.awaiting_settings.take() else {
            return Ok(Vec::new());
        };
        let organization_id = tenant.id.clone();
        let directory = tenant.into_directory(&settings).map_err(|e| {
            let folder = match &source {
                DirectorySource::GraphExport(folder) => folder.as_path(),
                _ => Path::new(""),
            };
            StartupError::graph(folder, e)
        })?;
        let mut config = self.config.clone();
        config.directory = source;
        config
            .organization_settings
            .insert(organization_id, settings);
        self.install_directory(Arc::new(directory), config)
    }

    fn replace_directory(
        &mut self,
        source: DirectorySource,
    ) -> Result<Vec<Revocation>, ReloadError> {
        match load_directory(&source, &self.config.organization_settings)? {
            LoadedDirectory::Ready(directory) => {
                let mut config = self.config.clone();
                config.directory = source;
                self.install_directory(Arc::new(directory), config)
            }
            LoadedDirectory::NeedsSettings(tenant) => {
                self.awaiting_settings = Some((source, tenant));
                Ok(Vec::new())
            }
        }
    }

    /// Switches to a loaded directory with its configuration, revoking departed accounts
    /// and saving, as one step. Without the folder's lock the change stays in memory.
    fn install_directory(
        &mut self,
        directory: Arc<Directory>,
        mut config: Config,
    ) -> Result<Vec<Revocation>, ReloadError> {
        let (plans, revocations) = departed_accounts(&directory, &config);
        if !plans.is_empty() || (config != self.config && self.lock.is_ok()) {
            if plans.is_empty() {
                // Only the source or the settings changed: no secret to touch.
                self.config_file
                    .save(&config)
                    .map_err(|e| ReloadError::Save(CommitError::Config(e).into()))?;
            } else {
                let secrets = self.writable_secrets().map_err(ReloadError::Save)?;
                config = apply_commits(&plans, secrets.as_ref(), &self.config_file, &config)
                    .map_err(|e| ReloadError::Save(e.into()))?;
            }
            for revocation in &revocations {
                log::info!("{revocation}");
            }
        }
        self.directory = directory;
        self.config = config;
        Ok(revocations)
    }

    /// Opens the Backup Accounts Manager's draft for an organization (R1).
    pub fn open_manager(&self, organization_id: &str) -> Result<ManagerDraft, DraftError> {
        ManagerDraft::open(
            self.directory.clone(),
            organization_id,
            self.config.organizations.get(organization_id),
        )
    }

    /// Validates the draft (R7) and saves it as one step (R9); on error nothing changed.
    pub fn commit_manager(&mut self, draft: &ManagerDraft) -> Result<(), CommitFailure> {
        let pending = self.begin_commit(draft)?;
        let config = pending.run(&AtomicUsize::new(0))?;
        self.finish_commit(config);
        Ok(())
    }

    /// Validates the draft (R7) and checks that this instance may save; the returned commit
    /// can run on another thread, since keyring calls may block (a slow bus, an unlock
    /// prompt). Hand its result to [`Self::finish_commit`].
    pub fn begin_commit(&self, draft: &ManagerDraft) -> Result<PendingCommit, CommitFailure> {
        let plan = draft.commit()?;
        let secrets = self.writable_secrets()?;
        Ok(PendingCommit {
            plan,
            secrets: secrets.clone(),
            config_file: self.config_file.clone(),
            config: self.config.clone(),
        })
    }

    /// The keyring, when this instance may write: it holds the folder's lock and the
    /// keyring is reachable.
    fn writable_secrets(&self) -> Result<&Arc<dyn SecretStore>, CommitFailure> {
        if let Err(reason) = &self.lock {
            return Err(CommitFailure::ReadOnly(reason.to_string()));
        }
        self.secrets
            .as_ref()
            .map_err(|e| CommitFailure::Keyring(e.clone()))
    }

    /// Takes the configuration a [`PendingCommit`] saved.
    pub fn finish_commit(&mut self, config: Config) {
        self.config = config;
    }
}

/// A validated commit, ready to run anywhere (R9: secrets first, then the file).
#[derive(Debug)]
pub struct PendingCommit {
    plan: CommitPlan,
    secrets: Arc<dyn SecretStore>,
    config_file: ConfigFile,
    config: Config,
}

impl PendingCommit {
    /// How many keyring changes it makes.
    pub fn keyring_steps(&self) -> usize {
        keyring_steps(std::slice::from_ref(&self.plan))
    }

    /// Runs it, counting keyring changes in `progress`; returns the saved configuration.
    pub fn run(self, progress: &AtomicUsize) -> Result<Config, CommitError> {
        apply_commits_with_progress(
            std::slice::from_ref(&self.plan),
            self.secrets.as_ref(),
            &self.config_file,
            &self.config,
            progress,
        )
    }
}

/// Why reloading the directory changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The new directory could not be loaded.
    #[error(transparent)]
    Load(#[from] StartupError),
    /// Removing the departed accounts failed.
    #[error(
        "The directory was not reloaded, because the accounts that left could not be \
         removed. {0}"
    )]
    Save(CommitFailure),
}

/// Why a saved account was dropped when the directory changed (R5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationReason {
    /// No longer a member of the group, directly or through nesting.
    LeftGroup,
    /// Disabled in the directory.
    Disabled,
    /// No longer in the directory.
    Deleted,
    /// Still a member, but no longer usable (became a guest or the adding account).
    NoLongerEligible,
    /// The chosen group itself disappeared.
    GroupGone,
}

/// A backup account dropped because the directory changed (R5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// Organization name.
    pub organization: String,
    /// The account; empty for the notice that the group itself is gone.
    pub upn: String,
    /// The group it was chosen from.
    pub group: String,
    /// Why.
    pub reason: RevocationReason,
}

impl std::fmt::Display for Revocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.upn.is_empty() {
            return write!(
                f,
                "{}: the group {} no longer exists, so the organization has no backup group. \
                 Choose another one with Manage backup accounts...",
                self.organization, self.group
            );
        }
        let why = match self.reason {
            RevocationReason::LeftGroup => format!("left {}", self.group),
            RevocationReason::Disabled => "was disabled".to_owned(),
            RevocationReason::Deleted => "was deleted from the directory".to_owned(),
            RevocationReason::NoLongerEligible => "can no longer be a backup account".to_owned(),
            RevocationReason::GroupGone => format!("group {} no longer exists", self.group),
        };
        write!(
            f,
            "{}: {} {why}; its Site Collection Administrator role is revoked and its password \
             deleted.",
            self.organization, self.upn
        )
    }
}

/// The plans that drop every saved account that the directory no longer allows, and what
/// each drop means to the administrator.
fn departed_accounts(
    directory: &Arc<Directory>,
    config: &Config,
) -> (Vec<CommitPlan>, Vec<Revocation>) {
    let mut plans = Vec::new();
    let mut revocations = Vec::new();
    for (organization_id, saved) in &config.organizations {
        // An organization missing from this snapshot keeps its choice until it returns;
        // app-only organizations have no backup accounts to revoke.
        let Ok(draft) = ManagerDraft::open(directory.clone(), organization_id, Some(saved)) else {
            continue;
        };
        let Ok(plan) = draft.commit() else {
            continue;
        };
        if plan.selection.as_ref() == Some(saved) {
            continue;
        }
        let organization = draft.organization();
        let group_gone = organization.group(&saved.group_id).is_none();
        for upn in &plan.secrets_to_delete {
            let reason = match organization.user(upn) {
                _ if group_gone => RevocationReason::GroupGone,
                None => RevocationReason::Deleted,
                Some(user) if !user.enabled => RevocationReason::Disabled,
                Some(_) if draft.is_member(upn) => RevocationReason::NoLongerEligible,
                Some(_) => RevocationReason::LeftGroup,
            };
            revocations.push(Revocation {
                organization: organization.name.clone(),
                upn: upn.clone(),
                group: saved.group_name.clone(),
                reason,
            });
        }
        if group_gone {
            revocations.push(Revocation {
                organization: organization.name.clone(),
                upn: String::new(),
                group: saved.group_name.clone(),
                reason: RevocationReason::GroupGone,
            });
        }
        plans.push(plan);
    }
    (plans, revocations)
}

/// Why OK in the manager did not save.
#[derive(Debug, thiserror::Error)]
pub enum CommitFailure {
    /// The draft breaks a rule (R7).
    #[error(transparent)]
    Invalid(#[from] DraftError),
    /// Writing failed; nothing changed.
    #[error(transparent)]
    Write(#[from] CommitError),
    /// The keyring was never reachable.
    #[error("Nothing was saved. {0}")]
    Keyring(SecretError),
    /// Another instance holds the configuration folder.
    #[error("Nothing was saved. {0}")]
    ReadOnly(String),
}

/// What loading a directory source gave.
#[derive(Debug)]
pub enum LoadedDirectory {
    /// Ready to use.
    Ready(Directory),
    /// A Graph export whose organization the administrator has not described yet.
    NeedsSettings(ImportedTenant),
}

/// Reads a directory from its source; a Graph export uses the organization settings saved
/// for its tenant.
pub fn load_directory(
    source: &DirectorySource,
    settings: &BTreeMap<String, OrganizationSettings>,
) -> Result<LoadedDirectory, StartupError> {
    match source {
        DirectorySource::Demo => Ok(LoadedDirectory::Ready(Directory::demo())),
        DirectorySource::Snapshot(path) => {
            let directory_error = |source: DirectoryLoadError| StartupError::Directory {
                path: path.clone(),
                source,
            };
            let text = read_text_limited(path, DIRECTORY_SIZE_LIMIT)
                .map_err(|e| directory_error(e.into()))?;
            Directory::from_ron(&text, &path.display().to_string())
                .map(LoadedDirectory::Ready)
                .map_err(|e| directory_error(e.into()))
        }
        DirectorySource::GraphExport(folder) => {
            let tenant = import_folder(folder).map_err(|e| StartupError::graph(folder, e))?;
            match settings.get(&tenant.id) {
                Some(settings) => tenant
                    .into_directory(settings)
                    .map(LoadedDirectory::Ready)
                    .map_err(|e| StartupError::graph(folder, e)),
                None => Ok(LoadedDirectory::NeedsSettings(tenant)),
            }
        }
    }
}

/// The source a `--directory PATH` names: a folder is a Graph export, a file a snapshot.
pub fn source_of_path(path: &Path) -> DirectorySource {
    if path.is_dir() {
        DirectorySource::GraphExport(path.to_path_buf())
    } else {
        DirectorySource::Snapshot(path.to_path_buf())
    }
}
