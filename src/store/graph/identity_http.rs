//! The HTTP client the `oauth2` crate talks to the identity platform through.

use std::time::Duration;

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
                .user_agent(super::transport::USER_AGENT)
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
