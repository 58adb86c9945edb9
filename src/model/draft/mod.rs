//! The Backup Accounts Manager's draft: every change of one visit, validated, and nothing
//! saved until [`ManagerDraft::commit`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

mod commit;
mod types;

pub use types::{
    AccountRow, ChosenGroup, CommitPlan, CommitSummary, DraftError, GroupPreview, PasswordPrompt,
    PasswordState,
};

use super::directory::{Directory, Organization};
use super::password::Password;
use super::rules::{
    check_account_eligible, check_can_manage_backup_accounts, check_group_eligible,
};
use super::selection::OrganizationSelection;

/// The manager's working copy for one organization.
#[derive(Debug)]
pub struct ManagerDraft {
    directory: Arc<Directory>,
    organization_index: usize,
    saved: Option<OrganizationSelection>,
    group: Option<ChosenGroup>,
    rows: Vec<AccountRow>,
    /// Row of each member, by position in the organization's `users`: finding an account's
    /// row is one look-up, not a scan of fifty thousand rows.
    row_of_user: HashMap<usize, usize>,
    /// Whether MFA corrections are allowed (imported organizations without an MFA report).
    mfa_correctable: bool,
    /// Lower-cased UPNs said, during this visit, not to use MFA.
    mfa_not_enabled: BTreeSet<String>,
    /// How many rows are checked, kept with every change: the manager shows it every frame.
    checked_count: usize,
}

impl ManagerDraft {
    /// Opens the manager for an organization from its saved selection (R1 checked here).
    /// Saved accounts that are still eligible members start checked with a stored password.
    pub fn open(
        directory: Arc<Directory>,
        organization_id: &str,
        saved: Option<&OrganizationSelection>,
    ) -> Result<Self, DraftError> {
        let organization_index = directory
            .organization_index(organization_id)
            .ok_or_else(|| DraftError::UnknownOrganization(organization_id.to_owned()))?;
        check_can_manage_backup_accounts(&directory.organizations[organization_index])?;
        let mfa_correctable = !directory.organizations[organization_index].mfa_reported;
        let mut draft = Self {
            directory,
            organization_index,
            saved: saved.cloned(),
            group: None,
            rows: Vec::new(),
            row_of_user: HashMap::new(),
            mfa_correctable,
            mfa_not_enabled: BTreeSet::new(),
            checked_count: 0,
        };
        if let Some(selection) = saved
            && let Some(group) = draft.organization().group(&selection.group_id)
        {
            draft.group = Some(ChosenGroup {
                id: group.id.clone(),
                display_name: group.display_name.clone(),
            });
            let rows = draft.rows_for_group(&selection.group_id);
            draft.set_rows(rows);
            // By position in `users`: no lower-cased copy of every member's UPN.
            let organization = &draft.directory.organizations[organization_index];
            let saved_users: std::collections::HashSet<usize> = selection
                .accounts
                .iter()
                .filter_map(|upn| organization.user_index(upn))
                .collect();
            for row in &mut draft.rows {
                if row.refusal.is_none() && saved_users.contains(&row.user_index) {
                    row.checked = true;
                    row.password = PasswordState::Stored;
                }
            }
            draft.recount();
        }
        Ok(draft)
    }

    /// The organization being managed.
    pub fn organization(&self) -> &Organization {
        &self.directory.organizations[self.organization_index]
    }

    /// The group chosen so far.
    pub fn group(&self) -> Option<&ChosenGroup> {
        self.group.as_ref()
    }

    /// The group's members as rows, sorted by display name.
    pub fn rows(&self) -> &[AccountRow] {
        &self.rows
    }

    /// How many rows are checked.
    pub fn checked_count(&self) -> usize {
        self.checked_count
    }

    fn recount(&mut self) {
        self.checked_count = self.rows.iter().filter(|r| r.checked).count();
    }

    /// Checks or unchecks a row, keeping the count.
    fn check_row(&mut self, index: usize, checked: bool) {
        let row = &mut self.rows[index];
        if row.checked != checked {
            row.checked = checked;
            if checked {
                self.checked_count += 1;
            } else {
                self.checked_count -= 1;
            }
        }
    }

    /// R2, R3, R4: what choosing this group would mean, before *Add*.
    pub fn preview_group(&self, group_id: &str) -> Result<GroupPreview, DraftError> {
        let group = self
            .organization()
            .group(group_id)
            .ok_or_else(|| DraftError::UnknownGroup(group_id.to_owned()))?;
        Ok(GroupPreview {
            display_name: group.display_name.clone(),
            kind: group.kind(),
            member_count: self.organization().resolve_user_members(group_id).len(),
            refusal: check_group_eligible(group).err(),
        })
    }

    /// Chooses the group (R2, R3). Members of the new group keep their check and password
    /// from this visit; checked accounts outside it are dropped and returned (R11).
    pub fn choose_group(&mut self, group_id: &str) -> Result<Vec<String>, DraftError> {
        let group = self
            .organization()
            .group(group_id)
            .ok_or_else(|| DraftError::UnknownGroup(group_id.to_owned()))?;
        check_group_eligible(group)?;
        let chosen = ChosenGroup {
            id: group.id.clone(),
            display_name: group.display_name.clone(),
        };
        let mut new_rows = self.rows_for_group(group_id);
        let position_of_user: HashMap<usize, usize> = new_rows
            .iter()
            .enumerate()
            .map(|(position, row)| (row.user_index, position))
            .collect();
        let mut dropped = Vec::new();
        for old in std::mem::take(&mut self.rows) {
            match position_of_user.get(&old.user_index) {
                Some(&position) => {
                    let new = &mut new_rows[position];
                    new.checked = old.checked;
                    new.password = old.password;
                }
                None if old.checked => {
                    dropped.push(self.organization().users[old.user_index].upn.to_string());
                }
                None => {}
            }
        }
        self.set_rows(new_rows);
        self.recount();
        self.group = Some(chosen);
        Ok(dropped)
    }

    fn rows_for_group(&self, group_id: &str) -> Vec<AccountRow> {
        let organization = self.organization();
        organization
            .resolve_user_members(group_id)
            .into_iter()
            .map(|user_index| AccountRow {
                user_index,
                checked: false,
                password: PasswordState::NotConfigured,
                refusal: check_account_eligible(organization, &organization.users[user_index])
                    .err(),
            })
            .collect()
    }

    fn set_rows(&mut self, rows: Vec<AccountRow>) {
        self.row_of_user = rows
            .iter()
            .enumerate()
            .map(|(row, account)| (account.user_index, row))
            .collect();
        self.rows = rows;
    }

    fn row_index(&self, upn: &str) -> Result<usize, DraftError> {
        self.organization()
            .user_index(upn)
            .and_then(|user| self.row_of_user.get(&user).copied())
            .ok_or_else(|| DraftError::NotAMember(upn.to_owned()))
    }

    /// True when the account is a member of the chosen group, usable or not.
    pub fn is_member(&self, upn: &str) -> bool {
        self.row_index(upn).is_ok()
    }

    /// Checks or unchecks an account (R6, R12 refuse checking an ineligible one).
    pub fn set_checked(&mut self, upn: &str, checked: bool) -> Result<(), DraftError> {
        let index = self.row_index(upn)?;
        let row = &mut self.rows[index];
        if checked && let Some(reason) = &row.refusal {
            return Err(DraftError::AccountRefused {
                upn: upn.to_owned(),
                reason: reason.clone(),
            });
        }
        self.check_row(index, checked);
        Ok(())
    }

    /// Says whether an account uses MFA after all; only where corrections are allowed.
    pub fn set_mfa_not_enabled(&mut self, upn: &str, not_enabled: bool) -> Result<(), DraftError> {
        self.row_index(upn)?;
        if self.mfa_correctable {
            if not_enabled {
                self.mfa_not_enabled.insert(upn.to_lowercase());
            } else {
                self.mfa_not_enabled.remove(&upn.to_lowercase());
            }
        }
        Ok(())
    }

    fn uses_mfa(&self, upn: &str, directory_says: bool) -> bool {
        directory_says && !self.mfa_not_enabled.contains(&upn.to_lowercase())
    }

    /// What the password window should ask for this account (R8).
    pub fn password_prompt(&self, upn: &str) -> Result<PasswordPrompt, DraftError> {
        let row = &self.rows[self.row_index(upn)?];
        let user = &self.organization().users[row.user_index];
        Ok(PasswordPrompt {
            title: if row.password.is_configured() {
                "Edit Password"
            } else {
                "Add Password"
            },
            display_name: user.display_name.clone(),
            upn: user.upn.to_string(),
            app_password_required: self.uses_mfa(&user.upn, user.mfa_enabled),
            mfa_correctable: self.mfa_correctable && user.mfa_enabled,
        })
    }

    /// Sets an account's password for this visit and checks the account (R8 refuses an
    /// empty one; R6, R12 refuse an ineligible account).
    pub fn set_password(&mut self, upn: &str, password: Password) -> Result<(), DraftError> {
        let index = self.row_index(upn)?;
        let row = &self.rows[index];
        if let Some(reason) = &row.refusal {
            return Err(DraftError::AccountRefused {
                upn: upn.to_owned(),
                reason: reason.clone(),
            });
        }
        if password.is_empty() {
            let user = &self.organization().users[row.user_index];
            return Err(DraftError::EmptyPassword {
                app_password: self.uses_mfa(&user.upn, user.mfa_enabled),
            });
        }
        self.rows[index].password = PasswordState::Entered(password);
        self.check_row(index, true);
        Ok(())
    }

    /// UPNs of checked accounts that still need a password (R7).
    pub fn accounts_missing_password(&self) -> Vec<String> {
        let users = &self.organization().users;
        self.rows
            .iter()
            .filter(|r| r.checked && !r.password.is_configured())
            .map(|r| users[r.user_index].upn.to_string())
            .collect()
    }
}
