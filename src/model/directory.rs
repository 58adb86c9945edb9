//! The directory snapshot: organizations with their users and groups, as read from a file.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// How an organization was added to the backup server; decides whether backup accounts apply (R1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthenticationMethod {
    /// Basic authentication (user name and password).
    Basic,
    /// Modern authentication with legacy protocols allowed.
    ModernWithLegacyProtocols,
    /// Modern app-only authentication: uses backup applications, never backup accounts.
    ModernAppOnly,
}

impl AuthenticationMethod {
    /// The wording administrators see in the console.
    pub fn label(self) -> &'static str {
        match self {
            Self::Basic => "Basic authentication",
            Self::ModernWithLegacyProtocols => "Modern authentication (legacy protocols allowed)",
            Self::ModernAppOnly => "Modern app-only authentication",
        }
    }
}

/// A user of an organization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User principal name, e.g. `alice@contoso.com`; unique within the organization, compared
    /// without regard to case as Microsoft Entra ID does.
    pub upn: String,
    /// The name people read.
    pub display_name: String,
    /// Multi-factor authentication is enabled: such accounts need an app password (R8).
    #[serde(default)]
    pub mfa_enabled: bool,
    /// A guest from another tenant (R12).
    #[serde(default)]
    pub guest: bool,
    /// Sign-in is allowed (R12).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

fn reported() -> bool {
    true
}

fn is_reported(reported: &bool) -> bool {
    *reported
}

/// A direct member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Member {
    /// A user, by UPN.
    User(String),
    /// A nested group, by id.
    Group(String),
}

/// A group of an organization, with the flags Microsoft Graph reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Object id, unique within the organization.
    pub id: String,
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

/// One Microsoft 365 organization and its directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Stable id, used in configuration and keyring entries; must not contain `/`.
    pub id: String,
    /// The name people read.
    pub name: String,
    /// How the organization was added (R1).
    pub authentication: AuthenticationMethod,
    /// UPN of the account the organization was added with; never a backup account (R6).
    pub added_by: String,
    /// Every user.
    #[serde(default)]
    pub users: Vec<User>,
    /// Every group, of every kind.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Whether each user's MFA flag comes from a report. An import without one assumes MFA
    /// everywhere (the safe default) and lets the administrator correct it per account.
    #[serde(default = "reported", skip_serializing_if = "is_reported")]
    pub mfa_reported: bool,
    #[serde(skip)]
    index: OrganizationIndex,
}

#[derive(Clone, Debug, Default)]
struct OrganizationIndex {
    user_by_upn: UpnIndex,
    group_by_id: HashMap<String, usize>,
}

/// True when two UPNs are the same account: Microsoft Entra ID compares them without regard
/// to case.
pub fn same_upn(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// UPN to position in `users`, compared without regard to case, without keeping a
/// lower-cased copy of each UPN (a million users would spend about 80 MB on the copies).
#[derive(Clone, Default)]
struct UpnIndex {
    table: hashbrown::HashTable<usize>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl std::fmt::Debug for UpnIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpnIndex")
            .field("users", &self.table.len())
            .finish()
    }
}

impl UpnIndex {
    /// The hash of the lower-cased UPN; ASCII UPNs (nearly all) are lower-cased on the
    /// stack, in one pass.
    fn hash(hasher: &hashbrown::DefaultHashBuilder, upn: &str) -> u64 {
        use std::hash::BuildHasher as _;
        let mut buffer = [0_u8; 128];
        if upn.is_ascii() && upn.len() <= buffer.len() {
            let lowered = &mut buffer[..upn.len()];
            lowered.copy_from_slice(upn.as_bytes());
            lowered.make_ascii_lowercase();
            hasher.hash_one(&*lowered)
        } else {
            hasher.hash_one(upn.to_lowercase().as_bytes())
        }
    }

    fn find(&self, users: &[User], upn: &str) -> Option<usize> {
        self.table
            .find(Self::hash(&self.hasher, upn), |&i| {
                same_upn(&users[i].upn, upn)
            })
            .copied()
    }

    /// Adds `users[position]`; false when its UPN is already there.
    fn insert(&mut self, users: &[User], position: usize) -> bool {
        let upn = &users[position].upn;
        let hasher = &self.hasher;
        match self.table.entry(
            Self::hash(hasher, upn),
            |&i| same_upn(&users[i].upn, upn),
            |&i| Self::hash(hasher, &users[i].upn),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(position);
                true
            }
        }
    }
}

impl Organization {
    /// Builds an organization and its look-up index, checking that every reference resolves.
    pub fn new(
        id: String,
        name: String,
        authentication: AuthenticationMethod,
        added_by: String,
        users: Vec<User>,
        groups: Vec<Group>,
    ) -> Result<Self, DirectoryError> {
        let mut organization = Self {
            id,
            name,
            authentication,
            added_by,
            users,
            groups,
            mfa_reported: true,
            index: OrganizationIndex::default(),
        };
        organization.build_index()?;
        Ok(organization)
    }

    fn build_index(&mut self) -> Result<(), DirectoryError> {
        let invalid = |object: String, problem: String| DirectoryError::Invalid {
            organization: self.id.clone(),
            object,
            problem,
        };
        if self.id.is_empty() || self.id.contains('/') {
            return Err(invalid(
                format!("organization \"{}\"", self.name),
                "the id must be non-empty and must not contain '/'".into(),
            ));
        }
        let mut index = OrganizationIndex::default();
        index.user_by_upn.table.reserve(self.users.len(), |_| 0);
        for (position, user) in self.users.iter().enumerate() {
            if user.upn.trim().is_empty() {
                return Err(invalid(
                    format!("user #{}", position + 1),
                    "the UPN is empty".into(),
                ));
            }
            if !index.user_by_upn.insert(&self.users, position) {
                return Err(invalid(
                    format!("user {}", user.upn),
                    "this UPN appears twice".into(),
                ));
            }
        }
        for (position, group) in self.groups.iter().enumerate() {
            if index
                .group_by_id
                .insert(group.id.clone(), position)
                .is_some()
            {
                return Err(invalid(
                    format!("group {} ({})", group.display_name, group.id),
                    "this group id appears twice".into(),
                ));
            }
        }
        for group in &self.groups {
            for member in &group.members {
                let found = match member {
                    Member::User(upn) => index.user_by_upn.find(&self.users, upn).is_some(),
                    Member::Group(id) => index.group_by_id.contains_key(id),
                };
                if !found {
                    return Err(invalid(
                        format!("group {} ({})", group.display_name, group.id),
                        format!("member {member:?} is not in this organization's directory"),
                    ));
                }
            }
        }
        self.index = index;
        Ok(())
    }

    /// The user with this UPN, compared without regard to case.
    pub fn user(&self, upn: &str) -> Option<&User> {
        self.index
            .user_by_upn
            .find(&self.users, upn)
            .map(|i| &self.users[i])
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.index.group_by_id.get(id).map(|&i| &self.groups[i])
    }

    /// True when `upn` is the account the organization was added with (R6).
    pub fn is_adding_account(&self, upn: &str) -> bool {
        same_upn(&self.added_by, upn)
    }

    /// Indices into `users` of every user member of the group, nested groups resolved (R5),
    /// each once, sorted by display name then UPN. Cycles in nesting are visited once.
    pub fn resolve_user_members(&self, group_id: &str) -> Vec<usize> {
        let Some(&start) = self.index.group_by_id.get(group_id) else {
            return Vec::new();
        };
        let mut visited_groups = HashSet::from([start]);
        let mut seen_users = HashSet::new();
        let mut pending = vec![start];
        let mut users = Vec::new();
        while let Some(group_index) = pending.pop() {
            for member in &self.groups[group_index].members {
                match member {
                    Member::User(upn) => {
                        if let Some(u) = self.index.user_by_upn.find(&self.users, upn)
                            && seen_users.insert(u)
                        {
                            users.push(u);
                        }
                    }
                    Member::Group(id) => {
                        if let Some(&g) = self.index.group_by_id.get(id)
                            && visited_groups.insert(g)
                        {
                            pending.push(g);
                        }
                    }
                }
            }
        }
        users.sort_by_cached_key(|&u| {
            let user = &self.users[u];
            (user.display_name.to_lowercase(), user.upn.to_lowercase())
        });
        users
    }
}

/// The whole snapshot: every organization the backup server knows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// Organizations in display order.
    pub organizations: Vec<Organization>,
}

/// Why a directory snapshot could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The text is not a valid snapshot.
    #[error("{source_name}:{line}:{column}: {message}")]
    Parse {
        /// The file (or "built-in demo directory").
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The snapshot parses but refers to something that is not there.
    #[error("organization {organization}, {object}: {problem}")]
    Invalid {
        /// Organization id.
        organization: String,
        /// The offending user, group or organization.
        object: String,
        /// What is wrong and what is expected.
        problem: String,
    },
}

impl Directory {
    /// Parses a RON snapshot; `source_name` names the file in error messages.
    pub fn from_ron(text: &str, source_name: &str) -> Result<Self, DirectoryError> {
        let mut directory: Directory = ron::from_str(text).map_err(|e| {
            let (line, column) = ron_error_position(text, &e);
            DirectoryError::Parse {
                source_name: source_name.to_owned(),
                line,
                column,
                message: e.code.to_string(),
            }
        })?;
        let mut ids = HashSet::new();
        for organization in &mut directory.organizations {
            if !ids.insert(organization.id.clone()) {
                return Err(DirectoryError::Invalid {
                    organization: organization.id.clone(),
                    object: format!("organization \"{}\"", organization.name),
                    problem: "this organization id appears twice".into(),
                });
            }
            organization.build_index()?;
        }
        Ok(directory)
    }

    /// The demo snapshot that ships in `assets/`, used when no other directory is given.
    pub fn demo() -> Self {
        // The asset is checked by a unit test, so a broken file never ships.
        Self::from_ron(DEMO_DIRECTORY, DEMO_SOURCE_NAME).unwrap_or_default()
    }

    /// The organization with this id.
    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }
}

/// The bundled demo snapshot's text.
pub const DEMO_DIRECTORY: &str = include_str!("../../assets/demo-directory.ron");
/// How the bundled demo snapshot is named in messages.
pub const DEMO_SOURCE_NAME: &str = "built-in demo directory (assets/demo-directory.ron)";

/// 1-based line and column of a RON error, moved past the whitespace the parser stops on, so
/// it points at the offending token.
pub(crate) fn ron_error_position(text: &str, error: &ron::error::SpannedError) -> (usize, usize) {
    let (mut line, mut column) = (error.span.start.line, error.span.start.col);
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return (line, column);
    };
    let rest = line_text.chars().skip(column.saturating_sub(1));
    let skipped = rest.take_while(|c| c.is_whitespace()).count();
    if column + skipped <= line_text.chars().count() {
        column += skipped;
    } else {
        // Only whitespace left on this line: point at the next token, wherever it is.
        for (offset, next) in text.lines().skip(line).enumerate() {
            if let Some(position) = next.chars().position(|c| !c.is_whitespace()) {
                line += offset + 1;
                column = position + 1;
                break;
            }
        }
    }
    (line, column)
}
