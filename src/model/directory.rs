//! The directory snapshot: organizations with their users and groups, as read from a file.

use std::collections::{HashMap, HashSet};

use super::ids::{GroupId, OrganizationId, Upn};
use serde::{Deserialize, Serialize};

use super::application::Application;
pub use super::group::{Group, GroupKind, Member};
pub use super::upn::same_upn;
use super::upn::{HasUpn, UpnIndex};

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
    pub upn: Upn,
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

impl HasUpn for User {
    fn upn(&self) -> &str {
        &self.upn
    }
}

fn enabled_by_default() -> bool {
    true
}

fn reported() -> bool {
    true
}

/// One Microsoft 365 organization and its directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Stable id, used in configuration and keyring entries; must not contain `/`.
    pub id: OrganizationId,
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
    #[serde(default = "reported")]
    pub mfa_reported: bool,
    /// The tenant's applications; app-only organizations use them as backup applications.
    #[serde(default)]
    pub applications: Vec<Application>,
    /// App-only organizations: the application (client) id the organization was added with,
    /// which always stays in its pool (R15).
    #[serde(default)]
    pub added_with_application: Option<String>,
    #[serde(skip)]
    index: OrganizationIndex,
}

#[derive(Clone, Debug, Default)]
struct OrganizationIndex {
    user_by_upn: UpnIndex,
    group_by_id: HashMap<GroupId, usize>,
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
            id: id.into(),
            name,
            authentication,
            added_by,
            users,
            groups,
            mfa_reported: true,
            applications: Vec::new(),
            added_with_application: None,
            index: OrganizationIndex::default(),
        };
        organization.build_index(true)?;
        Ok(organization)
    }

    fn build_index(&mut self, check_members: bool) -> Result<(), DirectoryError> {
        let invalid = |object: String, problem: String| DirectoryError::Invalid {
            organization: self.id.to_string(),
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
        index.user_by_upn.reserve(self.users.len());
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
        // R6 needs to know the adding account: a directory that does not hold it could offer
        // that very account as a backup account under another spelling.
        if index
            .user_by_upn
            .find(&self.users, &self.added_by)
            .is_none()
        {
            return Err(invalid(
                format!("organization \"{}\"", self.name),
                format!(
                    "the adding account {} is not a user of this organization",
                    self.added_by
                ),
            ));
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
        self.check_applications()?;
        for group in self.groups.iter().filter(|_| check_members) {
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

    /// Application ids are unique, and the application the organization was added with is
    /// one of them (R15 keeps it in the pool).
    fn check_applications(&self) -> Result<(), DirectoryError> {
        let invalid = |object: String, problem: String| DirectoryError::Invalid {
            organization: self.id.to_string(),
            object,
            problem,
        };
        let mut app_ids = HashSet::new();
        for application in &self.applications {
            if !app_ids.insert(application.app_id.to_lowercase()) {
                return Err(invalid(
                    format!("application {}", application.display_name),
                    format!("the application id {} appears twice", application.app_id),
                ));
            }
        }
        match &self.added_with_application {
            Some(added_with) if !app_ids.contains(&added_with.to_lowercase()) => Err(invalid(
                format!("organization \"{}\"", self.name),
                format!("the application it was added with, {added_with}, is not listed"),
            )),
            _ => Ok(()),
        }
    }

    /// The position in `users` of the user with this UPN, compared without regard to case.
    pub fn user_index(&self, upn: &str) -> Option<usize> {
        self.index.user_by_upn.find(&self.users, upn)
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
        self.group_index(id).map(|i| &self.groups[i])
    }

    /// The position in `groups` of the group with this id.
    pub fn group_index(&self, id: &str) -> Option<usize> {
        self.index.group_by_id.get(id).copied()
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
    /// Checks a deserialized snapshot and builds its look-up indexes: organization ids are
    /// unique, and every organization passes [`Organization::new`]'s checks.
    pub fn validated(self) -> Result<Self, DirectoryError> {
        self.indexed(true)
    }

    /// Builds the look-up indexes of a directory this app validated before (its own parsed
    /// copy): ids and UPNs are still checked, member references are not looked up again, since
    /// every look-up by reference already tolerates a missing target.
    pub fn reindexed(self) -> Result<Self, DirectoryError> {
        self.indexed(false)
    }

    fn indexed(mut self, check_members: bool) -> Result<Self, DirectoryError> {
        let mut ids = HashSet::new();
        for organization in &mut self.organizations {
            if !ids.insert(organization.id.clone()) {
                return Err(DirectoryError::Invalid {
                    organization: organization.id.to_string(),
                    object: format!("organization \"{}\"", organization.name),
                    problem: "this organization id appears twice".into(),
                });
            }
            organization.build_index(check_members)?;
        }
        Ok(self)
    }

    /// The organization with this id.
    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organization_index(id).map(|i| &self.organizations[i])
    }

    /// The position in `organizations` of the organization with this id.
    pub fn organization_index(&self, id: &str) -> Option<usize> {
        self.organizations.iter().position(|o| o.id == id)
    }
}
