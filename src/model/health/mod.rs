//! Health: what needs the administrator's attention after the accounts were chosen. Secrets
//! missing from the keyring, old passwords, MFA turned on after a password was set, accounts
//! pending review, who holds the Site Collection Administrator role through the group, and
//! the vendor's current guidance. Computed from the saved state only, never from a secret.

mod findings;
mod footprint;

use std::collections::{BTreeSet, HashSet};

pub use findings::{Finding, FindingAction, FindingKind, HealthList, Severity};
pub use footprint::{RoleFootprint, RoleHolder};

use super::application::{Expiry, date};
use super::application_pool::ApplicationPool;
use super::directory::{AuthenticationMethod, Directory, Organization};
use super::selection::OrganizationSelection;
use super::server_pool::{ServerFacts, ServerStanding};
use super::upn::same_upn;

/// Where the legacy-authentication finding comes from.
pub const LEGACY_AUTHENTICATION_SOURCE: &str =
    "https://helpcenter.veeam.com/docs/vbo365/rest/authorization_basic_legacy.html";
/// Where the pool-size finding comes from.
pub const POOL_SIZE_SOURCE: &str = "https://bp.veeam.com/vb365/guide/operate/orgconfig.html";
/// The vendor's best-practice guide: one account is the default and best practice; large
/// tenants add up to five to get through the first full backup.
pub const RECOMMENDED_POOL_SIZE: usize = 5;
/// Passwords older than this many days are reported unless the setting says otherwise.
pub const DEFAULT_MAX_PASSWORD_AGE_DAYS: u32 = 90;

/// How many saved passwords of an organization fall in each age band, for the chart:
/// counted once with the report, not at every frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswordAges {
    /// Set within the last 30 days.
    pub recent: usize,
    /// Older than 30 days, within the threshold.
    pub older: usize,
    /// Older than the threshold.
    pub beyond_threshold: usize,
    /// Passwords saved before ages were recorded.
    pub unknown: usize,
}

impl PasswordAges {
    /// Counts a password `days` old against the threshold.
    fn count(&mut self, days: i64, max_age_days: u32) {
        match days {
            d if d > i64::from(max_age_days) => self.beyond_threshold += 1,
            d if d <= 30 => self.recent += 1,
            _ => self.older += 1,
        }
    }

    /// True when the organization has saved passwords.
    pub fn is_empty(&self) -> bool {
        self.recent + self.older + self.beyond_threshold + self.unknown == 0
    }
}

/// One organization's part of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationHealth {
    /// Organization id.
    pub organization_id: crate::model::OrganizationId,
    /// Organization name.
    pub name: String,
    /// Its findings, worst first.
    pub findings: Vec<Finding>,
    /// Who holds the role through the chosen group.
    pub footprint: RoleFootprint,
    /// For the chart.
    pub ages: PasswordAges,
}

impl OrganizationHealth {
    /// The accounts of one exported list; `None` for the whole footprint.
    pub fn list_accounts(&self, list: HealthList) -> Option<&[String]> {
        self.findings
            .iter()
            .find(|f| f.list() == Some(list))
            .map(Finding::accounts)
    }

    /// The worst severity among its findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }
}

/// What the report is computed from.
#[derive(Debug)]
pub struct HealthInputs<'a> {
    /// The directory.
    pub directory: &'a Directory,
    /// The saved selections, by organization id.
    pub selections: &'a crate::model::Selections,
    /// (organization id, lower-cased UPN) of accounts pending review (R14).
    pub pending_review: &'a BTreeSet<(String, String)>,
    /// (organization id, lower-cased UPN) of saved accounts whose secret the last keyring
    /// check did not find; `None` before any check.
    pub missing_secrets: Option<&'a BTreeSet<(String, String)>>,
    /// Now.
    pub now: jiff::Timestamp,
    /// Passwords older than this are reported.
    pub max_age_days: u32,
    /// The backup applications of app-only organizations, by organization id.
    pub application_pools: &'a crate::model::application_pool::ApplicationPools,
    /// What the last look at the backup server found; `None` when none is connected.
    pub server: Option<&'a ServerFacts>,
}

/// The whole report: organizations that need attention first, the worst first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// One per organization with backup accounts or guidance.
    pub organizations: Vec<OrganizationHealth>,
}

impl HealthReport {
    /// Computes the report; costs one group resolution per configured organization.
    pub fn compute(inputs: &HealthInputs<'_>) -> Self {
        let mut organizations: Vec<OrganizationHealth> = inputs
            .directory
            .organizations
            .iter()
            .map(|o| organization_health(inputs, o))
            .filter(|h| !h.findings.is_empty() || !h.footprint.holders.is_empty())
            .collect();
        organizations.sort_by_key(|h| h.worst().unwrap_or(Severity::Notice));
        Self { organizations }
    }

    /// Every finding, organizations in report order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.organizations.iter().flat_map(|o| &o.findings)
    }

    /// True when a critical or warning finding exists (notices are advice only).
    pub fn needs_attention(&self) -> bool {
        self.findings().any(|f| f.severity < Severity::Notice)
    }
}

fn organization_health(
    inputs: &HealthInputs<'_>,
    organization: &Organization,
) -> OrganizationHealth {
    let mut findings = Vec::new();
    let mut ages = PasswordAges::default();
    let mut footprint = RoleFootprint::default();
    let id = &organization.id;
    let mut push = |severity, kind| {
        findings.push(Finding {
            severity,
            organization_id: id.clone(),
            kind,
        });
    };
    if organization.authentication != AuthenticationMethod::ModernAppOnly {
        push(Severity::Notice, FindingKind::LegacyAuthentication);
    }
    if let Some(pool) = inputs.application_pools.get(id.as_str()) {
        application_findings(organization, pool, inputs.now, &mut push);
    }
    if let Some(server) = inputs.server {
        let configured = inputs.selections.contains_key(id.as_str());
        server_findings(organization, server, configured, &mut push);
    }
    if let Some(selection) = inputs.selections.get(id.as_str()) {
        let mut unknown = Vec::new();
        let key = |upn: &str| (id.to_string(), upn.to_lowercase());
        for upn in &selection.accounts {
            if inputs
                .missing_secrets
                .is_some_and(|m| m.contains(&key(upn)))
            {
                push(Severity::Critical, FindingKind::SecretMissing(upn.clone()));
            }
            if inputs.pending_review.contains(&key(upn)) {
                push(Severity::Warning, FindingKind::PendingReview(upn.clone()));
            }
            let Some(record) = selection.passwords.get(upn) else {
                unknown.push(upn.clone());
                continue;
            };
            let mfa = organization.user(upn).is_some_and(|u| u.mfa_enabled);
            if mfa && !record.app_password {
                push(
                    Severity::Critical,
                    FindingKind::MfaWithoutAppPassword(upn.clone()),
                );
            }
            let days = inputs.now.duration_since(record.set).as_hours() / 24;
            ages.count(days, inputs.max_age_days);
            if days > i64::from(inputs.max_age_days) {
                push(
                    Severity::Warning,
                    FindingKind::PasswordOld {
                        upn: upn.clone(),
                        days,
                    },
                );
            }
        }
        ages.unknown = unknown.len();
        if !unknown.is_empty() {
            push(Severity::Notice, FindingKind::PasswordAgesUnknown(unknown));
        }
        if selection.accounts.len() > RECOMMENDED_POOL_SIZE {
            push(
                Severity::Notice,
                FindingKind::PoolLarger(selection.accounts.len()),
            );
        }
        footprint = RoleFootprint::of(organization, &selection.group_id);
        footprint_findings(organization, selection, &footprint, &mut push);
    }
    findings.sort_by_key(|f| f.severity);
    OrganizationHealth {
        organization_id: id.clone(),
        name: organization.name.clone(),
        findings,
        footprint,
        ages,
    }
}

/// The backup server's pool against the saved one, and settings it contradicts.
fn server_findings(
    organization: &Organization,
    server: &ServerFacts,
    configured: bool,
    push: &mut impl FnMut(Severity, FindingKind),
) {
    let standing = match &server.standings {
        Ok(standings) => standings.get(organization.id.as_str()),
        Err(reason) => {
            if configured {
                push(
                    Severity::Warning,
                    FindingKind::ServerUnreachable(reason.clone()),
                );
            }
            return;
        }
    };
    let app_only = organization.authentication == AuthenticationMethod::ModernAppOnly;
    let contradiction = |saved: &str, server: &str| FindingKind::ServerSettingsDiffer {
        saved: saved.to_owned(),
        server: server.to_owned(),
    };
    match standing {
        Some(ServerStanding::AppOnly { .. }) if !app_only => push(
            Severity::Warning,
            contradiction(
                organization.authentication.label(),
                AuthenticationMethod::ModernAppOnly.label(),
            ),
        ),
        Some(ServerStanding::AppOnly {
            added_with_application,
            applications,
        }) if applications.len() > 1 => push(
            Severity::Notice,
            FindingKind::ServerSharedThrottling {
                count: applications.len(),
                keep: added_with_application
                    .as_ref()
                    .filter(|id| applications.iter().any(|(app, _)| app == *id))
                    .cloned(),
            },
        ),
        Some(ServerStanding::Pool {
            added_by,
            comparison,
        }) => {
            if app_only {
                push(
                    Severity::Warning,
                    contradiction(
                        AuthenticationMethod::ModernAppOnly.label(),
                        "added with an account, not app-only",
                    ),
                );
            } else if let Some(account) = added_by
                && !same_upn(account, &organization.added_by)
            {
                push(
                    Severity::Warning,
                    contradiction(
                        &format!("added by {}", organization.added_by),
                        &format!("added by {account}"),
                    ),
                );
            }
            if !app_only && !comparison.matches() {
                push(
                    Severity::Warning,
                    FindingKind::ServerPoolDiffers(comparison.summary()),
                );
            }
        }
        _ => {}
    }
}

/// Guests and disabled users who hold the role, and members who are not accounts.
fn footprint_findings(
    organization: &Organization,
    selection: &OrganizationSelection,
    footprint: &RoleFootprint,
    push: &mut impl FnMut(Severity, FindingKind),
) {
    {
        let (mut inactive, mut unused) = (Vec::new(), Vec::new());
        let used: HashSet<String> = selection
            .accounts
            .iter()
            .map(|u| u.to_lowercase())
            .collect();
        for holder in &footprint.holders {
            let user = &organization.users[holder.user_index];
            if user.guest || !user.enabled {
                inactive.push(user.upn.to_string());
            } else if !used.contains(&user.upn.to_lowercase())
                && !same_upn(&user.upn, &organization.added_by)
            {
                unused.push(user.upn.to_string());
            }
        }
        if !inactive.is_empty() {
            push(
                Severity::Warning,
                FindingKind::InactiveRoleHolders(inactive),
            );
        }
        if !unused.is_empty() {
            push(Severity::Notice, FindingKind::UnusedMembers(unused));
        }
    }
}

/// Certificates missing, expired or expiring soon, and a pool of more than one (R15).
fn application_findings(
    organization: &Organization,
    pool: &ApplicationPool,
    now: jiff::Timestamp,
    push: &mut impl FnMut(Severity, FindingKind),
) {
    for pooled in &pool.applications {
        let application = organization
            .applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(&pooled.app_id))
            .map_or_else(|| pooled.app_id.to_string(), |a| a.display_name.clone());
        let Some(certificate) = &pooled.certificate else {
            push(
                Severity::Warning,
                FindingKind::CertificateMissing(application),
            );
            continue;
        };
        let date = date(certificate.expires);
        match Expiry::of(certificate.expires, now) {
            Expiry::Expired => push(
                Severity::Critical,
                FindingKind::CertificateExpired { application, date },
            ),
            Expiry::Soon => push(
                Severity::Warning,
                FindingKind::CertificateExpiring { application, date },
            ),
            Expiry::Later => {}
        }
    }
    if pool.applications.len() > 1 {
        push(
            Severity::Notice,
            FindingKind::SharedThrottling(pool.applications.len()),
        );
    }
}
