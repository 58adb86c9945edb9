//! An imported tenant's organization settings in the shared state: the tenant seen for the
//! first time waits for them, and a saved tenant's can be edited.

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::OrganizationSettings;
use crate::store::DirectorySource;
use crate::store::graph::import_folder;

use super::{AppState, AwaitingSettings, DirectoryChange, ReloadError};

impl AppState {
    /// The settings saved for an imported organization.
    pub fn organization_settings(&self, organization_id: &str) -> Option<&OrganizationSettings> {
        self.config.organization_settings.get(organization_id)
    }

    /// Re-reads an imported organization's export so its settings can be changed; `None`
    /// when the directory is not a Graph export.
    pub fn edit_settings(&self) -> Result<Option<AwaitingSettings>, ReloadError> {
        let source = self.config.directory.clone();
        let DirectorySource::GraphExport(folder) = &source else {
            return Ok(None);
        };
        let tenant = import_folder(folder).map_err(|e| (folder.clone(), e.into()))?;
        Ok(Some(AwaitingSettings {
            source,
            tenant: Box::new(tenant),
        }))
    }

    /// Completes the waiting import with the administrator's settings, saved in the
    /// configuration; what the new directory no longer allows waits for consent (R5, R14).
    /// Dropping `awaiting` instead leaves the directory loaded before.
    pub fn apply_settings(
        &mut self,
        awaiting: AwaitingSettings,
        settings: OrganizationSettings,
    ) -> Result<DirectoryChange, ReloadError> {
        let AwaitingSettings { source, tenant } = awaiting;
        let tenant = *tenant;
        let organization_id = tenant.id.clone();
        let folder = match &source {
            DirectorySource::GraphExport(folder) => folder.clone(),
            _ => PathBuf::new(),
        };
        let used_group = self
            .config
            .organizations
            .get(organization_id.as_str())
            .map(|s| s.group_id.as_str());
        let directory = tenant
            .require_memberships(used_group)
            .and_then(|()| tenant.into_directory(&settings))
            .map_err(|e| (folder, e.into()))?;
        let mut config = self.config.clone();
        config.directory = source;
        config
            .organization_settings
            .insert(organization_id.into(), settings);
        self.install_directory(Arc::new(directory), config)
    }
}
