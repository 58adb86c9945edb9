//! Why a sync failed (the previous snapshot is then unchanged), and the id check every part
//! of the sync applies before an id from Graph can name a file.

use std::path::{Path, PathBuf};

use super::client::GraphError;

/// Why a sync failed; the previous snapshot is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Reading Graph failed.
    #[error("{0} The previous snapshot was kept.")]
    Graph(#[from] GraphError),
    /// Writing the snapshot failed.
    #[error("Could not write the snapshot in {path}: {source}. The previous snapshot was kept.")]
    Write {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An answer without the fields the sync needs.
    #[error("Microsoft Graph's answer lacked {0}. The previous snapshot was kept.")]
    Unexpected(String),
    /// An id that is not a Graph id: it would have become part of a file name.
    #[error(
        "Microsoft Graph sent {what} with the id {id:?}, which is not a Microsoft Graph id \
         (letters, digits and '-' only); nothing was written. The previous snapshot was kept."
    )]
    BadId {
        /// What had the id ("a group", ...).
        what: &'static str,
        /// The id, as shown.
        id: String,
    },
    /// The previous snapshot, which a delta sync builds on, could not be read.
    #[error(
        "The previous snapshot in {path} could not be read ({message}). Sign in to Microsoft \
         365 again to read the whole tenant."
    )]
    PreviousSnapshot {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// `id` when it is a Graph id; an error naming `what` otherwise.
pub(super) fn checked_id(what: &'static str, id: &str) -> Result<String, SyncError> {
    if super::is_graph_id(id) {
        Ok(id.to_owned())
    } else {
        Err(SyncError::BadId {
            what,
            id: crate::store::origin::shown(id),
        })
    }
}

/// Turns an I/O error at `path` into a [`SyncError::Write`].
pub(super) fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> SyncError {
    let path = path.to_path_buf();
    move |source| SyncError::Write { path, source }
}
