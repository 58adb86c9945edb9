//! How the Graph client's requests travel: HTTP(S) through `ureq` in the app, an in-memory
//! fake in the fuzz target. Whatever carries them, an answer is read with a bound: a success
//! up to [`ANSWER_SIZE_LIMIT`], an error's body up to [`ERROR_BODY_LIMIT`].

/// Larger answers are refused: a page of 999 users is under a megabyte, a `$batch` of twenty
/// full member pages a few.
pub const ANSWER_SIZE_LIMIT: u64 = 16 << 20;

/// The part of an error answer that is read: enough for Graph's error message.
pub const ERROR_BODY_LIMIT: u64 = 64 << 10;

/// One request as the client sends it; the transport adds nothing but what HTTP needs.
#[derive(Debug)]
pub struct HttpRequest<'a> {
    /// The URL, already checked to name the configured Graph server.
    pub url: &'a url::Url,
    /// `Bearer <token>`; never logged.
    pub authorization: &'a str,
    /// A JSON body to POST, or `None` for a GET.
    pub json_body: Option<&'a str>,
    /// Sends `ConsistencyLevel: eventual`, which Graph wants for `$count`.
    pub eventual: bool,
}

/// An answer as the client reads it.
#[derive(Debug)]
pub struct HttpAnswer {
    /// HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers, when
    /// Graph sends them (it does near the limit, for some resources).
    pub rate_limit: Option<RateLimit>,
    /// The body: at most [`ANSWER_SIZE_LIMIT`] bytes of a success, [`ERROR_BODY_LIMIT`] of
    /// an error.
    pub body: Vec<u8>,
}

/// What `RateLimit-*` headers say of the quota left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// Seconds until the window starts again.
    pub reset_seconds: u64,
}

impl RateLimit {
    /// From the three headers' values; `None` unless all are numbers.
    pub fn parse(
        limit: Option<&str>,
        remaining: Option<&str>,
        reset: Option<&str>,
    ) -> Option<Self> {
        let number = |v: Option<&str>| v?.trim().parse::<u64>().ok();
        Some(Self {
            limit: number(limit)?,
            remaining: number(remaining)?,
            reset_seconds: number(reset)?.min(300),
        })
    }

    /// How long to hold every request so as not to meet a 429: the whole reset when nothing
    /// is left, the reset spread over what is left when less than a tenth is; otherwise
    /// nothing.
    pub fn slow_down(self) -> Option<std::time::Duration> {
        let reset = std::time::Duration::from_secs(self.reset_seconds);
        if self.remaining == 0 {
            Some(reset)
        } else if self.remaining.saturating_mul(10) <= self.limit {
            Some(reset / u32::try_from(self.remaining).unwrap_or(u32::MAX))
        } else {
            None
        }
    }
}

/// Why a transport gave no answer.
#[derive(Debug)]
pub enum TransportError {
    /// The network failed.
    Unreachable(String),
    /// The answer's body is larger than [`ANSWER_SIZE_LIMIT`].
    TooLarge,
}

/// What carries requests to Graph: HTTP(S) in the app, an in-memory fake in the fuzz target.
pub trait Transport: Send + Sync {
    /// Sends one request and reads its answer, bounded as [`HttpAnswer`] says.
    fn send(&self, request: &HttpRequest<'_>) -> Result<HttpAnswer, TransportError>;
}

/// HTTP(S) through `ureq`; redirects are never followed (they would carry the token).
pub(super) struct UreqTransport(pub(super) ureq::Agent);

impl Transport for UreqTransport {
    fn send(&self, request: &HttpRequest<'_>) -> Result<HttpAnswer, TransportError> {
        let answer = match request.json_body {
            None if request.eventual => self
                .0
                .get(request.url.as_str())
                .set("Authorization", request.authorization)
                .set("ConsistencyLevel", "eventual")
                .call(),
            None => self
                .0
                .get(request.url.as_str())
                .set("Authorization", request.authorization)
                .call(),
            Some(body) => self
                .0
                .post(request.url.as_str())
                .set("Authorization", request.authorization)
                .set("Content-Type", "application/json")
                .send_string(body),
        };
        let response = match answer {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(error) => return Err(TransportError::Unreachable(error.kind().to_string())),
        };
        let retry_after = response.header("Retry-After").map(str::to_owned);
        let rate_limit = RateLimit::parse(
            response.header("RateLimit-Limit"),
            response.header("RateLimit-Remaining"),
            response.header("RateLimit-Reset"),
        );
        let (status, body) = read_answer(response).map_err(|e| match e {
            AnswerError::TooLarge => TransportError::TooLarge,
            AnswerError::Read(e) => TransportError::Unreachable(e.to_string()),
        })?;
        Ok(HttpAnswer {
            status,
            retry_after,
            rate_limit,
            body,
        })
    }
}

/// How every request to Microsoft's services and the backup server names this program, in the
/// form Microsoft asks of tools that read Microsoft 365 at scale
/// (`ISV|<publisher>|<application>/<version>`), so throttling decisions can tell it apart.
pub const USER_AGENT: &str = concat!(
    "ISV|BackupAccounts|BackupAccounts/",
    env!("CARGO_PKG_VERSION")
);

/// Why an answer's body was not read.
#[derive(Debug)]
pub enum AnswerError {
    /// A success larger than [`ANSWER_SIZE_LIMIT`], announced or read.
    TooLarge,
    /// The connection failed while reading.
    Read(std::io::Error),
}

/// The status and body of an answer: a success up to [`ANSWER_SIZE_LIMIT`] (refused before
/// reading when its announced length is larger), an error's body cut at [`ERROR_BODY_LIMIT`].
/// Shared by the Graph and backup-server clients.
pub fn read_answer(response: ureq::Response) -> Result<(u16, Vec<u8>), AnswerError> {
    let status = response.status();
    let limit = if status < 300 {
        ANSWER_SIZE_LIMIT
    } else {
        ERROR_BODY_LIMIT
    };
    let length = response
        .header("Content-Length")
        .and_then(|n| n.parse::<u64>().ok());
    if status < 300 && length.is_some_and(|n| n > limit) {
        return Err(AnswerError::TooLarge);
    }
    let body = read_bounded(response.into_reader(), limit, length).map_err(AnswerError::Read)?;
    if status < 300 && body.len() as u64 > limit {
        return Err(AnswerError::TooLarge);
    }
    Ok((status, body))
}

/// At most `limit` bytes of `reader`, and one more when there are more, so the caller can
/// tell a full answer from one cut off. `length` (the announced size) sizes the buffer once.
pub fn read_bounded(
    reader: impl std::io::Read,
    limit: u64,
    length: Option<u64>,
) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let capacity = length.unwrap_or(0).min(limit).min(64 << 20);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    reader.take(limit + 1).read_to_end(&mut body)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RateLimit;

    #[test]
    fn a_quota_nearly_spent_spreads_what_is_left_over_the_reset() {
        let limit = |remaining| RateLimit::parse(Some("100"), Some(remaining), Some("20"));
        assert_eq!(limit("50").and_then(RateLimit::slow_down), None);
        assert_eq!(
            limit("10").and_then(RateLimit::slow_down),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            limit("0").and_then(RateLimit::slow_down),
            Some(Duration::from_secs(20))
        );
        assert_eq!(RateLimit::parse(Some("x"), Some("0"), Some("1")), None);
        assert_eq!(
            RateLimit::parse(Some("1"), Some("0"), Some("99999")).map(|r| r.reset_seconds),
            Some(300),
            "at most five minutes"
        );
    }
}
