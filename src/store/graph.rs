//! Importing a tenant from Microsoft Graph v1.0 responses saved in a folder, exactly as the
//! API returns them (README lists the requests):
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

use serde::Deserialize;

use super::text_file::{TextFileError, read_text_limited};
use crate::model::{
    Directory, DirectoryError, Group, Member, Organization, OrganizationSettings, User,
};

/// Graph files larger than this are refused unread.
pub const GRAPH_FILE_SIZE_LIMIT: u64 = 1024 * 1024 * 1024;

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
    unproven_groups: BTreeMap<String, PathBuf>,
    /// Whether `mfa.json` was present; without it every account is taken as MFA-enabled.
    pub mfa_reported: bool,
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
                    group_id: group.id.clone(),
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
        Ok(Directory {
            organizations: vec![organization],
        })
    }
}

#[derive(Deserialize)]
struct Page<T> {
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphOrganization {
    id: Option<String>,
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphUser {
    id: Option<String>,
    user_principal_name: Option<String>,
    display_name: Option<String>,
    user_type: Option<String>,
    account_enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphGroup {
    id: Option<String>,
    display_name: Option<String>,
    security_enabled: Option<bool>,
    mail_enabled: Option<bool>,
    #[serde(default)]
    group_types: Vec<String>,
    membership_rule: Option<String>,
}

#[derive(Deserialize)]
struct GraphMember {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphMfa {
    id: Option<String>,
    user_principal_name: Option<String>,
    is_mfa_registered: Option<bool>,
}

/// Every `value` item of every page in the file.
fn read_pages<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, GraphImportError> {
    let text = read_text_limited(path, GRAPH_FILE_SIZE_LIMIT)?;
    let malformed = |e: serde_json::Error| GraphImportError::Malformed {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let mut items = Vec::new();
    let mut more_pages_follow = false;
    let mut take = |page: Page<T>| {
        more_pages_follow = page.next_link.is_some();
        items.extend(page.value);
    };
    if text.trim_start().starts_with('[') {
        let pages: Vec<Page<T>> = serde_json::from_str(&text).map_err(malformed)?;
        pages.into_iter().for_each(&mut take);
    } else {
        for page in serde_json::Deserializer::from_str(&text).into_iter::<Page<T>>() {
            take(page.map_err(malformed)?);
        }
    }
    if more_pages_follow {
        return Err(GraphImportError::Partial {
            path: path.to_path_buf(),
        });
    }
    Ok(items)
}

fn required(
    path: &Path,
    object: impl Fn() -> String,
    field: &str,
    value: Option<String>,
) -> Result<String, GraphImportError> {
    match value {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(GraphImportError::Invalid {
            path: path.to_path_buf(),
            object: object(),
            problem: format!("the required field {field} is missing or empty"),
        }),
    }
}

/// Graph ids are GUIDs: only ASCII letters, digits and '-'. Anything else (a '/', '\\',
/// "..") would name a file outside `members/` or a keyring entry of another organization.
fn check_plain_id(
    path: &Path,
    object: impl Fn() -> String,
    id: &str,
) -> Result<(), GraphImportError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Ok(());
    }
    Err(GraphImportError::Invalid {
        path: path.to_path_buf(),
        object: object(),
        problem: format!(
            "the id {id:?} is not a Microsoft Graph id (only letters, digits and '-' are \
             allowed)"
        ),
    })
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
    let group_ids: BTreeSet<String> = groups.iter().map(|g| g.id.clone()).collect();
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
    })
}

/// The tenant's id and name.
fn read_organization(path: &Path) -> Result<(String, String), GraphImportError> {
    let organizations: Vec<GraphOrganization> = read_pages(path)?;
    let Some(organization) = organizations.into_iter().next() else {
        return Err(GraphImportError::Invalid {
            path: path.to_path_buf(),
            object: "value".to_owned(),
            problem: "no organization in the response".to_owned(),
        });
    };
    let id = required(path, || "organization".into(), "id", organization.id)?;
    check_plain_id(path, || "organization".into(), &id)?;
    let name = organization
        .display_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| id.clone());
    Ok((id, name))
}

/// Whether each user (by lower-cased id or UPN) has MFA registered.
fn read_mfa(path: &Path) -> Result<HashMap<String, bool>, GraphImportError> {
    let mut mfa_by_id = HashMap::new();
    for (index, entry) in read_pages::<GraphMfa>(path)?.into_iter().enumerate() {
        let key =
            entry
                .id
                .or(entry.user_principal_name)
                .ok_or_else(|| GraphImportError::Invalid {
                    path: path.to_path_buf(),
                    object: format!("entry #{}", index + 1),
                    problem: "neither id nor userPrincipalName is given".to_owned(),
                })?;
        mfa_by_id.insert(key.to_lowercase(), entry.is_mfa_registered.unwrap_or(true));
    }
    Ok(mfa_by_id)
}

/// The users, and each user's UPN by Graph id.
fn read_users(
    path: &Path,
    mfa_reported: bool,
    mfa_by_id: &HashMap<String, bool>,
) -> Result<(Vec<User>, HashMap<String, String>), GraphImportError> {
    let mut upn_by_id = HashMap::new();
    let mut users = Vec::new();
    for (index, user) in read_pages::<GraphUser>(path)?.into_iter().enumerate() {
        let label = || format!("user #{}", index + 1);
        let user_id = required(path, label, "id", user.id)?;
        let label = || format!("user {user_id}");
        let upn = required(path, label, "userPrincipalName", user.user_principal_name)?;
        let mfa_enabled = if mfa_reported {
            mfa_by_id
                .get(&user_id.to_lowercase())
                .or_else(|| mfa_by_id.get(&upn.to_lowercase()))
                .copied()
                .unwrap_or(true)
        } else {
            // Without a report, ask for an app password: the safe default (R8).
            true
        };
        users.push(User {
            display_name: user.display_name.unwrap_or_else(|| upn.clone()),
            guest: user
                .user_type
                .is_some_and(|t| t.eq_ignore_ascii_case("Guest")),
            enabled: user.account_enabled.unwrap_or(true),
            mfa_enabled,
            upn: upn.clone(),
        });
        upn_by_id.insert(user_id, upn);
    }
    Ok((users, upn_by_id))
}

/// The groups, without their members yet.
fn read_groups(path: &Path) -> Result<Vec<Group>, GraphImportError> {
    let graph_groups: Vec<GraphGroup> = read_pages(path)?;
    let mut groups = Vec::with_capacity(graph_groups.len());
    for (index, group) in graph_groups.into_iter().enumerate() {
        let label = || format!("group #{}", index + 1);
        let group_id = required(path, label, "id", group.id)?;
        check_plain_id(path, label, &group_id)?;
        groups.push(Group {
            display_name: group.display_name.unwrap_or_else(|| group_id.clone()),
            security_enabled: group.security_enabled.unwrap_or(false),
            mail_enabled: group.mail_enabled.unwrap_or(false),
            group_types: group.group_types,
            membership_rule: group.membership_rule,
            members: Vec::new(),
            id: group_id,
        });
    }
    Ok(groups)
}

/// A group's direct user and group members; other member kinds are skipped.
fn read_members(
    path: &Path,
    group: &Group,
    upn_by_id: &HashMap<String, String>,
    group_ids: &BTreeSet<String>,
) -> Result<Vec<Member>, GraphImportError> {
    let mut members = Vec::new();
    for (index, member) in read_pages::<GraphMember>(path)?.into_iter().enumerate() {
        let label = || format!("member #{} of group {}", index + 1, group.display_name);
        let member_id = required(path, label, "id", member.id)?;
        let kind = member.odata_type.unwrap_or_default();
        let reference = if kind.ends_with(".user") {
            upn_by_id.get(&member_id).cloned().map(Member::User)
        } else if kind.ends_with(".group") {
            group_ids
                .contains(&member_id)
                .then(|| Member::Group(member_id.clone()))
        } else {
            // Devices, service principals and contacts cannot be backup accounts.
            continue;
        };
        let Some(reference) = reference else {
            return Err(GraphImportError::Invalid {
                path: path.to_path_buf(),
                object: format!("member {member_id} of group {}", group.display_name),
                problem: format!("no {kind} with this id is in users.json or groups.json"),
            });
        };
        members.push(reference);
    }
    Ok(members)
}
