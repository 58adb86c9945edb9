//! Which certificate the backup server may present, decided the way SSH decides: a
//! certificate that chains to the system's roots is trusted; any other one (the product
//! installs a self-signed one) only when the administrator pinned its SHA-256 fingerprint
//! after seeing it. A pinned server must present exactly that certificate afterwards, even
//! one the roots would accept, so a changed certificate is always a question for a person.
//!
//! The chain and the handshake signatures are checked by rustls' own verifier; this module
//! only chooses which certificate is acceptable and remembers the one it saw.

use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::Digest as _;

/// A certificate's SHA-256 fingerprint, shown as 64 hexadecimal digits in pairs
/// (`AB:CD:...`), as browsers and `openssl x509 -fingerprint -sha256` show it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a certificate's DER bytes.
    pub fn of(der: &[u8]) -> Self {
        Self(sha2::Sha256::digest(der).into())
    }

    /// Parses 64 hexadecimal digits, with or without `:` or spaces between pairs, any case.
    pub fn parse(text: &str) -> Option<Self> {
        let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b':' | b' ')).collect();
        if digits.len() != 64 {
            return None;
        }
        let mut bytes = [0_u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self(bytes))
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (position, byte) in self.0.iter().enumerate() {
            if position > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// What the administrator is shown before pinning a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerCertificate {
    /// SHA-256 of the certificate's DER bytes.
    pub fingerprint: Fingerprint,
    /// The subject's distinguished name, as the server sent it (escaped when shown).
    pub subject: String,
    /// Valid from (UTC); `None` when the certificate does not parse.
    pub not_before: Option<jiff::Timestamp>,
    /// Valid until (UTC).
    pub not_after: Option<jiff::Timestamp>,
}

impl ServerCertificate {
    fn of(der: &[u8]) -> Self {
        let parsed = x509_parser::parse_x509_certificate(der).ok();
        let time =
            |t: x509_parser::time::ASN1Time| jiff::Timestamp::from_second(t.timestamp()).ok();
        Self {
            fingerprint: Fingerprint::of(der),
            subject: parsed.as_ref().map_or_else(
                || "(a certificate that does not parse)".to_owned(),
                |(_, c)| c.subject().to_string(),
            ),
            not_before: parsed
                .as_ref()
                .and_then(|(_, c)| time(c.validity().not_before)),
            not_after: parsed
                .as_ref()
                .and_then(|(_, c)| time(c.validity().not_after)),
        }
    }

    /// "valid 2026-01-01 to 2031-01-01", or what is unknown.
    pub fn validity(&self) -> String {
        let day = |t: Option<jiff::Timestamp>| {
            t.map_or_else(|| "?".to_owned(), |t| t.strftime("%Y-%m-%d").to_string())
        };
        format!("valid {} to {}", day(self.not_before), day(self.not_after))
    }
}

/// Whether the verifier accepted the certificate it saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Pinned, or chains to the system roots.
    Accepted,
    /// Neither.
    Refused,
}

/// The certificate the last handshake presented and the verdict on it, kept by the verifier
/// so a refused connection can say which certificate it refused (rustls' error cannot
/// carry it).
pub(super) type SeenCertificate = Arc<Mutex<Option<(ServerCertificate, Verdict)>>>;

/// The system's roots, read once per process: `SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured
/// (rustls-native-certs reads them), which is also how tests add a root of their own.
fn system_roots() -> Arc<rustls::RootCertStore> {
    static ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                log::debug!("a system root certificate could not be read: {error}");
            }
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            log::debug!("{added} system root certificates, {ignored} ignored");
            Arc::new(roots)
        })
        .clone()
}

#[derive(Debug)]
struct PinOrRoots {
    /// `None` when the system has no roots at all: then only a pin is accepted.
    roots: Option<Arc<WebPkiServerVerifier>>,
    pin: Option<Fingerprint>,
    seen: SeenCertificate,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinOrRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = ServerCertificate::of(end_entity);
        let verdict = match (self.pin, &self.roots) {
            (Some(pin), _) if pin == presented.fingerprint => Ok(ServerCertVerified::assertion()),
            (Some(_), _) => Err(rustls::Error::General(
                "the certificate is not the pinned one".into(),
            )),
            (None, Some(roots)) => {
                roots.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            (None, None) => Err(rustls::Error::General("no system root certificates".into())),
        };
        let seen_verdict = if verdict.is_ok() {
            Verdict::Accepted
        } else {
            Verdict::Refused
        };
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((presented, seen_verdict));
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client configuration that accepts the pinned certificate, or, without a pin, one
/// that chains to the system roots; `seen` receives every certificate presented.
pub(super) fn client_config(
    pin: Option<Fingerprint>,
    seen: SeenCertificate,
) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = system_roots();
    let roots = if roots.is_empty() {
        None
    } else {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .ok()
    };
    let verifier = PinOrRoots {
        roots,
        pin,
        seen,
        provider: provider.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_back_in_any_spelling() {
        let fingerprint = Fingerprint::of(b"certificate");
        let shown = fingerprint.to_string();
        assert_eq!(shown.len(), 95);
        assert_eq!(Fingerprint::parse(&shown), Some(fingerprint));
        assert_eq!(
            Fingerprint::parse(&shown.replace(':', "").to_lowercase()),
            Some(fingerprint)
        );
        assert_eq!(Fingerprint::parse(&shown[..94]), None);
        assert_eq!(Fingerprint::parse(&"G".repeat(64)), None);
    }
}
