//! What is saved per organization: the chosen group and the checked accounts, and, for
//! organizations imported from Microsoft Graph, what Graph does not say about them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::directory::AuthenticationMethod;
use super::ids::OrganizationId;

/// The saved selections, by organization id.
pub type Selections = BTreeMap<OrganizationId, OrganizationSelection>;

/// The saved organization settings, by organization id.
pub type SettingsByOrganization = BTreeMap<OrganizationId, OrganizationSettings>;

/// The saved backup-accounts choice of one organization. Never holds a password (R10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSelection {
    /// Id of the chosen security group.
    pub group_id: crate::model::ids::GroupId,
    /// The group's name when it was chosen, so the choice stays readable if the group
    /// disappears from the directory.
    pub group_name: String,
    /// UPNs of the checked accounts, sorted; each has a secret in the keyring.
    pub accounts: Vec<String>,
    /// Per account of `accounts` (same spelling), when its password was last set and how.
    /// Accounts saved before schema 3 have none: their password's age is unknown.
    #[serde(default)]
    pub passwords: BTreeMap<String, PasswordRecord>,
}

/// What the configuration knows about an account's password; never the password (R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRecord {
    /// When it was stored in the keyring (UTC).
    pub set: jiff::Timestamp,
    /// Given as an app password, because the account used MFA then (R8).
    pub app_password: bool,
}

/// What Graph does not say about an imported organization, asked of the administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSettings {
    /// How the organization was added to the backup server (R1).
    pub authentication: AuthenticationMethod,
    /// The account it was added with (R6); must be a user of the tenant.
    pub added_by: String,
    /// Accounts the administrator says have no MFA, although no MFA report said so.
    #[serde(default)]
    pub mfa_not_enabled: BTreeSet<String>,
    /// App-only organizations: the application (client) id it was added with (R15).
    #[serde(default)]
    pub added_with_application: Option<String>,
}
