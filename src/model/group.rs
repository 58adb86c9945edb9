//! Groups of a directory and what kind each is, from Microsoft Graph's flags.

use super::ids::{GroupId, Upn};
use serde::{Deserialize, Serialize};

/// A direct member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Member {
    /// A user, by UPN.
    User(Upn),
    /// A nested group, by id.
    Group(GroupId),
}

/// A group of an organization, with the flags Microsoft Graph reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Object id, unique within the organization.
    pub id: GroupId,
    /// The name people read.
    pub display_name: String,
    /// Graph's `securityEnabled`.
    #[serde(default)]
    pub security_enabled: bool,
    /// Graph's `mailEnabled`.
    #[serde(default)]
    pub mail_enabled: bool,
    /// Graph's `groupTypes`, e.g. `Unified`, `DynamicMembership`.
    #[serde(default)]
    pub group_types: Vec<String>,
    /// Graph's `membershipRule` for dynamic groups.
    #[serde(default)]
    pub membership_rule: Option<String>,
    /// Direct members; nested groups are resolved by [`Organization::resolve_user_members`].
    #[serde(default)]
    pub members: Vec<Member>,
}

/// What kind of group this is, derived from Graph's flags the way Microsoft Entra ID does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// Security-enabled, not mail-enabled, not a Microsoft 365 group: the only kind offered (R2).
    Security,
    /// Security-enabled and mail-enabled: shown, but not supported (R2).
    MailEnabledSecurity,
    /// A Microsoft 365 (`Unified`) group.
    Microsoft365,
    /// Mail-enabled, not security-enabled.
    Distribution,
    /// Neither security- nor mail-enabled; nothing Microsoft 365 can grant a role to.
    Other,
}

impl GroupKind {
    /// The wording shown in the group list.
    pub fn label(self) -> &'static str {
        match self {
            Self::Security => "Security group",
            Self::MailEnabledSecurity => "Mail-enabled security group",
            Self::Microsoft365 => "Microsoft 365 group",
            Self::Distribution => "Distribution group",
            Self::Other => "Other group",
        }
    }
}

impl Group {
    /// The kind, from `groupTypes`, `securityEnabled` and `mailEnabled`.
    pub fn kind(&self) -> GroupKind {
        if self
            .group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
        {
            return GroupKind::Microsoft365;
        }
        match (self.security_enabled, self.mail_enabled) {
            (true, false) => GroupKind::Security,
            (true, true) => GroupKind::MailEnabledSecurity,
            (false, true) => GroupKind::Distribution,
            (false, false) => GroupKind::Other,
        }
    }

    /// Membership is computed by a rule rather than assigned.
    pub fn is_dynamic(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
    }

    /// The *All Users* group: by name, or by a dynamic rule that admits every user (R3).
    pub fn is_all_users(&self) -> bool {
        let named = self.display_name.trim().eq_ignore_ascii_case("All Users");
        let rule_admits_everyone = self
            .membership_rule
            .as_deref()
            .is_some_and(rule_admits_every_user);
        named || rule_admits_everyone
    }
}

/// True for the dynamic rules Microsoft documents for an "all users" group, such as
/// `(user.objectId -ne null)`, however they are spaced, cased or parenthesized.
fn rule_admits_every_user(rule: &str) -> bool {
    let normalized: String = rule
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .flat_map(char::to_lowercase)
        .collect();
    const EVERY_USER: [&str; 4] = [
        "user.objectid-nenull",
        "user.objectid-ne\"\"",
        "user.userprincipalname-nenull",
        "user.userprincipalname-ne\"\"",
    ];
    EVERY_USER.contains(&normalized.as_str())
}
