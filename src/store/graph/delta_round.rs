//! A delta round as Graph gives it: the links a sync keeps for the next round (`delta.json`),
//! and the changes of `users/delta` and `groups/delta`, by object id, every id checked before
//! it can name a file.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::sync_error::{SyncError, checked_id};
use crate::store::private_files::write_private;

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
pub(super) struct MemberChange {
    pub(super) id: String,
    /// `#microsoft.graph.user`, `#microsoft.graph.group`, ...
    pub(super) odata_type: String,
    pub(super) removed: bool,
}

/// What changed for one group.
#[derive(Debug, Default)]
pub(super) struct GroupChange {
    /// Changed properties (none when only members changed).
    pub(super) properties: Map<String, Value>,
    pub(super) removed: bool,
    pub(super) members: Vec<MemberChange>,
}

/// The changes of one round, by object id, in the order Graph gave them.
#[derive(Debug, Default)]
pub struct DeltaRound {
    pub(super) users: HashMap<String, Option<Map<String, Value>>>,
    pub(super) user_order: Vec<String>,
    pub(super) groups: HashMap<String, GroupChange>,
    pub(super) group_order: Vec<String>,
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
