//! Secrets in the operating system's keyring: backup account passwords, certificate keys of
//! backup applications, Microsoft 365 refresh tokens. Each kind lives under its own keyring
//! service, so no value from the tenant can name an item of another kind: an organization
//! whose id is `graph`, or a UPN holding `/`, still names an account password.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};

use crate::model::Password;

/// The keyring service of account passwords (`secret-tool lookup service backup-accounts
/// username ORG/UPN` finds one).
pub const SERVICE: &str = "backup-accounts";

/// What a keyring item holds. Each kind has its own keyring service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SecretKind {
    /// A backup account's password: service `backup-accounts`, user `<organization id>/<UPN>`.
    AccountPassword,
    /// A backup application's private key and certificate: service
    /// `backup-accounts-certificate`, user `<organization id>/<application id>`.
    CertificateKey,
    /// A Microsoft 365 refresh token: service `backup-accounts-graph`, user `<tenant id>`.
    GraphRefreshToken,
    /// The backup server's refresh token: service `backup-accounts-server`, user
    /// `vb365/<host:port>`.
    ServerRefreshToken,
}

impl SecretKind {
    /// The keyring service of this kind.
    pub fn service(self) -> &'static str {
        match self {
            Self::AccountPassword => SERVICE,
            Self::CertificateKey => "backup-accounts-certificate",
            Self::GraphRefreshToken => "backup-accounts-graph",
            Self::ServerRefreshToken => "backup-accounts-server",
        }
    }
}

/// Which secret: its kind, whose it is (an organization or tenant id) and its name within
/// that (a UPN, an application id; empty for a refresh token).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SecretKey {
    /// What it holds.
    pub kind: SecretKind,
    /// Organization or tenant id.
    pub owner: String,
    /// Lower-cased UPN or application id; empty for a refresh token.
    pub name: String,
}

impl SecretKey {
    /// The key for an account of an organization. The UPN is lower-cased, as Microsoft
    /// Entra ID compares UPNs without regard to case: `Alice@` and `alice@` are one account,
    /// so they must be one keyring item.
    pub fn new(organization_id: &str, upn: &str) -> Self {
        Self {
            kind: SecretKind::AccountPassword,
            owner: organization_id.to_owned(),
            name: upn.to_lowercase(),
        }
    }

    /// The key of a backup application's certificate in an organization's pool.
    pub fn certificate(organization_id: &str, app_id: &str) -> Self {
        Self {
            kind: SecretKind::CertificateKey,
            owner: organization_id.to_owned(),
            name: app_id.to_lowercase(),
        }
    }

    /// The keyring item of a secret a commit plan names: a certificate key in a plan of
    /// backup applications, an account password otherwise.
    pub fn of_plan(plan: &crate::model::CommitPlan, name: &str) -> Self {
        if plan.application_pool.is_some() {
            Self::certificate(&plan.organization_id, name)
        } else {
            Self::new(&plan.organization_id, name)
        }
    }

    /// The key of a tenant's Microsoft 365 refresh token.
    pub fn graph_refresh_token(tenant_id: &str) -> Self {
        Self {
            kind: SecretKind::GraphRefreshToken,
            owner: tenant_id.to_lowercase(),
            name: String::new(),
        }
    }

    /// The key of a backup server's refresh token; `server` is `host:port`.
    pub fn backup_server_session(server: &str) -> Self {
        Self {
            kind: SecretKind::ServerRefreshToken,
            owner: "vb365".to_owned(),
            name: server.to_lowercase(),
        }
    }

    /// The key under which versions before lower-cased keys stored an account: the UPN as
    /// it was spelled in the configuration. `None` when that is the lower-cased key anyway.
    pub fn as_spelled_before(organization_id: &str, upn: &str) -> Option<Self> {
        (upn.to_lowercase() != upn).then(|| Self {
            kind: SecretKind::AccountPassword,
            owner: organization_id.to_owned(),
            name: upn.to_owned(),
        })
    }

    /// The keyring service: one per [`SecretKind`].
    pub fn service(&self) -> &'static str {
        self.kind.service()
    }

    /// The keyring user name: `<organization id>/<lower-cased UPN>`, `<organization
    /// id>/<application id>`, or `<tenant id>`.
    pub fn keyring_user(&self) -> String {
        match self.kind {
            SecretKind::GraphRefreshToken => self.owner.clone(),
            SecretKind::AccountPassword
            | SecretKind::CertificateKey
            | SecretKind::ServerRefreshToken => {
                format!("{}/{}", self.owner, self.name)
            }
        }
    }
}

/// As messages name an item: `<user>` for account passwords (as before), `<service>:<user>`
/// for the other kinds.
impl std::fmt::Display for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            SecretKind::AccountPassword => write!(f, "{}", self.keyring_user()),
            _ => write!(f, "{}:{}", self.service(), self.keyring_user()),
        }
    }
}

/// Why the keyring refused. The text names the keyring and what to do; never a password.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SecretError {
    /// No keyring service could be reached.
    #[error(
        "The system keyring ({store}) is not available: {detail}. Start or install a keyring \
         service (on Linux, GNOME Keyring or KeePassXC with Secret Service enabled), then try \
         again."
    )]
    Unavailable {
        /// Which keyring.
        store: &'static str,
        /// The platform's reason.
        detail: String,
    },
    /// The keyring is locked or access was refused.
    #[error(
        "The system keyring ({store}) is locked or refused access while trying to {action} the \
         password of {account}: {detail}. Unlock the keyring (for example by logging in to the \
         desktop session), then try again."
    )]
    Locked {
        /// Which keyring.
        store: &'static str,
        /// "save", "read", "delete".
        action: &'static str,
        /// `<organization id>/<UPN>`.
        account: String,
        /// The platform's reason.
        detail: String,
    },
    /// Anything else the keyring reported.
    #[error("The system keyring ({store}) could not {action} the password of {account}: {detail}")]
    Failed {
        /// Which keyring.
        store: &'static str,
        /// "save", "read", "delete".
        action: &'static str,
        /// `<organization id>/<UPN>`.
        account: String,
        /// The platform's reason.
        detail: String,
    },
}

/// Somewhere to keep passwords. The app uses [`KeyringSecrets`]; tests may wrap it to inject
/// failures.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// The stored password, or `None` when there is none.
    fn read(&self, key: &SecretKey) -> Result<Option<Password>, SecretError>;
    /// Stores or replaces the password.
    fn write(&self, key: &SecretKey, password: &Password) -> Result<(), SecretError>;
    /// Deletes the password; deleting a missing one is not an error.
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
}

/// Passwords in a `keyring-core` store: the platform keyring, or any store a test picks.
pub struct KeyringSecrets {
    store: Arc<CredentialStore>,
    name: &'static str,
}

impl std::fmt::Debug for KeyringSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringSecrets")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The platform keyring's name, as users know it.
#[cfg(target_os = "linux")]
pub const PLATFORM_KEYRING: &str = "Secret Service";
/// The platform keyring's name, as users know it.
#[cfg(target_os = "macos")]
pub const PLATFORM_KEYRING: &str = "macOS Keychain";
/// The platform keyring's name, as users know it.
#[cfg(target_os = "windows")]
pub const PLATFORM_KEYRING: &str = "Windows Credential Manager";
/// The platform keyring's name, as users know it.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
pub const PLATFORM_KEYRING: &str = "system keyring";

impl KeyringSecrets {
    /// Wraps any `keyring-core` store; `name` is how errors call it.
    pub fn new(store: Arc<CredentialStore>, name: &'static str) -> Self {
        Self { store, name }
    }

    /// Connects to the platform keyring (Secret Service on Linux).
    pub fn platform() -> Result<Self, SecretError> {
        let unavailable = |e: keyring_core::Error| SecretError::Unavailable {
            store: PLATFORM_KEYRING,
            detail: describe(&e),
        };
        #[cfg(target_os = "linux")]
        let store: Arc<CredentialStore> =
            zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(target_os = "macos")]
        let store: Arc<CredentialStore> =
            apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
        #[cfg(target_os = "windows")]
        let store: Arc<CredentialStore> =
            windows_native_keyring_store::Store::new().map_err(unavailable)?;
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        return Err(unavailable(keyring_core::Error::NoDefaultStore));
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
        Ok(Self::new(store, PLATFORM_KEYRING))
    }

    fn entry(&self, key: &SecretKey, action: &'static str) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, key.service(), &key.keyring_user())
            .map_err(|e| self.error(action, key, &e))
    }

    fn error(
        &self,
        action: &'static str,
        key: &SecretKey,
        error: &keyring_core::Error,
    ) -> SecretError {
        let account = key.to_string();
        let detail = describe(error);
        match error {
            keyring_core::Error::NoStorageAccess(_) => SecretError::Locked {
                store: self.name,
                action,
                account,
                detail,
            },
            keyring_core::Error::NoDefaultStore => SecretError::Unavailable {
                store: self.name,
                detail,
            },
            _ => SecretError::Failed {
                store: self.name,
                action,
                account,
                detail,
            },
        }
    }
}

/// The keyring error in words, without the secret bytes some variants carry.
fn describe(error: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match error {
        E::BadEncoding(_) => "the stored password is not valid UTF-8".to_owned(),
        E::BadDataFormat(_, inner) => format!("the stored item has an unexpected format ({inner})"),
        E::Ambiguous(entries) => format!(
            "{} keyring items match this account; remove the duplicates with your keyring tool",
            entries.len()
        ),
        other => other.to_string(),
    }
}

impl SecretStore for KeyringSecrets {
    fn read(&self, key: &SecretKey) -> Result<Option<Password>, SecretError> {
        match self.entry(key, "read")?.get_password() {
            Ok(text) => Ok(Some(Password::new(text))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.error("read", key, &e)),
        }
    }

    fn write(&self, key: &SecretKey, password: &Password) -> Result<(), SecretError> {
        self.entry(key, "save")?
            .set_password(password.expose())
            .map_err(|e| self.error("save", key, &e))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match self.entry(key, "delete")?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.error("delete", key, &e)),
        }
    }
}
