//! What the backup server has for an organization: found by tenant id, its backup accounts
//! with their groups' names, its backup applications.

use zeroize::Zeroizing;

use super::address::checked_id;
use super::api::{ServerApplication, ServerBackupAccount, ServerGroup, ServerOrganization};
use super::client::{BackupServer, Method};
use super::error::ServerError;

/// Groups and organizations are read this many at a time.
const LIST_LIMIT: usize = 1_000;

/// What the backup server has for one organization of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerPool {
    /// The server's organization.
    pub organization: ServerOrganization,
    /// Its backup accounts: login and the name of the server's group each belongs to.
    pub accounts: Vec<(String, String)>,
}

/// The server's organization for a tenant id, matched by `msid` without regard to case (the
/// server's filter is asked, and its answer checked).
pub fn find_organization(
    server: &BackupServer,
    tenant_id: &str,
) -> Result<Option<ServerOrganization>, ServerError> {
    let organizations: Vec<ServerOrganization> = server.get_all(
        &["Organizations"],
        &[("msid", tenant_id.to_owned())],
        LIST_LIMIT,
        "the list of organizations",
    )?;
    Ok(organizations.into_iter().find(|o| o.is_tenant(tenant_id)))
}

/// Every organization on the server.
pub fn organizations(server: &BackupServer) -> Result<Vec<ServerOrganization>, ServerError> {
    server.get_all(
        &["Organizations"],
        &[],
        LIST_LIMIT,
        "the list of organizations",
    )
}

/// The server's backup accounts of an organization, each with its group's name.
pub fn read_pool(
    server: &BackupServer,
    organization: ServerOrganization,
) -> Result<ServerPool, ServerError> {
    let id = checked_id(&organization.id, "the list of organizations")?;
    let accounts = backup_accounts(server, id)?;
    let groups = if accounts.is_empty() {
        Vec::new()
    } else {
        groups(server, id)?
    };
    let group_name = |group_id: Option<&str>| {
        groups
            .iter()
            .find(|g| Some(g.id.as_str()) == group_id)
            .map_or_else(
                || group_id.unwrap_or("(no group)").to_owned(),
                |g| g.shown_name().to_owned(),
            )
    };
    let accounts = accounts
        .into_iter()
        .map(|a| {
            let group = group_name(a.group_member.group_id.as_deref());
            (a.group_member.login, group)
        })
        .collect();
    Ok(ServerPool {
        organization,
        accounts,
    })
}

/// `GET .../BackupAccounts`: documented as an array; a page is read as well.
pub(super) fn backup_accounts(
    server: &BackupServer,
    organization_id: &str,
) -> Result<Vec<ServerBackupAccount>, ServerError> {
    let list: ListOrPage<ServerBackupAccount> = server.get(
        &["Organizations", organization_id, "BackupAccounts"],
        &[],
        "the organization's backup accounts",
    )?;
    Ok(match list {
        ListOrPage::List(items) => items,
        ListOrPage::Page(page) => page.results,
    })
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ListOrPage<T> {
    List(Vec<T>),
    Page(super::api::Page<T>),
}

pub(super) fn groups(
    server: &BackupServer,
    organization_id: &str,
) -> Result<Vec<ServerGroup>, ServerError> {
    server.get_all(
        &["Organizations", organization_id, "Groups"],
        &[],
        LIST_LIMIT,
        "the organization's groups",
    )
}

/// The server's backup applications of an app-only organization.
pub fn backup_applications(
    server: &BackupServer,
    organization_id: &str,
) -> Result<Vec<ServerApplication>, ServerError> {
    let id = checked_id(organization_id, "the list of organizations")?;
    server.get_all(
        &["Organizations", id, "BackupApplications"],
        &[],
        LIST_LIMIT,
        "the organization's backup applications",
    )
}

/// Removes backup applications from an app-only organization on the server.
pub fn remove_backup_applications(
    server: &BackupServer,
    organization_id: &str,
    application_ids: &[String],
) -> Result<(), ServerError> {
    let id = checked_id(organization_id, "the list of organizations")?;
    let body = serde_json::to_string(application_ids).unwrap_or_default();
    server.send_json(
        Method::Delete,
        &["Organizations", id, "BackupApplications"],
        Zeroizing::new(body),
        "the removal of backup applications",
    )?;
    Ok(())
}
