//! R14 in the shared state: what a changed directory would revoke waits for consent, and
//! what is kept is marked pending review.

use crate::model::{DepartedAccounts, Revocation};

use super::{AppState, CommitFailure, PendingCommit};

impl AppState {
    pub(super) fn find_departed_accounts(&mut self) {
        let departed = DepartedAccounts::find(&self.directory, &self.config.organizations);
        self.updates_pending = !departed.is_empty();
        self.pending_revocations = departed.revocations;
    }

    /// True when the directory changed saved selections in ways that revoke nothing (a
    /// UPN's case, a group's name): [`Self::begin_revocation`] applies them without asking.
    pub fn has_updates_without_revocations(&self) -> bool {
        self.updates_pending && self.pending_revocations.is_empty()
    }

    /// Saved accounts the directory no longer allows, waiting for consent (R14).
    pub fn pending_revocations(&self) -> &[Revocation] {
        &self.pending_revocations
    }

    /// The administrator keeps the accounts for now: configuration and keyring stay as they
    /// are, and the accounts are marked as pending review.
    pub fn keep_pending(&mut self) {
        self.updates_pending = false;
        self.revision += 1;
        for revocation in std::mem::take(&mut self.pending_revocations) {
            self.pending_review.insert((
                revocation.organization_id.to_string(),
                revocation.upn.to_lowercase(),
            ));
        }
    }

    /// True when the account was kept after a directory change would have revoked it.
    pub fn is_pending_review(&self, organization_id: &str, upn: &str) -> bool {
        self.pending_review
            .contains(&(organization_id.to_owned(), upn.to_lowercase()))
    }

    /// The administrator consents: a commit that drops every account the directory no
    /// longer allows and deletes their secrets, as one step, ready for the keyring worker.
    pub fn begin_revocation(&self) -> Result<PendingCommit, CommitFailure> {
        let departed = DepartedAccounts::find(&self.directory, &self.config.organizations);
        let secrets = self.writable_secrets()?;
        Ok(PendingCommit {
            plans: departed.plans,
            secrets: secrets.clone(),
            config_file: self.config_file.clone(),
            config: self.config.clone(),
        })
    }
}
