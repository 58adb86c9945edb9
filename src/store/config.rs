//! The RON configuration file: which group and accounts each organization uses.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::application_pool::ApplicationPools;
use crate::model::{Selections, SettingsByOrganization};

pub use super::graph::signin::GraphSettings;
use super::private_files::{create_private_folder, create_temporary_beside};
use super::text_file::{TextFileError, line_column, read_text_limited, ron_error_position};
pub use super::vb365::BackupServerSettings;

/// The schema this build writes. Files with a higher number are refused, never rewritten;
/// older ones are migrated when read and written in this version at the next change.
///
/// - 1: the directory source and each organization's group and accounts.
/// - 2: adds `organization_settings` (authentication method, adding account and MFA
///   corrections of organizations imported from Microsoft Graph) and `GraphExport`.
/// - 3: adds `passwords` to each organization: when each account's password was set and
///   whether it was an app password (never the password); older accounts have none: age
///   unknown. Adds `max_password_age_days` (90 unless set) and `application_pools` (the
///   backup applications of app-only organizations, with their certificates' thumbprint,
///   subject and expiry; never a key).
/// - 4: adds `backup_server`: the backup server's address, the user who signed in and the
///   pinned certificate's fingerprint (never the password or a token).
pub const SCHEMA_VERSION: u32 = 4;

/// Larger configuration files are refused unread; 10,000 accounts take about 400 KB.
pub const CONFIG_SIZE_LIMIT: u64 = 16 * 1024 * 1024;

/// The configuration file's name inside the configuration folder.
pub const CONFIG_FILE_NAME: &str = "config.ron";

/// Where the directory snapshot comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectorySource {
    /// The demo snapshot bundled with the app.
    #[default]
    Demo,
    /// A RON snapshot file.
    Snapshot(PathBuf),
    /// A folder of Microsoft Graph v1.0 responses (schema 2).
    GraphExport(PathBuf),
}

/// Everything the app saves. Never holds a password (R10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The schema the file was written with.
    pub schema_version: u32,
    /// Where the directory snapshot comes from.
    #[serde(default)]
    pub directory: DirectorySource,
    /// Per organization id, its chosen group and checked accounts.
    #[serde(default)]
    pub organizations: Selections,
    /// Per imported organization id, what the administrator said about it.
    #[serde(default)]
    pub organization_settings: SettingsByOrganization,
    /// The Health view reports passwords older than this many days (schema 3).
    #[serde(default = "default_max_password_age_days")]
    pub max_password_age_days: u32,
    /// Per app-only organization id, its backup applications (schema 3).
    #[serde(default)]
    pub application_pools: ApplicationPools,
    /// How to sign in to Microsoft 365 (schema 3).
    #[serde(default)]
    pub graph: GraphSettings,
    /// The backup server the pool is applied to (schema 4).
    #[serde(default)]
    pub backup_server: Option<BackupServerSettings>,
}

fn default_max_password_age_days() -> u32 {
    crate::model::health::DEFAULT_MAX_PASSWORD_AGE_DAYS
}

/// Schema 1, kept to read old files.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Config")]
struct ConfigV1 {
    #[serde(rename = "schema_version")]
    _schema_version: u32,
    #[serde(default)]
    directory: DirectorySourceV1,
    #[serde(default)]
    organizations: Selections,
}

/// Schema 1's directory sources.
#[derive(Default, Deserialize)]
#[serde(rename = "DirectorySource")]
enum DirectorySourceV1 {
    #[default]
    Demo,
    Snapshot(PathBuf),
}

impl From<ConfigV1> for Config {
    fn from(old: ConfigV1) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            directory: match old.directory {
                DirectorySourceV1::Demo => DirectorySource::Demo,
                DirectorySourceV1::Snapshot(path) => DirectorySource::Snapshot(path),
            },
            organizations: old.organizations,
            organization_settings: BTreeMap::new(),
            max_password_age_days: default_max_password_age_days(),
            application_pools: BTreeMap::new(),
            graph: GraphSettings::default(),
            backup_server: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            directory: DirectorySource::Demo,
            organizations: BTreeMap::new(),
            organization_settings: BTreeMap::new(),
            max_password_age_days: default_max_password_age_days(),
            application_pools: BTreeMap::new(),
            graph: GraphSettings::default(),
            backup_server: None,
        }
    }
}

/// Why the configuration could not be read or written. Never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not parse; it is left untouched.
    #[error(
        "{path}:{line}:{column}: the configuration file is not valid ({message}). It was not \
         changed; fix it or move it aside."
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// Written by a newer version of the app; it is left untouched.
    #[error(
        "{path}:{line}:{column}: the configuration file uses schema version {found}, newer than \
         the {supported} this version understands. Update Backup Accounts; the file was not \
         changed."
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Line of the version field.
        line: usize,
        /// Column of the version field.
        column: usize,
        /// The version in the file.
        found: u32,
        /// The version this build writes.
        supported: u32,
    },
    /// The file is too large, not UTF-8, or unreadable; it is left untouched.
    #[error("{0}. The configuration file was not changed.")]
    Unreadable(#[source] TextFileError),
    /// Writing failed.
    #[error("Could not {action} {path}: {source}")]
    Io {
        /// "read", "write", ...
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

/// The configuration file at a known path.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    /// `config.ron` inside `folder`.
    pub fn in_folder(folder: &Path) -> Self {
        Self {
            path: folder.join(CONFIG_FILE_NAME),
        }
    }

    /// The platform's configuration folder for this app, e.g. `~/.config/backup-accounts`.
    pub fn default_folder() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "backup-accounts")
            .map(|dirs| dirs.config_dir().to_path_buf())
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the configuration; a missing file is an empty configuration.
    pub fn load(&self) -> Result<Config, ConfigError> {
        match read_text_limited(&self.path, CONFIG_SIZE_LIMIT) {
            Ok(text) => self.parse(&text),
            Err(TextFileError::NotFound(_)) => Ok(Config::default()),
            Err(e) => Err(ConfigError::Unreadable(e)),
        }
    }

    /// Removes temporary files that a save interrupted by a crash left behind. Call only
    /// while holding the folder's [`super::InstanceLock`], so no other save is under way.
    pub fn remove_stale_temporary_files(&self) {
        let Some(folder) = self.path.parent() else {
            return;
        };
        let Ok(entries) = fs::read_dir(folder) else {
            return;
        };
        let prefix = format!(".{CONFIG_FILE_NAME}.");
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                match fs::remove_file(entry.path()) {
                    Ok(()) => log::info!("removed {name}, left by an interrupted save"),
                    Err(e) => log::warn!("could not remove {name}: {e}"),
                }
            }
        }
    }

    /// Parses configuration text as if it were this file's content.
    pub fn parse(&self, text: &str) -> Result<Config, ConfigError> {
        // Look at the version first, so a newer file is reported as newer rather than as
        // a parse error on whatever field it added. The probe takes the struct's name too,
        // since RON accepts `Config(...)` as well as `(...)`.
        #[derive(Deserialize)]
        #[serde(rename = "Config")]
        struct VersionOnly {
            schema_version: u32,
        }
        let newer = |found: u32| {
            let (line, column) = position_of(text, "schema_version");
            ConfigError::NewerSchema {
                path: self.path.clone(),
                line,
                column,
                found,
                supported: SCHEMA_VERSION,
            }
        };
        let probed = ron::from_str::<VersionOnly>(text)
            .ok()
            .map(|p| p.schema_version);
        if let Some(found) = probed.filter(|&v| v > SCHEMA_VERSION) {
            return Err(newer(found));
        }
        let parse_error = |e: ron::error::SpannedError| {
            let (line, column) = ron_error_position(text, &e);
            ConfigError::Parse {
                path: self.path.clone(),
                line,
                column,
                message: e.code.to_string(),
            }
        };
        // Older files are read with their own schema, then migrated in memory only: the
        // file itself changes at the next save.
        let config: Config = if probed == Some(1) {
            ron::from_str::<ConfigV1>(text).map_err(parse_error)?.into()
        } else {
            ron::from_str(text).map_err(parse_error)?
        };
        // Whatever the probe missed, a newer file is never taken for this version.
        if config.schema_version > SCHEMA_VERSION {
            return Err(newer(config.schema_version));
        }
        if config.schema_version < 1 {
            let (line, column) = position_of(text, "schema_version");
            return Err(ConfigError::Parse {
                path: self.path.clone(),
                line,
                column,
                message: format!(
                    "schema version {} does not exist; the first is 1",
                    config.schema_version
                ),
            });
        }
        Ok(Config {
            schema_version: SCHEMA_VERSION,
            ..config
        })
    }

    /// Writes atomically: a temporary file in the same folder, flushed to disk, then renamed
    /// over the old file, so a crash leaves either the old or the new content.
    pub fn save(&self, config: &Config) -> Result<(), ConfigError> {
        let folder = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let io_error = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| ConfigError::Io {
                action,
                path,
                source,
            }
        };
        create_private_folder(&folder).map_err(io_error("create", &folder))?;
        let text = to_ron(config);
        let (temporary, mut file) =
            create_temporary_beside(&self.path).map_err(io_error("create a file in", &folder))?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all());
        drop(file);
        if let Err(source) = written {
            let _ = fs::remove_file(&temporary);
            return Err(io_error("write", &temporary)(source));
        }
        if let Err(source) = fs::rename(&temporary, &self.path) {
            let _ = fs::remove_file(&temporary);
            return Err(io_error("replace", &self.path)(source));
        }
        // Make the rename itself durable.
        if let Ok(dir) = fs::File::open(&folder) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// The configuration as pretty RON text.
pub fn to_ron(config: &Config) -> String {
    // Strings are written as they are (raw strings when they hold a quote or a backslash)
    // rather than escaped a character at a time: the same value once parsed, five times
    // faster for ten thousand accounts, and readable.
    let pretty = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .escape_strings(false);
    // Serializing plain strings, maps and numbers cannot fail.
    ron::ser::to_string_pretty(config, pretty).unwrap_or_default()
}

/// 1-based line and column of the first `needle` in `text`, or 1:1.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle)
        .map_or((1, 1), |offset| line_column(text, offset))
}
