//! The domain: directory, rules and the manager's draft. Never imports egui.

pub mod application;
pub mod application_pool;
pub mod directory;
pub mod draft;
pub mod group;
pub mod health;
pub mod ids;
pub mod password;
pub mod progress;
pub mod revocation;
pub mod rules;
pub mod selection;
pub mod server_pool;
pub mod text;
pub mod upn;

pub use directory::{
    AuthenticationMethod, Directory, DirectoryError, Group, GroupKind, Member, Organization, User,
};
pub use draft::{
    AccountRow, ChosenGroup, CommitPlan, CommitSummary, DraftError, GroupPreview, ManagerDraft,
    PasswordPrompt, PasswordState,
};
pub use ids::{AppId, GroupId, OrganizationId, Upn};
pub use password::Password;
pub use revocation::{DepartedAccounts, Revocation, RevocationReason};
pub use rules::{AccountRefusal, GroupRefusal, ManageRefusal};
pub use selection::{
    OrganizationSelection, OrganizationSettings, PasswordRecord, Selections, SettingsByOrganization,
};
pub use upn::same_upn;
