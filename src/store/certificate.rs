//! Certificate files for backup applications (R15): a PKCS#12 (`.pfx`, `.p12`) file with its
//! password, or a PEM certificate with its PEM private key. Parsed with `p12-keystore` and
//! `x509-parser`; the thumbprint is the SHA-1 of the certificate's DER, as Microsoft Entra ID
//! shows it. What goes to the keyring is the private key and the certificate, as PEM.

use std::path::{Path, PathBuf};

use sha1::Digest as _;
use zeroize::Zeroizing;

use crate::model::Password;
use crate::model::application::CertificateFacts;

/// Certificate files larger than this are refused unread (a PFX is a few kilobytes).
pub const CERTIFICATE_FILE_SIZE_LIMIT: u64 = 1024 * 1024;

/// A certificate read from a file: what the rules check, and the secret for the keyring.
#[derive(Debug)]
pub struct CertificateFile {
    /// Thumbprint, subject, validity, whether a private key came with it.
    pub facts: CertificateFacts,
    /// The private key and the certificate, PEM (empty without a key).
    pub secret: Password,
}

/// Why a certificate file could not be used. Never contains the file's password.
#[derive(Debug, thiserror::Error)]
pub enum CertificateFileError {
    /// The file could not be read.
    #[error("{path}: {source}. Choose another file.")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Larger than [`CERTIFICATE_FILE_SIZE_LIMIT`].
    #[error(
        "{0}: the file is larger than 1 MB, too large for a certificate. Choose the .pfx file."
    )]
    TooLarge(PathBuf),
    /// The PKCS#12 password is wrong (or the file is damaged).
    #[error(
        "{0}: the password is wrong, or the file is damaged. Type the password the file was \
         exported with."
    )]
    WrongPassword(PathBuf),
    /// A client secret was given instead of a certificate.
    #[error(
        "{0}: this looks like a client secret, not a certificate. The backup server accepts \
         certificates only: create a certificate, upload it to the application in Microsoft \
         Entra ID, and choose its .pfx file."
    )]
    ClientSecret(PathBuf),
    /// Not a certificate the app can read.
    #[error(
        "{path}: not a certificate ({detail}). Choose a .pfx or .p12 file, or a PEM \
         certificate with its PEM private key."
    )]
    NotACertificate {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        detail: String,
    },
}

fn read_limited(path: &Path) -> Result<Vec<u8>, CertificateFileError> {
    let unreadable = |source| CertificateFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > CERTIFICATE_FILE_SIZE_LIMIT {
        return Err(CertificateFileError::TooLarge(path.to_path_buf()));
    }
    std::fs::read(path).map_err(unreadable)
}

/// A client secret is one short line of printable text (Entra ID's look like
/// `abc8Q~...`), not PEM and not DER.
fn looks_like_client_secret(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let text = text.trim();
    (16..=128).contains(&text.len())
        && !text.contains("-----BEGIN")
        && text.chars().all(|c| c.is_ascii_graphic())
}

/// Reads a PKCS#12 file with its password.
pub fn read_pkcs12(
    path: &Path,
    password: &Password,
) -> Result<CertificateFile, CertificateFileError> {
    let bytes = read_limited(path)?;
    if looks_like_client_secret(&bytes) {
        return Err(CertificateFileError::ClientSecret(path.to_path_buf()));
    }
    let not_a_certificate = |detail: String| CertificateFileError::NotACertificate {
        path: path.to_path_buf(),
        detail,
    };
    // Relaxed: a file holding only the certificate is read, and refused for its missing key
    // by R15 with that reason rather than as unreadable.
    let store = p12_keystore::KeyStore::from_pkcs12(
        &bytes,
        password.expose(),
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) => {
            CertificateFileError::WrongPassword(path.to_path_buf())
        }
        p12_keystore::error::Error::DerError(_) => not_a_certificate("not PKCS#12".to_owned()),
        // Decryption with a wrong password fails before the MAC on some files.
        _ => CertificateFileError::WrongPassword(path.to_path_buf()),
    })?;
    if let Some((_, chain)) = store.private_key_chain()
        && let Some(certificate) = chain.certs().first()
    {
        let key = Zeroizing::new(pem(path, "PRIVATE KEY", chain.key().as_der())?);
        let secret = key_and_certificate(&key, &pem(path, "CERTIFICATE", certificate.as_der())?);
        return certificate_file(path, certificate.as_der(), Some(secret));
    }
    // Without a key, the certificate bag is only kept when read without linking.
    let raw = p12_keystore::KeyStore::from_pkcs12(
        &bytes,
        password.expose(),
        p12_keystore::Pkcs12ImportPolicy::Raw,
    )
    .unwrap_or(store);
    let certificate = raw
        .entries()
        .find_map(|(_, entry)| match entry {
            p12_keystore::KeyStoreEntry::Certificate(certificate) => Some(certificate),
            _ => None,
        })
        .ok_or_else(|| not_a_certificate("the file holds no certificate".to_owned()))?;
    certificate_file(path, certificate.as_der(), None)
}

/// Reads a PEM certificate and, if given, its PEM private key (`PRIVATE KEY`,
/// `RSA PRIVATE KEY` or `EC PRIVATE KEY`; an encrypted key is refused with its reason).
pub fn read_pem_pair(
    certificate_path: &Path,
    key_path: Option<&Path>,
) -> Result<CertificateFile, CertificateFileError> {
    let bytes = read_limited(certificate_path)?;
    if looks_like_client_secret(&bytes) {
        return Err(CertificateFileError::ClientSecret(
            certificate_path.to_path_buf(),
        ));
    }
    let not_a_certificate = |path: &Path, detail: String| CertificateFileError::NotACertificate {
        path: path.to_path_buf(),
        detail,
    };
    let certificate = x509_parser::pem::Pem::iter_from_buffer(&bytes)
        .filter_map(Result::ok)
        .find(|p| p.label == "CERTIFICATE")
        .ok_or_else(|| not_a_certificate(certificate_path, "no CERTIFICATE block".to_owned()))?;
    let Some(key_path) = key_path else {
        return certificate_file(certificate_path, &certificate.contents, None);
    };
    let key_bytes = read_limited(key_path)?;
    let key = x509_parser::pem::Pem::iter_from_buffer(&key_bytes)
        .filter_map(Result::ok)
        .find(|p| p.label.ends_with("PRIVATE KEY"))
        .ok_or_else(|| not_a_certificate(key_path, "no PRIVATE KEY block".to_owned()))?;
    if key.label.starts_with("ENCRYPTED") {
        return Err(not_a_certificate(
            key_path,
            "the private key is encrypted; export it without a password, or use a .pfx file"
                .to_owned(),
        ));
    }
    let key = Zeroizing::new(pem(key_path, &key.label, &key.contents)?);
    let secret = key_and_certificate(
        &key,
        &pem(certificate_path, "CERTIFICATE", &certificate.contents)?,
    );
    certificate_file(certificate_path, &certificate.contents, Some(secret))
}

/// The keyring's item: the key, then the certificate, in one buffer sized once so no copy
/// of the key is left behind by a reallocation.
fn key_and_certificate(key: &str, certificate: &str) -> Zeroizing<String> {
    let mut secret = Zeroizing::new(String::with_capacity(key.len() + certificate.len()));
    secret.push_str(key);
    secret.push_str(certificate);
    secret
}

fn pem(path: &Path, label: &str, der: &[u8]) -> Result<String, CertificateFileError> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).map_err(|e| {
        CertificateFileError::NotACertificate {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    })
}

fn certificate_file(
    path: &Path,
    der: &[u8],
    secret: Option<Zeroizing<String>>,
) -> Result<CertificateFile, CertificateFileError> {
    let not_a_certificate = |detail: String| CertificateFileError::NotACertificate {
        path: path.to_path_buf(),
        detail,
    };
    let (_, certificate) =
        x509_parser::parse_x509_certificate(der).map_err(|e| not_a_certificate(e.to_string()))?;
    let time = |t: x509_parser::time::ASN1Time| {
        jiff::Timestamp::from_second(t.timestamp()).map_err(|e| not_a_certificate(e.to_string()))
    };
    let validity = certificate.validity();
    let thumbprint = sha1::Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    Ok(CertificateFile {
        facts: CertificateFacts {
            thumbprint,
            subject: certificate.subject().to_string(),
            not_before: time(validity.not_before)?,
            not_after: time(validity.not_after)?,
            has_private_key: secret.is_some(),
        },
        // Moved out of the wiped buffer, not copied.
        secret: Password::new(
            secret
                .map(|mut s| std::mem::take(&mut *s))
                .unwrap_or_default(),
        ),
    })
}
