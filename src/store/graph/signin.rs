//! Sign-in to Microsoft 365 with the OAuth 2.0 device authorization grant of the Microsoft
//! identity platform (`/devicecode`, then `/token` with
//! `urn:ietf:params:oauth:grant-type:device_code`), through the `oauth2` crate. The
//! administrator types the code shown at the verification URL; meanwhile the token endpoint
//! is polled at the interval the server gives, slower on `slow_down`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, TokenResponse as _, TokenUrl,
};

use super::client::{GraphClient, GraphError};
use crate::model::Password;
use crate::store::origin::Origin;

/// The public client id of Microsoft Graph Command Line Tools, consented in most tenants;
/// an administrator may use an app registration of their own instead (a setting).
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// The delegated permissions the sync reads with, and a refresh token (`offline_access`).
pub const SCOPES: [&str; 3] = [
    "Organization.Read.All",
    "User.Read.All",
    "GroupMember.Read.All",
];

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
    pub fn new(graph: &crate::store::config::GraphSettings, tenant: &str) -> Self {
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

/// What the administrator is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// How long the code is valid.
    pub expires_in: Duration,
    /// How often the token endpoint is polled at first.
    pub interval: Duration,
}

/// The tokens of a completed sign-in. The refresh token goes to the keyring, the access
/// token stays in memory.
#[derive(Debug)]
pub struct Tokens {
    /// For Graph requests.
    pub access_token: Password,
    /// To get the next access token without signing in again.
    pub refresh_token: Option<Password>,
    /// How long the access token is valid.
    pub expires_in: Option<Duration>,
}

impl Tokens {
    /// The tokens of the identity platform's answer, as `Password`s (wiped on drop).
    fn from_response(token: &oauth2::basic::BasicTokenResponse) -> Self {
        Self {
            access_token: Password::new(token.access_token().secret().clone()),
            refresh_token: token
                .refresh_token()
                .map(|t| Password::new(t.secret().clone())),
            expires_in: token.expires_in(),
        }
    }
}

/// Why the sign-in ended without tokens. Never contains a token.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The administrator declined (`access_denied`).
    #[error(
        "The sign-in was declined. Sign in again and accept the permissions, or ask an administrator to consent for the organization."
    )]
    Declined,
    /// The code expired before it was used (`expired_token`).
    #[error("The code expired before it was entered. Sign in again to get a new code.")]
    Expired,
    /// Cancelled in the app.
    #[error("The sign-in was cancelled.")]
    Cancelled,
    /// The refresh token is no longer accepted (revoked or expired).
    #[error("The sign-in has expired or was revoked. Sign in to Microsoft 365 again.")]
    SignInAgain,
    /// The identity platform refused the request.
    #[error("The identity platform refused the sign-in: {0}")]
    Refused(String),
    /// The network or the server failed.
    #[error(
        "The identity platform could not be reached: {0}. Check the network and the cloud setting."
    )]
    Unreachable(String),
    /// A configured URL that is not https, or a link to somewhere unexpected.
    #[error("{0} Check login_url and graph_url in the configuration file.")]
    Insecure(#[from] crate::store::origin::OriginError),
}

/// The most of an identity platform answer that is read.
pub const TOKEN_ANSWER_LIMIT: u64 = 1 << 20;

/// An HTTP client for `oauth2` that returns 4xx answers as answers: the device flow reads
/// `authorization_pending` and `slow_down` from them. Redirects are not followed (a token
/// request is never sent elsewhere).
#[derive(Clone, Debug)]
pub struct HttpClient(ureq::Agent);

impl Default for HttpClient {
    fn default() -> Self {
        Self(
            ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(60))
                .build(),
        )
    }
}

impl oauth2::SyncHttpClient for HttpClient {
    type Error = oauth2::HttpClientError<ureq::Error>;

    fn call(&self, request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, Self::Error> {
        let mut call = self
            .0
            .request(request.method().as_str(), &request.uri().to_string());
        for (name, value) in request.headers() {
            let value = value
                .to_str()
                .map_err(|e| oauth2::HttpClientError::Other(e.to_string()))?;
            call = call.set(name.as_str(), value);
        }
        let response = match call.send_bytes(request.body()) {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(error) => return Err(oauth2::HttpClientError::Reqwest(Box::new(error))),
        };
        let mut builder = oauth2::http::Response::builder().status(response.status());
        if let Some(content_type) = response.header("Content-Type") {
            builder = builder.header("Content-Type", content_type);
        }
        // A token answer is a few kilobytes; a server that sends more is cut off (the answer
        // then fails to parse) rather than read into memory without end.
        let body = super::client::read_bounded(response.into_reader(), TOKEN_ANSWER_LIMIT, None)?;
        builder.body(body).map_err(oauth2::HttpClientError::Http)
    }
}

/// A device code issued, waiting for the administrator.
#[derive(Debug)]
pub struct PendingSignIn {
    settings: SignInSettings,
    details: StandardDeviceAuthorizationResponse,
    http: HttpClient,
}

/// Asks the identity platform for a device code.
pub fn start_sign_in(
    settings: &SignInSettings,
    http: HttpClient,
) -> Result<(DeviceCodePrompt, PendingSignIn), SignInError> {
    let client = client(settings)?;
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(scopes(settings))
        .request(&http)
        .map_err(|e| request_error(&e))?;
    // The window offers to open this link: only an https page (or loopback, for tests) is.
    let verification_uri = details.verification_uri().to_string();
    Origin::secure(&verification_uri)?;
    let prompt = DeviceCodePrompt {
        user_code: details.user_code().secret().clone(),
        verification_uri,
        expires_in: details.expires_in(),
        interval: details.interval(),
    };
    Ok((
        prompt,
        PendingSignIn {
            settings: settings.clone(),
            details,
            http,
        },
    ))
}

impl PendingSignIn {
    /// Polls the token endpoint until the administrator signs in, declines, the code
    /// expires, or `cancel` is set (checked every 50 ms between polls).
    pub fn wait(self, cancel: &Arc<AtomicBool>) -> Result<Tokens, SignInError> {
        let client = client(&self.settings)?;
        let cancelled = cancel.clone();
        let sleep = |interval: Duration| {
            let mut slept = Duration::ZERO;
            while slept < interval && !cancel.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                slept += Duration::from_millis(50);
            }
        };
        let result = client
            .exchange_device_access_token(&self.details)
            // Once cancelled, the time seems past the code's expiry: the poll loop ends.
            .set_time_fn(move || {
                let now = chrono::Utc::now();
                if cancelled.load(Ordering::Relaxed) {
                    now + chrono::Duration::days(365)
                } else {
                    now
                }
            })
            .request(&self.http, sleep, None);
        if cancel.load(Ordering::Relaxed) {
            return Err(SignInError::Cancelled);
        }
        let token = result.map_err(|e| match &e {
            RequestTokenError::ServerResponse(response) => match response.error() {
                DeviceCodeErrorResponseType::AccessDenied => SignInError::Declined,
                DeviceCodeErrorResponseType::ExpiredToken => SignInError::Expired,
                _ => request_error(&e),
            },
            _ => request_error(&e),
        })?;
        Ok(Tokens::from_response(&token))
    }
}

/// The refresh token as the identity platform last gave it (it may rotate it at each refresh).
pub type RefreshTokenHolder = std::sync::Arc<std::sync::Mutex<Option<Password>>>;

/// A Graph client signed in with `tokens`: an access token Graph calls expired is replaced
/// through the refresh token, which the returned holder keeps current for the keyring.
pub fn signed_in_client(
    settings: &SignInSettings,
    http: HttpClient,
    tokens: Tokens,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<(GraphClient, RefreshTokenHolder), GraphError> {
    let holder: RefreshTokenHolder =
        std::sync::Arc::new(std::sync::Mutex::new(tokens.refresh_token));
    let (current, refresh_settings) = (holder.clone(), settings.clone());
    let refresh = move || {
        let mut current = current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let token = current.as_ref().ok_or(GraphError::SignInAgain)?;
        let tokens =
            refresh_tokens(&refresh_settings, &http, token).map_err(|_| GraphError::SignInAgain)?;
        if let Some(next) = tokens.refresh_token {
            *current = Some(next);
        }
        Ok(tokens.access_token)
    };
    let client = GraphClient::new(
        &settings.graph_base,
        tokens.access_token,
        Box::new(refresh),
        cancel,
    )?;
    Ok((client, holder))
}

/// The keyring item of a tenant's refresh token: service `backup-accounts-graph`, user
/// `<tenant id>`. The access token is never stored.
pub fn refresh_token_key(tenant_id: &str) -> crate::store::SecretKey {
    crate::store::SecretKey::graph_refresh_token(tenant_id)
}

/// A new access token (and perhaps a new refresh token) from a refresh token. A refresh
/// token the identity platform no longer accepts (revoked, expired: `invalid_grant`) asks
/// for a new sign-in.
pub fn refresh_tokens(
    settings: &SignInSettings,
    http: &HttpClient,
    refresh_token: &Password,
) -> Result<Tokens, SignInError> {
    let client = client(settings)?;
    let token = client
        .exchange_refresh_token(&oauth2::RefreshToken::new(
            refresh_token.expose().to_owned(),
        ))
        .add_scopes(scopes(settings))
        .request(http)
        .map_err(|e| match &e {
            RequestTokenError::ServerResponse(response)
                if *response.error() == oauth2::basic::BasicErrorResponseType::InvalidGrant =>
            {
                SignInError::SignInAgain
            }
            _ => request_error(&e),
        })?;
    Ok(Tokens::from_response(&token))
}

type DeviceClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(settings: &SignInSettings) -> Result<DeviceClient, SignInError> {
    settings.check()?;
    let base = format!("{}/{}/oauth2/v2.0", settings.login_base, settings.tenant);
    let bad_url = |e: oauth2::url::ParseError| SignInError::Refused(format!("bad URL: {e}"));
    Ok(BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(format!("{base}/devicecode")).map_err(bad_url)?,
        )
        .set_token_uri(TokenUrl::new(format!("{base}/token")).map_err(bad_url)?)
        // A public client: the client id goes in the form, there is no secret.
        .set_auth_type(oauth2::AuthType::RequestBody))
}

/// Read by the sync when granted, for the MFA registration report.
pub const MFA_REPORT_SCOPE: &str = "AuditLog.Read.All";

fn scopes(settings: &SignInSettings) -> Vec<Scope> {
    let mfa = settings.mfa_report.then_some(&MFA_REPORT_SCOPE);
    SCOPES
        .iter()
        .chain(mfa)
        .map(|s| Scope::new(format!("{}/{s}", settings.graph_base)))
        .chain([Scope::new("offline_access".to_owned())])
        .collect()
}

fn request_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse>(
    error: &RequestTokenError<RE, T>,
) -> SignInError {
    match error {
        // The identity platform's own words, bounded: they come from the network.
        RequestTokenError::ServerResponse(response) => SignInError::Refused(
            crate::model::text::quoted_from_outside(&response.to_string(), 600),
        ),
        RequestTokenError::Request(e) => SignInError::Unreachable(e.to_string()),
        RequestTokenError::Parse(e, _) => SignInError::Refused(format!("unreadable answer: {e}")),
        RequestTokenError::Other(e) => SignInError::Refused(e.clone()),
    }
}
