//! What start-up finishes of work an earlier run stopped in the middle of.

use std::sync::Arc;

use super::sync::synced_tenant_of;
use crate::store::journal::{CommitJournal, move_legacy_keys};
use crate::store::{Config, ConfigFile, SecretStore};

/// At start-up, with the folder locked: reconciles a commit that did not finish (its
/// journal), removes snapshots a sync replaced but did not delete, then moves keyring items
/// of an earlier version to their own services. Returns
/// what the administrator should know.
pub(super) fn finish_interrupted_work(
    config_file: &ConfigFile,
    config: &Config,
    secrets: &Arc<dyn SecretStore>,
) -> Vec<String> {
    let journal = CommitJournal::beside(config_file.path());
    let mut notices = journal
        .reconcile(config, secrets.as_ref())
        .unwrap_or_else(|e| {
            vec![format!(
                "A commit did not finish, and its leftovers could not be removed yet: {e}"
            )]
        });
    // A sync stopped before it deleted the snapshot it replaced: removed on a worker.
    crate::store::graph::remove_replaced_snapshots(&super::sync::tenants_folder_of(config_file));
    let synced = synced_tenant_of(config, config_file);
    if let Err(e) = move_legacy_keys(&journal, config, synced.as_deref(), secrets.as_ref()) {
        notices.push(format!(
            "Keyring items of an earlier version could not be moved to their own services \
             yet; the next start tries again: {e}"
        ));
    }
    notices
}
