//! The first sync's reads, side by side: users, the MFA report, the applications and the
//! groups each page on their own worker, and member batches start as soon as the first page
//! of groups has arrived. The client's pace keeps at most N requests in flight over all of
//! them, and a throttled request pauses every one. What is read is returned whole; only the
//! member lists are written as they come (into the partial folder, which is moved into
//! place only when everything was read).

use std::path::Path;

use serde_json::Value;

use super::client::{GraphClient, GraphError};
use super::member_batches::{GroupQueue, read_queued_members};
use super::sync_error::{SyncError, checked_id, write_error};
use crate::store::private_files::create_private_folder_new;

const USER_FIELDS: &str = "id,userPrincipalName,displayName,userType,accountEnabled";
const GROUP_FIELDS: &str = "id,displayName,securityEnabled,mailEnabled,groupTypes,membershipRule";
const MFA: &str = "/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999";
const APPLICATIONS: &str =
    "/v1.0/applications?$select=id,appId,displayName,keyCredentials&$top=999";

/// What the first sync read, but for the member lists (already in their folder).
#[derive(Debug)]
pub(super) struct FullRead {
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
    /// How many groups, each with its member list written.
    pub group_count: usize,
    /// `None` when the account may not read the MFA report (403).
    pub mfa: Option<Vec<Value>>,
    /// `None` when the account may not read the applications (403).
    pub applications: Option<Vec<Value>>,
}

/// Reads the whole tenant side by side, the member lists into `members_folder` (created
/// here). The first failure is returned; the other readers end at their current request.
pub(super) fn read_side_by_side(
    client: &GraphClient,
    members_folder: &Path,
) -> Result<FullRead, SyncError> {
    create_private_folder_new(members_folder).map_err(write_error(members_folder))?;
    let queue = GroupQueue::default();
    let stats = &client.stats;
    stats.start_reading();
    let (users, mfa, applications, members, groups) = std::thread::scope(|scope| {
        let worker = |name: &str| std::thread::Builder::new().name(name.to_owned());
        let users = worker("graph-users").spawn_scoped(scope, || {
            if let Some(total) = client.count("users") {
                stats.users.set_total(total);
                stats.mfa.set_total(total);
            }
            let path = format!("/v1.0/users?$select={USER_FIELDS}&$top=999");
            counted_pages(client, &path, &stats.users).map_err(SyncError::from)
        });
        let mfa = worker("graph-mfa").spawn_scoped(scope, || {
            let read = optional(counted_pages(client, MFA, &stats.mfa));
            // Left out or read: the phase is over either way.
            stats.mfa.finish();
            read
        });
        let applications = worker("graph-applications")
            .spawn_scoped(scope, || optional(client.get_pages(APPLICATIONS)));
        let members = worker("graph-members").spawn_scoped(scope, || {
            read_queued_members(client, members_folder, &queue)
        });
        let groups = read_groups_into(client, &queue);
        (
            joined(users),
            joined(mfa),
            joined(applications),
            joined(members),
            groups,
        )
    });
    // The groups' failure first: the member workers stopped because of it.
    let (groups, group_count) = groups?;
    members?;
    Ok(FullRead {
        users: users?,
        groups,
        group_count,
        mfa: mfa?,
        applications: applications?,
    })
}

/// Pages the groups, queueing each page's ids (checked: they name files) for the member
/// batches as it arrives; closes the queue at the end, or stops it on failure.
fn read_groups_into(
    client: &GraphClient,
    queue: &GroupQueue,
) -> Result<(Vec<Value>, usize), SyncError> {
    let mut count = 0;
    if let Some(total) = client.count("groups") {
        client.stats.groups.set_total(total);
        client.stats.member_lists.set_total(total);
    }
    let path = format!("/v1.0/groups?$select={GROUP_FIELDS}&$top=999");
    let pages = client.get_pages_each(&path, |page| {
        let ids = page["value"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|group| checked_id("a group", group["id"].as_str().unwrap_or_default()))
            .collect::<Result<Vec<_>, SyncError>>()?;
        count += ids.len();
        client.stats.groups.add(ids.len());
        queue.push(ids);
        Ok::<(), SyncError>(())
    });
    match pages {
        Ok(pages) => {
            client.stats.groups.finish();
            client.stats.member_lists.set_total(count);
            queue.close();
            Ok((pages, count))
        }
        Err(e) => {
            queue.stop();
            Err(e)
        }
    }
}

/// What a worker brought back.
pub(super) fn joined<T>(
    worker: std::io::Result<std::thread::ScopedJoinHandle<'_, Result<T, SyncError>>>,
) -> Result<T, SyncError> {
    match worker {
        Ok(worker) => worker
            .join()
            .unwrap_or_else(|_| Err(SyncError::Unexpected("a reader thread's answer".to_owned()))),
        Err(e) => Err(SyncError::Unexpected(format!("a reader thread ({e})"))),
    }
}

/// Every page of `path`, each page's objects counted into `counter` as it arrives.
fn counted_pages(
    client: &GraphClient,
    path: &str,
    counter: &super::progress::Counter,
) -> Result<Vec<Value>, GraphError> {
    let pages = client.get_pages_each(path, |page| {
        counter.add(page["value"].as_array().map_or(0, Vec::len));
        Ok::<(), GraphError>(())
    })?;
    counter.finish();
    Ok(pages)
}

/// A report the account may not read (403) is left out; any other failure stops the sync.
pub(super) fn optional(
    result: Result<Vec<Value>, GraphError>,
) -> Result<Option<Vec<Value>>, SyncError> {
    match result {
        Ok(pages) => Ok(Some(pages)),
        Err(GraphError::Forbidden { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
