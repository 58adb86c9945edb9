//! Persistence: the RON configuration file and the keyring. Never imports egui.

pub mod commit;
pub mod config;
pub mod secrets;

pub use commit::{CommitError, apply_commit};
pub use config::{Config, ConfigError, ConfigFile, DirectorySource, SCHEMA_VERSION};
pub use secrets::{KeyringSecrets, SERVICE, SecretError, SecretKey, SecretStore};
