//! What is saved per organization: the chosen group and the checked accounts.

use serde::{Deserialize, Serialize};

/// The saved backup-accounts choice of one organization. Never holds a password (R10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSelection {
    /// Id of the chosen security group.
    pub group_id: String,
    /// The group's name when it was chosen, so the choice stays readable if the group
    /// disappears from the directory.
    pub group_name: String,
    /// UPNs of the checked accounts, sorted; each has a secret in the keyring.
    pub accounts: Vec<String>,
}
