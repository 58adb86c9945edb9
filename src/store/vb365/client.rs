//! The backup server's REST API v8 over HTTPS: sign-in by the password grant, the session's
//! refresh token in the keyring, the access token in memory only, one refresh when it
//! expires, collections read page by page, answers bounded, errors in words.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::address::ServerAddress;
use super::api::{self, ExceptionInfo, TokenAnswer};
use super::error::ServerError;
pub(super) use super::http::Method;
use super::http::{Answer, Body, Wire, form, parse, server_message};
use super::tls::{self, Fingerprint, SeenCertificate};
use crate::model::Password;
use crate::model::text::quoted_from_outside;
use crate::store::{SecretKey, SecretStore};

/// The largest page the API serves; members are read this many at a time.
pub const PAGE_LIMIT: usize = 10_000;

/// A collection of more pages than this is refused: 10,000 pages of 10,000 members each is
/// more than any tenant has.
const MAX_PAGES: usize = 10_000;

/// A connection to one backup server. Cheap to keep; sends nothing until asked.
pub struct BackupServer {
    wire: Wire,
    secrets: Arc<dyn SecretStore>,
    access_token: Mutex<Option<Zeroizing<String>>>,
}

impl std::fmt::Debug for BackupServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupServer")
            .field("address", &self.wire.address.host_port())
            .field("pin", &self.wire.pin)
            .finish_non_exhaustive()
    }
}

impl BackupServer {
    /// A client for `address` that accepts the pinned certificate, or without a pin one that
    /// chains to the system roots. The session's refresh token lives in `secrets`.
    pub fn new(
        address: ServerAddress,
        pin: Option<Fingerprint>,
        secrets: Arc<dyn SecretStore>,
    ) -> Result<Self, ServerError> {
        let seen = SeenCertificate::default();
        let tls = tls::client_config(pin, seen.clone()).map_err(|e| ServerError::Unreachable {
            server: address.host_port(),
            reason: e.to_string(),
        })?;
        let agent = ureq::AgentBuilder::new()
            .user_agent(crate::store::graph::transport::USER_AGENT)
            .tls_config(tls)
            .redirects(0)
            .timeout_connect(Duration::from_secs(15))
            .timeout(Duration::from_secs(300))
            .build();
        Ok(Self {
            wire: Wire {
                address,
                agent,
                pin,
                seen,
                requests: AtomicUsize::new(0),
            },
            secrets,
            access_token: Mutex::new(None),
        })
    }

    /// The server's address.
    pub fn address(&self) -> &ServerAddress {
        &self.wire.address
    }

    /// HTTP requests sent so far (for progress and the benchmark).
    pub fn requests(&self) -> usize {
        self.wire.requests.load(Ordering::Relaxed)
    }

    /// The keyring item of this server's refresh token.
    pub fn session_key(&self) -> SecretKey {
        SecretKey::backup_server_session(&self.wire.address.host_port())
    }

    /// True when the keyring holds a session for this server.
    pub fn has_session(&self) -> Result<bool, ServerError> {
        Ok(self.secrets.read(&self.session_key())?.is_some())
    }

    /// Signs in with the password grant; the refresh token goes to the keyring, the access
    /// token stays in memory, the password is forgotten when the caller drops it.
    pub fn sign_in(&self, user: &str, password: &Password) -> Result<(), ServerError> {
        let answer = self.token_grant(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password.expose()),
        ])?;
        match answer.status {
            200..=299 => self.keep_tokens(&answer.body, "the sign-in"),
            404 => Err(ServerError::NotVersion8 {
                server: self.wire.address.host_port(),
            }),
            _ => Err(ServerError::SignInRefused {
                user: quoted_from_outside(user, 200),
                message: server_message(&answer.body, "no reason given"),
            }),
        }
    }

    /// Ends the session on the server (when it still answers) and forgets its refresh token.
    /// The keyring item is deleted even when the server cannot be reached.
    pub fn disconnect(&self) -> Result<(), ServerError> {
        if self.has_session()? {
            let ended = self.call(
                Method::Post,
                &["token", "logout"],
                &[],
                &Body::None,
                "the sign-out",
            );
            if let Err(error) = ended {
                log::info!("the backup server did not confirm the sign-out: {error}");
            }
        }
        self.secrets.delete(&self.session_key())?;
        if let Ok(mut token) = self.access_token.lock() {
            *token = None;
        }
        Ok(())
    }

    /// `GET /v8/<segments>` as `T`.
    pub(super) fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, ServerError> {
        let body = self.call(Method::Get, segments, query, &Body::None, what)?;
        parse(&body, what)
    }

    /// Every item of a collection, `limit` at a time, until a page holds fewer than the
    /// page size.
    pub(super) fn get_all<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        limit: usize,
        what: &str,
    ) -> Result<Vec<T>, ServerError> {
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut paged = query.to_vec();
            paged.push(("offset", items.len().to_string()));
            paged.push(("limit", limit.to_string()));
            let page: api::Page<T> = self.get(segments, &paged, what)?;
            // A server may serve smaller pages than asked; its `limit` says so.
            let served = page.limit.filter(|&l| l > 0).unwrap_or(limit).min(limit);
            let count = page.results.len();
            if count > served {
                return Err(ServerError::Malformed {
                    what: what.to_owned(),
                    reason: format!("a page of {served} held {count} items"),
                });
            }
            items.extend(page.results);
            if count < served || count == 0 {
                return Ok(items);
            }
        }
        Err(ServerError::Malformed {
            what: what.to_owned(),
            reason: format!("it did not end after {MAX_PAGES} pages"),
        })
    }

    /// `PUT`, `POST` or `DELETE` with a JSON body (wiped after sending).
    pub(super) fn send_json(
        &self,
        method: Method,
        segments: &[&str],
        json: Zeroizing<String>,
        what: &str,
    ) -> Result<Vec<u8>, ServerError> {
        self.call(method, segments, &[], &Body::Json(json), what)
    }

    /// One authorized request: an access token from memory or, failing that, from the
    /// keyring's refresh token; refreshed once when the server says it expired.
    fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: &Body,
        what: &str,
    ) -> Result<Vec<u8>, ServerError> {
        let url = self.wire.address.url(segments, query);
        let mut refreshed = false;
        loop {
            let token = match self.current_access_token() {
                Some(token) => token,
                None => {
                    self.refresh()?;
                    refreshed = true;
                    self.current_access_token()
                        .ok_or(ServerError::NotConnected)?
                }
            };
            let answer = self.wire.send(method, &url, body, Some(&token))?;
            match answer.status {
                200..=299 => return Ok(answer.body),
                401 if !refreshed => {
                    self.refresh()?;
                    refreshed = true;
                }
                status => return Err(self.refusal(status, &answer.body, what)),
            }
        }
    }

    fn refusal(&self, status: u16, body: &[u8], what: &str) -> ServerError {
        let info: ExceptionInfo = serde_json::from_slice(body).unwrap_or_default();
        if status == 404 && info.message.is_none() {
            return ServerError::NotVersion8 {
                server: self.wire.address.host_port(),
            };
        }
        ServerError::Refused {
            what: what.to_owned(),
            status,
            code: info.error_code.map(|c| quoted_from_outside(&c, 40)),
            message: server_message(body, "no message"),
        }
    }

    fn current_access_token(&self) -> Option<Zeroizing<String>> {
        self.access_token.lock().ok()?.clone()
    }

    /// `POST /v8/token` with `fields`, as a client without an antiforgery cookie sends it.
    fn token_grant(&self, fields: &[(&str, &str)]) -> Result<Answer, ServerError> {
        let mut fields = fields.to_vec();
        fields.push(("disable_antiforgery_token", "true"));
        let url = self.wire.address.url(&["token"], &[]);
        self.wire
            .send(Method::Post, &url, &Body::Form(form(&fields)), None)
    }

    /// Trades the keyring's refresh token for a new access token (and refresh token).
    fn refresh(&self) -> Result<(), ServerError> {
        let key = self.session_key();
        let Some(refresh_token) = self.secrets.read(&key)? else {
            return Err(ServerError::NotConnected);
        };
        let answer = self.token_grant(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ])?;
        if (200..300).contains(&answer.status) {
            return self.keep_tokens(&answer.body, "the session's renewal");
        }
        Err(ServerError::SessionEnded {
            message: server_message(&answer.body, "the session was refused"),
        })
    }

    fn keep_tokens(&self, body: &[u8], what: &str) -> Result<(), ServerError> {
        let tokens: TokenAnswer = parse(body, what)?;
        if let Some(refresh_token) = tokens.refresh_token {
            self.secrets
                .write(&self.session_key(), &Password::new(refresh_token))?;
        }
        if let Ok(mut access) = self.access_token.lock() {
            *access = Some(Zeroizing::new(tokens.access_token));
        }
        Ok(())
    }
}
