//! Loading a directory: the built-in demo, a RON snapshot file, or a folder of Microsoft
//! Graph responses. Every error names the file and, where there is one, the line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::{Directory, DirectoryError, Selections, SettingsByOrganization};

use super::config::DirectorySource;
use super::graph::{GraphImportError, ImportedTenant, import_folder};
use super::snapshot_cache::SnapshotCache;
use super::text_file::{TextFileError, read_text_limited, ron_error_position};

/// Larger directory snapshots are refused unread (a million users take about 150 MB).
pub const DIRECTORY_SIZE_LIMIT: u64 = 1024 * 1024 * 1024;

/// The bundled demo snapshot's text.
pub const DEMO_DIRECTORY: &str = include_str!("../../assets/demo-directory.ron");
/// How the bundled demo snapshot is named in messages.
pub const DEMO_SOURCE_NAME: &str = "built-in demo directory (assets/demo-directory.ron)";

/// Why a directory could not be loaded. Nothing already loaded is replaced.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryLoadError {
    /// The snapshot does not parse or refers to missing objects.
    #[error(transparent)]
    Invalid(#[from] DirectoryError),
    /// The file is missing, too large, not UTF-8 or unreadable.
    #[error(transparent)]
    Unreadable(#[from] TextFileError),
    /// A Microsoft Graph export folder is incomplete or malformed.
    #[error(transparent)]
    Graph(#[from] GraphImportError),
}

/// What loading a directory source gave.
#[derive(Debug)]
pub enum LoadedDirectory {
    /// Ready to use.
    Ready(Directory),
    /// A Graph export whose organization the administrator has not described yet.
    NeedsSettings(ImportedTenant),
}

/// Parses a RON snapshot; `source_name` names the file in error messages.
pub fn parse_snapshot(text: &str, source_name: &str) -> Result<Directory, DirectoryError> {
    let directory: Directory = ron::from_str(text).map_err(|e| {
        let (line, column) = ron_error_position(text, &e);
        DirectoryError::Parse {
            source_name: source_name.to_owned(),
            line,
            column,
            message: e.code.to_string(),
        }
    })?;
    directory.validated()
}

/// The demo snapshot that ships in `assets/`, used when no other directory is given.
pub fn demo_directory() -> Directory {
    // The asset is checked by a test, so a broken file never ships.
    parse_snapshot(DEMO_DIRECTORY, DEMO_SOURCE_NAME).unwrap_or_default()
}

/// Reads a directory from its source; a Graph export uses the organization settings saved
/// for its tenant, and must prove the membership of the groups `selections` use (R13).
/// Errors are paired with the file or folder they concern.
pub fn load_directory(
    source: &DirectorySource,
    settings: &SettingsByOrganization,
    selections: &Selections,
    cache: &SnapshotCache,
) -> Result<LoadedDirectory, (PathBuf, DirectoryLoadError)> {
    match source {
        DirectorySource::Demo => Ok(LoadedDirectory::Ready(demo_directory())),
        DirectorySource::Snapshot(path) => load_snapshot(path, cache)
            .map(LoadedDirectory::Ready)
            .map_err(|e| (path.clone(), e)),
        DirectorySource::GraphExport(folder) => {
            // What the directory built from the export depends on besides its files.
            let key = SnapshotCache::folder_key(folder, &export_dependencies(settings, selections));
            if let Some(directory) = key.as_ref().and_then(|key| cache.load_folder(key)) {
                return Ok(LoadedDirectory::Ready(directory));
            }
            let at_folder = |e: GraphImportError| (folder.clone(), e.into());
            let tenant = import_folder(folder).map_err(at_folder)?;
            let used_group = selections
                .get(tenant.id.as_str())
                .map(|s| s.group_id.as_str());
            tenant.require_memberships(used_group).map_err(at_folder)?;
            match settings.get(tenant.id.as_str()) {
                Some(settings) => {
                    let directory = tenant.into_directory(settings).map_err(at_folder)?;
                    if let Some(key) = &key {
                        cache.store_folder(key, &directory);
                    }
                    Ok(LoadedDirectory::Ready(directory))
                }
                None => Ok(LoadedDirectory::NeedsSettings(tenant)),
            }
        }
    }
}

/// The organizations' settings and the groups their selections use, as bytes for the
/// export's cache key: a change to either builds the directory again.
fn export_dependencies(settings: &SettingsByOrganization, selections: &Selections) -> Vec<u8> {
    let groups: BTreeMap<&str, &str> = selections
        .iter()
        .map(|(organization, s)| (organization.as_str(), s.group_id.as_str()))
        .collect();
    format!("{settings:?}\n{groups:?}").into_bytes()
}

/// A RON snapshot: its cached parsed copy when the file is unchanged since, else the text
/// parsed (and the copy kept for next time).
fn load_snapshot(path: &Path, cache: &SnapshotCache) -> Result<Directory, DirectoryLoadError> {
    let metadata = std::fs::metadata(path).ok();
    let usable = metadata
        .as_ref()
        .filter(|m| m.is_file() && m.len() <= DIRECTORY_SIZE_LIMIT);
    if let Some(directory) = usable.and_then(|m| cache.load(path, m)) {
        return Ok(directory);
    }
    let text = read_text_limited(path, DIRECTORY_SIZE_LIMIT)?;
    let directory = parse_snapshot(&text, &path.display().to_string())?;
    drop(text);
    if let Some(metadata) = usable {
        cache.store(path, metadata, &directory);
    }
    Ok(directory)
}

/// The source a `--directory PATH` names: a folder is a Graph export, a file a snapshot.
pub fn source_of_path(path: &Path) -> DirectorySource {
    if path.is_dir() {
        DirectorySource::GraphExport(path.to_path_buf())
    } else {
        DirectorySource::Snapshot(path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_directory_parses() {
        parse_snapshot(DEMO_DIRECTORY, DEMO_SOURCE_NAME).expect("the bundled demo is valid");
    }
}
