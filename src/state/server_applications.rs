//! KB4821 on the backup server: since 1 March 2026 every backup application of a tenant counts
//! against one throttling limit, so the extras are removed from the server, keeping the one
//! the organization was added with. Adding applications to the server is never done: 8.4 and
//! later refuse it.

use super::AppState;
use crate::model::progress::JobProgress;
use crate::model::server_pool::{ServerFacts, ServerStanding};
use crate::store::vb365::{self, BackupServer, ServerError};

/// Why no removal of the server's extra applications is offered.
#[derive(Debug, thiserror::Error)]
pub enum RemovalRefused {
    /// The organization left the directory.
    #[error("The organization {0} is no longer in the directory.")]
    NotInDirectory(String),
    /// The last look at the server found no applications for it.
    #[error(
        "The last look at the backup server found no backup applications for {0}; use File > \
         Refresh from backup server first."
    )]
    NotSeen(String),
    /// The server does not say which application stays.
    #[error(
        "The backup server does not say which application {0} was added with, so nothing is \
         removed: choose the one to keep in its console."
    )]
    NoneToKeep(String),
    /// There is nothing besides the one that stays.
    #[error("{0} has only one backup application on the server.")]
    OnlyOne(String),
    /// No client for the server.
    #[error(transparent)]
    Server(#[from] ServerError),
}

/// Why a removal of the server's extra applications did not happen, or not in full.
#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    /// The server failed or refused (its text says whether anything changed).
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The organization left the server since the last look.
    #[error("{organization} is no longer on the backup server; nothing was removed.")]
    OrganizationGone {
        /// Its name.
        organization: String,
    },
    /// An application is still listed after the `DELETE`.
    #[error(
        "The backup server still lists the application {application} after the removal; check \
         its console."
    )]
    StillListed {
        /// The application's id.
        application: String,
    },
}

/// What a removal of the server's extra applications will do, as the consent shows it, with
/// the client to do it.
#[derive(Debug)]
pub struct ApplicationRemoval {
    client: BackupServer,
    /// The organization's tenant id.
    pub tenant_id: String,
    /// Its name.
    pub organization: String,
    /// The application that stays, (id, name).
    pub keep: (String, String),
    /// The applications to remove, (id, name): exactly what the administrator consents to.
    pub remove: Vec<(String, String)>,
}

impl AppState {
    /// The removal of the extra applications the last look at the server (`facts`) found
    /// for `organization_id`, or why there is none to make.
    pub fn application_removal(
        &self,
        organization_id: &str,
        facts: Option<&ServerFacts>,
    ) -> Result<ApplicationRemoval, RemovalRefused> {
        let organization = self
            .directory
            .organization(organization_id)
            .ok_or_else(|| RemovalRefused::NotInDirectory(organization_id.to_owned()))?;
        let standing = facts
            .and_then(|f| f.standings.as_ref().ok())
            .and_then(|s| s.get(organization_id));
        let Some(ServerStanding::AppOnly {
            added_with_application,
            applications,
        }) = standing
        else {
            return Err(RemovalRefused::NotSeen(organization.name.clone()));
        };
        let keep = added_with_application
            .as_ref()
            .and_then(|id| applications.iter().find(|(app, _)| app == id))
            .ok_or_else(|| RemovalRefused::NoneToKeep(organization.name.clone()))?
            .clone();
        let remove: Vec<_> = applications
            .iter()
            .filter(|(id, _)| *id != keep.0)
            .cloned()
            .collect();
        if remove.is_empty() {
            return Err(RemovalRefused::OnlyOne(organization.name.clone()));
        }
        Ok(ApplicationRemoval {
            client: self.backup_server_client()?,
            tenant_id: organization.id.to_string(),
            organization: organization.name.clone(),
            keep,
            remove,
        })
    }
}

impl ApplicationRemoval {
    /// `host:port` of the server.
    pub fn server(&self) -> String {
        self.client.address().host_port()
    }

    /// Removes the consented applications still on the server (never the kept one) in one
    /// `DELETE`, then reads the list back; returns how many were removed, or why not (in
    /// words that say whether anything changed).
    pub fn run(&self, progress: &JobProgress) -> Result<usize, RemovalError> {
        progress.set_step("Finding the organization on the backup server");
        let Some(found) = vb365::find_organization(&self.client, &self.tenant_id)? else {
            return Err(RemovalError::OrganizationGone {
                organization: self.organization.clone(),
            });
        };
        progress.set_step("Reading its backup applications");
        let on_server = vb365::pool::backup_applications(&self.client, &found.id)?;
        let removing: Vec<String> = on_server
            .iter()
            .map(|a| a.application_id.clone())
            .filter(|id| *id != self.keep.0 && self.remove.iter().any(|(r, _)| r == id))
            .collect();
        if progress.is_cancelled() {
            return Err(ServerError::Cancelled.into());
        }
        if !removing.is_empty() {
            progress.set_step(format!("Removing {} backup applications", removing.len()));
            vb365::pool::remove_backup_applications(&self.client, &found.id, &removing)?;
        }
        progress.set_step("Reading the applications back");
        let left = vb365::pool::backup_applications(&self.client, &found.id)?;
        if let Some(still) = left.iter().find(|a| removing.contains(&a.application_id)) {
            return Err(RemovalError::StillListed {
                application: still.application_id.clone(),
            });
        }
        Ok(removing.len())
    }
}
