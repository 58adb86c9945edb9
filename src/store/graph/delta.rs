//! Delta rounds: the links a sync keeps for the next one (`delta.json`), and the changes of
//! `users/delta` and `groups/delta` applied to the previous snapshot to make the next one.
//!
//! Objects that did not change are copied as the text they were (never parsed into a tree
//! and written again), and the previous snapshot's member lists move into the new one with
//! one rename of their folder, only the changed lists replaced: a round costs what changed
//! plus one pass over the users and groups files, not one file per group.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::sync::{SyncError, checked_id, write_error};
use crate::store::private_files::{
    create_private_folder_new, private_file_options, tighten, write_private,
};

/// The file in a synced snapshot that holds the next round's links.
const LINKS_FILE: &str = "delta.json";

/// A links file larger than this is not read: two links take a few hundred bytes.
const LINKS_FILE_LIMIT: u64 = 64 << 10;

/// Where the next delta round of users and of groups starts. The links carry Graph's state
/// token, not a credential: they are useless without an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaLinks {
    /// `@odata.deltaLink` of `users/delta`.
    pub users: String,
    /// `@odata.deltaLink` of `groups/delta` (members included).
    pub groups: String,
}

impl DeltaLinks {
    /// The links saved in a synced snapshot, if it has them. They are not trusted: the
    /// client follows a link only to the configured Graph server.
    pub fn read(snapshot: &Path) -> Option<Self> {
        let file = std::fs::File::open(snapshot.join(LINKS_FILE)).ok()?;
        let bytes = super::client::read_bounded(file, LINKS_FILE_LIMIT, None).ok()?;
        if bytes.len() as u64 > LINKS_FILE_LIMIT {
            return None;
        }
        serde_json::from_slice(&bytes).ok()
    }

    pub(super) fn write(&self, snapshot: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        write_private(&snapshot.join(LINKS_FILE), text.as_bytes())
    }
}

/// One member change of a group, as `members@delta` gives it.
#[derive(Debug)]
struct MemberChange {
    id: String,
    /// `#microsoft.graph.user`, `#microsoft.graph.group`, ...
    odata_type: String,
    removed: bool,
}

/// What changed for one group.
#[derive(Debug, Default)]
struct GroupChange {
    /// Changed properties (none when only members changed).
    properties: Map<String, Value>,
    removed: bool,
    members: Vec<MemberChange>,
}

/// The changes of one round, by object id, in the order Graph gave them.
#[derive(Debug, Default)]
pub struct DeltaRound {
    users: HashMap<String, Option<Map<String, Value>>>,
    user_order: Vec<String>,
    groups: HashMap<String, GroupChange>,
    group_order: Vec<String>,
}

impl DeltaRound {
    /// The changes in the pages of `users/delta` and `groups/delta`. An object may appear
    /// more than once (Graph splits a group's `members@delta` over several); later entries
    /// add to earlier ones. An id that is not a Graph id fails the round: a group's id
    /// names its member list file.
    pub fn new(user_pages: &[Value], group_pages: &[Value]) -> Result<Self, SyncError> {
        let mut round = Self::default();
        for user in objects(user_pages) {
            // `get`, not indexing: a `Map` index panics on a missing key.
            let id = checked_id("a user", text_field(user, "id"))?;
            let id = id.as_str();
            if !round.users.contains_key(id) {
                round.user_order.push(id.to_owned());
            }
            let change = (user.get("@removed").is_none()).then(|| properties(user));
            let entry = round.users.entry(id.to_owned()).or_insert(None);
            match (entry.as_mut(), change) {
                (Some(known), Some(more)) => known.extend(more),
                (_, change) => *entry = change,
            }
        }
        for group in objects(group_pages) {
            let id = checked_id("a group", text_field(group, "id"))?;
            let id = id.as_str();
            if !round.groups.contains_key(id) {
                round.group_order.push(id.to_owned());
            }
            let change = round.groups.entry(id.to_owned()).or_default();
            change.removed = group.get("@removed").is_some();
            change.properties.extend(properties(group));
            let members = group.get("members@delta").and_then(Value::as_array);
            for member in members.into_iter().flatten() {
                let member_id =
                    checked_id("a group member", member["id"].as_str().unwrap_or_default())?;
                change.members.push(MemberChange {
                    id: member_id,
                    odata_type: member["@odata.type"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    removed: member.get("@removed").is_some(),
                });
            }
        }
        Ok(round)
    }

    /// Users and groups that changed.
    pub fn len(&self) -> usize {
        self.users.len() + self.groups.len()
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A text field of an object, empty when missing or not text.
fn text_field<'a>(object: &'a Map<String, Value>, name: &str) -> &'a str {
    object.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn objects(pages: &[Value]) -> impl Iterator<Item = &Map<String, Value>> {
    pages
        .iter()
        .flat_map(|page| page["value"].as_array().into_iter().flatten())
        .filter_map(Value::as_object)
}

/// The object's properties, without Graph's annotations and the member changes.
fn properties(object: &Map<String, Value>) -> Map<String, Value> {
    object
        .iter()
        .filter(|(key, _)| !key.starts_with('@') && !key.contains("@delta"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// A page as the previous snapshot holds it: its objects as raw JSON text.
#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(borrow)]
    value: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
}

/// What [`adopt_members`] replaced, written (in one file, bincode) before it replaces
/// anything, so that [`restore_members`] can put it back, also after a crash.
const MEMBERS_JOURNAL: &str = "members.journal";

/// The member lists a round changes, computed before anything of the previous snapshot is
/// touched.
#[derive(Debug, Default)]
pub struct MemberLists {
    /// File name, the text the previous snapshot had (`None`: a new group), the new text
    /// (`None`: a deleted group).
    lists: Vec<(String, Option<String>, Option<String>)>,
}

/// Writes into `new` the parts of the snapshot `previous` (its users and groups `indexed`)
/// with `round` applied: users and groups rewritten, the MFA report kept (Graph has no delta for it); returns the changed
/// member lists for [`adopt_members`]. Nothing of `previous` changes.
pub fn apply_delta(
    previous: &Path,
    indexed: &PreviousSnapshot,
    new: &Path,
    round: &DeltaRound,
) -> Result<MemberLists, SyncError> {
    let users = || {
        let changes: Changes<'_> = round
            .users
            .iter()
            .map(|(id, change)| (id.as_str(), change.as_ref()))
            .collect();
        let added = round.user_order.iter().filter_map(|id| {
            let change = round.users.get(id)?.as_ref()?;
            Some((id.as_str(), change))
        });
        merge_file(&indexed.users, new, "users.json", &changes, added)
    };
    // The users file is the biggest by far: written on a worker while the rest is done.
    std::thread::scope(|scope| {
        let users_worker = std::thread::Builder::new()
            .name("snapshot-users".to_owned())
            .spawn_scoped(scope, users);
        let rest = groups_and_members(previous, indexed, new, round);
        let users_written = match users_worker {
            Ok(worker) => worker.join().unwrap_or_else(|_| {
                Err(SyncError::Unexpected("the users file's writer".to_owned()))
            }),
            Err(_) => users(),
        };
        users_written.and(rest)
    })
}

/// The groups file, the changed member lists, and the MFA report kept.
fn groups_and_members(
    previous: &Path,
    indexed: &PreviousSnapshot,
    new: &Path,
    round: &DeltaRound,
) -> Result<MemberLists, SyncError> {
    let group_changes: Changes<'_> = round
        .groups
        .iter()
        .map(|(id, change)| (id.as_str(), (!change.removed).then_some(&change.properties)))
        .collect();
    let new_groups = round.group_order.iter().filter_map(|id| {
        let change = round.groups.get(id)?;
        (!change.removed).then_some((id.as_str(), &change.properties))
    });
    merge_file(
        &indexed.groups,
        new,
        "groups.json",
        &group_changes,
        new_groups,
    )?;

    let mut lists = MemberLists::default();
    for id in &round.group_order {
        let change = &round.groups[id];
        if !change.removed && change.members.is_empty() {
            continue;
        }
        let name = format!("{id}.json");
        let from = previous.join("members").join(&name);
        let original = if from.exists() {
            Some(
                std::fs::read_to_string(&from).map_err(|e| SyncError::PreviousSnapshot {
                    path: from.clone(),
                    message: e.to_string(),
                })?,
            )
        } else {
            None
        };
        let text = if change.removed {
            None
        } else {
            let original = original.as_deref().unwrap_or("[]");
            Some(members_with(original, &from, &change.members)?)
        };
        lists.lists.push((name, original, text));
    }
    let mfa = previous.join("mfa.json");
    if mfa.exists() {
        link_or_copy(&mfa, &new.join("mfa.json"))?;
    }
    Ok(lists)
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

/// The object's id: found in the text when it is plain (as every id this app writes is),
/// else parsed.
fn object_id(raw: &RawValue) -> Result<std::borrow::Cow<'_, str>, serde_json::Error> {
    let json = raw.get();
    // Inside a JSON string a quote is escaped, so this can only be a key and its value.
    // Objects this app writes hold no nested object, so the key is the object's own.
    if let Some(start) = json.find("\"id\":\"").map(|at| at + 6)
        && let Some(length) = json[start..].find('"')
        && !json[start..start + length].contains('\\')
        && !json[1..].contains('{')
    {
        return Ok(std::borrow::Cow::Borrowed(&json[start..start + length]));
    }
    serde_json::from_str::<IdOnly<'_>>(json).map(|o| o.id)
}

/// Changed properties by object id; `None` for an object that was removed.
type Changes<'a> = HashMap<&'a str, Option<&'a Map<String, Value>>>;

/// A file of the previous snapshot, read and indexed: where each object's text is and its
/// id. Built while the delta round downloads, so that applying the round is a look-up per
/// object.
#[derive(Debug)]
pub struct IndexedFile {
    path: std::path::PathBuf,
    text: String,
    /// Where each object's text and its id are.
    objects: Vec<IndexedObject>,
}

/// An object of an [`IndexedFile`]: its text, and its id (within the text, unless it had
/// to be unescaped).
#[derive(Debug)]
struct IndexedObject {
    text: std::ops::Range<usize>,
    id: Result<std::ops::Range<usize>, String>,
}

impl IndexedFile {
    fn id<'a>(&'a self, object: &'a IndexedObject) -> &'a str {
        match &object.id {
            Ok(range) => &self.text[range.clone()],
            Err(owned) => owned,
        }
    }
}

impl IndexedFile {
    fn read(path: &Path) -> Result<Self, SyncError> {
        let unreadable = |message: String| SyncError::PreviousSnapshot {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
        let pages: Vec<RawPage<'_>> =
            serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
        // Places in the text, from the slices serde_json borrowed from it.
        let offset = |part: &str| part.as_ptr() as usize - text.as_ptr() as usize;
        let mut objects = Vec::with_capacity(pages.iter().map(|p| p.value.len()).sum());
        for raw in pages.iter().flat_map(|page| &page.value) {
            let json = raw.get();
            let start = offset(json);
            let id = match object_id(raw).map_err(|e| unreadable(e.to_string()))? {
                std::borrow::Cow::Borrowed(id) => Ok(offset(id)..offset(id) + id.len()),
                std::borrow::Cow::Owned(id) => Err(id),
            };
            objects.push(IndexedObject {
                text: start..start + json.len(),
                id,
            });
        }
        drop(pages);
        Ok(Self {
            path: path.to_path_buf(),
            text,
            objects,
        })
    }
}

/// The users and groups of the previous snapshot, indexed.
#[derive(Debug)]
pub struct PreviousSnapshot {
    users: IndexedFile,
    groups: IndexedFile,
}

impl PreviousSnapshot {
    /// Reads and indexes `users.json` and `groups.json` of `folder`, the groups on a
    /// worker.
    pub fn read(folder: &Path) -> Result<Self, SyncError> {
        let groups = || IndexedFile::read(&folder.join("groups.json"));
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("snapshot-groups".to_owned())
                .spawn_scoped(scope, groups);
            let users = IndexedFile::read(&folder.join("users.json"))?;
            let groups = match worker {
                Ok(worker) => worker.join().unwrap_or_else(|_| {
                    Err(SyncError::Unexpected("the groups file's reader".to_owned()))
                }),
                Err(_) => groups(),
            }?;
            Ok(Self { users, groups })
        })
    }
}

/// Writes `file` into `new` as `name` with `changes` applied and `added` appended when they
/// were not there. Unchanged objects are copied as the text they were.
fn merge_file<'a>(
    file: &IndexedFile,
    new: &Path,
    name: &str,
    changes: &Changes<'_>,
    added: impl Iterator<Item = (&'a str, &'a Map<String, Value>)>,
) -> Result<(), SyncError> {
    let unreadable = |message: String| SyncError::PreviousSnapshot {
        path: file.path.clone(),
        message,
    };
    let mut out = String::with_capacity(file.text.len() + 4096);
    out.push_str("[{\"value\":[");
    let mut push = |json: &str| {
        if !out.ends_with('[') {
            out.push(',');
        }
        out.push_str(json);
    };
    let mut present = HashSet::new();
    for object in &file.objects {
        let (json, id) = (&file.text[object.text.clone()], file.id(object));
        match changes.get(id) {
            None => push(json),
            Some(None) => {}
            Some(Some(properties)) => {
                let mut object: Map<String, Value> =
                    serde_json::from_str(json).map_err(|e| unreadable(e.to_string()))?;
                object.extend(properties.iter().map(|(k, v)| (k.clone(), v.clone())));
                push(&Value::Object(object).to_string());
                present.insert(id);
            }
        }
    }
    for (id, properties) in added {
        if !present.contains(id) {
            let mut object = properties.clone();
            object.insert("id".to_owned(), Value::String(id.to_owned()));
            push(&Value::Object(object).to_string());
        }
    }
    out.push_str("]}]");
    let target = new.join(name);
    write_private(&target, out.as_bytes()).map_err(write_error(&target))
}

/// The member list `text` (of `from`, for errors) with `changes` applied: members that did
/// not change are copied as the text they were.
fn members_with(text: &str, from: &Path, changes: &[MemberChange]) -> Result<String, SyncError> {
    let unreadable = |message: String| SyncError::PreviousSnapshot {
        path: from.to_path_buf(),
        message,
    };
    // The last change of each member decides.
    let last: HashMap<&str, &MemberChange> = changes.iter().map(|c| (c.id.as_str(), c)).collect();
    let pages: Vec<RawPage<'_>> =
        serde_json::from_str(text).map_err(|e| unreadable(e.to_string()))?;
    let mut out = String::with_capacity(text.len() + 64 * changes.len());
    out.push_str("[{\"value\":[");
    let mut push = |json: &str| {
        if !out.ends_with('[') {
            out.push(',');
        }
        out.push_str(json);
    };
    for raw in pages.iter().flat_map(|page| &page.value) {
        let id = object_id(raw).map_err(|e| unreadable(e.to_string()))?;
        if !last.contains_key(id.as_ref()) {
            push(raw.get());
        }
    }
    let mut added = HashSet::new();
    for change in changes.iter().rev() {
        if !change.removed
            && last
                .get(change.id.as_str())
                .is_some_and(|c| std::ptr::eq(*c, change))
            && added.insert(change.id.as_str())
        {
            push(
                &serde_json::json!({"@odata.type": change.odata_type, "id": change.id}).to_string(),
            );
        }
    }
    out.push_str("]}]");
    Ok(out)
}

/// A hard link to an unchanged file of the previous snapshot (which is removed once the new
/// one is in place), or a copy where the file system has no links.
fn link_or_copy(from: &Path, to: &Path) -> Result<(), SyncError> {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(write_error(to))?;
    }
    tighten(to, 0o600).map_err(write_error(to))
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
