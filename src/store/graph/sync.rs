//! A full sync of one tenant from Microsoft Graph into the export layout the import reads
//! (`organization.json`, `users.json`, `groups.json`, `members/<group id>.json`, and
//! `mfa.json`, `applications.json` when the account may read them), written into a
//! temporary folder and moved into place only when complete: a failed or cancelled sync
//! leaves the previous snapshot as it was (R13). Members are read with JSON batching,
//! twenty requests per `$batch`, each member list followed through its `@odata.nextLink`.

use std::path::{Path, PathBuf};

use super::client::{GraphClient, GraphError};

/// Requests per `$batch`, Graph's limit.
pub const BATCH_SIZE: usize = 20;

const USERS: &str =
    "/v1.0/users?$select=id,userPrincipalName,displayName,userType,accountEnabled&$top=999";
const GROUPS: &str = "/v1.0/groups?$select=id,displayName,securityEnabled,mailEnabled,groupTypes,membershipRule&$top=999";
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
}

/// What a sync did, for the progress window and its notice.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// The tenant's id.
    pub tenant_id: String,
    /// Where the snapshot is.
    pub folder: PathBuf,
    /// False when the MFA report was refused (403): every account counts as MFA-enabled.
    pub mfa_report: bool,
    /// False when the applications could not be read.
    pub applications: bool,
}

/// Reads the whole tenant into `<tenants_folder>/<tenant id>`, replacing what was there
/// only once everything was read and written.
pub fn full_sync(client: &GraphClient, tenants_folder: &Path) -> Result<SyncSummary, SyncError> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SyncError::Write { path, source }
    };
    std::fs::create_dir_all(tenants_folder).map_err(write_error(tenants_folder))?;
    let organization = client.get_pages("/v1.0/organization")?;
    let tenant_id = organization
        .first()
        .and_then(|page| page["value"][0]["id"].as_str())
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .ok_or_else(|| SyncError::Unexpected("the organization's id".to_owned()))?
        .to_owned();
    let partial =
        tempfile_folder(tenants_folder, &tenant_id).map_err(write_error(tenants_folder))?;
    let result = read_into(client, &partial, &organization);
    let (mfa_report, applications) = match result {
        Ok(optional) => optional,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let folder = tenants_folder.join(&tenant_id);
    replace_folder(&partial, &folder).map_err(write_error(&folder))?;
    Ok(SyncSummary {
        tenant_id,
        folder,
        mfa_report,
        applications,
    })
}

/// Reads everything into `folder`; says whether the optional reports could be read.
fn read_into(
    client: &GraphClient,
    folder: &Path,
    organization: &[serde_json::Value],
) -> Result<(bool, bool), SyncError> {
    write_pages(folder, "organization.json", organization)?;
    write_pages(folder, "users.json", &client.get_pages(USERS)?)?;
    let groups = client.get_pages(GROUPS)?;
    write_pages(folder, "groups.json", &groups)?;
    let ids: Vec<String> = groups
        .iter()
        .flat_map(|page| page["value"].as_array().cloned().unwrap_or_default())
        .filter_map(|group| group["id"].as_str().map(str::to_owned))
        .collect();
    let members = folder.join("members");
    std::fs::create_dir_all(&members).map_err(|source| SyncError::Write {
        path: members.clone(),
        source,
    })?;
    for chunk in ids.chunks(BATCH_SIZE) {
        read_members_batch(client, &members, chunk)?;
    }
    let mfa = optional(client.get_pages(MFA))?;
    if let Some(pages) = &mfa {
        write_pages(folder, "mfa.json", pages)?;
    }
    let applications = optional(client.get_pages(APPLICATIONS))?;
    if let Some(pages) = &applications {
        write_pages(folder, "applications.json", pages)?;
    }
    Ok((mfa.is_some(), applications.is_some()))
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

/// The first page of each group's members in one `$batch`; further pages by their
/// `@odata.nextLink`; a request the batch answered with 429 or 5xx is read on its own
/// (with the client's retries).
fn read_members_batch(
    client: &GraphClient,
    folder: &Path,
    ids: &[String],
) -> Result<(), SyncError> {
    let url = |id: &str| format!("/groups/{id}/members?$select=id&$top=999");
    let requests: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| serde_json::json!({"id": n.to_string(), "method": "GET", "url": url(id)}))
        .collect();
    let answer = client.post("/v1.0/$batch", &serde_json::json!({ "requests": requests }))?;
    let responses = answer["responses"]
        .as_array()
        .ok_or_else(|| SyncError::Unexpected("the batch's responses".to_owned()))?;
    for (n, id) in ids.iter().enumerate() {
        let response = responses
            .iter()
            .find(|r| r["id"].as_str() == Some(&n.to_string()))
            .ok_or_else(|| SyncError::Unexpected(format!("the batch's answer for group {id}")))?;
        let first = match response["status"].as_u64() {
            Some(200) => response["body"].clone(),
            Some(403) => return Err(GraphError::Forbidden { path: url(id) }.into()),
            // Throttled or failed inside the batch: read on its own, with retries.
            _ => client.get(&format!("{}/v1.0{}", client.graph_base(), url(id)))?,
        };
        let mut pages = vec![first];
        while let Some(next) = pages
            .last()
            .and_then(|p| p["@odata.nextLink"].as_str())
            .map(str::to_owned)
        {
            pages.push(client.get(&next)?);
        }
        write_pages(folder, &format!("{id}.json"), &pages)?;
    }
    Ok(())
}

/// The pages as the import reads them: one JSON array of pages.
fn write_pages(folder: &Path, name: &str, pages: &[serde_json::Value]) -> Result<(), SyncError> {
    let path = folder.join(name);
    let text = serde_json::to_string(pages).unwrap_or_default();
    std::fs::write(&path, text).map_err(|source| SyncError::Write { path, source })
}

/// A new folder beside the snapshot, named so that it is never taken for one.
fn tempfile_folder(parent: &Path, tenant_id: &str) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let folder = parent.join(format!(
        ".{tenant_id}.partial-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir(&folder)?;
    Ok(folder)
}

/// Moves `new` to `target`: the old snapshot is renamed aside first and removed after.
fn replace_folder(new: &Path, target: &Path) -> std::io::Result<()> {
    let old = target.with_extension("previous");
    let _ = std::fs::remove_dir_all(&old);
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
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}
