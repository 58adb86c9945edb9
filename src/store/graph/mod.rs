//! Importing a tenant from Microsoft Graph v1.0 responses saved in a folder, exactly as the
//! API returns them (docs/microsoft-365.md lists the requests):
//!
//! - `organization.json`: `GET /organization`
//! - `users.json`: `GET /users?$select=id,userPrincipalName,displayName,userType,accountEnabled`
//! - `groups.json`: `GET /groups?$select=id,displayName,securityEnabled,mailEnabled,groupTypes,membershipRule`
//! - `members/<group id>.json`: `GET /groups/{id}/members`
//! - `mfa.json` (optional): `GET /reports/authenticationMethods/userRegistrationDetails`
//!
//! A file may hold one response, several pages one after another, or a JSON array of pages.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub mod client;
mod cloud;
pub mod delta;
mod delta_round;
mod full_read;
mod graph_error;
mod identity_http;
mod member_batches;
mod member_lists;
mod pacer;
mod progress;
mod read;
pub mod signin;
mod snapshot_folder;
pub use snapshot_folder::remove_replaced_snapshots;
pub mod sync;
mod sync_error;
pub mod transport;

use read::{read_groups, read_members, read_mfa, read_organization, read_users};

use super::text_file::TextFileError;
use crate::model::{
    Directory, DirectoryError, Group, GroupId, Member, Organization, OrganizationSettings, User,
};

/// Graph files larger than this are refused unread.
pub const GRAPH_FILE_SIZE_LIMIT: u64 = 1024 * 1024 * 1024;

/// The longest id accepted; Graph's ids are GUIDs of 36 characters.
pub const GRAPH_ID_MAX_LENGTH: usize = 128;

/// Graph ids are GUIDs: only ASCII letters, digits and '-', at most [`GRAPH_ID_MAX_LENGTH`]
/// long. Anything else (a '/', '\\', "..") would name a file outside its folder or a keyring
/// item of another organization, so the import, the sync and its journal all refuse it
/// before an id becomes part of a path.
pub fn is_graph_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= GRAPH_ID_MAX_LENGTH
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Why an export folder could not be imported. Nothing already loaded is replaced.
#[derive(Debug, thiserror::Error)]
pub enum GraphImportError {
    /// A file is missing, too large, not UTF-8 or unreadable.
    #[error(transparent)]
    Unreadable(#[from] TextFileError),
    /// A file is not the JSON Graph returns.
    #[error("{path}:{line}:{column}: not a Microsoft Graph response: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// An object lacks a field the import needs, or points at nothing.
    #[error("{path}: {object}: {problem}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The object, by id and name.
        object: String,
        /// What is wrong.
        problem: String,
    },
    /// The organization's own checks failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// A group the configuration uses (or one nested in it) has no members file, so the
    /// export cannot prove who is still a member (R13).
    #[error(
        "{path} is missing: the members of {group} (used for backup accounts) cannot be \
         proven, so nothing is revoked. Fetch GET /groups/{group_id}/members again into this \
         file and reload."
    )]
    MembersMissing {
        /// The members file that should be there.
        path: PathBuf,
        /// The group's name.
        group: String,
        /// The group's id.
        group_id: String,
    },
    /// A file ends with a page that points at a next page (R13).
    #[error(
        "{path}: the last page has an @odata.nextLink, so the pages after it are missing and \
         the list is incomplete. Follow the link and append the next pages to the file."
    )]
    Partial {
        /// The file.
        path: PathBuf,
    },
}

/// The organization as imported, before the administrator's settings are applied.
#[derive(Debug)]
pub struct ImportedTenant {
    /// Tenant id.
    pub id: String,
    /// Tenant name.
    pub name: String,
    users: Vec<User>,
    groups: Vec<Group>,
    /// Groups without a members file, with the path the file should have.
    unproven_groups: BTreeMap<GroupId, PathBuf>,
    /// Whether `mfa.json` was present; without it every account is taken as MFA-enabled.
    pub mfa_reported: bool,
    /// From `applications.json`, when the export has it.
    pub applications: Vec<crate::model::application::Application>,
}

impl ImportedTenant {
    /// UPNs of the imported users, for choosing the adding account.
    pub fn user_upns(&self) -> impl Iterator<Item = &str> {
        self.users.iter().map(|u| u.upn.as_str())
    }

    /// R13: every group in `used_groups`, and every group nested in one, must have had its
    /// members file; otherwise a member who seems to have left may only be missing from the
    /// export.
    pub fn require_memberships<'a>(
        &self,
        used_groups: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), GraphImportError> {
        let by_id: HashMap<&str, &Group> = self.groups.iter().map(|g| (g.id.as_str(), g)).collect();
        let mut pending: Vec<&str> = used_groups.into_iter().collect();
        let mut visited = BTreeSet::new();
        while let Some(id) = pending.pop() {
            if !visited.insert(id) {
                continue;
            }
            // A used group that is gone altogether is a revocation the consent dialog shows.
            let Some(group) = by_id.get(id) else {
                continue;
            };
            if let Some(path) = self.unproven_groups.get(id) {
                return Err(GraphImportError::MembersMissing {
                    path: path.clone(),
                    group: group.display_name.clone(),
                    group_id: group.id.to_string(),
                });
            }
            pending.extend(group.members.iter().filter_map(|m| match m {
                Member::Group(nested) => Some(nested.as_str()),
                Member::User(_) => None,
            }));
        }
        Ok(())
    }

    /// The directory once the administrator has said how the organization was added.
    pub fn into_directory(
        self,
        settings: &OrganizationSettings,
    ) -> Result<Directory, GraphImportError> {
        let not_mfa: BTreeSet<String> = settings
            .mfa_not_enabled
            .iter()
            .map(|u| u.to_lowercase())
            .collect();
        let users = self
            .users
            .into_iter()
            .map(|mut user| {
                if not_mfa.contains(&user.upn.to_lowercase()) {
                    user.mfa_enabled = false;
                }
                user
            })
            .collect();
        let mut organization = Organization::new(
            self.id,
            self.name,
            settings.authentication,
            settings.added_by.clone(),
            users,
            self.groups,
        )?;
        organization.mfa_reported = self.mfa_reported;
        organization.applications = self.applications;
        organization.added_with_application = settings.added_with_application.clone();
        // Indexed again to check the applications; members were checked by `new`.
        let directory = Directory {
            organizations: vec![organization],
        };
        Ok(directory.reindexed()?)
    }
}

/// Reads an export folder.
pub fn import_folder(folder: &Path) -> Result<ImportedTenant, GraphImportError> {
    let (id, name) = read_organization(&folder.join("organization.json"))?;
    let mfa_path = folder.join("mfa.json");
    let mfa_reported = mfa_path.exists();
    let mfa_by_id = if mfa_reported {
        read_mfa(&mfa_path)?
    } else {
        HashMap::new()
    };
    let (users, upn_by_id) = read_users(&folder.join("users.json"), mfa_reported, &mfa_by_id)?;
    let mut groups = read_groups(&folder.join("groups.json"))?;
    let applications_path = folder.join("applications.json");
    let applications = if applications_path.exists() {
        read::read_applications(&applications_path)?
    } else {
        Vec::new()
    };
    let group_ids: BTreeSet<GroupId> = groups.iter().map(|g| g.id.clone()).collect();
    let mut unproven_groups = BTreeMap::new();
    for group in &mut groups {
        // The id was checked to be a plain Graph id, so this stays inside members/.
        let members_path = folder.join("members").join(format!("{}.json", group.id));
        if members_path.exists() {
            group.members = read_members(&members_path, group, &upn_by_id, &group_ids)?;
        } else {
            unproven_groups.insert(group.id.clone(), members_path);
        }
    }
    Ok(ImportedTenant {
        id,
        name,
        users,
        groups,
        unproven_groups,
        mfa_reported,
        applications,
    })
}
