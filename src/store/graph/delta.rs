//! Delta rounds applied: the changes of `users/delta` and `groups/delta` (parsed in
//! `delta_round.rs`) applied to the previous snapshot to make the next one.
//!
//! Objects that did not change are copied as the text they were (never parsed into a tree
//! and written again), and the previous snapshot's member lists move into the new one with
//! one rename of their folder, only the changed lists replaced: a round costs what changed
//! plus one pass over the users and groups files, not one file per group.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::delta_round::MemberChange;
pub use super::delta_round::{DeltaLinks, DeltaRound};
pub use super::member_lists::{
    MemberLists, adopt_members, forget_replaced_members, restore_members,
};
use super::sync_error::{SyncError, write_error};
use crate::store::private_files::{tighten, write_private};

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
