//! Applying the saved pool to the backup server: the server's organization found by tenant
//! id, its group and members resolved through its own copy of the directory (synchronized
//! once when it does not know an account yet), the whole pool sent in one `PUT` with each
//! password read from the keyring just then, and read back and compared.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::address::checked_id;
use super::api::{BackupAccountToSend, GroupMember, ServerGroup, ServerOrganization, SyncState};
use super::client::{BackupServer, Method, PAGE_LIMIT};
use super::error::ServerError;
use super::pool::{ServerPool, backup_accounts, find_organization, groups};
use crate::model::progress::JobProgress;
use crate::model::server_pool::PoolComparison;
use crate::model::text::quoted_from_outside;
use crate::store::{SecretKey, SecretStore};

/// How long the server's directory synchronization may take before the apply gives up.
const SYNC_TIMEOUT: Duration = Duration::from_secs(600);

/// Why the saved pool was not applied. Nothing was sent unless the text says so.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The server failed or refused.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The organization is not on the server.
    #[error(
        "{organization} (tenant {tenant}) is not on the backup server {server}. Add it there \
         first; nothing was sent."
    )]
    NotOnServer {
        /// The organization's name.
        organization: String,
        /// Its tenant id.
        tenant: String,
        /// `host:port`.
        server: String,
    },
    /// R1: an app-only organization on the server takes no backup accounts.
    #[error(
        "R1: {organization} was added to the backup server with modern app-only \
         authentication, which uses backup applications, never backup accounts; nothing was \
         sent."
    )]
    AppOnly {
        /// The organization's name.
        organization: String,
    },
    /// The server does not know the saved group, even after its synchronization.
    #[error(
        "The backup server does not know the group {group} of {organization}, even after \
         synchronizing its directory; nothing was sent. Check that the group still exists in \
         Microsoft Entra ID."
    )]
    GroupUnknown {
        /// The group's name.
        group: String,
        /// The organization's name.
        organization: String,
    },
    /// Members the server does not know, even after its synchronization.
    #[error(
        "The backup server does not know {} as a member of {group}, even after synchronizing \
         its directory; nothing was sent. Check the membership in Microsoft Entra ID, or \
         remove the account from the selection.",
        .accounts.join(", ")
    )]
    MembersUnknown {
        /// The accounts.
        accounts: Vec<String>,
        /// The group's name.
        group: String,
    },
    /// A saved account has no password in the keyring.
    #[error(
        "The keyring holds no password for {account}; nothing was sent. Give it a password \
         in the Backup Accounts Manager (or `backup-accounts apply`) first."
    )]
    SecretMissing {
        /// The account.
        account: String,
    },
    /// The server's pool after the `PUT` is not the one sent.
    #[error(
        "The backup server kept another pool than the one sent: {}. Check its console; \
         Apply again to retry.",
        .kept.summary()
    )]
    NotKept {
        /// What the server has, against what was sent.
        kept: PoolComparison,
    },
}

/// The saved pool of one organization, as the apply needs it.
#[derive(Clone, Debug)]
pub struct SavedPool<'a> {
    /// The app's organization id (the keyring's owner of the passwords).
    pub organization_id: &'a str,
    /// The name people read.
    pub organization_name: &'a str,
    /// The Microsoft 365 tenant id, the server's `msid`.
    pub tenant_id: &'a str,
    /// Microsoft's id of the chosen group.
    pub group_id: &'a str,
    /// Its name.
    pub group_name: &'a str,
    /// The checked accounts.
    pub accounts: &'a [String],
}

/// Applies the saved pool: resolves the server's organization, group and members, sends
/// every account with its password from `secrets` in one `PUT`, and reads the pool back.
/// Returns the server's pool afterwards, which matches the saved one.
pub fn apply_pool(
    server: &BackupServer,
    secrets: &dyn SecretStore,
    saved: &SavedPool<'_>,
    progress: &JobProgress,
) -> Result<ServerPool, ApplyError> {
    let cancelled = || -> Result<(), ApplyError> {
        if progress.is_cancelled() {
            Err(ServerError::Cancelled.into())
        } else {
            Ok(())
        }
    };
    progress.set_step("Finding the organization on the backup server");
    let organization = organization_taking_accounts(server, saved)?;
    let org_id = checked_id(&organization.id, "the list of organizations")?.to_owned();
    cancelled()?;
    // An empty pool needs no group: the PUT empties the server's pool (with consent).
    let (group, members) = if saved.accounts.is_empty() {
        (None, Vec::new())
    } else {
        let (group, members) = resolve_with_one_sync(server, &org_id, saved, progress)?;
        (Some(group), members)
    };
    cancelled()?;
    let body = pool_with_passwords(secrets, saved.organization_id, &members, progress)?;
    cancelled()?;
    progress.set_step(format!("Sending {} backup accounts", members.len()));
    server.send_json(
        Method::Put,
        &["Organizations", &org_id, "BackupAccounts"],
        body,
        "the new pool of backup accounts",
    )?;
    progress.set_step("Reading the pool back");
    let kept: Vec<(String, String)> = backup_accounts(server, &org_id)?
        .into_iter()
        .map(|a| {
            let group = match (a.group_member.group_id, &group) {
                (Some(id), Some(group)) if id != group.id => id,
                _ => saved.group_name.to_owned(),
            };
            (a.group_member.login, group)
        })
        .collect();
    let comparison = PoolComparison::new(saved.accounts, Some(saved.group_name), &kept);
    if !comparison.matches() {
        return Err(ApplyError::NotKept { kept: comparison });
    }
    Ok(ServerPool {
        organization,
        accounts: kept,
    })
}

/// The server's organization of the saved pool, found by tenant id; one missing from the
/// server, or added there app-only (R1), is refused with the reason.
pub fn organization_taking_accounts(
    server: &BackupServer,
    saved: &SavedPool<'_>,
) -> Result<ServerOrganization, ApplyError> {
    let organization =
        find_organization(server, saved.tenant_id)?.ok_or_else(|| ApplyError::NotOnServer {
            organization: saved.organization_name.to_owned(),
            tenant: saved.tenant_id.to_owned(),
            server: server.address().host_port(),
        })?;
    if organization.is_app_only() {
        return Err(ApplyError::AppOnly {
            organization: saved.organization_name.to_owned(),
        });
    }
    Ok(organization)
}

/// The server's group and member entries of the saved accounts; when the server does not
/// know one of them, its directory is synchronized once and they are looked up again.
fn resolve_with_one_sync(
    server: &BackupServer,
    org_id: &str,
    saved: &SavedPool<'_>,
    progress: &JobProgress,
) -> Result<(ServerGroup, Vec<GroupMember>), ApplyError> {
    let mut synchronized = false;
    loop {
        match resolve_members(server, org_id, saved, progress)? {
            Ok(resolved) => return Ok(resolved),
            Err(unresolved) if synchronized => return Err(unresolved),
            Err(_) => {
                synchronize(server, org_id, progress)?;
                synchronized = true;
            }
        }
    }
}

/// The `PUT` body: every member with its password, read from the keyring just now. The
/// passwords live only in this body, which is wiped when dropped.
fn pool_with_passwords(
    secrets: &dyn SecretStore,
    organization_id: &str,
    members: &[GroupMember],
    progress: &JobProgress,
) -> Result<Zeroizing<String>, ApplyError> {
    progress.set_step("Reading the passwords from the keyring");
    let mut passwords = Vec::with_capacity(members.len());
    for member in members {
        let key = SecretKey::new(organization_id, &member.login);
        let password = secrets
            .read(&key)
            .map_err(ServerError::from)?
            .ok_or_else(|| ApplyError::SecretMissing {
                account: member.login.clone(),
            })?;
        passwords.push(password);
    }
    let accounts: Vec<BackupAccountToSend<'_>> = members
        .iter()
        .zip(&passwords)
        .map(|(member, password)| BackupAccountToSend {
            group_member: member,
            password: password.expose(),
        })
        .collect();
    // Plain strings and booleans always serialize.
    Ok(Zeroizing::new(
        serde_json::to_string(&accounts).unwrap_or_default(),
    ))
}

/// The server's member entries of the saved accounts, or (inner error) which of the group and
/// accounts the server does not know.
fn resolve_members(
    server: &BackupServer,
    org_id: &str,
    saved: &SavedPool<'_>,
    progress: &JobProgress,
) -> Result<Result<(ServerGroup, Vec<GroupMember>), ApplyError>, ApplyError> {
    progress.set_step("Finding the group on the backup server");
    let group = groups(server, org_id)?.into_iter().find(|g| {
        g.msid
            .as_deref()
            .is_some_and(|msid| msid.eq_ignore_ascii_case(saved.group_id))
    });
    let Some(group) = group else {
        return Ok(Err(ApplyError::GroupUnknown {
            group: saved.group_name.to_owned(),
            organization: saved.organization_name.to_owned(),
        }));
    };
    let group_id = checked_id(&group.id, "the organization's groups")?;
    progress.set_step(format!(
        "Reading the members of {} on the backup server",
        quoted_from_outside(group.shown_name(), 80)
    ));
    let members: Vec<GroupMember> = server.get_all(
        &["Organizations", org_id, "Groups", group_id, "Members"],
        &[],
        PAGE_LIMIT,
        "the group's members",
    )?;
    let by_login: std::collections::HashMap<String, &GroupMember> = members
        .iter()
        .map(|m| (m.login.to_lowercase(), m))
        .collect();
    let mut found = Vec::with_capacity(saved.accounts.len());
    let mut unknown = Vec::new();
    for upn in saved.accounts {
        match by_login.get(&upn.to_lowercase()) {
            Some(member) => {
                let mut member = (*member).clone();
                member.group_id.get_or_insert_with(|| group.id.clone());
                found.push(member);
            }
            None => unknown.push(upn.clone()),
        }
    }
    if unknown.is_empty() {
        Ok(Ok((group, found)))
    } else {
        Ok(Err(ApplyError::MembersUnknown {
            accounts: unknown,
            group: saved.group_name.to_owned(),
        }))
    }
}

/// Starts the server's directory synchronization and waits until it reports it has ended.
fn synchronize(
    server: &BackupServer,
    org_id: &str,
    progress: &JobProgress,
) -> Result<(), ServerError> {
    progress.set_step("The backup server synchronizes its copy of the directory");
    server.send_json(
        Method::Post,
        &["Organizations", org_id, "Sync"],
        Zeroizing::new(String::from("{}")),
        "the directory synchronization",
    )?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(200);
    loop {
        let state: SyncState = server.get(
            &["Organizations", org_id, "SyncState"],
            &[],
            "the synchronization's state",
        )?;
        if !state.is_running() {
            return Ok(());
        }
        if progress.is_cancelled() {
            return Err(ServerError::Cancelled);
        }
        if started.elapsed() > SYNC_TIMEOUT {
            return Err(ServerError::Malformed {
                what: "the directory synchronization".to_owned(),
                reason: format!(
                    "it still runs after {} minutes",
                    SYNC_TIMEOUT.as_secs() / 60
                ),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
