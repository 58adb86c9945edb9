//! The backup server as the shared state sees it: which server is saved, a client for it with
//! this state's keyring, each organization's saved pool as the apply needs it, and the one
//! place the server's settings are saved. Network calls are not made here: the window runs
//! them as jobs, the command line in turn, both with the same calls.

use std::sync::Arc;

use std::collections::BTreeMap;

use super::{AppState, CommitFailure};
use crate::model::progress::JobProgress;
use crate::model::server_pool::{PoolComparison, ServerFacts, ServerStanding};
use crate::model::{AuthenticationMethod, Organization};
use crate::store::vb365::{
    self, ApplyError, BackupServer, BackupServerSettings, ServerError, ServerPool, read_pool,
};
use crate::store::{CommitError, SecretStore};

/// An organization's saved pool, owned, so a worker can take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedPoolOf {
    /// The app's organization id; also the tenant id the server knows it by (`msid`).
    pub organization_id: crate::model::OrganizationId,
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

    /// The server's pool of this organization, found by tenant id; an organization missing
    /// from the server, or added there app-only (R1), is refused with the reason.
    pub fn read_from(&self, client: &BackupServer) -> Result<ServerPool, ApplyError> {
        let found = vb365::organization_taking_accounts(client, &self.as_saved())?;
        Ok(read_pool(client, found)?)
    }
}

/// How the backup server says it added an organization, as Organization Settings takes it.
/// The server cannot tell basic authentication from modern authentication with legacy
/// protocols; Exchange Online no longer accepts basic authentication, so an organization
/// added with an account is taken as the latter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSettingsHint {
    /// `host:port`.
    pub server: String,
    /// App-only, or added with an account.
    pub authentication: AuthenticationMethod,
    /// The account it was added with, when the server says.
    pub added_by: Option<String>,
    /// The application it was added with (app-only), when the server says.
    pub application: Option<String>,
}

/// Work that finds how the backup server added one organization.
#[derive(Debug)]
pub struct ServerSettingsLookup {
    client: BackupServer,
    tenant_id: String,
}

impl ServerSettingsLookup {
    /// Asks the server (one paged read of its organizations, filtered by tenant id).
    pub fn run(self) -> Result<Option<ServerSettingsHint>, ServerError> {
        let found = vb365::find_organization(&self.client, &self.tenant_id)?;
        Ok(found.map(|o| {
            let app_only = o.is_app_only();
            ServerSettingsHint {
                server: self.client.address().host_port(),
                authentication: if app_only {
                    AuthenticationMethod::ModernAppOnly
                } else {
                    AuthenticationMethod::ModernWithLegacyProtocols
                },
                added_by: o.added_by().map(str::to_owned),
                application: o
                    .added_with_application()
                    .filter(|_| app_only)
                    .map(str::to_owned),
            }
        }))
    }
}

/// A look at the backup server for every organization of the directory, ready to run on a
/// worker: one read of the server's organizations, then each one's pool or applications.
#[derive(Debug)]
pub struct ServerSurvey {
    client: BackupServer,
    saved: Vec<SavedPoolOf>,
}

impl ServerSurvey {
    /// Reads the server; a failure is kept in the facts, in words.
    pub fn run(self, progress: &JobProgress) -> ServerFacts {
        let standings = self.standings(progress).map_err(|e| e.to_string());
        ServerFacts {
            server: self.client.address().host_port(),
            read_at: jiff::Timestamp::now(),
            standings,
        }
    }

    /// Where each organization of the directory stands on the server, by its id.
    pub fn standings(
        &self,
        progress: &JobProgress,
    ) -> Result<BTreeMap<crate::model::OrganizationId, ServerStanding>, ServerError> {
        progress.set_step("Reading the backup server's organizations");
        let on_server = vb365::pool::organizations(&self.client)?;
        progress
            .total
            .store(self.saved.len(), std::sync::atomic::Ordering::Relaxed);
        let mut standings = BTreeMap::new();
        for saved in &self.saved {
            if progress.is_cancelled() {
                return Err(ServerError::Cancelled);
            }
            let found = on_server
                .iter()
                .find(|o| o.is_tenant(&saved.organization_id));
            let standing = match found {
                None => ServerStanding::NotOnServer,
                Some(o) if o.is_app_only() => ServerStanding::AppOnly {
                    added_with_application: o.added_with_application().map(str::to_owned),
                    applications: vb365::pool::backup_applications(&self.client, &o.id)?
                        .into_iter()
                        .map(|a| {
                            let name = a.display_name.unwrap_or_else(|| a.application_id.clone());
                            (a.application_id, name)
                        })
                        .collect(),
                },
                Some(o) => ServerStanding::Pool {
                    added_by: o.added_by().map(str::to_owned),
                    comparison: saved.compare(&read_pool(&self.client, o.clone())?),
                },
            };
            standings.insert(saved.organization_id.clone(), standing);
            progress
                .done
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(standings)
    }
}

impl AppState {
    /// How the connected backup server added the organization `tenant_id`, as work for a
    /// worker (`Ok(None)`: the server does not have it); `None` when no server is connected.
    pub fn server_settings_lookup(
        &self,
        tenant_id: &str,
    ) -> Option<Result<ServerSettingsLookup, ServerError>> {
        self.backup_server()?;
        Some(
            self.backup_server_client()
                .map(|client| ServerSettingsLookup {
                    client,
                    tenant_id: tenant_id.to_owned(),
                }),
        )
    }

    /// A look at the connected backup server for every organization, ready to run; `None`
    /// when no server is connected, the facts of an unreadable server when no client can be
    /// made (no keyring, a broken pin).
    pub fn server_survey(&self) -> Option<Result<ServerSurvey, ServerFacts>> {
        let settings = self.backup_server()?;
        Some(
            self.backup_server_client()
                .map(|client| self.survey_with(client))
                .map_err(|e| ServerFacts::unreadable(&settings.address, e.to_string())),
        )
    }

    /// A look at the server `client` reaches, for every organization of the directory.
    pub fn survey_with(&self, client: BackupServer) -> ServerSurvey {
        ServerSurvey {
            client,
            saved: self
                .directory
                .organizations
                .iter()
                .map(|o| self.saved_pool(o))
                .collect(),
        }
    }

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
        let selection = self.config.organizations.get(organization.id.as_str());
        SavedPoolOf {
            organization_id: organization.id.clone(),
            organization_name: organization.name.clone(),
            group_id: selection
                .map(|s| s.group_id.to_string())
                .unwrap_or_default(),
            group_name: selection.map(|s| s.group_name.clone()).unwrap_or_default(),
            accounts: selection.map(|s| s.accounts.clone()).unwrap_or_default(),
        }
    }
}
