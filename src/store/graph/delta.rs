//! Delta rounds: the links a sync keeps for the next one (`delta.json`), and the changes of
//! `users/delta` and `groups/delta` applied to the previous snapshot to make the next one.
//!
//! Objects that did not change are copied as the bytes they were (never parsed into a tree
//! and written again), member files of groups whose members did not change are hard links
//! to the previous snapshot's, so a round costs what changed plus one pass over the users
//! and groups files.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::sync::{SyncError, write_error};

/// The file in a synced snapshot that holds the next round's links.
const LINKS_FILE: &str = "delta.json";

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
    /// The links saved in a synced snapshot, if it has them.
    pub fn read(snapshot: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(snapshot.join(LINKS_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub(super) fn write(&self, snapshot: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        std::fs::write(snapshot.join(LINKS_FILE), text)
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
    /// Changed properties (`None` when only members changed).
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
    /// add to earlier ones.
    pub fn new(user_pages: &[Value], group_pages: &[Value]) -> Self {
        let mut round = Self::default();
        for user in objects(user_pages) {
            let Some(id) = user["id"].as_str() else {
                continue;
            };
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
            let Some(id) = group["id"].as_str() else {
                continue;
            };
            if !round.groups.contains_key(id) {
                round.group_order.push(id.to_owned());
            }
            let change = round.groups.entry(id.to_owned()).or_default();
            change.removed = group.get("@removed").is_some();
            change.properties.extend(properties(group));
            for member in group["members@delta"].as_array().into_iter().flatten() {
                let Some(member_id) = member["id"].as_str() else {
                    continue;
                };
                change.members.push(MemberChange {
                    id: member_id.to_owned(),
                    odata_type: member["@odata.type"].as_str().unwrap_or_default().to_owned(),
                    removed: member.get("@removed").is_some(),
                });
            }
        }
        round
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

/// Writes into `new` the snapshot `previous` with `round` applied: users, groups and the
/// member lists of changed groups rewritten, every other member list linked, the MFA report
/// kept (Graph has no delta for it).
pub fn apply_delta(previous: &Path, new: &Path, round: &DeltaRound) -> Result<(), SyncError> {
    let user_changes: HashMap<&str, Option<&Map<String, Value>>> = round
        .users
        .iter()
        .map(|(id, change)| (id.as_str(), change.as_ref()))
        .collect();
    let new_users = round.user_order.iter().filter_map(|id| {
        let change = round.users.get(id)?.as_ref()?;
        Some((id.as_str(), change))
    });
    merge_file(previous, new, "users.json", &user_changes, new_users)?;

    let group_changes: HashMap<&str, Option<&Map<String, Value>>> = round
        .groups
        .iter()
        .map(|(id, change)| (id.as_str(), (!change.removed).then_some(&change.properties)))
        .collect();
    let new_groups = round.group_order.iter().filter_map(|id| {
        let change = round.groups.get(id)?;
        (!change.removed).then_some((id.as_str(), &change.properties))
    });
    let group_ids = merge_file(previous, new, "groups.json", &group_changes, new_groups)?;

    let (old_members, new_members) = (previous.join("members"), new.join("members"));
    std::fs::create_dir_all(&new_members).map_err(write_error(&new_members))?;
    for id in &group_ids {
        let name = format!("{id}.json");
        let (from, to) = (old_members.join(&name), new_members.join(&name));
        match round.groups.get(id.as_str()) {
            Some(change) if !change.members.is_empty() => {
                write_members(&from, &to, &change.members)?;
            }
            // An unchanged list (or one that was never read) stays as it was.
            _ if from.exists() => link_or_copy(&from, &to)?,
            _ => {}
        }
    }
    for optional in ["mfa.json"] {
        let from = previous.join(optional);
        if from.exists() {
            link_or_copy(&from, &new.join(optional))?;
        }
    }
    Ok(())
}

/// Writes `name` of `previous` into `new` with `changes` applied (`None`: removed; `Some`:
/// properties to set) and `added` appended when they were not there; returns the ids kept.
fn merge_file<'a>(
    previous: &Path,
    new: &Path,
    name: &str,
    changes: &HashMap<&str, Option<&Map<String, Value>>>,
    added: impl Iterator<Item = (&'a str, &'a Map<String, Value>)>,
) -> Result<Vec<String>, SyncError> {
    let path = previous.join(name);
    let unreadable = |message: String| SyncError::PreviousSnapshot {
        path: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| unreadable(e.to_string()))?;
    let pages: Vec<RawPage<'_>> =
        serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut out = String::with_capacity(text.len() + 4096);
    out.push_str("[{\"value\":[");
    let push = |out: &mut String, json: &str| {
        if !out.ends_with('[') {
            out.push(',');
        }
        out.push_str(json);
    };
    for raw in pages.iter().flat_map(|page| &page.value) {
        let id = serde_json::from_str::<IdOnly<'_>>(raw.get())
            .map_err(|e| unreadable(e.to_string()))?
            .id
            .into_owned();
        match changes.get(id.as_str()) {
            None => push(&mut out, raw.get()),
            Some(None) => continue,
            Some(Some(properties)) => {
                let mut object: Map<String, Value> =
                    serde_json::from_str(raw.get()).map_err(|e| unreadable(e.to_string()))?;
                object.extend(properties.iter().map(|(k, v)| (k.clone(), v.clone())));
                push(&mut out, &Value::Object(object).to_string());
            }
        }
        seen.insert(id.clone());
        ids.push(id);
    }
    for (id, properties) in added {
        if seen.insert(id.to_owned()) {
            let mut object = properties.clone();
            object.insert("id".to_owned(), Value::String(id.to_owned()));
            push(&mut out, &Value::Object(object).to_string());
            ids.push(id.to_owned());
        }
    }
    out.push_str("]}]");
    let target = new.join(name);
    std::fs::write(&target, out).map_err(write_error(&target))?;
    Ok(ids)
}

/// The member list at `from` (none when the group is new) with `changes` applied, at `to`.
fn write_members(from: &Path, to: &Path, changes: &[MemberChange]) -> Result<(), SyncError> {
    let mut members: Vec<Value> = if from.exists() {
        let unreadable = |message: String| SyncError::PreviousSnapshot {
            path: from.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(from).map_err(|e| unreadable(e.to_string()))?;
        let pages: Vec<Value> =
            serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
        pages
            .into_iter()
            .flat_map(|mut page| match page["value"].take() {
                Value::Array(values) => values,
                _ => Vec::new(),
            })
            .collect()
    } else {
        Vec::new()
    };
    for change in changes {
        members.retain(|m| m["id"].as_str() != Some(change.id.as_str()));
        if !change.removed {
            members.push(serde_json::json!({"@odata.type": change.odata_type, "id": change.id}));
        }
    }
    let text = serde_json::json!([{ "value": members }]).to_string();
    std::fs::write(to, text).map_err(write_error(to))
}

/// A hard link to an unchanged file of the previous snapshot (which is removed once the new
/// one is in place), or a copy where the file system has no links.
fn link_or_copy(from: &Path, to: &Path) -> Result<(), SyncError> {
    if std::fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(write_error(to))
}
