//! The Backup Applications Manager's part of the state: opening a pool and committing it on
//! the one commit path (secrets first, then the configuration, R9).

use crate::model::DraftError;
use crate::model::application_pool::PoolDraft;

use super::{AppState, CommitFailure, PendingCommit};

impl AppState {
    /// Opens the pool of an app-only organization (R1, R15).
    pub fn open_applications(&self, organization_id: &str) -> Result<PoolDraft, DraftError> {
        PoolDraft::open(
            self.directory.clone(),
            organization_id,
            self.config.application_pools.get(organization_id),
        )
    }

    /// The pool's commit, ready for the keyring worker; hand its result to
    /// [`Self::finish_commit`].
    pub fn begin_pool_commit(&self, draft: &PoolDraft) -> Result<PendingCommit, CommitFailure> {
        let secrets = self.writable_secrets()?;
        Ok(PendingCommit {
            plans: vec![draft.commit()],
            secrets: secrets.clone(),
            config_file: self.config_file.clone(),
            config: self.config.clone(),
        })
    }
}
