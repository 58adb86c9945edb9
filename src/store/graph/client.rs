//! Reading Microsoft Graph: every `@odata.nextLink` followed, throttling (429, 503, 504)
//! waited out as `Retry-After` says or with exponential backoff and jitter, an expired access
//! token refreshed once. Tokens never appear in errors or logs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::model::Password;

/// Answers larger than this are cut off (and then fail to parse): a page of 999 objects is
/// well under a megabyte.
const ANSWER_SIZE_LIMIT: u64 = 256 << 20;

/// Attempts per request before throttling is reported as an error.
const MAX_ATTEMPTS: u32 = 6;

/// Why a Graph read failed. Never contains a token.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// 403: the signed-in account lacks a permission (e.g. the MFA report's).
    #[error("Microsoft Graph refused {path}: the account lacks a permission (403).")]
    Forbidden {
        /// The request.
        path: String,
    },
    /// 401 after a refresh: sign in again.
    #[error("The sign-in is no longer valid. Sign in to Microsoft 365 again.")]
    SignInAgain,
    /// Throttled or failing longer than the retries allow.
    #[error("Microsoft Graph kept answering {status} for {path}. Try again later.")]
    Unavailable {
        /// The last status.
        status: u16,
        /// The request.
        path: String,
    },
    /// Another answer than success.
    #[error("Microsoft Graph answered {status} for {path}: {message}")]
    Failed {
        /// HTTP status.
        status: u16,
        /// The request.
        path: String,
        /// Graph's error message.
        message: String,
    },
    /// The network failed.
    #[error("Microsoft Graph could not be reached ({0}). Check the network.")]
    Unreachable(String),
    /// An answer that is not Graph's JSON.
    #[error("Microsoft Graph's answer for {path} could not be read: {message}")]
    Unreadable {
        /// The request.
        path: String,
        /// Why.
        message: String,
    },
    /// 410: Graph no longer knows the saved delta link (a sync reset); a full read is due.
    #[error("Microsoft Graph no longer accepts the saved delta link for {path} (410).")]
    Gone {
        /// The request.
        path: String,
    },
    /// Cancelled in the app.
    #[error("The sync was cancelled; nothing was changed.")]
    Cancelled,
}

/// What a sync is doing, for the progress window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SyncPhase {
    /// Signing in, or not started.
    SigningIn = 0,
    /// Reading the whole tenant.
    Full = 1,
    /// Reading only the changes since the last sync.
    Delta = 2,
    /// The saved delta link was refused (410), so the whole tenant is read again.
    FullAfterDeltaRefused = 3,
}

/// Counts for the progress window and the benchmark.
#[derive(Debug, Default)]
pub struct GraphStats {
    /// HTTP requests sent, retries included.
    pub requests: AtomicUsize,
    /// Pages received.
    pub pages: AtomicUsize,
    /// Objects received.
    pub objects: AtomicUsize,
    /// Waits for throttling.
    pub throttled: AtomicUsize,
    /// A [`SyncPhase`], as a number.
    phase: std::sync::atomic::AtomicU8,
}

impl GraphStats {
    /// What the sync is doing now.
    pub fn phase(&self) -> SyncPhase {
        match self.phase.load(Ordering::Relaxed) {
            1 => SyncPhase::Full,
            2 => SyncPhase::Delta,
            3 => SyncPhase::FullAfterDeltaRefused,
            _ => SyncPhase::SigningIn,
        }
    }

    /// Says what the sync does from now on.
    pub fn set_phase(&self, phase: SyncPhase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }
}

/// Gets a new access token with the refresh token (the sign-in's), or fails.
pub type Refresh = Box<dyn Fn() -> Result<Password, GraphError> + Send + Sync>;

/// A signed-in reader of one Graph endpoint.
pub struct GraphClient {
    http: ureq::Agent,
    graph_base: String,
    /// The access token and how many times it was refreshed, so that requests in flight
    /// together that all meet a 401 refresh it once.
    access_token: Mutex<(Password, u64)>,
    refresh: Refresh,
    /// Counts of what was done, for progress (shared with the progress window).
    pub stats: std::sync::Arc<GraphStats>,
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
    /// A client for `graph_base` (e.g. `https://graph.microsoft.com`) with an access token,
    /// how to refresh it, and a flag that cancels between requests and waits.
    pub fn new(
        graph_base: &str,
        access_token: Password,
        refresh: Refresh,
        cancel: std::sync::Arc<AtomicBool>,
    ) -> Self {
        Self {
            http: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(120))
                .build(),
            graph_base: graph_base.trim_end_matches('/').to_owned(),
            access_token: Mutex::new((access_token, 0)),
            refresh,
            stats: std::sync::Arc::default(),
            cancel,
        }
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

    /// Every page of a collection, starting at `path` (e.g. `/v1.0/users?$top=999`), each
    /// page as Graph sent it (`value` and, but for the last, `@odata.nextLink`).
    pub fn get_pages(&self, path: &str) -> Result<Vec<serde_json::Value>, GraphError> {
        self.pages_from(format!("{}{path}", self.graph_base))
    }

    /// Every page of a delta round starting at `url` (a delta link, or a path of
    /// `/delta`), and the `@odata.deltaLink` its last page gives for the next round.
    pub fn get_delta(&self, url: &str) -> Result<(Vec<serde_json::Value>, String), GraphError> {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.graph_base)
        } else {
            url.to_owned()
        };
        let pages = self.pages_from(url.clone())?;
        let delta_link = pages
            .last()
            .and_then(|page| page["@odata.deltaLink"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Unreadable {
                path: self.path_of(&url),
                message: "the last page has no @odata.deltaLink".to_owned(),
            })?;
        Ok((pages, delta_link))
    }

    fn pages_from(&self, first: String) -> Result<Vec<serde_json::Value>, GraphError> {
        let mut pages = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next {
            let page = self.get(&url)?;
            next = page
                .get("@odata.nextLink")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            self.stats.pages.fetch_add(1, Ordering::Relaxed);
            let objects = page
                .get("value")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len);
            self.stats.objects.fetch_add(objects, Ordering::Relaxed);
            pages.push(page);
        }
        Ok(pages)
    }

    /// The part of `url` after the Graph base, for messages (links carry no token).
    fn path_of(&self, url: &str) -> String {
        url.strip_prefix(&self.graph_base).unwrap_or(url).to_owned()
    }

    /// One GET, retried while throttled, with one token refresh on 401.
    pub fn get(&self, url: &str) -> Result<serde_json::Value, GraphError> {
        self.send(url, None)
    }

    /// One JSON POST to a Graph path (e.g. `/v1.0/$batch`), retried like a GET.
    pub fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, GraphError> {
        self.send(&format!("{}{path}", self.graph_base), Some(body))
    }

    fn send(
        &self,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, GraphError> {
        let path = self.path_of(url);
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(GraphError::Cancelled);
            }
            attempt += 1;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            // Wiped once sent; ureq's own copy of the header is not ours to wipe.
            let (bearer, generation) = {
                let token = self
                    .access_token
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let bearer = zeroize::Zeroizing::new(format!("Bearer {}", token.0.expose()));
                (bearer, token.1)
            };
            let answer = match body {
                None => self.http.get(url).set("Authorization", &bearer).call(),
                Some(body) => self
                    .http
                    .post(url)
                    .set("Authorization", &bearer)
                    .set("Content-Type", "application/json")
                    .send_string(&body.to_string()),
            };
            drop(bearer);
            let response = match answer {
                Ok(response) => return read_json(response, &path),
                Err(ureq::Error::Status(_, response)) => response,
                Err(error) => return Err(GraphError::Unreachable(error.kind().to_string())),
            };
            let status = response.status();
            match status {
                401 if !refreshed => {
                    refreshed = true;
                    self.refresh_after(generation)?;
                }
                401 => return Err(GraphError::SignInAgain),
                403 => return Err(GraphError::Forbidden { path }),
                410 => return Err(GraphError::Gone { path }),
                429 | 503 | 504 if attempt < MAX_ATTEMPTS => {
                    let wait = retry_after(&response).unwrap_or_else(|| backoff(attempt));
                    self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                    self.sleep(wait)?;
                }
                429 | 503 | 504 => return Err(GraphError::Unavailable { status, path }),
                _ => {
                    let message =
                        serde_json::from_reader::<_, serde_json::Value>(response.into_reader())
                            .ok()
                            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                            .unwrap_or_default();
                    return Err(GraphError::Failed {
                        status,
                        path,
                        message,
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

    /// Waits out throttling that Graph reported inside a `$batch` answer, counted like the
    /// client's own waits.
    pub fn wait_throttled(&self, wait: Duration) -> Result<(), GraphError> {
        self.stats.throttled.fetch_add(1, Ordering::Relaxed);
        self.sleep(wait)
    }

    /// Sleeps, waking every 50 ms to see whether the sync was cancelled.
    fn sleep(&self, wait: Duration) -> Result<(), GraphError> {
        let mut slept = Duration::ZERO;
        while slept < wait {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(GraphError::Cancelled);
            }
            let step = Duration::from_millis(50).min(wait - slept);
            std::thread::sleep(step);
            slept += step;
        }
        Ok(())
    }
}

/// The answer's JSON, read whole first: parsing from a slice is several times faster than
/// from a reader, which pages of 999 objects make worth it.
fn read_json(response: ureq::Response, path: &str) -> Result<serde_json::Value, GraphError> {
    use std::io::Read as _;
    let unreadable = |message: String| GraphError::Unreadable {
        path: path.to_owned(),
        message,
    };
    let length = response
        .header("Content-Length")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = Vec::with_capacity(length.min(64 << 20));
    response
        .into_reader()
        .take(ANSWER_SIZE_LIMIT)
        .read_to_end(&mut body)
        .map_err(|e| unreadable(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| unreadable(e.to_string()))
}

/// `Retry-After` in seconds, as Graph sends it when throttling.
fn retry_after(response: &ureq::Response) -> Option<Duration> {
    retry_after_seconds(response.header("Retry-After")?)
}

/// A `Retry-After` value in seconds (at most five minutes), from a header or from the
/// headers of a `$batch` answer.
pub fn retry_after_seconds(value: &str) -> Option<Duration> {
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(300)))
}

/// 0.5 s, 1 s, 2 s, ... (at most 30 s), plus up to a quarter more at random, so clients
/// throttled together do not come back together.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500) * 2u32.saturating_pow(attempt.saturating_sub(1));
    let base = base.min(Duration::from_secs(30));
    let quarter = u64::try_from(base.as_millis() / 4).unwrap_or(0);
    let jitter_millis = u64::from(rand_u32() % 1000) * quarter / 1000;
    base + Duration::from_millis(jitter_millis)
}

/// A little randomness for the jitter, from the clock: no cryptographic use.
fn rand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
