//! Persistence: the RON configuration, directory snapshots and Graph imports, the keyring and
//! the one-step commit. Never imports egui.

pub mod certificate;
pub mod commit;
pub mod config;
pub mod csv_export;
pub mod graph;
pub mod journal;
pub mod lock;
pub mod origin;
pub mod private_files;
pub mod secrets;
pub mod snapshot;
pub mod snapshot_cache;
pub mod text_file;
pub mod vb365;

pub use commit::{CommitError, apply_commits, keyring_steps};
pub use config::{Config, ConfigError, ConfigFile, DirectorySource, SCHEMA_VERSION};
pub use lock::{InstanceLock, LockError};
pub use secrets::{KeyringSecrets, SERVICE, SecretError, SecretKey, SecretStore};
pub use snapshot::{
    DirectoryLoadError, LoadedDirectory, demo_directory, load_directory, parse_snapshot,
    source_of_path,
};
pub use text_file::{TextFileError, move_aside, read_text_limited};
