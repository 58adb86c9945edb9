//! What the manager's draft shows and returns: rows, previews, prompts, refusals and the
//! commit plan.

use crate::model::directory::GroupKind;
use crate::model::ids::GroupId;
use crate::model::password::Password;
use crate::model::rules::{AccountRefusal, GroupRefusal, ManageRefusal};
use crate::model::selection::OrganizationSelection;

/// Whether an account's password is known.
#[derive(Debug)]
pub enum PasswordState {
    /// No password yet: the Password column reads *Not configured*.
    NotConfigured,
    /// A password saved in the keyring by an earlier visit.
    Stored,
    /// A password typed during this visit, not yet saved.
    Entered(Password),
}

impl PasswordState {
    /// True when the Password column reads *Configured*.
    pub fn is_configured(&self) -> bool {
        !matches!(self, Self::NotConfigured)
    }
}

/// One member of the chosen group, as a row of *Select accounts and configure their passwords*.
#[derive(Debug)]
pub struct AccountRow {
    /// Index into the organization's `users`.
    pub user_index: usize,
    /// Whether the box is checked.
    pub checked: bool,
    /// The password column.
    pub password: PasswordState,
    /// Why the account cannot be checked, if it cannot (R6, R12).
    pub refusal: Option<AccountRefusal>,
}

/// The group chosen in this visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenGroup {
    /// Group id.
    pub id: GroupId,
    /// Group name.
    pub display_name: String,
}

/// What the Select Security Group window shows before *Add* (R4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupPreview {
    /// Group name.
    pub display_name: String,
    /// The group's kind.
    pub kind: GroupKind,
    /// User members, nested groups resolved: all of them get the Site Collection
    /// Administrator role (R4).
    pub member_count: usize,
    /// Why *Add* is refused, if it is (R2, R3).
    pub refusal: Option<GroupRefusal>,
}

/// What the Add Password window asks for (R8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordPrompt {
    /// "Add Password", or "Edit Password" once one is set.
    pub title: &'static str,
    /// The account's display name.
    pub display_name: String,
    /// The account's UPN.
    pub upn: String,
    /// MFA is enabled, so a Microsoft Entra application password is needed instead.
    pub app_password_required: bool,
    /// The directory could not tell MFA for sure (an import without an MFA report), so the
    /// administrator may say the account does not use it.
    pub mfa_correctable: bool,
}

/// Everything [`ManagerDraft`] can refuse.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// R1.
    #[error(transparent)]
    CannotManage(#[from] ManageRefusal),
    /// R2, R3.
    #[error(transparent)]
    GroupRefused(#[from] GroupRefusal),
    /// R6, R12.
    #[error("{upn}: {reason}")]
    AccountRefused {
        /// The account.
        upn: String,
        /// Why.
        reason: AccountRefusal,
    },
    /// R8.
    #[error("The password is empty. Type the account's password{}.", if *.app_password { " (an app password, since MFA is enabled)" } else { "" })]
    EmptyPassword {
        /// Whether an app password is expected.
        app_password: bool,
    },
    /// R7.
    #[error(
        "Every checked account needs a password. Click Not configured next to {} to add one, \
         or uncheck {}.",
        .accounts.join(", "),
        if .accounts.len() == 1 { "it" } else { "them" }
    )]
    MissingPasswords {
        /// UPNs of checked accounts without a password.
        accounts: Vec<String>,
    },
    /// The organization is not in the directory.
    #[error("Organization {0} is not in the directory. Reload the directory and try again.")]
    UnknownOrganization(String),
    /// The group is not in the organization.
    #[error("Group {0} is not in this organization's directory. Reload the directory.")]
    UnknownGroup(String),
    /// The account is not a member of the chosen group.
    #[error("{0} is not a member of the chosen group. Choose a group that contains it.")]
    NotAMember(String),
    /// Backup applications are for modern app-only organizations only (R1).
    #[error(
        "{0} does not use modern app-only authentication, so it has no backup applications. \
         Use Manage backup accounts... instead."
    )]
    NotAppOnly(String),
}

/// What a successful commit asks the stores to do (R9, R11).
#[derive(Debug)]
pub struct CommitPlan {
    /// Organization id.
    pub organization_id: crate::model::OrganizationId,
    /// Secrets to write: (UPN, password).
    pub secrets_to_store: Vec<(String, Password)>,
    /// Those of `secrets_to_store` given as app passwords (the account uses MFA, R8).
    pub app_passwords: Vec<String>,
    /// UPNs whose secrets must be deleted: unchecked, or dropped with the previous group (R11).
    pub secrets_to_delete: Vec<String>,
    /// The organization's new saved selection; `None` when no group is chosen.
    pub selection: Option<OrganizationSelection>,
    /// Accounts the administrator said do not use MFA during this visit.
    pub mfa_not_enabled: Vec<String>,
    /// For the Backup Applications Manager: the organization's new pool, saved instead of an
    /// account selection; its secrets are named by application id (certificate keys).
    pub application_pool: Option<crate::model::application_pool::ApplicationPool>,
}

/// What OK in the manager would change, shown before saving when it removes accounts or
/// changes the group (R14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitSummary {
    /// Organization name.
    pub organization: String,
    /// Accounts checked in this visit that were not saved before.
    pub added: Vec<String>,
    /// Saved accounts that stay checked.
    pub kept: Vec<String>,
    /// Saved accounts that are dropped; their secrets are deleted (R11).
    pub removed: Vec<String>,
    /// The group saved before, when this visit chose another one.
    pub previous_group: Option<String>,
    /// The chosen group's name, if one is chosen.
    pub group: Option<String>,
    /// Users who hold the Site Collection Administrator role through the group (R4).
    pub role_holders: usize,
}

impl CommitSummary {
    /// True when the commit deletes secrets or changes the group, so it needs consent.
    pub fn needs_consent(&self) -> bool {
        !self.removed.is_empty() || self.previous_group.is_some()
    }
}
