//! The checks the fuzz targets run (`fuzz/`), kept in the library so that every crasher
//! they find is replayed by `tests/fuzz_regressions.rs` on a normal `cargo test`.

// A fuzz check reports a broken invariant by panicking.
#![allow(clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

mod graph_sync;

pub use graph_sync::check_graph_sync_bytes;

use crate::model::{ManagerDraft, Password};
use crate::store::ConfigFile;
use crate::store::config::to_ron;

/// Parses bytes as `config.ron`; what parses must round-trip through the writer.
pub fn check_config_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = ConfigFile::in_folder(Path::new("fuzz"));
    if let Ok(config) = file.parse(text) {
        let again = file
            .parse(&to_ron(&config))
            .expect("a parsed configuration must parse again once written");
        assert_eq!(again, config, "the round trip changed the configuration");
    }
}

/// Parses bytes as a directory snapshot; what parses must work in the manager: every
/// group previewed and chosen, every member checked and given a password, then committed.
pub fn check_directory_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(directory) = crate::store::snapshot::parse_snapshot(text, "fuzz") else {
        return;
    };
    let directory = Arc::new(directory);
    for organization in &directory.organizations {
        let Ok(mut draft) = ManagerDraft::open(directory.clone(), &organization.id, None) else {
            continue;
        };
        for group in &organization.groups {
            let _ = draft.preview_group(&group.id);
            if draft.choose_group(&group.id).is_err() {
                continue;
            }
            let upns: Vec<String> = draft
                .rows()
                .iter()
                .map(|row| organization.users[row.user_index].upn.to_string())
                .collect();
            for upn in &upns {
                let _ = draft.set_checked(upn, true);
                let _ = draft.set_password(upn, Password::new("x".to_owned()));
            }
            let _ = draft.commit();
        }
    }
}

/// Imports a Graph export made from `data`: its parts, split at NUL bytes, are
/// `organization.json`, `users.json`, `groups.json` and the members file of every group that
/// `groups.json` names (so organization and group ids vary too). A single part stands for
/// `users.json` and the members file, beside a valid organization and group. The result is
/// an error or a directory, never a panic, and a group id never names a file outside
/// `members/`.
pub fn check_graph_bytes(data: &[u8]) {
    const ORGANIZATION: &[u8] = br#"{"value": [{"id": "fuzz-tenant", "displayName": "Fuzz"}]}"#;
    const GROUPS: &[u8] = br#"{"value": [{"id": "g1", "displayName": "G", "securityEnabled": true, "mailEnabled": false, "groupTypes": []}]}"#;
    let parts: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let (organization, users, groups, members) = match parts.as_slice() {
        [only] => (ORGANIZATION, *only, GROUPS, *only),
        [organization, users] => (*organization, *users, GROUPS, &b""[..]),
        [organization, users, groups] => (*organization, *users, *groups, &b""[..]),
        [organization, users, groups, members, ..] => (*organization, *users, *groups, *members),
        [] => return,
    };
    let Ok(folder) = tempfile_folder() else {
        return;
    };
    let write = |name: &str, bytes: &[u8]| std::fs::write(folder.join(name), bytes);
    if write("organization.json", organization).is_err()
        || write("groups.json", groups).is_err()
        || write("users.json", users).is_err()
        || std::fs::create_dir_all(folder.join("members")).is_err()
    {
        return;
    }
    let group_ids = listed_ids(groups);
    for id in &group_ids {
        // Only plain ids: anything else must be refused by the import before any file.
        if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && !id.is_empty() {
            let _ = write(&format!("members/{id}.json"), members);
        }
    }
    if let Ok(tenant) = crate::store::graph::import_folder(&folder) {
        let _ = tenant.require_memberships(group_ids.iter().map(String::as_str));
        let settings = crate::model::OrganizationSettings {
            authentication: crate::model::AuthenticationMethod::Basic,
            added_by: tenant.user_upns().next().unwrap_or("nobody").to_owned(),
            mfa_not_enabled: Default::default(),
            added_with_application: None,
        };
        if let Ok(directory) = tenant.into_directory(&settings) {
            for organization in &directory.organizations {
                for id in &group_ids {
                    let _ = organization.resolve_user_members(id);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// The `id` of every object in the `value` arrays of a Graph response, if it parses.
fn listed_ids(bytes: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Object {
        id: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        value: Vec<Object>,
    }
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Page>()
        .map_while(Result::ok)
        .flat_map(|page| page.value)
        .filter_map(|object| object.id)
        .collect()
}

/// A fresh folder under the system's temporary folder.
fn tempfile_folder() -> std::io::Result<std::path::PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let folder = std::env::temp_dir().join(format!(
        "backup-accounts-fuzz-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&folder)?;
    Ok(folder)
}
