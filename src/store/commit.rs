//! Applying a committed draft as one step (R9): secrets first, then the configuration, and
//! every earlier change undone if a later one fails.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::collections::BTreeSet;

use crate::model::{CommitPlan, OrganizationSelection, Password, PasswordRecord};

use super::config::{Config, ConfigError, ConfigFile};
use super::journal::CommitJournal;
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
    let journal = CommitJournal::beside(config_file.path());
    journal.begin(plans).map_err(|source| {
        CommitError::Config(ConfigError::Io {
            action: "write the commit journal beside",
            path: config_file.path().to_path_buf(),
            source,
        })
    })?;
    let result = apply_keyring_then_config(plans, secrets, config_file, config, progress);
    // A failed restore keeps the journal, so the next start deletes what is left over.
    if !matches!(result, Err(CommitError::RestoreFailed { .. })) {
        journal.end();
    }
    result
}

fn apply_keyring_then_config(
    plans: &[CommitPlan],
    secrets: &dyn SecretStore,
    config_file: &ConfigFile,
    config: &Config,
    progress: &AtomicUsize,
) -> Result<Config, CommitError> {
    let mut undo_log: Vec<Undo> = Vec::new();
    let mut keyring_steps = || -> Result<(), SecretError> {
        for plan in plans {
            let saved = config.organizations.get(plan.organization_id.as_str());
            for (upn, password) in &plan.secrets_to_store {
                let key = SecretKey::of_plan(plan, upn);
                change(secrets, &mut undo_log, &key, Some(password))?;
                progress.fetch_add(1, Ordering::Relaxed);
            }
            for upn in &plan.secrets_to_delete {
                change(secrets, &mut undo_log, &SecretKey::of_plan(plan, upn), None)?;
                progress.fetch_add(1, Ordering::Relaxed);
            }
            if plan.application_pool.is_none() {
                move_keys_spelled_before(secrets, &mut undo_log, plan, saved)?;
            }
        }
        Ok(())
    };
    let failure = match keyring_steps() {
        Ok(()) => {
            let mut updated = config.clone();
            let now = jiff::Timestamp::now();
            for plan in plans {
                apply_to_config(&mut updated, plan, now);
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

/// Sets (`Some`) or deletes (`None`) one secret, logging what it was for the undo. Deleting
/// a missing secret changes nothing and logs nothing.
fn change(
    secrets: &dyn SecretStore,
    undo_log: &mut Vec<Undo>,
    key: &SecretKey,
    password: Option<&Password>,
) -> Result<(), SecretError> {
    let previous = secrets.read(key)?;
    if password.is_none() && previous.is_none() {
        return Ok(());
    }
    undo_log.push(Undo {
        key: key.clone(),
        previous,
    });
    match password {
        Some(password) => secrets.write(key, password),
        None => secrets.delete(key),
    }
}

/// What a plan changes in the configuration: an application pool, or an account selection
/// with the dates of the passwords just stored (and the MFA corrections of the visit).
fn apply_to_config(updated: &mut Config, plan: &CommitPlan, now: jiff::Timestamp) {
    let organization = plan.organization_id.as_str();
    if let Some(pool) = &plan.application_pool {
        updated
            .application_pools
            .insert(plan.organization_id.clone(), pool.clone());
        return;
    }
    match &plan.selection {
        Some(selection) => {
            let mut selection = selection.clone();
            let app_passwords: BTreeSet<&String> = plan.app_passwords.iter().collect();
            for (upn, _) in &plan.secrets_to_store {
                let app_password = app_passwords.contains(upn);
                let record = PasswordRecord {
                    set: now,
                    app_password,
                };
                selection.passwords.insert(upn.clone(), record);
            }
            updated
                .organizations
                .insert(plan.organization_id.clone(), selection);
        }
        None => {
            updated.organizations.remove(organization);
        }
    }
    // MFA corrections made in the manager are saved with the rest of the visit.
    if let Some(settings) = updated.organization_settings.get_mut(organization) {
        settings
            .mfa_not_enabled
            .extend(plan.mfa_not_enabled.iter().cloned());
    }
}

/// Moves the secrets that earlier versions stored under the UPN as spelled (`Alice@...`)
/// to the lower-cased key: read, write under the new key unless this commit wrote one or
/// the account is gone, then delete the old item. Part of the same undoable step.
fn move_keys_spelled_before(
    secrets: &dyn SecretStore,
    undo_log: &mut Vec<Undo>,
    plan: &CommitPlan,
    saved: Option<&OrganizationSelection>,
) -> Result<(), SecretError> {
    let kept: BTreeSet<String> = plan
        .selection
        .iter()
        .flat_map(|s| &s.accounts)
        .map(|upn| upn.to_lowercase())
        .collect();
    for upn in saved.iter().flat_map(|s| &s.accounts) {
        let Some(old_key) = SecretKey::as_spelled_before(&plan.organization_id, upn) else {
            continue;
        };
        let Some(password) = secrets.read(&old_key)? else {
            continue;
        };
        let new_key = SecretKey::new(&plan.organization_id, upn);
        if kept.contains(&new_key.name) && secrets.read(&new_key)?.is_none() {
            change(secrets, undo_log, &new_key, Some(&password))?;
        }
        change(secrets, undo_log, &old_key, None)?;
        log::info!(
            "moved the secret of {} to its lower-cased keyring key",
            new_key.keyring_user()
        );
    }
    Ok(())
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
            unrestored.push(undo.key.to_string());
        }
    }
    first_error.map(|e| (e, unrestored.join(", ")))
}
