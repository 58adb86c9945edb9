//! R5: when the directory changes, saved backup accounts that are no longer usable members of
//! their group are dropped, their secrets deleted and their Site Collection Administrator role
//! revoked.

use std::sync::Arc;

use super::directory::Directory;
use super::draft::{CommitPlan, ManagerDraft};
use super::selection::Selections;

/// Why a saved account is dropped when the directory changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationReason {
    /// No longer a member of the group, directly or through nesting.
    LeftGroup,
    /// Disabled in the directory.
    Disabled,
    /// No longer in the directory.
    Deleted,
    /// Still a member, but no longer usable (became a guest or the adding account).
    NoLongerEligible,
    /// The chosen group itself disappeared, so the organization has no backup group.
    GroupGone,
}

impl RevocationReason {
    /// The reason as the administrator reads it, completing "<account> ...".
    pub fn describe(self, group: &str) -> String {
        match self {
            Self::LeftGroup => format!("left {group}"),
            Self::Disabled => "was disabled".to_owned(),
            Self::Deleted => "was deleted from the directory".to_owned(),
            Self::NoLongerEligible => "can no longer be a backup account".to_owned(),
            Self::GroupGone => format!(
                "was chosen from {group}, which no longer exists, so the organization has no \
                 backup group"
            ),
        }
    }
}

/// A backup account dropped because the directory changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// Organization id.
    pub organization_id: crate::model::OrganizationId,
    /// Organization name.
    pub organization: String,
    /// The account.
    pub upn: String,
    /// The group it was chosen from.
    pub group: String,
    /// Why.
    pub reason: RevocationReason,
}

impl std::fmt::Display for Revocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} {}; its Site Collection Administrator role is revoked and its password \
             deleted.",
            self.organization,
            self.upn,
            self.reason.describe(&self.group)
        )?;
        if self.reason == RevocationReason::GroupGone {
            f.write_str(" Choose another group with Manage backup accounts...")?;
        }
        Ok(())
    }
}

/// What a new directory means for the saved selections: the commit plans that drop every
/// account it no longer allows, and one [`Revocation`] per dropped account.
#[derive(Debug, Default)]
pub struct DepartedAccounts {
    /// One plan per organization whose saved selection changes.
    pub plans: Vec<CommitPlan>,
    /// Every account the plans drop, with the reason.
    pub revocations: Vec<Revocation>,
}

impl DepartedAccounts {
    /// Compares the saved selections with a directory (R5).
    pub fn find(directory: &Arc<Directory>, saved_selections: &Selections) -> Self {
        let mut departed = Self::default();
        for (organization_id, saved) in saved_selections {
            // An organization missing from this snapshot keeps its choice until it returns;
            // app-only organizations have no backup accounts to revoke.
            let Ok(draft) = ManagerDraft::open(directory.clone(), organization_id, Some(saved))
            else {
                continue;
            };
            let Ok(plan) = draft.commit() else {
                continue;
            };
            if plan.selection.as_ref() == Some(saved) {
                continue;
            }
            let organization = draft.organization();
            let group_gone = organization.group(&saved.group_id).is_none();
            for upn in &plan.secrets_to_delete {
                let reason = match organization.user(upn) {
                    _ if group_gone => RevocationReason::GroupGone,
                    None => RevocationReason::Deleted,
                    Some(user) if !user.enabled => RevocationReason::Disabled,
                    Some(_) if draft.is_member(upn) => RevocationReason::NoLongerEligible,
                    Some(_) => RevocationReason::LeftGroup,
                };
                departed.revocations.push(Revocation {
                    organization_id: organization.id.clone(),
                    organization: organization.name.clone(),
                    upn: upn.clone(),
                    group: saved.group_name.clone(),
                    reason,
                });
            }
            departed.plans.push(plan);
        }
        departed
    }

    /// True when the directory changes no saved selection.
    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }
}
