//! Where to sign in and read: the national clouds, the configured or overridden URLs, and the
//! client id.

use serde::{Deserialize, Serialize};

use crate::store::origin::Origin;

/// The public client id of Microsoft Graph Command Line Tools, consented in most tenants;
/// an administrator may use an app registration of their own instead (a setting).
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// A national cloud: its sign-in and Graph hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Cloud {
    /// Microsoft's global service.
    #[default]
    Global,
    /// Microsoft 365 US Government (GCC High and `DoD`).
    UsGovernment,
    /// Microsoft 365 operated by 21Vianet in China (the only cloud where basic
    /// authentication organizations can still be added).
    China,
}

impl Cloud {
    /// The identity platform's base URL.
    pub fn login_base(self) -> &'static str {
        match self {
            Self::Global => "https://login.microsoftonline.com",
            Self::UsGovernment => "https://login.microsoftonline.us",
            Self::China => "https://login.chinacloudapi.cn",
        }
    }

    /// Microsoft Graph's base URL.
    pub fn graph_base(self) -> &'static str {
        match self {
            Self::Global => "https://graph.microsoft.com",
            Self::UsGovernment => "https://graph.microsoft.us",
            Self::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
}

/// Where to sign in: the identity platform and Graph base URLs (a cloud's, or a test
/// server's), the tenant (`organizations` for any work account) and the client id.
#[derive(Clone, Debug)]
pub struct SignInSettings {
    /// The identity platform, e.g. `https://login.microsoftonline.com`.
    pub login_base: String,
    /// Microsoft Graph, e.g. `https://graph.microsoft.com` (scopes are named after it).
    pub graph_base: String,
    /// Tenant id or domain, or `organizations`.
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// Whether `AuditLog.Read.All` is asked for (the MFA registration report).
    pub mfa_report: bool,
}

/// Overrides the identity platform's base URL (a proxy, a test server).
pub const LOGIN_URL_VARIABLE: &str = "BACKUP_ACCOUNTS_LOGIN_URL";
/// Overrides Microsoft Graph's base URL.
pub const GRAPH_URL_VARIABLE: &str = "BACKUP_ACCOUNTS_GRAPH_URL";

impl SignInSettings {
    /// The configuration's URLs if it names them, else those of [`LOGIN_URL_VARIABLE`] and
    /// [`GRAPH_URL_VARIABLE`], else the cloud's; the tenant (`organizations` before the
    /// first sign-in) and the client id.
    pub fn new(graph: &GraphSettings, tenant: &str) -> Self {
        let pick = |configured: &Option<String>, name: &str, default: &str| {
            configured
                .clone()
                .or_else(|| std::env::var(name).ok())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Self {
            login_base: pick(
                &graph.login_url,
                LOGIN_URL_VARIABLE,
                graph.cloud.login_base(),
            ),
            graph_base: pick(
                &graph.graph_url,
                GRAPH_URL_VARIABLE,
                graph.cloud.graph_base(),
            ),
            tenant: tenant.to_owned(),
            client_id: graph.client_id.clone(),
            mfa_report: graph.mfa_report,
        }
    }

    /// Both URLs must be https (or a loopback address): tokens go to them.
    pub fn check(&self) -> Result<(), crate::store::origin::OriginError> {
        Origin::secure(&self.login_base)?;
        Origin::secure(&self.graph_base)?;
        Ok(())
    }

    /// The defaults for a cloud.
    pub fn for_cloud(cloud: Cloud) -> Self {
        Self {
            login_base: cloud.login_base().to_owned(),
            graph_base: cloud.graph_base().to_owned(),
            tenant: "organizations".to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            mfa_report: false,
        }
    }
}

/// The national cloud and the application (client) id used to sign in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphSettings {
    /// Global, US Government or China (21Vianet).
    #[serde(default)]
    pub cloud: Cloud,
    /// The public client id; an app registration of one's own works too.
    #[serde(default = "default_client_id")]
    pub client_id: String,
    /// Another identity platform URL than the cloud's (a proxy, a test server).
    #[serde(default)]
    pub login_url: Option<String>,
    /// Another Graph URL than the cloud's.
    #[serde(default)]
    pub graph_url: Option<String>,
    /// Ask for `AuditLog.Read.All` too, to read the MFA registration report (an
    /// administrator must have consented to it, or the sign-in is refused).
    #[serde(default)]
    pub mfa_report: bool,
    /// Requests in flight at once during a sync, over all its phases (1 to 16; more invites
    /// throttling, fewer is gentler on a busy tenant).
    #[serde(default = "default_requests_in_flight")]
    pub requests_in_flight: usize,
}

fn default_requests_in_flight() -> usize {
    super::pacer::DEFAULT_IN_FLIGHT
}

fn default_client_id() -> String {
    DEFAULT_CLIENT_ID.to_owned()
}

impl Default for GraphSettings {
    fn default() -> Self {
        Self {
            cloud: Cloud::default(),
            client_id: default_client_id(),
            login_url: None,
            graph_url: None,
            mfa_report: false,
            requests_in_flight: default_requests_in_flight(),
        }
    }
}
