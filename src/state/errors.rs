//! Why the shared state refused a change. Each error says what to do; none holds a secret.

use std::path::{Path, PathBuf};

use crate::model::DraftError;
use crate::store::{
    CommitError, ConfigError, DirectoryLoadError, LockError, SecretError, TextFileError,
};

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
        /// The snapshot file or export folder.
        path: PathBuf,
        /// What is wrong.
        source: DirectoryLoadError,
    },
}

impl From<(PathBuf, DirectoryLoadError)> for StartupError {
    fn from((path, source): (PathBuf, DirectoryLoadError)) -> Self {
        Self::Directory { path, source }
    }
}

impl StartupError {
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
                    TextFileError::NotFound(_)
                    | TextFileError::NotRegular(_)
                    | TextFileError::Io { .. },
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

impl From<(PathBuf, DirectoryLoadError)> for ReloadError {
    fn from(error: (PathBuf, DirectoryLoadError)) -> Self {
        Self::Load(error.into())
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
    #[error("Nothing was saved. {0}")]
    Keyring(SecretError),
    /// Another instance holds the configuration folder.
    #[error("Nothing was saved. {0}")]
    ReadOnly(String),
    /// No worker thread could be started to write.
    #[error("Nothing was saved: could not start saving ({0}).")]
    NotStarted(std::io::Error),
}
