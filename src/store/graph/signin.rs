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
pub use super::cloud::{
    Cloud, DEFAULT_CLIENT_ID, GRAPH_URL_VARIABLE, GraphSettings, LOGIN_URL_VARIABLE, SignInSettings,
};
pub use super::identity_http::{HttpClient, TOKEN_ANSWER_LIMIT};
use crate::model::Password;
use crate::store::origin::Origin;

/// The delegated permissions the sync reads with, and a refresh token (`offline_access`).
pub const SCOPES: [&str; 3] = [
    "Organization.Read.All",
    "User.Read.All",
    "GroupMember.Read.All",
];

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
