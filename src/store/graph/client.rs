//! Reading Microsoft Graph: every `@odata.nextLink` followed, throttling (429, 503, 504)
//! waited out as `Retry-After` says or with exponential backoff and jitter, an expired access
//! token refreshed once. Tokens never appear in errors or logs.
//!
//! Nothing Graph sends is trusted: a link is followed only when it names the configured
//! Graph server (scheme, host and port, parsed), an answer is read up to
//! [`ANSWER_SIZE_LIMIT`], and a collection ends with an error when a link repeats or after
//! [`PAGE_LIMIT`] pages.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use super::graph_error::GraphError;
use super::pacer::backoff;
pub use super::pacer::{DEFAULT_IN_FLIGHT, MAX_IN_FLIGHT, Pacer, retry_after_seconds};
pub use super::progress::{Counter, GraphStats, SyncPhase};
use super::transport::UreqTransport;
pub use super::transport::{
    ANSWER_SIZE_LIMIT, ERROR_BODY_LIMIT, HttpAnswer, HttpRequest, Transport, TransportError,
    read_bounded,
};
use crate::model::Password;
use crate::store::origin::{Origin, OriginError};

mod paging;

/// Pages of one collection: 100,000 pages of 999 objects is more than any tenant holds, so a
/// server that keeps sending next links is stopped here.
pub const PAGE_LIMIT: usize = 100_000;

/// Characters of a server's error message shown to the user.
const MESSAGE_LENGTH: usize = 300;

/// Attempts per request before throttling is reported as an error.
const MAX_ATTEMPTS: u32 = 6;

/// Gets a new access token with the refresh token (the sign-in's), or fails.
pub type Refresh = Box<dyn Fn() -> Result<Password, GraphError> + Send + Sync>;

/// A signed-in reader of one Graph endpoint.
pub struct GraphClient {
    transport: Box<dyn Transport>,
    graph_base: String,
    origin: Origin,
    /// The access token and how many times it was refreshed, so that requests in flight
    /// together that all meet a 401 refresh it once.
    access_token: Mutex<(Password, u64)>,
    refresh: Refresh,
    /// Counts of what was done, for progress (shared with the progress window).
    pub stats: std::sync::Arc<GraphStats>,
    /// Requests in flight over every phase, and throttling's pause for all of them.
    pub pacer: Pacer,
    cancel: std::sync::Arc<AtomicBool>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("graph_base", &self.graph_base)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// A client for `graph_base` (e.g. `https://graph.microsoft.com`; https, or plain http
    /// on a loopback address) with an access token, how to refresh it, and a flag that
    /// cancels between requests and waits.
    pub fn new(
        graph_base: &str,
        access_token: Password,
        refresh: Refresh,
        cancel: std::sync::Arc<AtomicBool>,
    ) -> Result<Self, GraphError> {
        let http = ureq::AgentBuilder::new()
            .user_agent(super::transport::USER_AGENT)
            .redirects(0)
            .timeout(Duration::from_secs(120))
            .build();
        Self::with_transport(
            graph_base,
            Box::new(UreqTransport(http)),
            access_token,
            refresh,
            cancel,
        )
    }

    /// Like [`GraphClient::new`], over another transport (the fuzz target's fake).
    pub fn with_transport(
        graph_base: &str,
        transport: Box<dyn Transport>,
        access_token: Password,
        refresh: Refresh,
        cancel: std::sync::Arc<AtomicBool>,
    ) -> Result<Self, GraphError> {
        let graph_base = graph_base.trim_end_matches('/').to_owned();
        Ok(Self {
            transport,
            origin: Origin::secure(&graph_base)?,
            graph_base,
            access_token: Mutex::new((access_token, 0)),
            refresh,
            stats: std::sync::Arc::default(),
            pacer: Pacer::new(DEFAULT_IN_FLIGHT),
            cancel,
        })
    }

    /// At most `limit` requests in flight at once (1 to 16).
    #[must_use]
    pub fn with_requests_in_flight(mut self, limit: usize) -> Self {
        self.pacer = Pacer::new(limit);
        self
    }

    /// Counts into `stats`, which the progress window reads.
    #[must_use]
    pub fn with_stats(mut self, stats: std::sync::Arc<GraphStats>) -> Self {
        self.stats = stats;
        self
    }

    /// The Graph base URL, e.g. `https://graph.microsoft.com`.
    pub fn graph_base(&self) -> &str {
        &self.graph_base
    }

    /// The part of `url` after the Graph base, for messages (links carry no token).
    fn path_of(&self, url: &str) -> String {
        crate::store::origin::shown(url.strip_prefix(&self.graph_base).unwrap_or(url))
    }

    /// A request of a `$batch` (a path relative to `/v1.0`, as Graph wants them) checked to
    /// stay a plain path of the configured Graph: no other server, no `..`.
    pub fn check_batch_url(&self, relative: &str) -> Result<(), GraphError> {
        let full = format!("{}/v1.0{relative}", self.graph_base);
        let url = self.origin.check(&full)?;
        let path = relative.split(['?', '#']).next().unwrap_or_default();
        if relative.starts_with('/') && url.path().ends_with(path) && !path.contains("//") {
            Ok(())
        } else {
            Err(OriginError::ForeignLink {
                link: crate::store::origin::shown(relative),
                expected: format!("{}/v1.0/…", self.origin.shown()),
            }
            .into())
        }
    }

    /// One GET, retried while throttled, with one token refresh on 401.
    pub fn get(&self, url: &str) -> Result<serde_json::Value, GraphError> {
        self.send(url, None, false)
    }

    /// [`Self::get`], the answer's bytes unparsed.
    fn get_bytes(&self, url: &str) -> Result<Vec<u8>, GraphError> {
        self.send_for_bytes(url, None, false)
    }

    /// How many users or groups (`resource`) the tenant has, by `$count` (one request, with
    /// `ConsistencyLevel: eventual`), for progress that knows the end; `None` when Graph does
    /// not say.
    pub fn count(&self, resource: &str) -> Option<usize> {
        let url = format!("{}/v1.0/{resource}/$count", self.graph_base);
        match self.send(&url, None, true) {
            Ok(count) => count.as_u64().and_then(|n| usize::try_from(n).ok()),
            Err(e) => {
                log::info!("no total for {resource}, progress counts without one: {e}");
                None
            }
        }
    }

    /// One JSON POST to a Graph path (e.g. `/v1.0/$batch`), retried like a GET.
    pub fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, GraphError> {
        self.send(&format!("{}{path}", self.graph_base), Some(body), false)
    }

    fn send(
        &self,
        url: &str,
        body: Option<&serde_json::Value>,
        eventual: bool,
    ) -> Result<serde_json::Value, GraphError> {
        let bytes = self.send_for_bytes(url, body, eventual)?;
        parse_json(&bytes, &self.path_of(url))
    }

    fn send_for_bytes(
        &self,
        url: &str,
        body: Option<&serde_json::Value>,
        eventual: bool,
    ) -> Result<Vec<u8>, GraphError> {
        let path = self.path_of(url);
        // The one place requests leave: nothing goes to another server than Graph's.
        let parsed = self.origin.check(url)?;
        let json_body = body.map(serde_json::Value::to_string);
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(GraphError::Cancelled);
            }
            attempt += 1;
            // Waits while throttling pauses every phase, and for a place in flight.
            let in_flight = self.pacer.start(&self.cancel)?;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            self.stats.in_flight.fetch_add(1, Ordering::Relaxed);
            // Wiped once sent; the transport's own copy of the header is not ours to wipe.
            let (bearer, generation) = {
                let token = self
                    .access_token
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let bearer = zeroize::Zeroizing::new(format!("Bearer {}", token.0.expose()));
                (bearer, token.1)
            };
            let answer = self.transport.send(&HttpRequest {
                url: &parsed,
                authorization: &bearer,
                json_body: json_body.as_deref(),
                eventual,
            });
            drop(bearer);
            self.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
            drop(in_flight);
            let answer = match answer {
                Ok(answer) => answer,
                Err(TransportError::TooLarge) => return Err(GraphError::TooLarge { path }),
                Err(TransportError::Unreachable(why)) => return Err(GraphError::Unreachable(why)),
            };
            let status = answer.status;
            // Near the quota: every phase slows down before Graph has to say 429.
            if let Some(wait) = answer
                .rate_limit
                .and_then(super::transport::RateLimit::slow_down)
            {
                self.stats.slowed.fetch_add(1, Ordering::Relaxed);
                self.pacer.pause_for(wait);
            }
            match status {
                200..=299 => return Ok(answer.body),
                401 if !refreshed => {
                    refreshed = true;
                    self.refresh_after(generation)?;
                }
                401 => return Err(GraphError::SignInAgain),
                403 => return Err(GraphError::Forbidden { path }),
                410 => return Err(GraphError::Gone { path }),
                429 | 503 | 504 if attempt < MAX_ATTEMPTS => {
                    let wait = answer
                        .retry_after
                        .as_deref()
                        .and_then(retry_after_seconds)
                        .unwrap_or_else(|| backoff(attempt));
                    self.wait_throttled(wait);
                }
                429 | 503 | 504 => return Err(GraphError::Unavailable { status, path }),
                _ => {
                    return Err(GraphError::Failed {
                        status,
                        path,
                        message: error_message(&answer.body),
                    });
                }
            }
        }
    }

    /// A new access token, unless another request already got one since `generation`.
    fn refresh_after(&self, generation: u64) -> Result<(), GraphError> {
        let mut token = self
            .access_token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if token.1 == generation {
            *token = ((self.refresh)()?, generation + 1);
        }
        Ok(())
    }

    /// Throttling (the client's own answer, or a request inside a `$batch`): no request of
    /// any phase starts for `wait`; the next one waits it out, cancellable.
    pub fn wait_throttled(&self, wait: Duration) {
        self.stats.throttled.fetch_add(1, Ordering::Relaxed);
        self.pacer.pause_for(wait);
    }
}

/// The answer's JSON, parsed from the bytes read whole: parsing from a slice is several
/// times faster than from a reader, which pages of 999 objects make worth it.
fn parse_json(body: &[u8], path: &str) -> Result<serde_json::Value, GraphError> {
    serde_json::from_slice(body).map_err(|e| GraphError::Unreadable {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Graph's `error.message`, as it may be shown: control characters escaped, cut short.
fn error_message(body: &[u8]) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    crate::model::text::quoted_from_outside(&message, MESSAGE_LENGTH)
}
