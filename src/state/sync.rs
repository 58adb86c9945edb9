//! Sign-in and sync (issue 12): what a sync needs from the state, and the job that runs on
//! the `graph-sync` worker: tokens (the stored refresh token, or a device-code sign-in),
//! then a sync (full, or only the changes since the last one), then the new refresh token in
//! the keyring.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::model::{DepartedAccounts, Directory, Selections, SettingsByOrganization};
use crate::store::SecretError;
use crate::store::graph::client::{GraphError, GraphStats};
use crate::store::graph::signin::{
    DeviceCodePrompt, HttpClient, SignInError, SignInSettings, Tokens, refresh_token_key,
    refresh_tokens, signed_in_client, start_sign_in,
};
use crate::store::graph::sync::{SyncError, SyncSummary, sync};

use crate::store::{
    Config, ConfigFile, DirectorySource, LoadedDirectory, SecretStore, load_directory,
};

use super::{AppState, CommitFailure, DirectoryChange, ReloadError};

/// Why a sign-in and sync failed; the previous snapshot is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum SyncFailure {
    /// Signing in (the device code or the stored refresh token) failed.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// Microsoft Graph could not be reached with the tokens.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// Reading the tenant failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The new refresh token could not be kept in the keyring.
    #[error(transparent)]
    Keyring(#[from] SecretError),
}

/// A finished sync: what it read, and the new snapshot's directory as the worker built it.
pub struct SyncedTenant {
    /// How the tenant was read, and where its snapshot is.
    pub summary: SyncSummary,
    built: Option<BuiltDirectory>,
}

/// A directory built on the worker, with the settings and saved selections it was built
/// with, and what it changes in those selections (R14), found there too.
struct BuiltDirectory {
    directory: Arc<Directory>,
    settings: SettingsByOrganization,
    selections: Selections,
    departures: DirectoryChange,
}

impl std::fmt::Debug for SyncedTenant {
    /// The summary; of the directory only whether there is one (it can hold a million users).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncedTenant")
            .field("summary", &self.summary)
            .field("built", &self.built.is_some())
            .finish()
    }
}

/// A sync, ready for a worker thread.
#[derive(Debug)]
pub struct SyncJob {
    graph: crate::store::config::GraphSettings,
    /// What the synced directory is built with, so the worker leaves its parsed copy in the
    /// cache and the window opens the new snapshot without parsing it.
    settings: SettingsByOrganization,
    selections: Selections,
    cache: crate::store::snapshot_cache::SnapshotCache,
    /// The tenant synced before, whose refresh token may be in the keyring.
    tenant_id: Option<String>,
    secrets: Arc<dyn SecretStore>,
    tenants_folder: PathBuf,
}

/// Where synced tenants are kept: `tenants/` beside the configuration.
pub(super) fn tenants_folder_of(config_file: &ConfigFile) -> PathBuf {
    config_file
        .path()
        .parent()
        .map_or_else(|| PathBuf::from("tenants"), |p| p.join("tenants"))
}

/// The tenant `config`'s directory was synced from, if it was.
pub(super) fn synced_tenant_of(config: &Config, config_file: &ConfigFile) -> Option<String> {
    let DirectorySource::GraphExport(folder) = &config.directory else {
        return None;
    };
    (folder.parent() == Some(tenants_folder_of(config_file).as_path()))
        .then(|| folder.file_name()?.to_str().map(str::to_owned))
        .flatten()
}

impl AppState {
    /// Where synced tenants are kept: `tenants/` beside the configuration.
    pub fn tenants_folder(&self) -> PathBuf {
        tenants_folder_of(&self.config_file)
    }

    /// The tenant the directory was synced from, if it was.
    pub fn synced_tenant(&self) -> Option<String> {
        synced_tenant_of(&self.config, &self.config_file)
    }

    /// A sync of the synced tenant (or, with `sign_in`, a new sign-in first).
    pub fn sync_job(&self, sign_in: bool) -> Result<SyncJob, CommitFailure> {
        let secrets = self.writable_secrets()?.clone();
        Ok(SyncJob {
            graph: self.config.graph.clone(),
            settings: self.config.organization_settings.clone(),
            selections: self.config.organizations.clone(),
            cache: self.cache.clone(),
            tenant_id: self.synced_tenant().filter(|_| !sign_in),
            secrets,
            tenants_folder: self.tenants_folder(),
        })
    }
}

impl SyncJob {
    /// Signs in if needed (showing the code through `prompt`), syncs, and keeps the refresh
    /// token; `cancel` stops it between requests, leaving everything as it was.
    pub fn run(
        mut self,
        prompt: &(dyn Fn(DeviceCodePrompt) + Send + Sync),
        stats: Arc<GraphStats>,
        cancel: &Arc<AtomicBool>,
    ) -> Result<SyncedTenant, SyncFailure> {
        let http = HttpClient::default();
        let tenant = self
            .tenant_id
            .clone()
            .unwrap_or_else(|| "organizations".to_owned());
        let settings = SignInSettings::new(&self.graph, &tenant);
        let tokens = self.tokens(&settings, &http, prompt, cancel)?;
        let (client, refresh_token) = signed_in_client(&settings, http, tokens, cancel.clone())?;
        let client = client
            .with_stats(stats)
            .with_requests_in_flight(self.graph.requests_in_flight);
        // A new sign-in reads everything; a known tenant only what changed since.
        let summary = sync(&client, &self.tenants_folder, self.tenant_id.as_deref())?;
        // Built here, on the worker, and kept in the cache for the next start: the window
        // takes the directory over without reading the snapshot. A tenant without settings
        // yet is parsed by the window's import, which asks for them.
        let built = match load_directory(
            &DirectorySource::GraphExport(summary.folder.clone()),
            &self.settings,
            &self.selections,
            &self.cache,
        ) {
            Ok(LoadedDirectory::Ready(directory)) => {
                let directory = Arc::new(directory);
                let departed = DepartedAccounts::find(&directory, &self.selections);
                Some(BuiltDirectory {
                    departures: DirectoryChange::departures(departed),
                    directory,
                    settings: std::mem::take(&mut self.settings),
                    selections: std::mem::take(&mut self.selections),
                })
            }
            _ => None,
        };
        let kept = refresh_token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(token) = kept.as_ref() {
            self.secrets
                .write(&refresh_token_key(&summary.tenant_id), token)?;
        }
        Ok(SyncedTenant { summary, built })
    }

    /// The stored refresh token's tokens, or a device-code sign-in when there is none or it
    /// was revoked.
    fn tokens(
        &self,
        settings: &SignInSettings,
        http: &HttpClient,
        prompt: &(dyn Fn(DeviceCodePrompt) + Send + Sync),
        cancel: &Arc<AtomicBool>,
    ) -> Result<Tokens, SignInError> {
        if let Some(tenant) = &self.tenant_id
            && let Ok(Some(stored)) = self.secrets.read(&refresh_token_key(tenant))
        {
            match refresh_tokens(settings, http, &stored) {
                Ok(tokens) => return Ok(tokens),
                Err(SignInError::SignInAgain) => {}
                Err(e) => return Err(e),
            }
        }
        let (code, pending) = start_sign_in(settings, http.clone())?;
        prompt(code);
        pending.wait(cancel)
    }
}

impl AppState {
    /// Opens a finished sync's snapshot, as [`Self::import_graph_folder`] does: with the
    /// directory the worker built when the settings and saved selections are still those it
    /// was built with (nothing is read again), else from the folder.
    pub fn import_synced(&mut self, synced: SyncedTenant) -> Result<DirectoryChange, ReloadError> {
        let source = DirectorySource::GraphExport(synced.summary.folder);
        match synced.built {
            Some(built)
                if built.settings == self.config.organization_settings
                    && built.selections == self.config.organizations =>
            {
                let mut config = self.config.clone();
                config.directory = source;
                self.install_directory_with(built.directory, config, Some(built.departures))
            }
            _ => self.replace_directory(source),
        }
    }

    /// Deletes the synced tenant's refresh token (*Sign out*); the snapshot stays.
    pub fn sign_out(&self) -> Result<(), CommitFailure> {
        let secrets = self.writable_secrets()?;
        if let Some(tenant) = self.synced_tenant() {
            secrets
                .delete(&refresh_token_key(&tenant))
                .map_err(CommitFailure::Keyring)?;
        }
        Ok(())
    }
}
