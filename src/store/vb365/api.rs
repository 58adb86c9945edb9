//! The JSON the backup server's REST API v8 sends and takes, as far as this app uses it
//! (`shared/VB365-REST.md`). Fields the app does not use are ignored, a password the server
//! might return with a backup account among them: it is never even read into memory as text.

use serde::{Deserialize, Serialize};

/// One page of a collection: `{offset, limit, results, _links}`.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    /// The page size the server used, which may be less than asked.
    #[serde(default)]
    pub limit: Option<usize>,
    /// The items of this page.
    pub results: Vec<T>,
}

/// An organization as the server keeps it (`RestOrganizationComposed`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerOrganization {
    /// The server's id (a uuid).
    pub id: String,
    /// The name shown in the console.
    #[serde(default)]
    pub name: String,
    /// The Microsoft 365 tenant id.
    #[serde(default)]
    pub msid: Option<String>,
    /// `Office365`, `OnPremises` or `Hybrid`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `sharePointOnlineSettings`.
    #[serde(default)]
    pub share_point_online_settings: Option<SharePointSettings>,
    /// `exchangeOnlineSettings`.
    #[serde(default)]
    pub exchange_online_settings: Option<ExchangeSettings>,
}

/// `sharePointOnlineSettings`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SharePointSettings {
    /// Modern app-only authentication: backup accounts do not apply.
    #[serde(default)]
    pub use_application_only_auth: bool,
    /// The application the organization was added with.
    #[serde(default)]
    pub application_id: Option<String>,
}

/// `exchangeOnlineSettings`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeSettings {
    /// The account the organization was added with.
    #[serde(default)]
    pub account: Option<String>,
}

impl ServerOrganization {
    /// True when this is the organization of Microsoft 365 tenant `tenant_id` (its `msid`,
    /// compared without regard to case).
    pub fn is_tenant(&self, tenant_id: &str) -> bool {
        self.msid
            .as_deref()
            .is_some_and(|msid| msid.eq_ignore_ascii_case(tenant_id))
    }

    /// True for modern app-only organizations, which use backup applications (R1).
    pub fn is_app_only(&self) -> bool {
        self.share_point_online_settings
            .as_ref()
            .is_some_and(|s| s.use_application_only_auth)
    }

    /// The account it was added with, when not app-only.
    pub fn added_by(&self) -> Option<&str> {
        self.exchange_online_settings
            .as_ref()
            .and_then(|s| s.account.as_deref())
            .filter(|a| !a.is_empty())
    }

    /// The application it was added with, when app-only.
    pub fn added_with_application(&self) -> Option<&str> {
        self.share_point_online_settings
            .as_ref()
            .and_then(|s| s.application_id.as_deref())
            .filter(|a| !a.is_empty())
    }
}

/// A group as the server sees it (`RESTGroup`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerGroup {
    /// The server's group id (not Microsoft's).
    pub id: String,
    /// Microsoft's object id.
    #[serde(default)]
    pub msid: Option<String>,
    /// The name shown.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
}

impl ServerGroup {
    /// The name people read.
    pub fn shown_name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// A member of a group as the server sees it (`RESTGroupMember`); sent back as it came in a
/// `PUT` of backup accounts.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GroupMember {
    /// The server's group id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The name shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The UPN.
    #[serde(default)]
    pub login: String,
    /// `Unknown`, `User` or `Group`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A cloud account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cloud: Option<bool>,
    /// Where its data lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_location: Option<String>,
}

/// A backup account as the server lists it. Whatever it sends as the password is ignored.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerBackupAccount {
    /// The member it is.
    pub group_member: GroupMember,
}

/// A backup account as it is sent (`RESTBackupAccount`); `Debug` never shows the password.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupAccountToSend<'a> {
    /// The member.
    pub group_member: &'a GroupMember,
    /// The password, read from the keyring just before sending.
    pub password: &'a str,
}

impl std::fmt::Debug for BackupAccountToSend<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupAccountToSend")
            .field("group_member", &self.group_member.login)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A backup application of an app-only organization.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerApplication {
    /// The application (client) id.
    pub application_id: String,
    /// The name shown.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The certificate's thumbprint.
    #[serde(default)]
    pub certificate_thumbprint: Option<String>,
}

/// `RESTExceptionInfo`, less its stack trace, which is never read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionInfo {
    /// What went wrong.
    #[serde(default)]
    pub message: Option<String>,
    /// One of the documented codes, or null.
    #[serde(default)]
    pub error_code: Option<String>,
}

/// The token endpoint's answer; `Debug` never shows the tokens.
#[derive(Deserialize)]
pub struct TokenAnswer {
    /// For `Authorization: Bearer`.
    pub access_token: String,
    /// For the next `refresh_token` grant.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// `GET /v8/Organizations/{id}/SyncState`. Its shape is not documented: the state is read
/// from `state` or `status`, whichever is there.
#[derive(Debug, Default, Deserialize)]
pub struct SyncState {
    /// e.g. `Running`, `Success`.
    #[serde(default)]
    pub state: Option<String>,
    /// The same, under the other name.
    #[serde(default)]
    pub status: Option<String>,
}

impl SyncState {
    /// True while the server's directory synchronization still runs. Unknown words count as
    /// finished: the member look-up that follows says whether it helped.
    pub fn is_running(&self) -> bool {
        let state = self
            .state
            .as_deref()
            .or(self.status.as_deref())
            .unwrap_or("");
        [
            "running",
            "inprogress",
            "in progress",
            "queued",
            "starting",
            "working",
        ]
        .iter()
        .any(|word| state.eq_ignore_ascii_case(word))
    }
}
