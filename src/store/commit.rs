//! Applying a committed draft as one step (R9): secrets first, then the configuration, and
//! every earlier change undone if a later one fails.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::{CommitPlan, Password};

use super::config::{Config, ConfigError, ConfigFile};
use super::secrets::{SecretError, SecretKey, SecretStore};

/// Why a commit failed, and whether undoing it worked. Never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// A keyring step failed; everything before it was undone.
    #[error("Nothing was saved. {0}")]
    Secret(#[source] SecretError),
    /// The configuration write failed; the keyring was restored.
    #[error("Nothing was saved. {0}")]
    Config(#[source] ConfigError),
    /// The commit failed and so did undoing part of it: the keyring may hold changes the
    /// configuration does not mention.
    #[error(
        "Saving failed ({cause}) and restoring the keyring failed too ({restore}). The \
         configuration file was not changed; open the manager again and re-enter the passwords \
         of {accounts}."
    )]
    RestoreFailed {
        /// What failed first.
        cause: String,
        /// What failed while undoing.
        restore: String,
        /// The accounts whose secrets may be wrong.
        accounts: String,
    },
}

/// One secret as it was before the commit touched it.
struct Undo {
    key: SecretKey,
    previous: Option<Password>,
}

/// The number of keyring changes [`apply_commits`] counts for these plans.
pub fn keyring_steps(plans: &[CommitPlan]) -> usize {
    plans
        .iter()
        .map(|p| p.secrets_to_store.len() + p.secrets_to_delete.len())
        .sum()
}

/// Writes every plan's secrets and deletes its stale secrets, then saves the configuration
/// with each organization's new selection in one write: the one commit path of the window,
/// the reload and the tests. Each keyring change done is counted in `progress`, so another
/// thread can show how far a large commit has come. Returns the configuration now on disk.
/// On any failure the keyring is put back as it was and the file is unchanged.
pub fn apply_commits(
    plans: &[CommitPlan],
    secrets: &dyn SecretStore,
    config_file: &ConfigFile,
    config: &Config,
    progress: &AtomicUsize,
) -> Result<Config, CommitError> {
    let mut undo_log: Vec<Undo> = Vec::new();
    let mut keyring_steps = || -> Result<(), SecretError> {
        for plan in plans {
            for (upn, password) in &plan.secrets_to_store {
                let key = SecretKey::new(&plan.organization_id, upn);
                let previous = secrets.read(&key)?;
                undo_log.push(Undo {
                    key: key.clone(),
                    previous,
                });
                secrets.write(&key, password)?;
                progress.fetch_add(1, Ordering::Relaxed);
            }
            for upn in &plan.secrets_to_delete {
                let key = SecretKey::new(&plan.organization_id, upn);
                let previous = secrets.read(&key)?;
                if previous.is_some() {
                    undo_log.push(Undo {
                        key: key.clone(),
                        previous,
                    });
                    secrets.delete(&key)?;
                }
                progress.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    };
    let failure = match keyring_steps() {
        Ok(()) => {
            let mut updated = config.clone();
            for plan in plans {
                match &plan.selection {
                    Some(selection) => {
                        updated
                            .organizations
                            .insert(plan.organization_id.clone(), selection.clone());
                    }
                    None => {
                        updated.organizations.remove(&plan.organization_id);
                    }
                }
                // MFA corrections made in the manager are saved with the rest of the visit.
                if let Some(settings) = updated.organization_settings.get_mut(&plan.organization_id)
                {
                    settings
                        .mfa_not_enabled
                        .extend(plan.mfa_not_enabled.iter().cloned());
                }
            }
            match config_file.save(&updated) {
                Ok(()) => {
                    for plan in plans {
                        log::info!(
                            "saved backup accounts of {}: {} stored, {} deleted",
                            plan.organization_id,
                            plan.secrets_to_store.len(),
                            plan.secrets_to_delete.len()
                        );
                    }
                    return Ok(updated);
                }
                Err(e) => CommitError::Config(e),
            }
        }
        Err(e) => CommitError::Secret(e),
    };
    log::warn!("commit failed, restoring the keyring: {failure}");
    match restore(secrets, undo_log) {
        None => Err(failure),
        Some((restore, accounts)) => Err(CommitError::RestoreFailed {
            cause: failure.to_string(),
            restore,
            accounts,
        }),
    }
}

/// Puts every touched secret back, newest first. Returns the first error and the accounts
/// that could not be restored, or `None` when all were.
fn restore(secrets: &dyn SecretStore, undo_log: Vec<Undo>) -> Option<(String, String)> {
    let mut first_error = None;
    let mut unrestored = Vec::new();
    for undo in undo_log.into_iter().rev() {
        let result = match &undo.previous {
            Some(password) => secrets.write(&undo.key, password),
            None => secrets.delete(&undo.key),
        };
        if let Err(e) = result {
            first_error.get_or_insert_with(|| e.to_string());
            unrestored.push(undo.key.keyring_user());
        }
    }
    first_error.map(|e| (e, unrestored.join(", ")))
}
