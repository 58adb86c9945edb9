//! A compact binary copy of a parsed RON snapshot or Graph export, so a large tenant opens in
//! a fraction of the time parsing its text takes. It is keyed by the snapshot's path, size and
//! modification time (an export's: every file's), and by this build's version: any change,
//! or a copy that does not decode, means the text is parsed again and the copy rewritten. The copy holds the directory only (users,
//! groups, members), never a secret, and is private like the configuration.

use std::fs::{File, Metadata};
use std::hash::{Hash as _, Hasher as _};
use std::io::{BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Directory;

use super::private_files::{create_private_folder, create_temporary_beside};

/// Bumped whenever the cached layout changes.
const FORMAT: u32 = 1;

/// What a cached copy was made from.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    format: u32,
    app_version: String,
    source: PathBuf,
    size: u64,
    modified_nanos: u128,
}

impl Key {
    /// A Graph export folder as the sync or the export left it: every file's name, size and
    /// modification time (the member lists' too), and `depends_on` (what else the directory
    /// built from it depends on: the organization's settings, the group a selection uses).
    /// A delta round or a hand edit changes a file's size or time, and so the key.
    fn of_folder(folder: &Path, depends_on: &[u8]) -> Option<Self> {
        // By folder and name, not full path: building and comparing 100,000 paths took most
        // of the key's time.
        let mut files = Vec::new();
        for (in_members, sub) in [
            (false, folder.to_path_buf()),
            (true, folder.join("members")),
        ] {
            let Ok(entries) = std::fs::read_dir(&sub) else {
                continue;
            };
            for entry in entries.flatten() {
                let metadata = entry.metadata().ok()?;
                if metadata.is_file() {
                    let modified = metadata
                        .modified()
                        .ok()?
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()?;
                    let name = entry.file_name().into_encoded_bytes();
                    files.push((in_members, name, metadata.len(), modified.as_nanos()));
                }
            }
        }
        files.sort_unstable();
        let mut hasher = std::hash::DefaultHasher::new();
        files.hash(&mut hasher);
        depends_on.hash(&mut hasher);
        Some(Self {
            format: FORMAT,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            source: std::fs::canonicalize(folder).ok()?,
            size: files.len() as u64,
            modified_nanos: u128::from(hasher.finish()),
        })
    }

    fn of(source: &Path, metadata: &Metadata) -> Option<Self> {
        let modified = metadata.modified().ok()?;
        Some(Self {
            format: FORMAT,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            source: std::fs::canonicalize(source).ok()?,
            size: metadata.len(),
            modified_nanos: modified
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos(),
        })
    }
}

/// An export folder's cache key (see [`SnapshotCache::folder_key`]).
#[derive(Debug)]
pub struct FolderKey(Key);

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// Cached copies of parsed snapshots in one folder.
#[derive(Clone, Debug)]
pub struct SnapshotCache {
    folder: PathBuf,
}

impl SnapshotCache {
    /// Copies kept in `folder`.
    pub fn in_folder(folder: &Path) -> Self {
        Self {
            folder: folder.to_path_buf(),
        }
    }

    fn file_for(&self, key: &Key) -> PathBuf {
        // A fixed hasher, so the same snapshot maps to the same file in every run.
        let mut hasher = std::hash::DefaultHasher::new();
        key.source.hash(&mut hasher);
        self.folder.join(format!("{:016x}.bin", hasher.finish()))
    }

    /// The directory cached for `source` as it is now (`metadata`), if there is a valid copy.
    pub fn load(&self, source: &Path, metadata: &Metadata) -> Option<Directory> {
        self.load_key(&Key::of(source, metadata)?)
    }

    /// What identifies the Graph export `folder` as it is now, built with what `depends_on`
    /// names: taken once, before it is read, for both the look-up and the copy kept after.
    pub fn folder_key(folder: &Path, depends_on: &[u8]) -> Option<FolderKey> {
        Key::of_folder(folder, depends_on).map(FolderKey)
    }

    /// The directory cached for an export as `key` saw it, if there is a valid copy.
    pub fn load_folder(&self, key: &FolderKey) -> Option<Directory> {
        self.load_key(&key.0)
    }

    /// Keeps a copy of the directory built from the export `key` saw.
    pub fn store_folder(&self, key: &FolderKey, directory: &Directory) {
        self.store_key(&key.0.source, &key.0, directory);
    }

    fn load_key(&self, key: &Key) -> Option<Directory> {
        let file = File::open(self.file_for(key)).ok()?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let cached: Key = bincode::serde::decode_from_std_read(&mut reader, config()).ok()?;
        if cached != *key {
            return None;
        }
        let directory: Directory =
            bincode::serde::decode_from_std_read(&mut reader, config()).ok()?;
        // Written from a validated directory; the look-up indexes are rebuilt.
        directory.reindexed().ok()
    }

    /// Keeps a copy of `directory`, parsed from `source` as it was (`metadata`). A failure only
    /// costs the next start its speed, so it is logged, not returned.
    pub fn store(&self, source: &Path, metadata: &Metadata, directory: &Directory) {
        if let Some(key) = Key::of(source, metadata) {
            self.store_key(source, &key, directory);
        }
    }

    fn store_key(&self, source: &Path, key: &Key, directory: &Directory) {
        let target = self.file_for(key);
        let written = create_private_folder(&self.folder)
            .and_then(|()| create_temporary_beside(&target))
            .and_then(|(temporary, file)| {
                let mut writer = BufWriter::with_capacity(1 << 20, file);
                let encoded = bincode::serde::encode_into_std_write(key, &mut writer, config())
                    .and_then(|_| {
                        bincode::serde::encode_into_std_write(directory, &mut writer, config())
                    })
                    .map_err(std::io::Error::other)
                    .and_then(|_| writer.flush());
                let finished = encoded.and_then(|()| std::fs::rename(&temporary, &target));
                if finished.is_err() {
                    let _ = std::fs::remove_file(&temporary);
                }
                finished
            });
        if let Err(e) = written {
            log::warn!("could not keep a parsed copy of {}: {e}", source.display());
        }
    }
}
