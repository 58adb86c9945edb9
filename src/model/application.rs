//! Backup applications of modern app-only organizations (R15): the tenant's applications with
//! their registered certificate credentials, and the rules for the pool and its certificates.

use serde::{Deserialize, Serialize};

/// How many days before its end a certificate is shown as expiring soon.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A Microsoft Entra application registered in the tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The application (client) id, Graph's `appId`.
    pub app_id: crate::model::AppId,
    /// The name people read.
    pub display_name: String,
    /// Certificate credentials registered on the application (Graph's `keyCredentials`).
    /// Client secrets (`passwordCredentials`) are not listed: the vendor accepts
    /// certificates only.
    #[serde(default)]
    pub certificates: Vec<CertificateCredential>,
}

/// A certificate registered on an application: its public part only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateCredential {
    /// SHA-1 thumbprint, upper-case hexadecimal (Graph's `customKeyIdentifier`).
    pub thumbprint: String,
    /// Valid from.
    pub start: jiff::Timestamp,
    /// Valid until.
    pub end: jiff::Timestamp,
}

/// A certificate chosen to install, as its file says it is (parsed in `store/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateFacts {
    /// SHA-1 thumbprint of the certificate, upper-case hexadecimal.
    pub thumbprint: String,
    /// The certificate's subject, e.g. `CN=Veeam Backup`.
    pub subject: String,
    /// Valid from.
    pub not_before: jiff::Timestamp,
    /// Valid until.
    pub not_after: jiff::Timestamp,
    /// The file held the certificate's private key.
    pub has_private_key: bool,
}

/// Why an application cannot join an organization's pool.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationRefusal {
    /// Already in the pool.
    #[error("already in the pool")]
    AlreadyInPool,
    /// No certificate is registered on it, so it could only use a client secret.
    #[error(
        "no certificate credential is registered on it; the backup server uses certificates \
         only. Upload a certificate to the application in Microsoft Entra ID first"
    )]
    NoCertificateCredential,
}

/// Why an application cannot leave the pool.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is the application the organization was added with; it always stays in the pool")]
pub struct RemovalRefusal(pub String);

/// Why a certificate cannot be installed (R15).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRefusal {
    /// The file has the certificate but not its private key.
    #[error(
        "the file has no private key. Export the certificate with its private key (a .pfx \
         file, or the key's PEM file with the certificate's)"
    )]
    NoPrivateKey,
    /// The certificate is not one of the application's registered credentials.
    #[error(
        "its thumbprint {thumbprint} is not registered on {application}. Choose the \
         certificate uploaded to the application, or upload this one in Microsoft Entra ID"
    )]
    NotRegistered {
        /// The certificate's thumbprint.
        thumbprint: String,
        /// The application's name.
        application: String,
    },
    /// The certificate has expired (or is not valid yet).
    #[error(
        "the certificate is valid from {not_before} to {not_after}, not now. Create a new \
         certificate, upload it to the application, and install it here"
    )]
    NotValidNow {
        /// Valid from (date).
        not_before: String,
        /// Valid until (date).
        not_after: String,
    },
}

impl Application {
    /// R15 for the pool: may this application join a pool holding `pool`?
    pub fn check_can_join(&self, pool: &[crate::model::AppId]) -> Result<(), ApplicationRefusal> {
        if pool.iter().any(|id| id.eq_ignore_ascii_case(&self.app_id)) {
            return Err(ApplicationRefusal::AlreadyInPool);
        }
        if self.certificates.is_empty() {
            return Err(ApplicationRefusal::NoCertificateCredential);
        }
        Ok(())
    }

    /// R15 for a certificate: accepted only with its private key, valid now, and registered
    /// on this application.
    pub fn check_certificate(
        &self,
        facts: &CertificateFacts,
        now: jiff::Timestamp,
    ) -> Result<(), CertificateRefusal> {
        if !facts.has_private_key {
            return Err(CertificateRefusal::NoPrivateKey);
        }
        if now < facts.not_before || now >= facts.not_after {
            return Err(CertificateRefusal::NotValidNow {
                not_before: date(facts.not_before),
                not_after: date(facts.not_after),
            });
        }
        let registered = self
            .certificates
            .iter()
            .any(|c| c.thumbprint.eq_ignore_ascii_case(&facts.thumbprint));
        if !registered {
            return Err(CertificateRefusal::NotRegistered {
                thumbprint: facts.thumbprint.clone(),
                application: self.display_name.clone(),
            });
        }
        Ok(())
    }
}

/// R15: the application an organization was added with never leaves its pool.
pub fn check_can_remove(app_id: &str, added_with: Option<&str>) -> Result<(), RemovalRefusal> {
    match added_with {
        Some(added) if added.eq_ignore_ascii_case(app_id) => Err(RemovalRefusal(app_id.to_owned())),
        _ => Ok(()),
    }
}

/// R15 for a selection: none of them may be the application the organization was added with.
pub fn check_can_remove_all<'a>(
    app_ids: impl IntoIterator<Item = &'a crate::model::AppId>,
    added_with: Option<&str>,
) -> Result<(), RemovalRefusal> {
    app_ids
        .into_iter()
        .try_for_each(|id| check_can_remove(id, added_with))
}

/// How an installed certificate's expiry reads: expired, soon, or fine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Already past its end.
    Expired,
    /// Ends within [`EXPIRY_WARNING_DAYS`].
    Soon,
    /// Later.
    Later,
}

impl Expiry {
    /// The state of a certificate ending at `end`, as of `now`.
    pub fn of(end: jiff::Timestamp, now: jiff::Timestamp) -> Self {
        if end <= now {
            Self::Expired
        } else if end.duration_since(now).as_hours() < 24 * EXPIRY_WARNING_DAYS {
            Self::Soon
        } else {
            Self::Later
        }
    }
}

/// `YYYY-MM-DD` (UTC) of a timestamp.
pub fn date(timestamp: jiff::Timestamp) -> String {
    timestamp.strftime("%Y-%m-%d").to_string()
}
