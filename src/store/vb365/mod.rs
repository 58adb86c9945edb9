//! The backup server (Veeam Backup for Microsoft 365 v8) through its REST API: connect with
//! TLS trusted as SSH trusts hosts, read what the server has for each organization, and
//! apply the saved pool with the saved passwords. Facts: `shared/VB365-REST.md`.

pub mod address;
pub mod api;
pub mod apply;
pub mod client;
pub mod error;
mod http;
pub mod pool;
pub mod tls;

use serde::{Deserialize, Serialize};

pub use address::{DEFAULT_PORT, ServerAddress};
pub use apply::{ApplyError, SavedPool, apply_pool, organization_taking_accounts};
pub use client::{BackupServer, PAGE_LIMIT};
pub use error::ServerError;
pub use pool::{ServerPool, find_organization, read_pool};
pub use tls::{Fingerprint, ServerCertificate};

/// The backup server the app is connected to, as saved in `config.ron` (schema 4). Never
/// holds the password or a token: the session's refresh token is in the keyring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupServerSettings {
    /// `host:port` of the REST API.
    pub address: String,
    /// The account that signed in, shown and offered at the next sign-in.
    pub user: String,
    /// The certificate's SHA-256 fingerprint the administrator pinned (`AB:CD:...`); `None`
    /// when it chains to the system roots.
    #[serde(default)]
    pub pinned_certificate: Option<String>,
}

impl BackupServerSettings {
    /// A client for the saved server.
    pub fn client(
        &self,
        secrets: std::sync::Arc<dyn crate::store::SecretStore>,
    ) -> Result<BackupServer, ServerError> {
        let address = ServerAddress::parse(&self.address)?;
        let pin = match &self.pinned_certificate {
            None => None,
            Some(text) => Some(
                Fingerprint::parse(text).ok_or_else(|| ServerError::Address {
                    address: address.host_port(),
                    reason: "the pinned fingerprint in config.ron is not 64 hexadecimal digits",
                })?,
            ),
        };
        BackupServer::new(address, pin, secrets)
    }
}

/// Signs in to the server at `address` as `user`, trusting the system roots or the pinned
/// certificate; returns the settings to save. The password is only sent, never kept.
pub fn connect(
    address: &str,
    user: &str,
    password: &crate::model::Password,
    pin: Option<Fingerprint>,
    secrets: std::sync::Arc<dyn crate::store::SecretStore>,
) -> Result<BackupServerSettings, ServerError> {
    let address = ServerAddress::parse(address)?;
    let client = BackupServer::new(address.clone(), pin, secrets)?;
    client.sign_in(user, password)?;
    Ok(BackupServerSettings {
        address: address.host_port(),
        user: user.to_owned(),
        pinned_certificate: pin.map(|p| p.to_string()),
    })
}
