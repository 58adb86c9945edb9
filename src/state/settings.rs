//! An imported tenant's organization settings in the shared state: the tenant seen for the
//! first time waits for them, and a saved tenant's can be edited.

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::{OrganizationSettings, Revocation};
use crate::store::DirectorySource;
use crate::store::graph::{ImportedTenant, import_folder};

use super::{AppState, ReloadError};

impl AppState {
    /// The imported organization waiting for its settings, if any.
    pub fn awaiting_settings(&self) -> Option<&ImportedTenant> {
        self.awaiting_settings.as_ref().map(|(_, tenant)| tenant)
    }

    /// The settings saved for an imported organization.
    pub fn organization_settings(&self, organization_id: &str) -> Option<&OrganizationSettings> {
        self.config.organization_settings.get(organization_id)
    }

    /// Re-reads an imported organization's export so its settings can be changed.
    pub fn edit_settings(&mut self) -> Result<(), ReloadError> {
        let source = self.config.directory.clone();
        if let DirectorySource::GraphExport(folder) = &source {
            let tenant = import_folder(folder).map_err(|e| (folder.clone(), e.into()))?;
            self.awaiting_settings = Some((source, tenant));
        }
        Ok(())
    }

    /// Drops the waiting import; the directory loaded before stays.
    pub fn cancel_settings(&mut self) {
        self.awaiting_settings = None;
    }

    /// Completes the waiting import with the administrator's settings, saved in the
    /// configuration, and drops accounts the new directory no longer allows (R5).
    pub fn apply_settings(
        &mut self,
        settings: OrganizationSettings,
    ) -> Result<Vec<Revocation>, ReloadError> {
        let Some((source, tenant)) = self.awaiting_settings.take() else {
            return Ok(Vec::new());
        };
        let organization_id = tenant.id.clone();
        let folder = match &source {
            DirectorySource::GraphExport(folder) => folder.clone(),
            _ => PathBuf::new(),
        };
        let used_group = self
            .config
            .organizations
            .get(&organization_id)
            .map(|s| s.group_id.as_str());
        let directory = tenant
            .require_memberships(used_group)
            .and_then(|()| tenant.into_directory(&settings))
            .map_err(|e| (folder, e.into()))?;
        let mut config = self.config.clone();
        config.directory = source;
        config
            .organization_settings
            .insert(organization_id, settings);
        self.install_directory(Arc::new(directory), config)
    }
}
