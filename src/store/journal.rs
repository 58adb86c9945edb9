//! The commit journal: before a commit touches the keyring it writes, beside `config.ron`,
//! which keyring items it is about to write and delete (keys only, never a secret). The
//! journal is removed once the configuration is saved or the keyring put back. A journal
//! found at start-up means the app stopped in between (a crash, a kill, a power cut): the
//! secrets the configuration does not name are then deleted, so none is left orphaned, and
//! the ones it names (account passwords and the certificate keys of application pools) are
//! kept whichever side of the configuration's save the stop came.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::CommitPlan;

use super::config::Config;
use super::private_files::create_temporary_beside;
use super::secrets::{SecretError, SecretKey, SecretKind, SecretStore};

/// The journal's file name, beside `config.ron`.
pub const JOURNAL_FILE_NAME: &str = "commit-journal.ron";

/// Where versions before secret kinds kept certificate keys: account-service items named
/// `<organization id>/app/<application id>`.
pub const LEGACY_CERTIFICATE_PREFIX: &str = "app/";

/// What an unfinished commit was about to change.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Journal {
    /// Keyring items written.
    written: BTreeSet<SecretKey>,
    /// Keyring items deleted.
    deleted: BTreeSet<SecretKey>,
}

/// The journal as versions before secret kinds wrote it: account-service items as
/// `(organization id, name)`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Journal")]
struct JournalV1 {
    written: BTreeSet<(String, String)>,
    deleted: BTreeSet<(String, String)>,
}

impl From<JournalV1> for Journal {
    fn from(old: JournalV1) -> Self {
        let keys = |items: BTreeSet<(String, String)>| {
            items
                .into_iter()
                .map(|(organization, name)| SecretKey::new(&organization, &name))
                .collect()
        };
        Self {
            written: keys(old.written),
            deleted: keys(old.deleted),
        }
    }
}

/// The journal of commits saved to one configuration folder.
#[derive(Clone, Debug)]
pub struct CommitJournal {
    path: PathBuf,
}

impl CommitJournal {
    /// The journal beside `config_path`.
    pub fn beside(config_path: &Path) -> Self {
        Self {
            path: config_path.with_file_name(JOURNAL_FILE_NAME),
        }
    }

    /// Writes (atomically, durably) what `plans` will change, before the first keyring step.
    pub fn begin(&self, plans: &[CommitPlan]) -> std::io::Result<()> {
        let mut written = BTreeSet::new();
        let mut deleted = BTreeSet::new();
        for plan in plans {
            written.extend(
                plan.secrets_to_store
                    .iter()
                    .map(|(name, _)| SecretKey::of_plan(plan, name)),
            );
            deleted.extend(
                plan.secrets_to_delete
                    .iter()
                    .map(|n| SecretKey::of_plan(plan, n)),
            );
        }
        self.begin_changes(written, deleted)
    }

    /// Writes (atomically, durably) which keyring items will be written and deleted.
    pub fn begin_changes(
        &self,
        written: BTreeSet<SecretKey>,
        deleted: BTreeSet<SecretKey>,
    ) -> std::io::Result<()> {
        let journal = Journal { written, deleted };
        let text = ron::ser::to_string_pretty(&journal, ron::ser::PrettyConfig::new())
            .map_err(std::io::Error::other)?;
        let (temporary, mut file) = create_temporary_beside(&self.path)?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }

    /// Removes the journal: the commit finished, one way or the other.
    pub fn end(&self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            log::warn!("could not remove {}: {e}", self.path.display());
        }
    }

    /// After a commit that never finished: deletes each secret it wrote that `config` does
    /// not name, and says which items `config` names whose secret it had already deleted.
    /// Returns one notice per item; the journal is removed once everything is reconciled.
    pub fn reconcile(
        &self,
        config: &Config,
        secrets: &dyn SecretStore,
    ) -> Result<Vec<String>, SecretError> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Ok(Vec::new());
        };
        let journal = ron::from_str::<Journal>(&text)
            .or_else(|_| ron::from_str::<JournalV1>(&text).map(Journal::from));
        let Ok(journal) = journal else {
            log::warn!(
                "{} is unreadable; it is left for inspection",
                self.path.display()
            );
            return Ok(Vec::new());
        };
        let mut notices = Vec::new();
        for key in &journal.written {
            if !names(config, key) {
                secrets.delete(key)?;
                notices.push(format!(
                    "{}: {} was saved by a commit that did not finish; it is not in the \
                     configuration, so it was deleted.",
                    key.owner,
                    what(key)
                ));
            }
        }
        for key in &journal.deleted {
            if names(config, key) && secrets.read(key)?.is_none() {
                let again = match key.kind {
                    SecretKind::CertificateKey => {
                        "open Manage backup applications... and install it again"
                    }
                    _ => "open Manage backup accounts... and enter it again",
                };
                notices.push(format!(
                    "{}: {} was deleted by a commit that did not finish; {again}.",
                    key.owner,
                    what(key)
                ));
            }
        }
        self.end();
        Ok(notices)
    }
}

/// True when `config` still uses the item: an account it lists, a certificate of an
/// application in a pool (also where versions before secret kinds kept it), a refresh
/// token (never written by a commit, so never an orphan of one).
fn names(config: &Config, key: &SecretKey) -> bool {
    let pool_has = |organization: &str, app_id: &str| {
        config
            .application_pools
            .get(organization)
            .is_some_and(|pool| {
                pool.applications
                    .iter()
                    .any(|a| a.certificate.is_some() && a.app_id.eq_ignore_ascii_case(app_id))
            })
    };
    match key.kind {
        SecretKind::AccountPassword => match key.name.strip_prefix(LEGACY_CERTIFICATE_PREFIX) {
            Some(app_id) => pool_has(&key.owner, app_id),
            None => config
                .organizations
                .get(key.owner.as_str())
                .is_some_and(|s| s.accounts.iter().any(|a| a.to_lowercase() == key.name)),
        },
        SecretKind::CertificateKey => pool_has(&key.owner, &key.name),
        SecretKind::GraphRefreshToken | SecretKind::ServerRefreshToken => true,
    }
}

/// The item in words, for notices.
fn what(key: &SecretKey) -> String {
    match key.kind {
        SecretKind::AccountPassword => format!("the password of {}", key.name),
        SecretKind::CertificateKey => format!("the certificate key of application {}", key.name),
        SecretKind::GraphRefreshToken => "the Microsoft 365 sign-in".to_owned(),
        SecretKind::ServerRefreshToken => format!("the session with backup server {}", key.name),
    }
}

/// Moves the keyring items that versions before secret kinds kept among the account
/// passwords (`<organization id>/app/<application id>` and `graph/<tenant id>` under service
/// `backup-accounts`) to their own services, as one journaled step: a stop in between is
/// reconciled at the next start and the move is finished then. Returns how many moved.
pub fn move_legacy_keys(
    journal: &CommitJournal,
    config: &Config,
    synced_tenant: Option<&str>,
    secrets: &dyn SecretStore,
) -> Result<usize, SecretError> {
    let mut moves = Vec::new();
    for (organization, pool) in &config.application_pools {
        for application in pool.applications.iter().filter(|a| a.certificate.is_some()) {
            let legacy = format!("{LEGACY_CERTIFICATE_PREFIX}{}", application.app_id);
            moves.push((
                SecretKey::new(organization, &legacy),
                SecretKey::certificate(organization, &application.app_id),
            ));
        }
    }
    if let Some(tenant) = synced_tenant {
        moves.push((
            SecretKey::new("graph", tenant),
            SecretKey::graph_refresh_token(tenant),
        ));
    }
    let mut found = Vec::new();
    for (old, new) in moves {
        if let Some(secret) = secrets.read(&old)? {
            found.push((old, new, secret));
        }
    }
    if found.is_empty() {
        return Ok(0);
    }
    let written = found.iter().map(|(_, new, _)| new.clone()).collect();
    let deleted = found.iter().map(|(old, _, _)| old.clone()).collect();
    if let Err(e) = journal.begin_changes(written, deleted) {
        log::warn!("keyring items not moved yet, the journal could not be written: {e}");
        return Ok(0);
    }
    for (old, new, secret) in &found {
        if secrets.read(new)?.is_none() {
            secrets.write(new, secret)?;
        }
        secrets.delete(old)?;
        log::info!("moved the keyring item {old} to {new}");
    }
    journal.end();
    Ok(found.len())
}
