//! What the Health view and `backup-accounts check` need from the state: the report's inputs,
//! a keyring check that can run on a worker, and the password-age threshold.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::health::{HealthInputs, HealthReport};
use crate::store::{SecretError, SecretKey, SecretStore};

use super::{AppState, CommitFailure};

impl AppState {
    /// Changes whenever the directory, the configuration or the reviews change.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// What the Health report is computed from, owned, so it can be computed on a worker;
    /// `max_age_days` overrides the configuration's threshold.
    pub fn health_job(&self, max_age_days: Option<u32>) -> HealthJob {
        HealthJob {
            directory: self.directory.clone(),
            selections: self.config.organizations.clone(),
            pending_review: self.pending_review.clone(),
            application_pools: self.config.application_pools.clone(),
            max_age_days: max_age_days.unwrap_or(self.config.max_password_age_days),
        }
    }

    /// A check of every saved account's secret, ready to run on a worker thread.
    pub fn secret_check(&self) -> Result<SecretCheck, SecretError> {
        let secrets = self.secrets.as_ref().map_err(Clone::clone)?.clone();
        let accounts = self
            .config
            .organizations
            .iter()
            .flat_map(|(id, s)| {
                s.accounts
                    .iter()
                    .map(move |upn| (id.to_string(), upn.clone()))
            })
            .collect();
        Ok(SecretCheck { secrets, accounts })
    }

    /// Saves a new password-age threshold (at least one day).
    pub fn set_max_password_age(&mut self, days: u32) -> Result<(), CommitFailure> {
        if let Err(reason) = &self.lock {
            return Err(CommitFailure::ReadOnly(reason.to_string()));
        }
        let mut config = self.config.clone();
        config.max_password_age_days = days.max(1);
        self.config_file
            .save(&config)
            .map_err(|e| CommitFailure::Write(crate::store::CommitError::Config(e)))?;
        self.config = config;
        self.revision += 1;
        Ok(())
    }
}

/// Reads each saved account's secret to see that it is there; never keeps a password.
#[derive(Debug)]
pub struct SecretCheck {
    secrets: Arc<dyn SecretStore>,
    /// (organization id, UPN) of every saved account.
    accounts: Vec<(String, String)>,
}

impl SecretCheck {
    /// How many secrets it reads.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// True when no account is saved.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// (organization id, lower-cased UPN) of the accounts whose secret is missing, counting
    /// reads in `progress`. Stops at the first keyring failure: a locked or unreachable
    /// keyring says nothing about single secrets.
    pub fn run(self, progress: &AtomicUsize) -> Result<BTreeSet<(String, String)>, SecretError> {
        let mut missing = BTreeSet::new();
        for (organization_id, upn) in self.accounts {
            // The secret is dropped (and wiped) at once.
            let found = self
                .secrets
                .read(&SecretKey::new(&organization_id, &upn))?
                .is_some();
            if !found {
                missing.insert((organization_id, upn.to_lowercase()));
            }
            progress.fetch_add(1, Ordering::Relaxed);
        }
        Ok(missing)
    }
}

/// The Health report's inputs, taken from the state at one moment.
#[derive(Debug)]
pub struct HealthJob {
    directory: Arc<crate::model::Directory>,
    selections: crate::model::Selections,
    pending_review: BTreeSet<(String, String)>,
    application_pools: crate::model::application_pool::ApplicationPools,
    max_age_days: u32,
}

impl HealthJob {
    /// The report as of `now`, with the last keyring check's result and the last look at the
    /// backup server, when there are.
    pub fn compute(
        &self,
        missing_secrets: Option<&BTreeSet<(String, String)>>,
        server: Option<&crate::model::server_pool::ServerFacts>,
        now: jiff::Timestamp,
    ) -> HealthReport {
        HealthReport::compute(&HealthInputs {
            directory: &self.directory,
            selections: &self.selections,
            pending_review: &self.pending_review,
            missing_secrets,
            now,
            max_age_days: self.max_age_days,
            application_pools: &self.application_pools,
            server,
        })
    }
}
