//! Where the backup server's REST API listens, and ids from its answers before they go into
//! a path.

use super::error::ServerError;
use crate::model::text::quoted_from_outside;

/// The REST API's port unless an administrator changed it.
pub const DEFAULT_PORT: u16 = 4443;

/// Where the backup server's REST API listens: always `https://host:port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddress {
    base: url::Url,
}

impl ServerAddress {
    /// Reads `host`, `host:port` or `https://host[:port][/]`; the port is 4443 unless given.
    /// Plain http, a path, a user name or a query are refused: the password and tokens only
    /// travel over TLS, to the server named and nowhere below or beside it.
    pub fn parse(text: &str) -> Result<Self, ServerError> {
        let refused = |reason: &'static str| ServerError::Address {
            address: quoted_from_outside(text, 200),
            reason,
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(refused("it is empty"));
        }
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let mut base = url::Url::parse(&with_scheme)
            .map_err(|_| refused("it does not parse as an address"))?;
        if base.scheme() != "https" {
            return Err(refused("only https:// is used, never plain http"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(refused(
                "a user name belongs in the User field, not the address",
            ));
        }
        if base.path() != "/" || base.query().is_some() || base.fragment().is_some() {
            return Err(refused("give the server only, without a path"));
        }
        if base.host().is_none() {
            return Err(refused("it names no server"));
        }
        // `url` forgets a port that is the scheme's default (443), so look at the text.
        let authority = with_scheme.split_once("://").map_or("", |(_, rest)| {
            rest.split(['/', '?', '#']).next().unwrap_or("")
        });
        let port_given = authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
        if base.port().is_none() && !port_given {
            base.set_port(Some(DEFAULT_PORT))
                .map_err(|()| refused("it cannot take a port"))?;
        }
        Ok(Self { base })
    }

    /// `host:port`, as shown and as the keyring names the session.
    pub fn host_port(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        let port = self.base.port_or_known_default().unwrap_or(DEFAULT_PORT);
        format!("{host}:{port}")
    }

    /// `https://host:port/v8/<segments>?<query>`: each segment percent-encoded, so an id from
    /// the server can never add a path segment or leave `/v8/`.
    pub(super) fn url(&self, segments: &[&str], query: &[(&str, String)]) -> url::Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().push("v8").extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.host_port())
    }
}

/// An id the server gave, before it goes into a path: not empty, not `.` or `..`, no control
/// character, at most 256 characters. Percent-encoding does the rest.
pub(super) fn checked_id<'a>(id: &'a str, what: &str) -> Result<&'a str, ServerError> {
    let usable = !id.is_empty()
        && id != "."
        && id != ".."
        && id.chars().count() <= 256
        && !id.chars().any(char::is_control);
    if usable {
        Ok(id)
    } else {
        Err(ServerError::Malformed {
            what: what.to_owned(),
            reason: format!("the id {} is not usable", quoted_from_outside(id, 80)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_https_servers_with_the_default_port() {
        for (typed, shown) in [
            ("vbo.example.com", "vbo.example.com:4443"),
            ("vbo.example.com:443", "vbo.example.com:443"),
            ("https://vbo.example.com:8443/", "vbo.example.com:8443"),
            ("127.0.0.1", "127.0.0.1:4443"),
        ] {
            assert_eq!(
                ServerAddress::parse(typed)
                    .map(|a| a.host_port())
                    .ok()
                    .as_deref(),
                Some(shown)
            );
        }
        for refused in [
            "",
            "http://vbo.example.com",
            "https://admin@vbo.example.com",
            "https://vbo.example.com/evil",
            "vbo.example.com/v8?x=1",
            "file:///etc/passwd",
        ] {
            assert!(ServerAddress::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn ids_from_the_server_never_become_path_segments() {
        let address = ServerAddress::parse("vbo.example.com").unwrap_or_else(|e| panic!("{e}"));
        let url = address.url(&["Organizations", "a/../../b?c#d", "Groups"], &[]);
        assert_eq!(
            url.path(),
            "/v8/Organizations/a%2F..%2F..%2Fb%3Fc%23d/Groups"
        );
        assert!(checked_id("..", "test").is_err());
        assert!(checked_id("a\u{1b}b", "test").is_err());
        assert!(checked_id("6b1e2c8a-0000-4000-8000-000000000001", "test").is_ok());
    }
}
