//! Why a Graph read failed, in words an administrator can act on. Never contains a token.

use crate::store::origin::OriginError;

/// Why a Graph read failed. Never contains a token.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// 403: the signed-in account lacks a permission (e.g. the MFA report's).
    #[error("Microsoft Graph refused {path}: the account lacks a permission (403).")]
    Forbidden {
        /// The request.
        path: String,
    },
    /// 401 after a refresh: sign in again.
    #[error("The sign-in is no longer valid. Sign in to Microsoft 365 again.")]
    SignInAgain,
    /// Throttled or failing longer than the retries allow.
    #[error("Microsoft Graph kept answering {status} for {path}. Try again later.")]
    Unavailable {
        /// The last status.
        status: u16,
        /// The request.
        path: String,
    },
    /// Another answer than success.
    #[error("Microsoft Graph answered {status} for {path}: {message}")]
    Failed {
        /// HTTP status.
        status: u16,
        /// The request.
        path: String,
        /// Graph's error message.
        message: String,
    },
    /// The network failed.
    #[error("Microsoft Graph could not be reached ({0}). Check the network.")]
    Unreachable(String),
    /// An answer that is not Graph's JSON.
    #[error("Microsoft Graph's answer for {path} could not be read: {message}")]
    Unreadable {
        /// The request.
        path: String,
        /// Why.
        message: String,
    },
    /// 410: Graph no longer knows the saved delta link (a sync reset); a full read is due.
    #[error("Microsoft Graph no longer accepts the saved delta link for {path} (410).")]
    Gone {
        /// The request.
        path: String,
    },
    /// Cancelled in the app.
    #[error("The sync was cancelled; nothing was changed.")]
    Cancelled,
    /// A link to another server, or a configured Graph URL that is not https.
    #[error("{0}")]
    Origin(#[from] OriginError),
    /// An answer larger than [`super::transport::ANSWER_SIZE_LIMIT`].
    #[error(
        "Microsoft Graph's answer for {path} is larger than 16 MiB, far more than a page of \
         the tenant; the sync stopped."
    )]
    TooLarge {
        /// The request.
        path: String,
    },
    /// A collection whose next link repeats, or with more than [`super::client::PAGE_LIMIT`] pages.
    #[error("Microsoft Graph kept sending next links for {path} ({reason}); the sync stopped.")]
    EndlessCollection {
        /// The first request.
        path: String,
        /// A repeated link, or the page count.
        reason: String,
    },
}
