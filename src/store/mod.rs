//! Persistence: the RON configuration file and the keyring. Never imports egui.

pub mod commit;
pub mod config;
pub mod graph;
pub mod lock;
pub mod secrets;
pub mod text_file;

pub use commit::{
    CommitError, apply_commit, apply_commits, apply_commits_with_progress, keyring_steps,
};
pub use config::{Config, ConfigError, ConfigFile, DirectorySource, SCHEMA_VERSION};
pub use lock::{InstanceLock, LockError};
pub use secrets::{KeyringSecrets, SERVICE, SecretError, SecretKey, SecretStore};
pub use text_file::{TextFileError, move_aside, read_text_limited};
