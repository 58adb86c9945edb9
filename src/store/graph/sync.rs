//! A sync of one tenant from Microsoft Graph into the export layout the import reads
//! (`organization.json`, `users.json`, `groups.json`, `members/<group id>.json`, and
//! `mfa.json`, `applications.json` when the account may read them), plus `delta.json`, the
//! delta links of the next sync. It is written into a temporary folder and moved into place
//! only when complete: a failed or cancelled sync leaves the previous snapshot as it was
//! (R13).
//!
//! The first sync reads everything: users and groups by pages of 999, members with JSON
//! batching (twenty requests per `$batch`, a few batches in flight, each member list followed
//! through its `@odata.nextLink`). Later syncs read only what changed since, through
//! `users/delta` and `groups/delta` (members included), and apply it to the previous
//! snapshot; a delta link Graph refuses (410) falls back to a full read.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::client::{GraphClient, GraphError, SyncPhase, retry_after_seconds};
use super::delta::{
    DeltaLinks, DeltaRound, MemberLists, PreviousSnapshot, adopt_members, apply_delta,
    forget_replaced_members, restore_members,
};
use crate::store::private_files::{
    create_private_folder_new, ensure_private_folder, write_private,
};

/// Requests per `$batch`, Graph's limit.
pub const BATCH_SIZE: usize = 20;
/// `$batch` requests in flight at once: Graph throttles per application and tenant, so a
/// few parallel batches shorten a sync without inviting throttling.
pub const BATCHES_IN_FLIGHT: usize = 4;
/// Objects per page of the full read.
pub const PAGE_SIZE: usize = 999;

const USER_FIELDS: &str = "id,userPrincipalName,displayName,userType,accountEnabled";
const GROUP_FIELDS: &str = "id,displayName,securityEnabled,mailEnabled,groupTypes,membershipRule";
const MFA: &str = "/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999";
const APPLICATIONS: &str =
    "/v1.0/applications?$select=id,appId,displayName,keyCredentials&$top=999";

/// Why a sync failed; the previous snapshot is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Reading Graph failed.
    #[error("{0} The previous snapshot was kept.")]
    Graph(#[from] GraphError),
    /// Writing the snapshot failed.
    #[error("Could not write the snapshot in {path}: {source}. The previous snapshot was kept.")]
    Write {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An answer without the fields the sync needs.
    #[error("Microsoft Graph's answer lacked {0}. The previous snapshot was kept.")]
    Unexpected(String),
    /// An id that is not a Graph id: it would have become part of a file name.
    #[error(
        "Microsoft Graph sent {what} with the id {id:?}, which is not a Microsoft Graph id \
         (letters, digits and '-' only); nothing was written. The previous snapshot was kept."
    )]
    BadId {
        /// What had the id ("a group", ...).
        what: &'static str,
        /// The id, as shown.
        id: String,
    },
    /// The previous snapshot, which a delta sync builds on, could not be read.
    #[error(
        "The previous snapshot in {path} could not be read ({message}). Sign in to Microsoft \
         365 again to read the whole tenant."
    )]
    PreviousSnapshot {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// How a sync read the tenant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncKind {
    /// Everything was read.
    #[default]
    Full,
    /// Only the changes since the previous sync were read.
    Delta,
    /// The saved delta link was refused (410), so everything was read.
    FullAfterDeltaRefused,
}

/// What a sync did, for the progress window and its notice.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// The tenant's id.
    pub tenant_id: String,
    /// Where the snapshot is.
    pub folder: PathBuf,
    /// How it was read.
    pub kind: SyncKind,
    /// Users and groups that changed (a delta sync), or were read (a full one).
    pub changed_objects: usize,
    /// False when the MFA report was refused (403): every account counts as MFA-enabled.
    pub mfa_report: bool,
    /// False when the applications could not be read.
    pub applications: bool,
}

/// Syncs `<tenants_folder>/<tenant id>`: only the changes when `known_tenant` was synced
/// before and its delta links are saved, everything otherwise (or when Graph refuses the
/// links).
pub fn sync(
    client: &GraphClient,
    tenants_folder: &Path,
    known_tenant: Option<&str>,
) -> Result<SyncSummary, SyncError> {
    let previous = known_tenant.map(|tenant| tenants_folder.join(tenant));
    if let Some(previous) = previous
        && let Some(links) = DeltaLinks::read(&previous)
    {
        client.stats.set_phase(SyncPhase::Delta);
        match delta_sync(client, &previous, &links) {
            Err(SyncError::Graph(GraphError::Gone { path })) => {
                log::info!("Graph refused the delta link for {path}: reading the whole tenant");
                client.stats.set_phase(SyncPhase::FullAfterDeltaRefused);
                let mut summary = full_sync(client, tenants_folder)?;
                summary.kind = SyncKind::FullAfterDeltaRefused;
                return Ok(summary);
            }
            other => return other,
        }
    }
    client.stats.set_phase(SyncPhase::Full);
    full_sync(client, tenants_folder)
}

/// Reads the whole tenant into `<tenants_folder>/<tenant id>`, replacing what was there
/// only once everything was read and written.
pub fn full_sync(client: &GraphClient, tenants_folder: &Path) -> Result<SyncSummary, SyncError> {
    ensure_private_folder(tenants_folder).map_err(write_error(tenants_folder))?;
    let organization = client.get_pages("/v1.0/organization")?;
    let tenant_id = tenant_id(&organization)?;
    in_partial_folder(tenants_folder, &tenant_id, None, |partial| {
        // The links come first: whatever changes while the rest is read is then replayed
        // by the next delta round, which applies it again harmlessly.
        let links = latest_delta_links(client)?;
        write_pages(partial, "organization.json", &organization)?;
        let users = client.get_pages(&format!("/v1.0/users?$select={USER_FIELDS}&$top=999"))?;
        write_pages(partial, "users.json", &users)?;
        let groups = client.get_pages(&format!("/v1.0/groups?$select={GROUP_FIELDS}&$top=999"))?;
        write_pages(partial, "groups.json", &groups)?;
        let ids = group_ids(&groups)?;
        read_all_members(client, &partial.join("members"), &ids)?;
        let mfa = optional(client.get_pages(MFA))?;
        if let Some(pages) = &mfa {
            write_pages(partial, "mfa.json", pages)?;
        }
        let applications = read_applications(client, partial)?;
        if let Some(links) = links {
            links.write(partial).map_err(write_error(partial))?;
        }
        let summary = SyncSummary {
            kind: SyncKind::Full,
            changed_objects: count_objects(&users) + ids.len(),
            mfa_report: mfa.is_some(),
            applications,
            ..SyncSummary::default()
        };
        Ok((summary, None))
    })
}

/// What a worker of a delta sync brought back.
fn joined<T>(
    worker: std::io::Result<std::thread::ScopedJoinHandle<'_, Result<T, SyncError>>>,
) -> Result<T, SyncError> {
    match worker {
        Ok(worker) => worker
            .join()
            .unwrap_or_else(|_| Err(SyncError::Unexpected("a reader thread's answer".to_owned()))),
        Err(e) => Err(SyncError::Unexpected(format!("a reader thread ({e})"))),
    }
}

/// Reads the changes since `links` and applies them to the previous snapshot (`previous`,
/// the folder of the tenant synced before), which a worker reads and indexes meanwhile.
/// The organization and the two rounds are read side by side: a delta sync is mostly
/// waiting for answers.
fn delta_sync(
    client: &GraphClient,
    previous: &Path,
    links: &DeltaLinks,
) -> Result<SyncSummary, SyncError> {
    let (organization, users, groups, indexed) = std::thread::scope(|scope| {
        let worker = |name: &str| std::thread::Builder::new().name(name.to_owned());
        let organization = worker("graph-organization").spawn_scoped(scope, || {
            client
                .get_pages("/v1.0/organization")
                .map_err(SyncError::from)
        });
        let users = worker("graph-users-delta").spawn_scoped(scope, || {
            client.get_delta(&links.users).map_err(SyncError::from)
        });
        let indexed =
            worker("snapshot-read").spawn_scoped(scope, || PreviousSnapshot::read(previous));
        let groups = client.get_delta(&links.groups).map_err(SyncError::from);
        (joined(organization), joined(users), groups, joined(indexed))
    });
    let (organization, (user_pages, users_link)) = (organization?, users?);
    let (group_pages, groups_link) = groups?;
    let tenant_id = tenant_id(&organization)?;
    if previous.file_name() != Some(std::ffi::OsStr::new(&tenant_id)) {
        return Err(SyncError::Unexpected(format!(
            "the tenant synced before, but tenant {tenant_id} answered"
        )));
    }
    let round = DeltaRound::new(&user_pages, &group_pages)?;
    let indexed = indexed?;
    let tenants_folder = previous.parent().unwrap_or(Path::new("."));
    ensure_private_folder(tenants_folder).map_err(write_error(tenants_folder))?;
    in_partial_folder(tenants_folder, &tenant_id, Some(previous), |partial| {
        write_pages(partial, "organization.json", &organization)?;
        let member_lists = apply_delta(previous, &indexed, partial, &round)?;
        let applications = read_applications(client, partial)?;
        DeltaLinks {
            users: users_link,
            groups: groups_link,
        }
        .write(partial)
        .map_err(write_error(partial))?;
        let summary = SyncSummary {
            kind: SyncKind::Delta,
            changed_objects: round.len(),
            mfa_report: previous.join("mfa.json").exists(),
            applications,
            ..SyncSummary::default()
        };
        Ok((summary, Some(member_lists)))
    })
}

/// Runs `fill` on a new temporary folder and, when it succeeds, moves the folder to
/// `<tenants_folder>/<tenant_id>`; on failure the folder is removed and nothing else
/// changes. A delta sync's `fill` also gives the changed member lists: the previous
/// snapshot (`previous`) has its member lists moved into the new folder with those changes
/// just before the new folder takes its place, and moved back if that fails.
fn in_partial_folder(
    tenants_folder: &Path,
    tenant_id: &str,
    previous: Option<&Path>,
    fill: impl FnOnce(&Path) -> Result<(SyncSummary, Option<MemberLists>), SyncError>,
) -> Result<SyncSummary, SyncError> {
    remove_leftovers(tenants_folder, tenant_id);
    let partial =
        tempfile_folder(tenants_folder, tenant_id).map_err(write_error(tenants_folder))?;
    let filled = fill(&partial).and_then(|(summary, member_lists)| {
        if let (Some(previous), Some(lists)) = (previous, &member_lists) {
            adopt_members(previous, &partial, lists)?;
        }
        Ok(summary)
    });
    let mut summary = match filled {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let folder = tenants_folder.join(tenant_id);
    if let Err(e) = replace_folder(&partial, &folder) {
        if let Some(previous) = previous {
            restore_members(previous, &partial);
        }
        let _ = std::fs::remove_dir_all(&partial);
        return Err(write_error(&folder)(e));
    }
    if let Err(e) = forget_replaced_members(&folder) {
        log::warn!(
            "could not remove the replaced member lists in {}: {e}",
            folder.display()
        );
    }
    summary.tenant_id = tenant_id.to_owned();
    summary.folder = folder;
    Ok(summary)
}

fn tenant_id(organization: &[serde_json::Value]) -> Result<String, SyncError> {
    let id = organization
        .first()
        .and_then(|page| page["value"][0]["id"].as_str())
        .ok_or_else(|| SyncError::Unexpected("the organization's id".to_owned()))?;
    checked_id("the organization", id)
}

/// `id` when it is a Graph id; an error naming `what` otherwise.
pub(super) fn checked_id(what: &'static str, id: &str) -> Result<String, SyncError> {
    if super::is_graph_id(id) {
        Ok(id.to_owned())
    } else {
        Err(SyncError::BadId {
            what,
            id: crate::store::origin::shown(id),
        })
    }
}

/// The id of every group in `pages`, each checked: it names the group's member list file.
fn group_ids(pages: &[serde_json::Value]) -> Result<Vec<String>, SyncError> {
    pages
        .iter()
        .flat_map(|page| page["value"].as_array().into_iter().flatten())
        .map(|group| checked_id("a group", group["id"].as_str().unwrap_or_default()))
        .collect()
}

/// Delta links for the tenant as it is now (`$deltatoken=latest`), or none when Graph does
/// not offer them here; the next sync is then a full one again.
fn latest_delta_links(client: &GraphClient) -> Result<Option<DeltaLinks>, SyncError> {
    let latest = |resource: &str, fields: &str| {
        client.get_delta(&format!(
            "/v1.0/{resource}/delta?$select={fields}&$deltatoken=latest"
        ))
    };
    let users = latest("users", USER_FIELDS);
    let groups = latest("groups", &format!("{GROUP_FIELDS},members"));
    match (users, groups) {
        (Ok((_, users)), Ok((_, groups))) => Ok(Some(DeltaLinks { users, groups })),
        (Err(e), _) | (_, Err(e)) => match e {
            GraphError::Forbidden { .. }
            | GraphError::Failed { .. }
            | GraphError::Unreadable { .. } => {
                log::info!("no delta links, the next sync reads everything again: {e}");
                Ok(None)
            }
            e => Err(e.into()),
        },
    }
}

fn read_applications(client: &GraphClient, folder: &Path) -> Result<bool, SyncError> {
    let applications = optional(client.get_pages(APPLICATIONS))?;
    if let Some(pages) = &applications {
        write_pages(folder, "applications.json", pages)?;
    }
    Ok(applications.is_some())
}

/// A report the account may not read (403) is left out; any other failure stops the sync.
fn optional(
    result: Result<Vec<serde_json::Value>, GraphError>,
) -> Result<Option<Vec<serde_json::Value>>, SyncError> {
    match result {
        Ok(pages) => Ok(Some(pages)),
        Err(GraphError::Forbidden { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The members of every group, [`BATCHES_IN_FLIGHT`] batches at a time on named threads;
/// the first failure stops the others at their next batch.
fn read_all_members(client: &GraphClient, folder: &Path, ids: &[String]) -> Result<(), SyncError> {
    create_private_folder_new(folder).map_err(write_error(folder))?;
    let batches: Vec<&[String]> = ids.chunks(BATCH_SIZE).collect();
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<SyncError>> = Mutex::new(None);
    let failed = || {
        failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    };
    let work = || {
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let Some(batch) = batches.get(n) else { break };
            if failed() {
                break;
            }
            if let Err(e) = read_members_batch(client, folder, batch) {
                failure
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_or_insert(e);
                break;
            }
        }
    };
    std::thread::scope(|scope| {
        let workers = BATCHES_IN_FLIGHT.min(batches.len());
        for n in 0..workers {
            let spawned = std::thread::Builder::new()
                .name(format!("graph-batch-{n}"))
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread to be had: this one reads what is left.
                work();
            }
        }
    });
    match failure
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The first page of each group's members in one `$batch`; further pages by their
/// `@odata.nextLink`; a request the batch answered with 429 or 5xx is read on its own after
/// the `Retry-After` the batch gave for it (then with the client's own retries).
fn read_members_batch(
    client: &GraphClient,
    folder: &Path,
    ids: &[String],
) -> Result<(), SyncError> {
    let url = |id: &str| format!("/groups/{id}/members?$select=id&$top=999");
    let requests = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            client.check_batch_url(&url(id))?;
            Ok(serde_json::json!({"id": n.to_string(), "method": "GET", "url": url(id)}))
        })
        .collect::<Result<Vec<_>, GraphError>>()?;
    let answer = client.post("/v1.0/$batch", &serde_json::json!({ "requests": requests }))?;
    let responses = answer["responses"]
        .as_array()
        .ok_or_else(|| SyncError::Unexpected("the batch's responses".to_owned()))?;
    for (n, id) in ids.iter().enumerate() {
        let response = responses
            .iter()
            .find(|r| r["id"].as_str() == Some(&n.to_string()))
            .ok_or_else(|| SyncError::Unexpected(format!("the batch's answer for group {id}")))?;
        let first_url = format!("{}/v1.0{}", client.graph_base(), url(id));
        let first = match response["status"].as_u64() {
            Some(200) => response["body"].clone(),
            Some(403) => return Err(GraphError::Forbidden { path: url(id) }.into()),
            // Throttled or failed inside the batch: read on its own, with retries.
            _ => {
                if let Some(wait) = response["headers"]["Retry-After"]
                    .as_str()
                    .and_then(retry_after_seconds)
                {
                    client.wait_throttled(wait)?;
                }
                client.get(&first_url)?
            }
        };
        let pages = client.rest_of_pages(&first_url, first)?;
        write_pages(folder, &format!("{id}.json"), &pages)?;
    }
    Ok(())
}

fn count_objects(pages: &[serde_json::Value]) -> usize {
    pages
        .iter()
        .map(|page| page["value"].as_array().map_or(0, Vec::len))
        .sum()
}

/// The pages as the import reads them: one JSON array of pages.
fn write_pages(folder: &Path, name: &str, pages: &[serde_json::Value]) -> Result<(), SyncError> {
    let path = folder.join(name);
    let text = serde_json::to_string(pages).unwrap_or_default();
    write_private(&path, text.as_bytes()).map_err(|source| SyncError::Write { path, source })
}

pub(super) fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> SyncError {
    let path = path.to_path_buf();
    move |source| SyncError::Write { path, source }
}

/// A new folder beside the snapshot, named so that it is never taken for one.
fn tempfile_folder(parent: &Path, tenant_id: &str) -> std::io::Result<PathBuf> {
    let folder = parent.join(format!(".{tenant_id}.partial-{}", unique_suffix()));
    create_private_folder_new(&folder)?;
    Ok(folder)
}

/// Moves `new` to `target`: the old snapshot is renamed aside first, put back if the move
/// fails, and removed after.
fn replace_folder(new: &Path, target: &Path) -> std::io::Result<()> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("tenant");
    let parent = target.parent().unwrap_or(Path::new("."));
    let old = parent.join(format!(".{name}.previous-{}", unique_suffix()));
    let had_old = match std::fs::rename(target, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    if let Err(e) = std::fs::rename(new, target) {
        if had_old {
            let _ = std::fs::rename(&old, target);
        }
        return Err(e);
    }
    if had_old {
        // What is left of it is removed at the next sync if this fails.
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Removes what an interrupted sync of `tenant_id` left beside the snapshots, first putting
/// back what a sync stopped between its renames had moved: the snapshot set aside, and the
/// member lists a delta sync had taken over.
fn remove_leftovers(tenants_folder: &Path, tenant_id: &str) {
    let prefix = format!(".{tenant_id}.");
    let Ok(entries) = std::fs::read_dir(tenants_folder) else {
        return;
    };
    let mut leftovers: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    let target = tenants_folder.join(tenant_id);
    let set_aside = format!("{prefix}previous-");
    let is_set_aside = |path: &Path| {
        path.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&set_aside))
    };
    if !target.exists()
        && let Some(previous) = leftovers.iter().find(|p| is_set_aside(p))
    {
        let _ = std::fs::rename(previous, &target);
    }
    leftovers.retain(|p| p.exists());
    for leftover in &leftovers {
        if !is_set_aside(leftover) {
            restore_members(&target, leftover);
        }
        let _ = std::fs::remove_dir_all(leftover);
    }
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}
