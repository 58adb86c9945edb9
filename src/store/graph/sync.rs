//! A sync of one tenant from Microsoft Graph into the export layout the import reads
//! (`organization.json`, `users.json`, `groups.json`, `members/<group id>.json`, and
//! `mfa.json`, `applications.json` when the account may read them), plus `delta.json`, the
//! delta links of the next sync. It is written into a temporary folder and moved into place
//! only when complete: a failed or cancelled sync leaves the previous snapshot as it was
//! (R13).
//!
//! The first sync reads everything, its phases side by side (`full_read.rs`): users, groups,
//! the MFA report and the applications by pages of 999, members with JSON batching (twenty
//! requests per `$batch`, each member list followed through its `@odata.nextLink`), batches
//! starting with the first page of groups; the client's pace (`pacer.rs`) keeps at most four
//! requests in flight over all of them and pauses them all when one is throttled. Later syncs read only what changed since, through
//! `users/delta` and `groups/delta` (members included), and apply it to the previous
//! snapshot; a delta link Graph refuses (410) falls back to a full read.

use std::path::{Path, PathBuf};

use super::client::{GraphClient, GraphError, SyncPhase};
use super::delta::{DeltaLinks, DeltaRound, PreviousSnapshot, apply_delta};
use super::full_read::{joined, optional, read_side_by_side};
pub use super::member_batches::{BATCH_SIZE, BATCHES_IN_FLIGHT};
use super::snapshot_folder::{in_partial_folder, write_pages};
pub use super::sync_error::SyncError;
use super::sync_error::{checked_id, write_error};
use crate::store::private_files::ensure_private_folder;
/// Objects per page of the full read.
pub const PAGE_SIZE: usize = 999;

const USER_FIELDS: &str = "id,userPrincipalName,displayName,userType,accountEnabled";
const GROUP_FIELDS: &str = "id,displayName,securityEnabled,mailEnabled,groupTypes,membershipRule";
const APPLICATIONS: &str =
    "/v1.0/applications?$select=id,appId,displayName,keyCredentials&$top=999";

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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    let placed = in_partial_folder(tenants_folder, &tenant_id, None, |partial| {
        // The links come first: whatever changes while the rest is read is then replayed
        // by the next delta round, which applies it again harmlessly.
        let links = latest_delta_links(client)?;
        write_pages(partial, "organization.json", &organization)?;
        let read = read_side_by_side(client, &partial.join("members"))?;
        write_pages(partial, "users.json", &read.users)?;
        write_pages(partial, "groups.json", &read.groups)?;
        if let Some(pages) = &read.mfa {
            write_pages(partial, "mfa.json", pages)?;
        }
        if let Some(pages) = &read.applications {
            write_pages(partial, "applications.json", pages)?;
        }
        if let Some(links) = links {
            links.write(partial).map_err(write_error(partial))?;
        }
        let summary = SyncSummary {
            kind: SyncKind::Full,
            changed_objects: count_objects(&read.users) + read.group_count,
            mfa_report: read.mfa.is_some(),
            applications: read.applications.is_some(),
            ..SyncSummary::default()
        };
        Ok((summary, None))
    })?;
    Ok(in_place(placed, &tenant_id))
}

/// The summary of a sync whose snapshot is now in `folder`.
fn in_place((mut summary, folder): (SyncSummary, PathBuf), tenant_id: &str) -> SyncSummary {
    summary.tenant_id = tenant_id.to_owned();
    summary.folder = folder;
    summary
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
    let placed = in_partial_folder(tenants_folder, &tenant_id, Some(previous), |partial| {
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
    })?;
    Ok(in_place(placed, &tenant_id))
}

fn tenant_id(organization: &[serde_json::Value]) -> Result<String, SyncError> {
    let id = organization
        .first()
        .and_then(|page| page["value"][0]["id"].as_str())
        .ok_or_else(|| SyncError::Unexpected("the organization's id".to_owned()))?;
    checked_id("the organization", id)
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

fn count_objects(pages: &[serde_json::Value]) -> usize {
    pages
        .iter()
        .map(|page| page["value"].as_array().map_or(0, Vec::len))
        .sum()
}
