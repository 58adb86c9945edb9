//! Reading the files of an export: pages of `value` arrays, each object checked for the
//! fields the import needs.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::{GRAPH_FILE_SIZE_LIMIT, GraphImportError};
use crate::model::application::{Application, CertificateCredential};
use crate::model::{Group, GroupId, Member, User};
use crate::store::text_file::read_text_limited;

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

/// The id must pass [`super::is_graph_id`].
fn check_plain_id(
    path: &Path,
    object: impl Fn() -> String,
    id: &str,
) -> Result<(), GraphImportError> {
    if super::is_graph_id(id) {
        return Ok(());
    }
    Err(GraphImportError::Invalid {
        path: path.to_path_buf(),
        object: object(),
        problem: format!(
            "the id {:?} is not a Microsoft Graph id (only letters, digits and '-' are \
             allowed, at most {} of them)",
            crate::store::origin::shown(id),
            super::GRAPH_ID_MAX_LENGTH
        ),
    })
}

/// The tenant's id and name.
pub(super) fn read_organization(path: &Path) -> Result<(String, String), GraphImportError> {
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
pub(super) fn read_mfa(path: &Path) -> Result<HashMap<String, bool>, GraphImportError> {
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
pub(super) fn read_users(
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
            upn: upn.as_str().into(),
        });
        upn_by_id.insert(user_id, upn);
    }
    Ok((users, upn_by_id))
}

/// The groups, without their members yet.
pub(super) fn read_groups(path: &Path) -> Result<Vec<Group>, GraphImportError> {
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
            id: group_id.into(),
        });
    }
    Ok(groups)
}

/// A group's direct user and group members; other member kinds are skipped.
pub(super) fn read_members(
    path: &Path,
    group: &Group,
    upn_by_id: &HashMap<String, String>,
    group_ids: &BTreeSet<GroupId>,
) -> Result<Vec<Member>, GraphImportError> {
    let mut members = Vec::new();
    for (index, member) in read_pages::<GraphMember>(path)?.into_iter().enumerate() {
        let label = || format!("member #{} of group {}", index + 1, group.display_name);
        let member_id = required(path, label, "id", member.id)?;
        let kind = member.odata_type.unwrap_or_default();
        let reference = if kind.ends_with(".user") {
            upn_by_id
                .get(&member_id)
                .map(|upn| Member::User(upn.as_str().into()))
        } else if kind.ends_with(".group") {
            group_ids
                .contains(member_id.as_str())
                .then(|| Member::Group(member_id.as_str().into()))
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphApplication {
    app_id: Option<String>,
    display_name: Option<String>,
    #[serde(default)]
    key_credentials: Vec<GraphKeyCredential>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphKeyCredential {
    custom_key_identifier: Option<String>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `applications.json`: `GET /v1.0/applications?$select=id,appId,displayName,keyCredentials`.
/// Only certificate credentials (`AsymmetricX509Cert`) are kept; their thumbprint is Graph's
/// `customKeyIdentifier` (the SHA-1 thumbprint, base64) in upper-case hexadecimal.
pub(super) fn read_applications(path: &Path) -> Result<Vec<Application>, GraphImportError> {
    use base64::Engine as _;
    let mut applications = Vec::new();
    for item in read_pages::<GraphApplication>(path)? {
        let name = item.display_name.clone().unwrap_or_default();
        let object = || format!("application {name}");
        let app_id = required(path, object, "appId", item.app_id)?;
        check_plain_id(path, object, &app_id)?;
        let invalid = |problem: String| GraphImportError::Invalid {
            path: path.to_path_buf(),
            object: object(),
            problem,
        };
        let mut certificates = Vec::new();
        for credential in item.key_credentials {
            if credential.kind.as_deref() != Some("AsymmetricX509Cert") {
                continue;
            }
            let identifier = required(
                path,
                object,
                "customKeyIdentifier",
                credential.custom_key_identifier,
            )?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(identifier.trim())
                .map_err(|e| invalid(format!("customKeyIdentifier is not base64 ({e})")))?;
            let timestamp = |field: &str, value: Option<String>| {
                let text = required(path, object, field, value)?;
                text.parse::<jiff::Timestamp>()
                    .map_err(|e| invalid(format!("{field} {text:?} is not a date and time ({e})")))
            };
            certificates.push(CertificateCredential {
                thumbprint: bytes.iter().map(|b| format!("{b:02X}")).collect(),
                start: timestamp("startDateTime", credential.start_date_time)?,
                end: timestamp("endDateTime", credential.end_date_time)?,
            });
        }
        applications.push(Application {
            app_id: app_id.into(),
            display_name: item.display_name.unwrap_or_default(),
            certificates,
        });
    }
    Ok(applications)
}
