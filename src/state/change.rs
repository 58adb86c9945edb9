//! What a directory change leaves to decide (R13, R14). It comes back from the operation
//! that changed the directory, and whoever asked decides it (the window opens a dialog, the
//! command line says it); the shared state keeps none of it.

use crate::model::{DepartedAccounts, Revocation};
use crate::store::DirectorySource;
use crate::store::graph::ImportedTenant;

/// What a load, reload, import, sync or new settings left to decide.
#[derive(Debug, Default)]
pub struct DirectoryChange {
    /// A tenant seen for the first time: its settings are asked before it is used (R13).
    pub needs_settings: Option<AwaitingSettings>,
    /// Saved accounts the new directory no longer allows, waiting for consent (R14).
    pub revocations: Vec<Revocation>,
    /// Saved selections the change updates without revoking anything (a UPN's case, a
    /// group's name): applied without asking.
    updates: bool,
}

impl DirectoryChange {
    /// What the directory, as it now is, means for the saved selections.
    pub(super) fn departures(departed: DepartedAccounts) -> Self {
        Self {
            needs_settings: None,
            updates: !departed.is_empty(),
            revocations: departed.revocations,
        }
    }

    /// The question of an organization's settings, alone (its context menu's *Organization
    /// settings...*).
    pub fn asking_settings(awaiting: AwaitingSettings) -> Self {
        Self {
            needs_settings: Some(awaiting),
            ..Self::default()
        }
    }

    /// An import that waits for its organization's settings; nothing else changed yet.
    pub(super) fn settings_first(source: DirectorySource, tenant: ImportedTenant) -> Self {
        Self::asking_settings(AwaitingSettings {
            source,
            tenant: Box::new(tenant),
        })
    }

    /// True when saved selections change in ways that revoke nothing (a UPN's case, a
    /// group's name): [`super::AppState::begin_revocation`] applies them without asking.
    pub fn has_updates_without_revocations(&self) -> bool {
        self.updates && self.revocations.is_empty()
    }
}

/// An imported tenant waiting for the administrator to say how its organization was added
/// to the backup server, with the source it came from.
#[derive(Debug)]
pub struct AwaitingSettings {
    pub(super) source: DirectorySource,
    /// Boxed: a tenant is large, and this travels inside the windows' small messages.
    pub(super) tenant: Box<ImportedTenant>,
}

impl AwaitingSettings {
    /// The imported tenant: its name, users and applications for the question.
    pub fn tenant(&self) -> &ImportedTenant {
        &self.tenant
    }
}
