//! One writer per configuration folder: a lock file held for the app's lifetime.

use std::fs::File;

use super::private_files::{create_private_folder, private_file_options};
use std::path::{Path, PathBuf};

/// The lock file's name inside the configuration folder.
pub const LOCK_FILE_NAME: &str = ".backup-accounts.lock";

/// Held while this instance may write the configuration folder; released when dropped
/// (or when the process dies, since the operating system releases the file lock).
#[derive(Debug)]
pub struct InstanceLock {
    _file: fd_lock::RwLock<File>,
}

/// Why the folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another instance holds the lock.
    #[error(
        "Another Backup Accounts window is using the configuration in {0}. This window is \
         read-only: close the other one, then restart this one to make changes."
    )]
    HeldByAnother(PathBuf),
    /// The lock file could not be opened.
    #[error("Could not lock the configuration folder {folder}: {source}")]
    Io {
        /// The folder.
        folder: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

impl InstanceLock {
    /// Takes the folder's lock without waiting.
    pub fn acquire(folder: &Path) -> Result<Self, LockError> {
        let io_error = |source| LockError::Io {
            folder: folder.to_path_buf(),
            source,
        };
        create_private_folder(folder).map_err(io_error)?;
        let file = private_file_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(folder.join(LOCK_FILE_NAME))
            .map_err(io_error)?;
        let mut lock = fd_lock::RwLock::new(file);
        match lock.try_write() {
            // The guard would unlock on drop; forgetting it keeps the lock until the file
            // closes, which is when `InstanceLock` is dropped.
            Ok(guard) => std::mem::forget(guard),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                return Err(LockError::HeldByAnother(folder.to_path_buf()));
            }
            Err(e) => return Err(io_error(e)),
        }
        Ok(Self { _file: lock })
    }
}
