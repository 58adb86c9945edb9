//! One HTTPS request to the backup server and its answer, bounded: a success up to 16 MiB,
//! an error's body up to 64 KiB; a certificate the verifier refused becomes the error that
//! shows it.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::address::ServerAddress;
use super::api::ExceptionInfo;
use super::error::ServerError;
use super::tls::{Fingerprint, SeenCertificate, Verdict};
use crate::model::text::quoted_from_outside;
use crate::store::graph::transport::{ANSWER_SIZE_LIMIT, AnswerError, read_answer};

/// Messages from the server are cut to this many characters.
const MESSAGE_LENGTH: usize = 300;

/// A request body; JSON bodies may hold passwords and are wiped when dropped.
pub(super) enum Body {
    None,
    Form(Zeroizing<String>),
    Json(Zeroizing<String>),
}

/// The HTTP methods the API uses.
#[derive(Clone, Copy, Debug)]
pub enum Method {
    /// Read.
    Get,
    /// Create or start.
    Post,
    /// Replace.
    Put,
    /// Remove.
    Delete,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
}

/// The HTTPS side of a connection: the agent with its TLS trust, and what it saw.
pub(super) struct Wire {
    pub(super) address: ServerAddress,
    pub(super) agent: ureq::Agent,
    pub(super) pin: Option<Fingerprint>,
    pub(super) seen: SeenCertificate,
    pub(super) requests: AtomicUsize,
}

impl Wire {
    /// Sends one request and reads its answer, bounded; a refused certificate becomes the
    /// error that shows it.
    pub(super) fn send(
        &self,
        method: Method,
        url: &url::Url,
        body: &Body,
        token: Option<&str>,
    ) -> Result<Answer, ServerError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.agent.request(method.name(), url.as_str());
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let sent = match body {
            Body::None => request.call(),
            Body::Form(form) => request
                .set("Content-Type", "application/x-www-form-urlencoded")
                .send_string(form),
            Body::Json(json) => request
                .set("Content-Type", "application/json")
                .send_string(json),
        };
        let response = match sent {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(transport)) => return Err(self.unreachable(&transport)),
        };
        let (status, body) = read_answer(response).map_err(|e| match e {
            AnswerError::TooLarge => ServerError::Malformed {
                what: format!("{} {}", method.name(), url.path()),
                reason: format!("the answer is larger than {} MiB", ANSWER_SIZE_LIMIT >> 20),
            },
            AnswerError::Read(e) => ServerError::Unreachable {
                server: self.address.host_port(),
                reason: e.to_string(),
            },
        })?;
        Ok(Answer { status, body })
    }

    fn unreachable(&self, transport: &ureq::Transport) -> ServerError {
        let server = self.address.host_port();
        let refused = self
            .seen
            .lock()
            .ok()
            .and_then(|mut seen| seen.take())
            .filter(|(_, verdict)| *verdict == Verdict::Refused);
        match (refused, self.pin) {
            (Some((certificate, _)), Some(pinned)) => ServerError::CertificateChanged {
                server,
                pinned,
                presented: Box::new(certificate),
            },
            (Some((certificate, _)), None) => ServerError::UntrustedCertificate {
                server,
                certificate: Box::new(certificate),
            },
            (None, _) => ServerError::Unreachable {
                server,
                reason: transport.kind().to_string(),
            },
        }
    }
}

pub(super) fn form(fields: &[(&str, &str)]) -> Zeroizing<String> {
    Zeroizing::new(
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish(),
    )
}

pub(super) fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ServerError> {
    // The parser's message names a position and what it expected, never the text itself.
    serde_json::from_slice(body).map_err(|e| ServerError::Malformed {
        what: what.to_owned(),
        reason: e.to_string(),
    })
}

/// The `message` of a `RESTExceptionInfo` body, escaped and cut; its `stackTrace` is never
/// read.
pub(super) fn server_message(body: &[u8], otherwise: &str) -> String {
    serde_json::from_slice::<ExceptionInfo>(body)
        .ok()
        .and_then(|info| info.message)
        .map_or_else(
            || otherwise.to_owned(),
            |message| quoted_from_outside(&message, MESSAGE_LENGTH),
        )
}
