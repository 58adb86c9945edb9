//! What OK in the manager writes (R7, R9, R11) and what it shows before that (R14).

use std::collections::{BTreeSet, HashMap};

use super::{CommitPlan, CommitSummary, DraftError, ManagerDraft, PasswordState};
use crate::model::selection::{OrganizationSelection, PasswordRecord};

impl ManagerDraft {
    /// Validates the whole visit (R7) and says what to write: new secrets, secrets to delete
    /// (R11), and the new selection. The draft is left as it is, so a failed write can be
    /// retried.
    pub fn commit(&self) -> Result<CommitPlan, DraftError> {
        let missing = self.accounts_missing_password();
        if !missing.is_empty() {
            return Err(DraftError::MissingPasswords { accounts: missing });
        }
        let users = &self.organization().users;
        let mut secrets_to_store = Vec::new();
        let mut app_passwords = Vec::new();
        let mut kept = BTreeSet::new();
        for row in self.rows.iter().filter(|r| r.checked) {
            let upn = &users[row.user_index].upn;
            kept.insert(upn.to_lowercase());
            if let PasswordState::Entered(password) = &row.password {
                secrets_to_store.push((upn.to_string(), password.duplicate()));
                if self
                    .password_prompt(upn)
                    .is_ok_and(|p| p.app_password_required)
                {
                    app_passwords.push(upn.to_string());
                }
            }
        }
        let secrets_to_delete = self
            .saved
            .iter()
            .flat_map(|s| &s.accounts)
            .filter(|upn| !kept.contains(&upn.to_lowercase()))
            .cloned()
            .collect();
        let selection = self.group.as_ref().map(|group| {
            let mut accounts: Vec<String> = self
                .rows
                .iter()
                .filter(|r| r.checked)
                .map(|r| users[r.user_index].upn.to_string())
                .collect();
            accounts.sort_by_cached_key(|upn| upn.to_lowercase());
            // Records of kept passwords carry over; the commit dates the new ones.
            let previous: HashMap<String, PasswordRecord> = self
                .saved
                .iter()
                .flat_map(|s| &s.passwords)
                .map(|(upn, record)| (upn.to_lowercase(), *record))
                .collect();
            let passwords = accounts
                .iter()
                .filter_map(|upn| Some((upn.clone(), *previous.get(&upn.to_lowercase())?)))
                .collect();
            OrganizationSelection {
                group_id: group.id.clone(),
                group_name: group.display_name.clone(),
                accounts,
                passwords,
            }
        });
        // Only the few corrected accounts, not every user of the tenant.
        let mfa_not_enabled = self
            .mfa_not_enabled
            .iter()
            .filter_map(|upn| self.organization().user(upn))
            .map(|u| u.upn.to_string())
            .collect();
        Ok(CommitPlan {
            organization_id: self.organization().id.clone(),
            secrets_to_store,
            app_passwords,
            secrets_to_delete,
            selection,
            mfa_not_enabled,
            application_pool: None,
        })
    }

    /// What [`Self::commit`] would change, in words for the consent dialog (R14) and the
    /// command line's plan; it needs no password, so it can be shown before they are given.
    pub fn summary(&self) -> CommitSummary {
        let organization = self.organization();
        let users = &organization.users;
        // By position in `users`, so ten thousand saved accounts cost one look-up each.
        let saved: Vec<(&String, Option<usize>)> = self
            .saved
            .iter()
            .flat_map(|s| &s.accounts)
            .map(|upn| (upn, organization.user_index(upn)))
            .collect();
        let saved_users: std::collections::HashSet<usize> =
            saved.iter().filter_map(|(_, index)| *index).collect();
        let checked: std::collections::HashSet<usize> = self
            .rows
            .iter()
            .filter(|r| r.checked)
            .map(|r| r.user_index)
            .collect();
        let (mut kept, mut added) = (Vec::new(), Vec::new());
        for row in self.rows.iter().filter(|r| r.checked) {
            let upn = users[row.user_index].upn.to_string();
            if saved_users.contains(&row.user_index) {
                kept.push(upn);
            } else {
                added.push(upn);
            }
        }
        let removed = saved
            .iter()
            .filter(|(_, index)| !index.is_some_and(|i| checked.contains(&i)))
            .map(|(upn, _)| (*upn).clone())
            .collect();
        let previous_group = match (&self.saved, &self.group) {
            (Some(saved), Some(group)) if saved.group_id != group.id => {
                Some(saved.group_name.clone())
            }
            (Some(saved), None) => Some(saved.group_name.clone()),
            _ => None,
        };
        CommitSummary {
            organization: self.organization().name.clone(),
            added,
            kept,
            removed,
            previous_group,
            group: self.group.as_ref().map(|g| g.display_name.clone()),
            role_holders: self.rows.len(),
        }
    }
}
