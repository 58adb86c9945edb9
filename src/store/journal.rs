//! The commit journal: before a commit touches the keyring it writes, beside `config.ron`,
//! which keyring items it is about to write and delete (keys only, never a secret). The
//! journal is removed once the configuration is saved or the keyring put back. A journal
//! found at start-up means the app stopped in between (a crash, a kill, a power cut): the
//! secrets the configuration does not name are then deleted, so none is left orphaned.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::CommitPlan;

use super::config::Config;
use super::private_files::create_temporary_beside;
use super::secrets::{SecretError, SecretKey, SecretStore};

/// The journal's file name, beside `config.ron`.
pub const JOURNAL_FILE_NAME: &str = "commit-journal.ron";

/// What an unfinished commit was about to change.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Journal {
    /// Keyring items written: `(organization id, UPN)`.
    written: BTreeSet<(String, String)>,
    /// Keyring items deleted.
    deleted: BTreeSet<(String, String)>,
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
        let mut journal = Journal::default();
        for plan in plans {
            let organization = &plan.organization_id;
            journal.written.extend(
                plan.secrets_to_store
                    .iter()
                    .map(|(upn, _)| (organization.clone(), upn.to_lowercase())),
            );
            journal.deleted.extend(
                plan.secrets_to_delete
                    .iter()
                    .map(|upn| (organization.clone(), upn.to_lowercase())),
            );
        }
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
    /// not name, and says which accounts `config` names whose secret it had already deleted.
    /// Returns one notice per account; the journal is removed once everything is reconciled.
    pub fn reconcile(
        &self,
        config: &Config,
        secrets: &dyn SecretStore,
    ) -> Result<Vec<String>, SecretError> {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return Ok(Vec::new());
        };
        let Ok(journal) = ron::from_str::<Journal>(&text) else {
            log::warn!(
                "{} is unreadable; it is left for inspection",
                self.path.display()
            );
            return Ok(Vec::new());
        };
        let named = |organization: &str, upn: &str| {
            config
                .organizations
                .get(organization)
                .is_some_and(|s| s.accounts.iter().any(|a| a.to_lowercase() == upn))
        };
        let mut notices = Vec::new();
        for (organization, upn) in &journal.written {
            if !named(organization, upn) {
                secrets.delete(&SecretKey::new(organization, upn))?;
                notices.push(format!(
                    "{organization}: the password of {upn} was saved by a commit that did not \
                     finish; the account is not configured, so its password was deleted."
                ));
            }
        }
        for (organization, upn) in &journal.deleted {
            if named(organization, upn)
                && secrets.read(&SecretKey::new(organization, upn))?.is_none()
            {
                notices.push(format!(
                    "{organization}: the password of {upn} was deleted by a commit that did not \
                     finish; open Manage backup accounts... and enter it again."
                ));
            }
        }
        self.end();
        Ok(notices)
    }
}
