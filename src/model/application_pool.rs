//! The Backup Applications Manager's working copy (R15): which applications an app-only
//! organization's pool holds, and the certificates given to them during this visit.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::application::{
    Application, ApplicationRefusal, CertificateFacts, CertificateRefusal, RemovalRefusal,
    check_can_remove_all,
};
use super::directory::{AuthenticationMethod, Directory, Organization};
use super::draft::{CommitPlan, DraftError};
use super::password::Password;

/// The saved pools, by organization id.
pub type ApplicationPools =
    std::collections::BTreeMap<crate::model::OrganizationId, ApplicationPool>;

/// The saved pool of an app-only organization. Never holds a key (R10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationPool {
    /// The applications, in the order they were added.
    pub applications: Vec<PooledApplication>,
}

/// One application of a pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PooledApplication {
    /// Application (client) id.
    pub app_id: crate::model::AppId,
    /// The certificate installed for it; its key is in the keyring.
    #[serde(default)]
    pub certificate: Option<InstalledCertificate>,
}

/// What the configuration keeps of an installed certificate: never its key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstalledCertificate {
    /// SHA-1 thumbprint, upper-case hexadecimal.
    pub thumbprint: String,
    /// The certificate's subject.
    pub subject: String,
    /// Valid until.
    pub expires: jiff::Timestamp,
}

/// A certificate given in this visit: what is saved, and the key and certificate (PEM) for
/// the keyring.
#[derive(Debug)]
pub struct NewCertificate {
    /// What the configuration keeps.
    pub installed: InstalledCertificate,
    /// Private key and certificate, PEM.
    pub secret: Password,
}

/// One row of the manager.
#[derive(Debug)]
pub struct PoolRow {
    /// Index into the organization's applications.
    pub application_index: usize,
    /// Installed before this visit.
    pub saved_certificate: Option<InstalledCertificate>,
    /// Given in this visit.
    pub new_certificate: Option<NewCertificate>,
}

impl PoolRow {
    /// The certificate this row will have after OK.
    pub fn certificate(&self) -> Option<&InstalledCertificate> {
        self.new_certificate
            .as_ref()
            .map(|c| &c.installed)
            .or(self.saved_certificate.as_ref())
    }
}

/// The manager's working copy for one app-only organization.
#[derive(Debug)]
pub struct PoolDraft {
    directory: Arc<Directory>,
    organization_index: usize,
    saved: ApplicationPool,
    rows: Vec<PoolRow>,
}

impl PoolDraft {
    /// Opens the pool of an app-only organization (R1: only those have one). The
    /// application it was added with is always in it (R15).
    pub fn open(
        directory: Arc<Directory>,
        organization_id: &str,
        saved: Option<&ApplicationPool>,
    ) -> Result<Self, DraftError> {
        let organization_index = directory
            .organization_index(organization_id)
            .ok_or_else(|| DraftError::UnknownOrganization(organization_id.to_owned()))?;
        let organization = &directory.organizations[organization_index];
        if organization.authentication != AuthenticationMethod::ModernAppOnly {
            return Err(DraftError::NotAppOnly(organization.name.clone()));
        }
        let saved = saved.cloned().unwrap_or_default();
        let mut rows: Vec<PoolRow> = saved
            .applications
            .iter()
            .filter_map(|pooled| {
                Some(PoolRow {
                    application_index: application_index(organization, &pooled.app_id)?,
                    saved_certificate: pooled.certificate.clone(),
                    new_certificate: None,
                })
            })
            .collect();
        if let Some(added_with) = &organization.added_with_application
            && let Some(index) = application_index(organization, added_with)
            && !rows.iter().any(|r| r.application_index == index)
        {
            rows.insert(
                0,
                PoolRow {
                    application_index: index,
                    saved_certificate: None,
                    new_certificate: None,
                },
            );
        }
        Ok(Self {
            directory,
            organization_index,
            saved,
            rows,
        })
    }

    /// The organization.
    pub fn organization(&self) -> &Organization {
        &self.directory.organizations[self.organization_index]
    }

    /// The pool's rows.
    pub fn rows(&self) -> &[PoolRow] {
        &self.rows
    }

    /// The application of a row.
    pub fn application(&self, row: &PoolRow) -> &Application {
        &self.organization().applications[row.application_index]
    }

    fn pool_ids(&self) -> Vec<crate::model::AppId> {
        self.rows
            .iter()
            .map(|r| self.application(r).app_id.clone())
            .collect()
    }

    /// Every application of the tenant, with why it cannot join the pool, for Select
    /// Application.
    pub fn candidates(&self) -> Vec<(&Application, Option<ApplicationRefusal>)> {
        let pool = self.pool_ids();
        self.organization()
            .applications
            .iter()
            .map(|a| (a, a.check_can_join(&pool).err()))
            .collect()
    }

    /// Adds an application to the pool (R15 refuses one already there or without a
    /// certificate credential).
    pub fn add(&mut self, app_id: &str) -> Result<(), PoolError> {
        let organization = self.organization();
        let index = application_index(organization, app_id)
            .ok_or_else(|| PoolError::UnknownApplication(app_id.to_owned()))?;
        organization.applications[index].check_can_join(&self.pool_ids())?;
        self.rows.push(PoolRow {
            application_index: index,
            saved_certificate: None,
            new_certificate: None,
        });
        Ok(())
    }

    /// Removes applications, all or none (R15 keeps the one the organization was added with).
    pub fn remove(&mut self, app_ids: &BTreeSet<crate::model::AppId>) -> Result<(), PoolError> {
        let added_with = self.organization().added_with_application.clone();
        check_can_remove_all(app_ids, added_with.as_deref())?;
        let organization = &self.directory.organizations[self.organization_index];
        self.rows.retain(|row| {
            let id = &organization.applications[row.application_index].app_id;
            !app_ids
                .iter()
                .any(|removed| removed.eq_ignore_ascii_case(id))
        });
        Ok(())
    }

    /// Gives an application a certificate (R15: with its key, valid now, registered on it).
    pub fn install_certificate(
        &mut self,
        app_id: &str,
        facts: &CertificateFacts,
        secret: Password,
        now: jiff::Timestamp,
    ) -> Result<(), PoolError> {
        let position = self
            .rows
            .iter()
            .position(|r| self.application(r).app_id.eq_ignore_ascii_case(app_id))
            .ok_or_else(|| PoolError::NotInPool(app_id.to_owned()))?;
        let application = self.application(&self.rows[position]);
        application.check_certificate(facts, now)?;
        self.rows[position].new_certificate = Some(NewCertificate {
            installed: InstalledCertificate {
                thumbprint: facts.thumbprint.to_uppercase(),
                subject: facts.subject.clone(),
                expires: facts.not_after,
            },
            secret,
        });
        Ok(())
    }

    /// What OK writes: new keys first, keys of removed applications deleted, then the pool
    /// (the same commit path as backup accounts, R9).
    pub fn commit(&self) -> CommitPlan {
        let secret_name = |app: &Application| app.app_id.to_string();
        let secrets_to_store = self
            .rows
            .iter()
            .filter_map(|row| {
                let new = row.new_certificate.as_ref()?;
                Some((secret_name(self.application(row)), new.secret.duplicate()))
            })
            .collect();
        let kept = self.pool_ids();
        let secrets_to_delete = self
            .saved
            .applications
            .iter()
            .filter(|p| p.certificate.is_some())
            .filter(|p| !kept.iter().any(|k| k.eq_ignore_ascii_case(&p.app_id)))
            .map(|p| p.app_id.to_string())
            .collect();
        let pool = ApplicationPool {
            applications: self
                .rows
                .iter()
                .map(|row| PooledApplication {
                    app_id: self.application(row).app_id.clone(),
                    certificate: row.certificate().cloned(),
                })
                .collect(),
        };
        CommitPlan {
            organization_id: self.organization().id.clone(),
            secrets_to_store,
            app_passwords: Vec::new(),
            secrets_to_delete,
            selection: None,
            mfa_not_enabled: Vec::new(),
            application_pool: Some(pool),
        }
    }
}

fn application_index(organization: &Organization, app_id: &str) -> Option<usize> {
    organization
        .applications
        .iter()
        .position(|a| a.app_id.eq_ignore_ascii_case(app_id))
}

/// What the Backup Applications Manager can refuse.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// Not an application of this tenant.
    #[error("{0} is not an application of this organization")]
    UnknownApplication(String),
    /// Not in the pool.
    #[error("{0} is not in the pool; add it first")]
    NotInPool(String),
    /// R15: cannot join.
    #[error("The application cannot be added: {0}.")]
    CannotJoin(#[from] ApplicationRefusal),
    /// R15: cannot leave.
    #[error("{0}.")]
    CannotRemove(#[from] RemovalRefusal),
    /// R15: certificate refused.
    #[error("The certificate was not installed: {0}.")]
    Certificate(#[from] CertificateRefusal),
}
