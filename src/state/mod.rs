//! The one shared application state: the directory, the saved configuration and the
//! keyring, with every change going through the model's rules. Never imports egui; the
//! window and the command line both work through it.

mod applications;
mod backup_server;
mod change;
mod errors;
mod health;
mod recovery;
mod revocations;
mod server_applications;
mod settings;
mod sync;

// What the windows show of a sync comes from the store; the views take it from here, so
// that `ui` never imports `store`.
pub use crate::store::certificate::CertificateFileError;
pub use crate::store::graph::client::SyncPhase;
pub use crate::store::graph::signin::DeviceCodePrompt;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

pub use backup_server::{SavedPoolOf, ServerSettingsHint, ServerSettingsLookup, ServerSurvey};
pub use change::{AwaitingSettings, DirectoryChange};
pub use errors::{CommitFailure, ReloadError, StartupError};
pub use health::{HealthJob, SecretCheck};
pub use server_applications::{ApplicationRemoval, RemovalError, RemovalRefused};
pub use sync::{SyncFailure, SyncJob, SyncedTenant};

use crate::model::{CommitPlan, Directory, DraftError, ManagerDraft};
use crate::store::snapshot_cache::SnapshotCache;
use crate::store::{
    CommitError, Config, ConfigFile, DirectorySource, InstanceLock, LoadedDirectory, LockError,
    SecretError, SecretStore, apply_commits, keyring_steps, load_directory, source_of_path,
};
use recovery::finish_interrupted_work;

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

/// The application's state.
pub struct AppState {
    directory: Arc<Directory>,
    config: Config,
    config_file: ConfigFile,
    secrets: Secrets,
    /// `Err` when another instance holds the folder: this one is read-only.
    lock: Result<InstanceLock, LockError>,
    /// Parsed copies of large snapshots.
    cache: SnapshotCache,
    /// What loading left to decide, until the window or a command takes it.
    left_at_start: Option<DirectoryChange>,
    /// Accounts kept after a directory change would have revoked them: `(organization id,
    /// lower-cased UPN)`.
    pending_review: BTreeSet<(String, String)>,
    /// What start-up found and the administrator should read (an unfinished commit).
    startup_notices: Vec<String>,
    /// Counts changes to the directory, configuration or reviews, so views can cache what
    /// they compute from them.
    revision: u64,
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
        let cache = snapshot_cache_for(options.config_dir.as_deref(), &folder);
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
            match load_directory(
                &config.directory,
                &config.organization_settings,
                &config.organizations,
                &cache,
            )
            .map_err(StartupError::from)?
            {
                LoadedDirectory::Ready(directory) => directory,
                LoadedDirectory::NeedsSettings(tenant) => {
                    awaiting_settings = Some(tenant);
                    Directory::default()
                }
            }
        };
        let startup_notices = match (&lock, &secrets) {
            (Ok(_), Ok(secrets)) => finish_interrupted_work(&config_file, &config, secrets),
            _ => Vec::new(),
        };
        let mut state = Self {
            directory: Arc::new(directory),
            config,
            config_file,
            secrets,
            lock,
            cache,
            left_at_start: None,
            pending_review: BTreeSet::new(),
            revision: 0,
            startup_notices,
        };
        // The directory may have changed since the last run: that needs consent too.
        let mut left = state.departures();
        left.needs_settings = awaiting_settings.map(|tenant| AwaitingSettings {
            source: state.config.directory.clone(),
            tenant: Box::new(tenant),
        });
        state.left_at_start = Some(left);
        Ok(state)
    }

    /// What start-up found that the administrator should know.
    pub fn startup_notices(&self) -> &[String] {
        &self.startup_notices
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
    pub fn reload_directory(&mut self) -> Result<DirectoryChange, ReloadError> {
        let source = self.config.directory.clone();
        self.replace_directory(source)
    }

    /// Switches to another snapshot file, as [`Self::reload_directory`] does.
    pub fn open_directory(&mut self, path: &Path) -> Result<DirectoryChange, ReloadError> {
        self.replace_directory(DirectorySource::Snapshot(path.to_path_buf()))
    }

    /// Imports a folder of Microsoft Graph responses, as [`Self::reload_directory`] does.
    /// A tenant seen for the first time waits for [`Self::apply_settings`].
    pub fn import_graph_folder(&mut self, folder: &Path) -> Result<DirectoryChange, ReloadError> {
        self.replace_directory(DirectorySource::GraphExport(folder.to_path_buf()))
    }

    fn replace_directory(
        &mut self,
        source: DirectorySource,
    ) -> Result<DirectoryChange, ReloadError> {
        match load_directory(
            &source,
            &self.config.organization_settings,
            &self.config.organizations,
            &self.cache,
        )? {
            LoadedDirectory::Ready(directory) => {
                let mut config = self.config.clone();
                config.directory = source;
                self.install_directory(Arc::new(directory), config)
            }
            LoadedDirectory::NeedsSettings(tenant) => {
                Ok(DirectoryChange::settings_first(source, tenant))
            }
        }
    }

    /// Switches to a loaded directory with its configuration (saving a new source or new
    /// settings), and returns the saved accounts the new directory no longer allows. Nothing
    /// is revoked here: they wait for [`Self::begin_revocation`] or [`Self::keep_pending`]
    /// (R14). Without the folder's lock the change stays in memory.
    fn install_directory(
        &mut self,
        directory: Arc<Directory>,
        config: Config,
    ) -> Result<DirectoryChange, ReloadError> {
        self.install_directory_with(directory, config, None)
    }

    /// [`Self::install_directory`], with what the directory changes in the saved
    /// selections when a worker already found it (for the same selections).
    fn install_directory_with(
        &mut self,
        directory: Arc<Directory>,
        config: Config,
        departures: Option<DirectoryChange>,
    ) -> Result<DirectoryChange, ReloadError> {
        if config != self.config && self.lock.is_ok() {
            self.config_file
                .save(&config)
                .map_err(|e| ReloadError::Save(CommitError::Config(e).into()))?;
        }
        drop_on_a_worker(std::mem::replace(&mut self.directory, directory));
        self.config = config;
        self.revision += 1;
        Ok(departures.unwrap_or_else(|| self.departures()))
    }

    /// Opens the Backup Accounts Manager's draft for an organization (R1).
    pub fn open_manager(&self, organization_id: &str) -> Result<ManagerDraft, DraftError> {
        ManagerDraft::open(
            self.directory.clone(),
            organization_id,
            self.config.organizations.get(organization_id),
        )
    }

    /// Validates the draft (R7) and checks that this instance may save; the returned commit
    /// can run on another thread, since keyring calls may block (a slow bus, an unlock
    /// prompt). Hand its result to [`Self::finish_commit`].
    pub fn begin_commit(&self, draft: &ManagerDraft) -> Result<PendingCommit, CommitFailure> {
        let plan = draft.commit()?;
        let secrets = self.writable_secrets()?;
        Ok(PendingCommit {
            plans: vec![plan],
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

    /// Whether the keyring holds the account's secret (a read, so possibly slow).
    pub fn secret_is_stored(&self, organization_id: &str, upn: &str) -> Result<bool, SecretError> {
        let secrets = self.secrets.as_ref().map_err(Clone::clone)?;
        Ok(secrets
            .read(&crate::store::SecretKey::new(organization_id, upn))?
            .is_some())
    }

    /// Takes the configuration a [`PendingCommit`] saved; an account no longer configured
    /// is no longer pending review.
    pub fn finish_commit(&mut self, config: Config) {
        self.config = config;
        self.revision += 1;
        let organizations = &self.config.organizations;
        self.pending_review.retain(|(organization, upn)| {
            organizations
                .get(organization.as_str())
                .is_some_and(|s| s.accounts.iter().any(|a| a.to_lowercase() == *upn))
        });
    }
}

/// A validated commit, ready to run anywhere (R9: secrets first, then the file).
#[derive(Debug)]
pub struct PendingCommit {
    plans: Vec<CommitPlan>,
    secrets: Arc<dyn SecretStore>,
    config_file: ConfigFile,
    config: Config,
}

impl PendingCommit {
    /// How many keyring changes it makes.
    pub fn keyring_steps(&self) -> usize {
        keyring_steps(&self.plans)
    }

    /// Runs it, counting keyring changes in `progress`; returns the saved configuration.
    pub fn run(self, progress: &AtomicUsize) -> Result<Config, CommitError> {
        apply_commits(
            &self.plans,
            self.secrets.as_ref(),
            &self.config_file,
            &self.config,
            progress,
        )
    }
}

/// Where parsed copies of snapshots are kept: beside the configuration when `--config-dir`
/// is given (so runs with different folders stay apart), else the platform's cache folder.
fn snapshot_cache_for(config_dir: Option<&Path>, folder: &Path) -> SnapshotCache {
    let platform = directories::ProjectDirs::from("", "", "backup-accounts")
        .map(|dirs| dirs.cache_dir().join("snapshots"));
    match (config_dir, platform) {
        (None, Some(platform)) => SnapshotCache::in_folder(&platform),
        _ => SnapshotCache::in_folder(&folder.join("cache")),
    }
}

/// Frees a replaced directory on a `directory-drop` thread: a million users are millions of
/// allocations, and freeing them took the window 150 ms (L) after a sync.
fn drop_on_a_worker(directory: Arc<Directory>) {
    let spawned = std::thread::Builder::new()
        .name("directory-drop".to_owned())
        .spawn(move || drop(directory));
    // Without a thread it is freed here, which is only slower.
    drop(spawned);
}
