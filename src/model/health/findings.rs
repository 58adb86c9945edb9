//! What the Health view reports, how urgent each is, and the fix each offers.

use super::{LEGACY_AUTHENTICATION_SOURCE, POOL_SIZE_SOURCE, RECOMMENDED_POOL_SIZE};

/// How soon a finding needs attention; the report lists the worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The next backup with this account fails.
    Critical,
    /// Will fail or grants more than needed; fix soon.
    Warning,
    /// Advice: the way forward, or what is unknown.
    Notice,
}

impl Severity {
    /// The word shown and exported.
    pub fn label(self) -> &'static str {
        match self {
            Self::Critical => "Critical",
            Self::Warning => "Warning",
            Self::Notice => "Notice",
        }
    }
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// A saved account has no secret in the keyring.
    SecretMissing(String),
    /// The account uses MFA now, but its password was not given as an app password (R8).
    MfaWithoutAppPassword(String),
    /// The password is older than the threshold.
    PasswordOld {
        /// The account.
        upn: String,
        /// Its age in days.
        days: i64,
    },
    /// Kept after a directory change that would have revoked it (R14).
    PendingReview(String),
    /// Members of the group that are guests or disabled still hold the role (R4, R12).
    InactiveRoleHolders(Vec<String>),
    /// Saved before ages were recorded.
    PasswordAgesUnknown(Vec<String>),
    /// Members of the group that hold the role but are not used as accounts (R4).
    UnusedMembers(Vec<String>),
    /// Legacy authentication: auxiliary backup accounts are on the way out.
    LegacyAuthentication,
    /// More accounts than the vendor's guidance.
    PoolLarger(usize),
    /// A backup application without an installed certificate (R15).
    CertificateMissing(String),
    /// A backup application whose certificate has expired.
    CertificateExpired {
        /// The application's name.
        application: String,
        /// When it expired, `YYYY-MM-DD`.
        date: String,
    },
    /// A backup application whose certificate expires within 30 days.
    CertificateExpiring {
        /// The application's name.
        application: String,
        /// When it expires, `YYYY-MM-DD`.
        date: String,
    },
    /// More than one backup application, which share one throttling limit since 1 March 2026.
    SharedThrottling(usize),
    /// The backup server's pool is not the saved one: the differences in words.
    ServerPoolDiffers(String),
    /// The backup server could not be read, so its pool is unknown: why.
    ServerUnreachable(String),
    /// The backup server has more than one backup application for the organization, which
    /// share one throttling limit (KB4821): their count, and the one it was added with.
    ServerSharedThrottling {
        /// How many applications the server has.
        count: usize,
        /// The application the organization was added with, which stays; `None` when the
        /// server does not say.
        keep: Option<String>,
    },
    /// A saved setting contradicts what the backup server says.
    ServerSettingsDiffer {
        /// What is saved.
        saved: String,
        /// What the server says.
        server: String,
    },
}

/// A list the Health view exports as CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthList {
    /// Everyone who holds the role through the group, with the path.
    Footprint,
    /// Guests and disabled members holding the role.
    InactiveRoleHolders,
    /// Accounts whose password age is unknown.
    PasswordAgesUnknown,
    /// Members who hold the role but are not accounts.
    UnusedMembers,
}

impl HealthList {
    /// A file name to suggest.
    pub fn file_name(self, organization: &str) -> String {
        let what = match self {
            Self::Footprint => "site-collection-administrators",
            Self::InactiveRoleHolders => "guest-or-disabled-administrators",
            Self::PasswordAgesUnknown => "passwords-of-unknown-age",
            Self::UnusedMembers => "members-not-used",
        };
        let organization: String = organization
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        format!("{organization}-{what}.csv")
    }
}

/// The fix a finding offers, one click away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingAction {
    /// Opens Edit Password for the finding's account.
    SetPassword,
    /// Opens the manager of the finding's organization.
    Review,
    /// Opens the Backup Applications Manager of the finding's organization.
    ReviewApplications,
    /// Exports the finding's accounts.
    Export,
    /// Opens *Apply to backup server...* for the finding's organization.
    ApplyToServer,
    /// Opens *Connect to backup server...*.
    ConnectToServer,
    /// Opens Organization Settings.
    EditSettings,
    /// Asks to remove the backup server's other applications (KB4821).
    RemoveServerApplications,
}

/// One thing that needs attention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// How soon.
    pub severity: Severity,
    /// Organization id.
    pub organization_id: crate::model::OrganizationId,
    /// What.
    pub kind: FindingKind,
}

impl Finding {
    /// The account it is about, for per-account findings.
    pub fn account(&self) -> Option<&str> {
        match &self.kind {
            FindingKind::SecretMissing(upn)
            | FindingKind::MfaWithoutAppPassword(upn)
            | FindingKind::PasswordOld { upn, .. }
            | FindingKind::PendingReview(upn) => Some(upn),
            _ => None,
        }
    }

    /// The list an export finding exports.
    pub fn list(&self) -> Option<HealthList> {
        match &self.kind {
            FindingKind::InactiveRoleHolders(_) => Some(HealthList::InactiveRoleHolders),
            FindingKind::PasswordAgesUnknown(_) => Some(HealthList::PasswordAgesUnknown),
            FindingKind::UnusedMembers(_) => Some(HealthList::UnusedMembers),
            _ => None,
        }
    }

    /// The accounts a list finding exports.
    pub fn accounts(&self) -> &[String] {
        match &self.kind {
            FindingKind::InactiveRoleHolders(upns)
            | FindingKind::PasswordAgesUnknown(upns)
            | FindingKind::UnusedMembers(upns) => upns,
            _ => &[],
        }
    }

    /// What fixes it.
    pub fn action(&self) -> FindingAction {
        match &self.kind {
            FindingKind::SecretMissing(_)
            | FindingKind::MfaWithoutAppPassword(_)
            | FindingKind::PasswordOld { .. } => FindingAction::SetPassword,
            FindingKind::PendingReview(_)
            | FindingKind::LegacyAuthentication
            | FindingKind::PoolLarger(_) => FindingAction::Review,
            FindingKind::InactiveRoleHolders(_)
            | FindingKind::PasswordAgesUnknown(_)
            | FindingKind::UnusedMembers(_) => FindingAction::Export,
            FindingKind::CertificateMissing(_)
            | FindingKind::CertificateExpired { .. }
            | FindingKind::CertificateExpiring { .. }
            | FindingKind::SharedThrottling(_) => FindingAction::ReviewApplications,
            FindingKind::ServerPoolDiffers(_) => FindingAction::ApplyToServer,
            FindingKind::ServerUnreachable(_) => FindingAction::ConnectToServer,
            FindingKind::ServerSettingsDiffer { .. } => FindingAction::EditSettings,
            // Which one stays must be known before anything is removed.
            FindingKind::ServerSharedThrottling { keep: None, .. } => {
                FindingAction::ReviewApplications
            }
            FindingKind::ServerSharedThrottling { .. } => FindingAction::RemoveServerApplications,
        }
    }

    /// A few words naming the kind of finding, e.g. "missing password".
    pub fn title(&self) -> &'static str {
        match &self.kind {
            FindingKind::SecretMissing(_) => "missing password",
            FindingKind::MfaWithoutAppPassword(_) => "MFA without an app password",
            FindingKind::PasswordOld { .. } => "old password",
            FindingKind::PendingReview(_) => "pending review",
            FindingKind::InactiveRoleHolders(_) => "guest or disabled administrators",
            FindingKind::PasswordAgesUnknown(_) => "passwords of unknown age",
            FindingKind::UnusedMembers(_) => "members not used",
            FindingKind::LegacyAuthentication => "legacy authentication",
            FindingKind::PoolLarger(_) => "pool size",
            FindingKind::CertificateMissing(_) => "missing certificate",
            FindingKind::CertificateExpired { .. } => "expired certificate",
            FindingKind::CertificateExpiring { .. } => "certificate expiring",
            FindingKind::SharedThrottling(_) => "shared throttling",
            FindingKind::ServerPoolDiffers(_) => "backup server differs",
            FindingKind::ServerUnreachable(_) => "backup server unreachable",
            FindingKind::ServerSettingsDiffer { .. } => "settings contradict the backup server",
            FindingKind::ServerSharedThrottling { .. } => "shared throttling on the backup server",
        }
    }

    /// The finding in words, naming its source where it is the vendor's guidance.
    pub fn describe(&self) -> String {
        match &self.kind {
            FindingKind::SecretMissing(upn) => format!(
                "{upn}: the password is missing from the keyring; the next backup with this \
                 account fails. Set it again."
            ),
            FindingKind::MfaWithoutAppPassword(upn) => format!(
                "{upn}: MFA was turned on after the password was set; backups need an app \
                 password. Set one."
            ),
            FindingKind::PasswordOld { upn, days } => {
                format!("{upn}: the password was set {days} days ago.")
            }
            FindingKind::PendingReview(upn) => format!(
                "{upn}: kept after a directory change that would have revoked it. Review it."
            ),
            FindingKind::InactiveRoleHolders(upns) => format!(
                "{} still {} the Site Collection Administrator role through the group. Remove \
                 them from the group.",
                count(
                    upns.len(),
                    "guest or disabled member",
                    "guest or disabled members"
                ),
                if upns.len() == 1 { "holds" } else { "hold" }
            ),
            FindingKind::PasswordAgesUnknown(upns) => format!(
                "{} saved before ages were recorded. Set {} again to track {}.",
                count(upns.len(), "password was", "passwords were"),
                if upns.len() == 1 { "it" } else { "them" },
                if upns.len() == 1 {
                    "its age"
                } else {
                    "their age"
                }
            ),
            FindingKind::UnusedMembers(upns) => format!(
                "{} the Site Collection Administrator role but {} not a backup account.",
                count(
                    upns.len(),
                    "member of the group holds",
                    "members of the group hold"
                ),
                if upns.len() == 1 { "is" } else { "are" }
            ),
            FindingKind::LegacyAuthentication => format!(
                "Legacy authentication: the vendor no longer adds such organizations; plan the \
                 move to modern app-only authentication with a backup application (source: \
                 {LEGACY_AUTHENTICATION_SOURCE})."
            ),
            FindingKind::PoolLarger(count) => format!(
                "{count} backup accounts: the vendor's best practice is one, and up to \
                 {RECOMMENDED_POOL_SIZE} for the first full backup of a large tenant (source: \
                 {POOL_SIZE_SOURCE})."
            ),
            FindingKind::CertificateMissing(application) => format!(
                "{application}: no certificate is installed; backups with it fail. Install \
                 its certificate."
            ),
            FindingKind::CertificateExpired { application, date } => format!(
                "{application}: its certificate expired on {date}; backups with it fail. \
                 Upload a new certificate in Microsoft Entra ID and install it."
            ),
            FindingKind::CertificateExpiring { application, date } => {
                format!("{application}: its certificate expires on {date}. Renew it before then.")
            }
            FindingKind::SharedThrottling(count) => format!(
                "{count} backup applications: since 1 March 2026 Microsoft counts them against \
                 one throttling limit, so extra applications add no throughput; the vendor \
                 recommends one."
            ),
            FindingKind::ServerPoolDiffers(_)
            | FindingKind::ServerUnreachable(_)
            | FindingKind::ServerSharedThrottling { .. }
            | FindingKind::ServerSettingsDiffer { .. } => self.describe_server(),
        }
    }
}

impl Finding {
    /// The backup server's findings in words.
    fn describe_server(&self) -> String {
        match &self.kind {
            FindingKind::ServerPoolDiffers(differences) => format!(
                "The backup server's pool is not the saved one ({differences}); backups use \
                 the server's. Apply the saved pool to the server."
            ),
            FindingKind::ServerUnreachable(reason) => format!(
                "The backup server could not be read, so whether it uses the saved pool is \
                 unknown: {reason}"
            ),
            FindingKind::ServerSettingsDiffer { saved, server } => format!(
                "The saved settings say {saved}, the backup server says {server}. Correct the \
                 organization's settings."
            ),
            FindingKind::ServerSharedThrottling { count, keep } => format!(
                "The backup server has {count} backup applications for it; since 1 March 2026 \
                 Microsoft counts them against one throttling limit, so the vendor recommends \
                 one (KB4821). {}",
                keep.as_ref().map_or_else(
                    || "The server does not say which one it was added with; review them in \
                        its console."
                        .to_owned(),
                    |app| format!("Keep {app}, the one it was added with, and remove the others."),
                )
            ),
            _ => String::new(),
        }
    }
}

/// "1 password was" or "3 passwords were".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
