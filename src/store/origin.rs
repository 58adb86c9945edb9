//! Which server a URL names, compared as parsed values. A link in a server's answer
//! (`@odata.nextLink`, a delta link, a URL read back from a file) is followed with the
//! access token only when it names the configured server: same scheme, host and port. A
//! string prefix would let `https://graph.microsoft.com.evil.example` or
//! `https://graph.microsoft.com@evil.example` through; parsing does not.

use std::net::IpAddr;

/// Links longer than this are cut in messages: the message names the link, it does not
/// repeat a megabyte of it.
const SHOWN_LINK_LENGTH: usize = 200;

/// Why a URL may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// Not a URL at all.
    #[error("{url} is not a valid URL ({reason}).")]
    Unparsable {
        /// The text, as shown.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// A link to another server than the configured one: it is never followed, so the
    /// access token never goes there.
    #[error(
        "The server sent a link to another server ({link}, not {expected}); it was not \
         followed and nothing was sent there."
    )]
    ForeignLink {
        /// The link, as shown.
        link: String,
        /// The configured server.
        expected: String,
    },
    /// A configured server address that would send credentials in the clear.
    #[error(
        "{url} is not an https:// address. Tokens and passwords are only sent over https \
         (plain http is allowed for this computer's own loopback addresses, as tests use)."
    )]
    NotHttps {
        /// The configured address, as shown.
        url: String,
    },
}

/// The scheme, host and port of a server, as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    origin: url::Origin,
    shown: String,
    loopback: bool,
}

impl Origin {
    /// The origin of `base` (e.g. `https://graph.microsoft.com`), which must be https or a
    /// loopback address.
    pub fn secure(base: &str) -> Result<Self, OriginError> {
        let url = parse(base)?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        let origin = url.origin();
        let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
        if !secure || !origin.is_tuple() {
            return Err(OriginError::NotHttps { url: shown(base) });
        }
        Ok(Self {
            shown: origin.ascii_serialization(),
            origin,
            loopback,
        })
    }

    /// `link` parsed, when it names this origin; an error naming the link otherwise.
    pub fn check(&self, link: &str) -> Result<url::Url, OriginError> {
        let url = parse(link)?;
        if url.origin() == self.origin {
            Ok(url)
        } else {
            Err(OriginError::ForeignLink {
                link: shown(link),
                expected: self.shown.clone(),
            })
        }
    }

    /// `scheme://host:port`, as shown in messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// True for this computer's own addresses.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }
}

fn parse(text: &str) -> Result<url::Url, OriginError> {
    url::Url::parse(text).map_err(|e| OriginError::Unparsable {
        url: shown(text),
        reason: e.to_string(),
    })
}

/// A URL from outside as it may appear in a message: control characters escaped, cut after
/// [`SHOWN_LINK_LENGTH`] characters.
pub fn shown(text: &str) -> String {
    crate::model::text::quoted_from_outside(text, SHOWN_LINK_LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_scheme_host_and_port_pass() {
        let graph = Origin::secure("https://graph.microsoft.com").unwrap();
        for link in [
            "https://graph.microsoft.com/v1.0/users?$skiptoken=1",
            "https://GRAPH.microsoft.com:443/v1.0/users",
        ] {
            assert!(graph.check(link).is_ok(), "{link}");
        }
        for link in [
            "https://graph.microsoft.com.evil.example/v1.0/users",
            "https://graph.microsoft.com@evil.example/v1.0/users",
            "https://graph.microsoft.com:444/v1.0/users",
            "http://graph.microsoft.com/v1.0/users",
            "https://evil.example/https://graph.microsoft.com/",
            "/v1.0/users",
            "file:///etc/passwd",
        ] {
            assert!(graph.check(link).is_err(), "{link}");
        }
    }

    #[test]
    fn configured_servers_are_https_or_loopback() {
        for ok in [
            "https://graph.microsoft.com",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://localhost:1",
        ] {
            assert!(Origin::secure(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://graph.microsoft.com",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "graph.microsoft.com",
        ] {
            assert!(Origin::secure(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn links_in_messages_are_cut_and_escaped() {
        let long = format!("https://evil.example/{}\u{1b}[31m", "a".repeat(500));
        let text = shown(&long);
        assert!(text.chars().count() <= SHOWN_LINK_LENGTH + 1);
        assert!(!shown("x\u{1b}[31my").contains('\u{1b}'));
    }
}
