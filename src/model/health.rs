//! Health: what needs the administrator's attention after the accounts were chosen. Secrets
//! missing from the keyring, old passwords, MFA turned on after a password was set, accounts
//! pending review, who holds the Site Collection Administrator role through the group, and
//! the vendor's current guidance. Computed from the saved state only, never from a secret.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::directory::{AuthenticationMethod, Directory, Organization};
use super::group::Member;
use super::selection::OrganizationSelection;
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
    /// Exports the finding's accounts.
    Export,
}

/// One thing that needs attention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// How soon.
    pub severity: Severity,
    /// Organization id.
    pub organization_id: String,
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
        }
    }
}

/// "1 password was" or "3 passwords were".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A user who holds the Site Collection Administrator role through the chosen group, and the
/// group through which they are a member (the path is rebuilt from [`RoleFootprint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleHolder {
    /// Index into the organization's users.
    pub user_index: usize,
    /// Index into the organization's groups of the group that lists the user directly.
    pub via_group: usize,
}

/// Everyone who gets the role through an organization's chosen group (R4), nested groups
/// resolved, guests and disabled users included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleFootprint {
    /// One per user, in display-name order.
    pub holders: Vec<RoleHolder>,
    /// For each nested group reached, the group it was reached from (breadth first, so the
    /// shortest path).
    parent_group: HashMap<usize, usize>,
}

impl RoleFootprint {
    /// Resolves the group's members with the path to each.
    pub fn of(organization: &Organization, group_id: &str) -> Self {
        let Some(start) = organization.group_index(group_id) else {
            return Self::default();
        };
        let mut footprint = Self::default();
        let mut visited = HashSet::from([start]);
        let mut seen_users = HashSet::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(group) = queue.pop_front() {
            for member in &organization.groups[group].members {
                match member {
                    Member::User(upn) => {
                        if let Some(user_index) = organization.user_index(upn)
                            && seen_users.insert(user_index)
                        {
                            footprint.holders.push(RoleHolder {
                                user_index,
                                via_group: group,
                            });
                        }
                    }
                    Member::Group(id) => {
                        if let Some(nested) = organization.group_index(id)
                            && visited.insert(nested)
                        {
                            footprint.parent_group.insert(nested, group);
                            queue.push_back(nested);
                        }
                    }
                }
            }
        }
        footprint.holders.sort_by_cached_key(|h| {
            let user = &organization.users[h.user_index];
            (user.display_name.to_lowercase(), user.upn.to_lowercase())
        });
        footprint
    }

    /// "group > nested group > user" for a holder.
    pub fn path(&self, organization: &Organization, holder: RoleHolder) -> String {
        let mut groups = vec![holder.via_group];
        let mut current = holder.via_group;
        // Breadth-first parents form a tree, so this ends at the chosen group.
        while let Some(&parent) = self.parent_group.get(&current) {
            groups.push(parent);
            current = parent;
        }
        let mut path: Vec<&str> = groups
            .iter()
            .rev()
            .map(|&g| organization.groups[g].display_name.as_str())
            .collect();
        path.push(&organization.users[holder.user_index].upn);
        path.join(" > ")
    }
}

/// How old each saved password of an organization is, for the chart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswordAges {
    /// Ages in days of the passwords whose age is known.
    pub known_days: Vec<i64>,
    /// Passwords saved before ages were recorded.
    pub unknown: usize,
}

/// One organization's part of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationHealth {
    /// Organization id.
    pub organization_id: String,
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
    pub selections: &'a std::collections::BTreeMap<String, OrganizationSelection>,
    /// (organization id, lower-cased UPN) of accounts pending review (R14).
    pub pending_review: &'a BTreeSet<(String, String)>,
    /// (organization id, lower-cased UPN) of saved accounts whose secret the last keyring
    /// check did not find; `None` before any check.
    pub missing_secrets: Option<&'a BTreeSet<(String, String)>>,
    /// Now.
    pub now: jiff::Timestamp,
    /// Passwords older than this are reported.
    pub max_age_days: u32,
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
    if let Some(selection) = inputs.selections.get(id) {
        let mut unknown = Vec::new();
        let key = |upn: &str| (id.clone(), upn.to_lowercase());
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
            ages.known_days.push(days);
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
                inactive.push(user.upn.clone());
            } else if !used.contains(&user.upn.to_lowercase())
                && !same_upn(&user.upn, &organization.added_by)
            {
                unused.push(user.upn.clone());
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
