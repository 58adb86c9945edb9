//! Why the backup server did not do what was asked, in words an administrator can act on.
//! Never holds a password, a token or the server's stack trace.

use super::tls::{Fingerprint, ServerCertificate};
use crate::store::SecretError;

/// Why a request to the backup server failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address is not `host`, `host:port` or `https://host:port`.
    #[error(
        "{address} is not a backup server address ({reason}). Give the server's name or IP \
         address, optionally with the REST API's port (4443 unless changed), e.g. \
         vbo.example.com:4443."
    )]
    Address {
        /// The address as typed (escaped).
        address: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No configured server.
    #[error(
        "No backup server is connected. Connect first (File > Connect to backup server..., or \
         `backup-accounts server connect ADDRESS --user USER`)."
    )]
    NotConnected,
    /// The certificate neither chains to the system roots nor is pinned.
    #[error(
        "{server} presented a certificate this computer does not trust: {}, subject {}, {}. \
         If the backup server's certificate (Veeam Backup for Microsoft 365 console > General \
         Options > REST API) has this fingerprint, pin it; otherwise do not connect.",
        .certificate.fingerprint,
        crate::model::text::quoted_from_outside(&.certificate.subject, 200),
        .certificate.validity()
    )]
    UntrustedCertificate {
        /// `host:port`.
        server: String,
        /// What the server presented.
        certificate: Box<ServerCertificate>,
    },
    /// A pinned server presented another certificate.
    #[error(
        "{server} presented a different certificate than the one pinned: pinned {pinned}, \
         presented {}. Nothing was sent. If the server's certificate was renewed, check the \
         new fingerprint on the server and connect again to pin it; otherwise someone may be \
         in between.",
        .presented.fingerprint
    )]
    CertificateChanged {
        /// `host:port`.
        server: String,
        /// The pinned fingerprint.
        pinned: Fingerprint,
        /// What the server presented.
        presented: Box<ServerCertificate>,
    },
    /// The network failed, or TLS failed for another reason than trust.
    #[error(
        "{server} cannot be reached: {reason}. Check the address, the port and that the REST API is enabled on the server."
    )]
    Unreachable {
        /// `host:port`.
        server: String,
        /// The network's reason.
        reason: String,
    },
    /// The password grant was refused.
    #[error(
        "The backup server refused the sign-in of {user}: {message}. Check the password; the \
         account must be a Windows account of the server or its domain, marked as a service \
         account (multi-factor authentication off for it) in the backup server's settings, \
         and the REST API must be enabled."
    )]
    SignInRefused {
        /// The user name (escaped).
        user: String,
        /// The server's message.
        message: String,
    },
    /// The refresh token was refused: the session has ended.
    #[error(
        "The backup server ended the session ({message}). Connect again (File > Connect to \
         backup server..., or `backup-accounts server connect`)."
    )]
    SessionEnded {
        /// The server's message.
        message: String,
    },
    /// The server does not serve REST API v8.
    #[error(
        "{server} does not serve the REST API v8 (Veeam Backup for Microsoft 365 version 8 or \
         later), or the REST API is not enabled there."
    )]
    NotVersion8 {
        /// `host:port`.
        server: String,
    },
    /// The server refused a request.
    #[error("The backup server answered {status} to {what}: {message}")]
    Refused {
        /// What was asked, in words.
        what: String,
        /// HTTP status.
        status: u16,
        /// The server's `errorCode`, when it gave one.
        code: Option<String>,
        /// The server's `message`, escaped and cut.
        message: String,
    },
    /// The answer is not what the API describes.
    #[error("The backup server's answer to {what} is not usable ({reason}); nothing was changed.")]
    Malformed {
        /// What was asked.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The keyring failed while keeping or reading the session or a password.
    #[error(transparent)]
    Keyring(#[from] SecretError),
    /// Cancelled by the administrator.
    #[error("Cancelled; nothing more was sent to the backup server.")]
    Cancelled,
}
