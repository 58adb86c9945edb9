//! The one shared application state: the directory, the saved configuration and the
//! keyring, with every change going through the model's rules. Never imports egui.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::{Directory, DirectoryError, DraftError, ManagerDraft};
use crate::store::{
    CommitError, Config, ConfigError, ConfigFile, DirectorySource, SecretError, SecretStore,
    apply_commit,
};

/// Where to find things at start-up.
#[derive(Clone, Debug, Default)]
pub struct StartupOptions {
    /// Folder holding `config.ron`; the platform's configuration folder when `None`.
    pub config_dir: Option<PathBuf>,
    /// A directory snapshot that overrides the configured source.
    pub directory: Option<PathBuf>,
}

/// Why the app could not start with the given files.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// No configuration folder could be found.
    #[error("No configuration folder could be found for this user; pass --config-dir DIR.")]
    NoConfigFolder,
    /// The configuration file is unusable; it was not changed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The directory snapshot is unusable.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The directory snapshot could not be read.
    #[error("Could not read the directory snapshot {path}: {source}")]
    DirectoryIo {
        /// The snapshot file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// The application's state.
pub struct AppState {
    directory: Arc<Directory>,
    config: Config,
    config_file: ConfigFile,
    secrets: Result<Arc<dyn SecretStore>, SecretError>,
}

impl AppState {
    /// Loads the configuration and the directory it names (or the one given).
    pub fn load(
        options: &StartupOptions,
        secrets: Result<Arc<dyn SecretStore>, SecretError>,
    ) -> Result<Self, StartupError> {
        let folder = match &options.config_dir {
            Some(folder) => folder.clone(),
            None => ConfigFile::default_folder().ok_or(StartupError::NoConfigFolder)?,
        };
        let config_file = ConfigFile::in_folder(&folder);
        let mut config = config_file.load()?;
        if let Some(path) = &options.directory {
            config.directory = DirectorySource::Snapshot(path.clone());
        }
        let directory = Arc::new(load_directory(&config.directory)?);
        Ok(Self {
            directory,
            config,
            config_file,
            secrets,
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

    /// The configuration file.
    pub fn config_file(&self) -> &ConfigFile {
        &self.config_file
    }

    /// The keyring, or why it is unavailable.
    pub fn secrets(&self) -> Result<&Arc<dyn SecretStore>, &SecretError> {
        self.secrets.as_ref()
    }

    /// Re-reads the directory source; on error the loaded directory stays.
    pub fn reload_directory(&mut self) -> Result<(), StartupError> {
        self.directory = Arc::new(load_directory(&self.config.directory)?);
        Ok(())
    }

    /// Switches to another snapshot file; on error nothing changes.
    pub fn open_directory(&mut self, path: &Path) -> Result<(), StartupError> {
        let source = DirectorySource::Snapshot(path.to_path_buf());
        self.directory = Arc::new(load_directory(&source)?);
        self.config.directory = source;
        Ok(())
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
        let plan = draft.commit()?;
        let secrets = self
            .secrets
            .as_ref()
            .map_err(|e| CommitFailure::Keyring(format!("Nothing was saved. {e}")))?;
        self.config = apply_commit(&plan, secrets.as_ref(), &self.config_file, &self.config)?;
        Ok(())
    }
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
    #[error("{0}")]
    Keyring(String),
}

/// Reads a directory snapshot from its source.
pub fn load_directory(source: &DirectorySource) -> Result<Directory, StartupError> {
    match source {
        DirectorySource::Demo => Ok(Directory::from_ron(
            crate::model::directory::DEMO_DIRECTORY,
            crate::model::directory::DEMO_SOURCE_NAME,
        )?),
        DirectorySource::Snapshot(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|source| StartupError::DirectoryIo {
                    path: path.clone(),
                    source,
                })?;
            Ok(Directory::from_ron(&text, &path.display().to_string())?)
        }
    }
}
