//! The rules that decide what an administrator may choose. Every refusal says why and
//! what to do instead.

use super::directory::{AuthenticationMethod, Group, GroupKind, Organization, User};

/// Why *Manage backup accounts* is unavailable for an organization (R1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManageRefusal {
    /// App-only organizations back up through applications, not accounts.
    #[error(
        "{organization} was added with modern app-only authentication, which does not use \
         backup accounts. Use Manage backup applications... for this organization instead."
    )]
    AppOnly {
        /// Organization name.
        organization: String,
    },
}

/// R1: backup accounts apply to basic and modern-with-legacy-protocols organizations only.
pub fn check_can_manage_backup_accounts(organization: &Organization) -> Result<(), ManageRefusal> {
    match organization.authentication {
        AuthenticationMethod::Basic | AuthenticationMethod::ModernWithLegacyProtocols => Ok(()),
        AuthenticationMethod::ModernAppOnly => Err(ManageRefusal::AppOnly {
            organization: organization.name.clone(),
        }),
    }
}

/// Why a group cannot be chosen as the backup accounts group.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GroupRefusal {
    /// R2: mail-enabled security groups are not supported.
    #[error(
        "Mail-enabled security groups are not supported. Choose a security group that is not \
         mail-enabled, or create one in Microsoft Entra ID for the backup accounts."
    )]
    MailEnabledSecurity,
    /// R2: Microsoft 365, distribution and other groups are not security groups.
    #[error("{} is not a security group. Choose a security group.", .kind.label())]
    NotSecurity {
        /// The group's kind.
        kind: GroupKind,
    },
    /// R3: the *All Users* group would make every user a Site Collection Administrator.
    #[error(
        "The All Users group would grant the Site Collection Administrator role to every user. \
         Create a dedicated security group holding only the accounts to use for backup, then \
         select that group."
    )]
    AllUsers,
}

/// R2 and R3: whether a group may hold the backup accounts.
pub fn check_group_eligible(group: &Group) -> Result<(), GroupRefusal> {
    match group.kind() {
        GroupKind::Security => {}
        GroupKind::MailEnabledSecurity => return Err(GroupRefusal::MailEnabledSecurity),
        kind => return Err(GroupRefusal::NotSecurity { kind }),
    }
    if group.is_all_users() {
        return Err(GroupRefusal::AllUsers);
    }
    Ok(())
}

/// Whether the Select Security Group window lists a group at all: security groups, eligible
/// or not, are listed so the administrator sees why one cannot be chosen; Microsoft 365,
/// distribution and other groups are not offered (R2).
pub fn is_listed_in_group_picker(group: &Group) -> bool {
    matches!(
        group.kind(),
        GroupKind::Security | GroupKind::MailEnabledSecurity
    )
}

/// Why a member of the chosen group cannot be a backup account.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    /// R6: the organization's own adding account.
    #[error(
        "This is the account the organization was added with; it is never used as a backup \
         account. Choose another member of the group."
    )]
    AddingAccount,
    /// R12: guests belong to another tenant.
    #[error("Guest users cannot be backup accounts. Use a member account of this organization.")]
    Guest,
    /// R12: a disabled account cannot sign in.
    #[error(
        "This account is disabled in Microsoft Entra ID. Enable it there and reload the \
         directory, or choose another account."
    )]
    Disabled,
}

/// R6 and R12: whether a user may be checked as a backup account.
pub fn check_account_eligible(
    organization: &Organization,
    user: &User,
) -> Result<(), AccountRefusal> {
    if organization.is_adding_account(&user.upn) {
        Err(AccountRefusal::AddingAccount)
    } else if user.guest {
        Err(AccountRefusal::Guest)
    } else if !user.enabled {
        Err(AccountRefusal::Disabled)
    } else {
        Ok(())
    }
}

impl ManageRefusal {
    /// The rule that refuses: R1.
    pub fn rule(&self) -> &'static str {
        "R1"
    }
}

impl GroupRefusal {
    /// The rule that refuses: R2 (not a plain security group) or R3 (All Users).
    pub fn rule(&self) -> &'static str {
        match self {
            Self::MailEnabledSecurity | Self::NotSecurity { .. } => "R2",
            Self::AllUsers => "R3",
        }
    }
}

impl AccountRefusal {
    /// The rule that refuses: R6 (the adding account) or R12 (guests, disabled accounts).
    pub fn rule(&self) -> &'static str {
        match self {
            Self::AddingAccount => "R6",
            Self::Guest | Self::Disabled => "R12",
        }
    }
}
