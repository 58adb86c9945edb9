//! The previous snapshot's member lists taken over by the next one: one rename of `members/`,
//! the changed lists written in place, and a journal of what they replaced, so that a failure
//! or a crash puts everything back.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::sync_error::{SyncError, write_error};
use crate::store::private_files::{
    create_private_folder_new, private_file_options, tighten, write_private,
};

/// What [`adopt_members`] replaced, written (in one file, bincode) before it replaces
/// anything, so that [`restore_members`] can put it back, also after a crash.
const MEMBERS_JOURNAL: &str = "members.journal";

/// The member lists a round changes, computed before anything of the previous snapshot is
/// touched.
#[derive(Debug, Default)]
pub struct MemberLists {
    /// File name, the text the previous snapshot had (`None`: a new group), the new text
    /// (`None`: a deleted group).
    pub(super) lists: Vec<(String, Option<String>, Option<String>)>,
}

/// The journal of [`adopt_members`]: each changed list and the text it had (`None`: the
/// group is new).
#[derive(Debug, Default, Serialize, Deserialize)]
struct MembersJournal {
    replaced: Vec<(String, Option<String>)>,
}

/// Moves the previous snapshot's `members/` into `new` (one rename, however many groups),
/// then writes the changed lists over it in place and removes deleted groups' lists, after
/// keeping what it replaces in one journal file: writing a few files in place costs far
/// less than creating a new file per group. Any failure undoes it; [`restore_members`]
/// undoes it until the new snapshot is in place.
pub fn adopt_members(previous: &Path, new: &Path, lists: &MemberLists) -> Result<(), SyncError> {
    let (old, members) = (previous.join("members"), new.join("members"));
    let journal = MembersJournal {
        replaced: lists
            .lists
            .iter()
            .map(|(name, original, _)| (name.clone(), original.clone()))
            .collect(),
    };
    let journal_path = new.join(MEMBERS_JOURNAL);
    let bytes = bincode::serde::encode_to_vec(&journal, bincode::config::standard())
        .map_err(|e| write_error(&journal_path)(std::io::Error::other(e)))?;
    write_private(&journal_path, &bytes).map_err(write_error(&journal_path))?;
    let moved = if old.is_dir() {
        std::fs::rename(&old, &members).and_then(|()| make_member_lists_private(&members))
    } else {
        create_private_folder_new(&members)
    };
    if let Err(e) = moved {
        restore_members(previous, new);
        return Err(write_error(&members)(e));
    }
    let written = lists
        .lists
        .iter()
        .try_for_each(|(name, _, text)| match text {
            Some(text) => overwrite(&members.join(name), text),
            None => match std::fs::remove_file(members.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
        });
    if let Err(e) = written {
        restore_members(previous, new);
        return Err(write_error(&members)(e));
    }
    Ok(())
}

/// Snapshots written before files were private had a 0755 `members/` with 0644 lists: the
/// first round that takes them over makes them 0700 and 0600, later rounds find the folder
/// private and touch nothing.
fn make_member_lists_private(members: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if std::fs::symlink_metadata(members)?.permissions().mode() & 0o7777 == 0o700 {
            return Ok(());
        }
        for entry in std::fs::read_dir(members)? {
            tighten(&entry?.path(), 0o600)?;
        }
    }
    tighten(members, 0o700)
}

/// A journal entry's name, when it is what [`adopt_members`] writes: `<group id>.json`.
/// Anything else (a tampered journal) is skipped rather than becoming a path.
fn journal_name(name: &str) -> Option<&str> {
    name.strip_suffix(".json")
        .filter(|id| super::is_graph_id(id))
        .map(|_| name)
}

/// Undoes [`adopt_members`] (also after a crash, from its journal): the replaced lists get
/// their text back, new ones go, and `members/` returns to the previous snapshot.
pub fn restore_members(previous: &Path, new: &Path) {
    let members = new.join("members");
    let journal: MembersJournal = std::fs::read(new.join(MEMBERS_JOURNAL))
        .ok()
        .and_then(|bytes| {
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).ok()
        })
        .map(|(journal, _)| journal)
        .unwrap_or_default();
    for (name, text) in &journal.replaced {
        let Some(name) = journal_name(name) else {
            log::warn!(
                "skipped a member list journal entry that names no group: {}",
                crate::store::origin::shown(name)
            );
            continue;
        };
        let _ = match text {
            Some(text) => overwrite(&members.join(name), text),
            None => std::fs::remove_file(members.join(name)),
        };
    }
    if members.is_dir() && !previous.join("members").exists() {
        let _ = std::fs::rename(&members, previous.join("members"));
    }
}

/// Writes `text` over the file at `path` in place (creating it if needed). Not truncated to
/// zero first: ext4 flushes a file truncated to zero and rewritten when it is closed, which
/// made this ten times slower.
fn overwrite(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = private_file_options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.set_len(text.len() as u64)
}

/// Removes the journal of [`adopt_members`] from a snapshot now in place.
pub fn forget_replaced_members(snapshot: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(snapshot.join(MEMBERS_JOURNAL)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    // A panic is how a test reports a failure.
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Issue 23, item 3: a tampered journal (left by a crash, read back at the next sync)
    /// names files by group id only; an entry like `../../x.json` is skipped, not followed.
    #[test]
    fn item_3_a_member_journal_entry_that_names_no_group_is_never_a_path() {
        let root = std::env::temp_dir().join(format!("journal-names-{}", std::process::id()));
        let (previous, new) = (root.join("previous"), root.join("new"));
        std::fs::create_dir_all(new.join("members")).unwrap();
        std::fs::create_dir_all(&previous).unwrap();
        let victim = root.join("victim.json");
        std::fs::write(&victim, "keep me").unwrap();
        std::fs::write(new.join("members").join("g1.json"), "changed").unwrap();
        let journal = MembersJournal {
            replaced: vec![
                ("../../victim.json".to_owned(), None),
                ("../victim.json".to_owned(), Some("overwritten".to_owned())),
                ("g1.json".to_owned(), Some("original".to_owned())),
            ],
        };
        let bytes = bincode::serde::encode_to_vec(&journal, bincode::config::standard()).unwrap();
        std::fs::write(new.join(MEMBERS_JOURNAL), bytes).unwrap();
        restore_members(&previous, &new);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(
            std::fs::read_to_string(previous.join("members").join("g1.json")).unwrap(),
            "original",
            "a real entry is still put back"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
