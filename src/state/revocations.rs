//! R14 in the shared state: what a changed directory would revoke waits for consent, and
//! what is kept is marked pending review.

use crate::model::{DepartedAccounts, Revocation};

use super::{AppState, CommitFailure, DirectoryChange, PendingCommit};

impl AppState {
    /// What the directory, as it now is, changes in the saved selections.
    pub(super) fn departures(&self) -> DirectoryChange {
        DirectoryChange::departures(DepartedAccounts::find(
            &self.directory,
            &self.config.organizations,
        ))
    }

    /// What loading left to decide, taken once (the window's first frame, or a command).
    pub fn take_left_at_start(&mut self) -> Option<DirectoryChange> {
        self.left_at_start.take()
    }

    /// What loading left to decide, while no one has taken it.
    pub fn left_at_start(&self) -> Option<&DirectoryChange> {
        self.left_at_start.as_ref()
    }

    /// The administrator keeps these accounts for now: configuration and keyring stay as
    /// they are, and the accounts are marked as pending review.
    pub fn keep_pending(&mut self, revocations: &[Revocation]) {
        self.revision += 1;
        for revocation in revocations {
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
