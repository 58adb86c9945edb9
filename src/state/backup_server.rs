//! The backup server as the shared state sees it: which server is saved, a client for it with
//! this state's keyring, each organization's saved pool as the apply needs it, and the one
//! place the server's settings are saved. Network calls are not made here: the window runs
//! them as jobs, the command line in turn, both with the same calls.

use std::sync::Arc;

use super::{AppState, CommitFailure};
use crate::model::Organization;
use crate::model::server_pool::PoolComparison;
use crate::store::vb365::{BackupServer, BackupServerSettings, ServerError, ServerPool};
use crate::store::{CommitError, SecretStore};

/// An organization's saved pool, owned, so a worker can take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedPoolOf {
    /// The app's organization id; also the tenant id the server knows it by (`msid`).
    pub organization_id: String,
    /// The name people read.
    pub organization_name: String,
    /// Microsoft's id of the chosen group.
    pub group_id: String,
    /// Its name.
    pub group_name: String,
    /// The checked accounts.
    pub accounts: Vec<String>,
}

impl SavedPoolOf {
    /// As [`crate::store::vb365::apply_pool`] takes it.
    pub fn as_saved(&self) -> crate::store::vb365::SavedPool<'_> {
        crate::store::vb365::SavedPool {
            organization_id: &self.organization_id,
            organization_name: &self.organization_name,
            tenant_id: &self.organization_id,
            group_id: &self.group_id,
            group_name: &self.group_name,
            accounts: &self.accounts,
        }
    }

    /// The server's pool against this one.
    pub fn compare(&self, server: &ServerPool) -> PoolComparison {
        PoolComparison::new(&self.accounts, Some(&self.group_name), &server.accounts)
    }
}

impl AppState {
    /// The saved backup server, if one is connected.
    pub fn backup_server(&self) -> Option<&BackupServerSettings> {
        self.config.backup_server.as_ref()
    }

    /// The keyring, or the reason there is none, as a server error.
    pub fn server_secrets(&self) -> Result<Arc<dyn SecretStore>, ServerError> {
        self.secrets.clone().map_err(ServerError::Keyring)
    }

    /// A client for the saved server; [`ServerError::NotConnected`] when there is none.
    pub fn backup_server_client(&self) -> Result<BackupServer, ServerError> {
        let settings = self.backup_server().ok_or(ServerError::NotConnected)?;
        settings.client(self.server_secrets()?)
    }

    /// Saves the connected server (or forgets it with `None`), under the folder's lock.
    pub fn save_backup_server(
        &mut self,
        settings: Option<BackupServerSettings>,
    ) -> Result<(), CommitFailure> {
        if let Err(reason) = &self.lock {
            return Err(CommitFailure::ReadOnly(reason.to_string()));
        }
        let mut config = self.config.clone();
        config.backup_server = settings;
        self.config_file
            .save(&config)
            .map_err(|e| CommitFailure::Write(CommitError::Config(e)))?;
        self.config = config;
        self.revision += 1;
        Ok(())
    }

    /// The organization's saved pool: its group and checked accounts (none chosen: an empty
    /// pool, which an apply sends as such, removing the server's accounts with consent).
    pub fn saved_pool(&self, organization: &Organization) -> SavedPoolOf {
        let selection = self.config.organizations.get(&organization.id);
        SavedPoolOf {
            organization_id: organization.id.clone(),
            organization_name: organization.name.clone(),
            group_id: selection.map(|s| s.group_id.clone()).unwrap_or_default(),
            group_name: selection.map(|s| s.group_name.clone()).unwrap_or_default(),
            accounts: selection.map(|s| s.accounts.clone()).unwrap_or_default(),
        }
    }
}
