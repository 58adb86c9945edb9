//! Helpers shared by the integration tests.
// Each test file uses a different part of these helpers.
#![allow(dead_code)]
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod applications;
pub mod certificates;
pub mod tenant_server;
pub mod vb365_server;
pub mod windows;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use backup_accounts::model::{Directory, Password};
use backup_accounts::store::{SecretError, SecretKey, SecretStore};

/// An in-memory keyring for logic tests; the real Secret Service is tested separately. Items
/// are kept by the key as messages name it: `ORG/UPN` for account passwords,
/// `SERVICE:USER` for the other kinds, which have their own keyring services.
#[derive(Default)]
pub struct MemorySecrets {
    pub items: Mutex<HashMap<String, String>>,
}

impl MemorySecrets {
    pub fn get(&self, organization: &str, upn: &str) -> Option<String> {
        self.items
            .lock()
            .unwrap()
            .get(&format!("{organization}/{upn}"))
            .cloned()
    }
    /// A tenant's Microsoft 365 refresh token.
    pub fn refresh_token(&self, tenant: &str) -> Option<String> {
        self.items
            .lock()
            .unwrap()
            .get(&SecretKey::graph_refresh_token(tenant).to_string())
            .cloned()
    }
    /// The certificate key of an application in an organization's pool.
    pub fn certificate(&self, organization: &str, app_id: &str) -> Option<String> {
        self.items
            .lock()
            .unwrap()
            .get(&SecretKey::certificate(organization, app_id).to_string())
            .cloned()
    }
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.items.lock().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl std::fmt::Debug for MemorySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySecrets")
            .field("keys", &self.keys())
            .finish()
    }
}

impl SecretStore for MemorySecrets {
    fn read(&self, key: &SecretKey) -> Result<Option<Password>, SecretError> {
        Ok(self
            .items
            .lock()
            .unwrap()
            .get(&key.to_string())
            .map(|p| Password::new(p.clone())))
    }
    fn write(&self, key: &SecretKey, password: &Password) -> Result<(), SecretError> {
        self.items
            .lock()
            .unwrap()
            .insert(key.to_string(), password.expose().to_owned());
        Ok(())
    }
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.items.lock().unwrap().remove(&key.to_string());
        Ok(())
    }
}

/// Wraps a store and fails its Nth write or delete (1-based); with `keep_failing`, every
/// change after it fails too, so a rollback fails as well.
#[derive(Debug)]
pub struct FaultySecrets<S> {
    pub inner: S,
    pub failing_change: usize,
    pub keep_failing: bool,
    pub changes: AtomicUsize,
}

impl<S> FaultySecrets<S> {
    pub fn new(inner: S, failing_change: usize) -> Self {
        Self {
            inner,
            failing_change,
            keep_failing: false,
            changes: AtomicUsize::new(0),
        }
    }
    pub fn failing_from(inner: S, failing_change: usize) -> Self {
        Self {
            keep_failing: true,
            ..Self::new(inner, failing_change)
        }
    }
    fn change(&self, key: &SecretKey) -> Result<(), SecretError> {
        let n = self.changes.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.failing_change || (self.keep_failing && n > self.failing_change) {
            return Err(SecretError::Failed {
                store: "test keyring",
                action: "save",
                account: key.keyring_user(),
                detail: format!("injected failure on change {n}"),
            });
        }
        Ok(())
    }
}

impl<S: SecretStore> SecretStore for FaultySecrets<S> {
    fn read(&self, key: &SecretKey) -> Result<Option<Password>, SecretError> {
        self.inner.read(key)
    }
    fn write(&self, key: &SecretKey, password: &Password) -> Result<(), SecretError> {
        self.change(key)?;
        self.inner.write(key, password)
    }
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.change(key)?;
        self.inner.delete(key)
    }
}

pub fn demo() -> Arc<Directory> {
    Arc::new(backup_accounts::store::snapshot::demo_directory())
}

pub const CONTOSO: &str = "contoso";
pub const FABRIKAM: &str = "fabrikam";
pub const NORTHWIND: &str = "northwind";
pub const PLAIN_GROUP: &str = "3f1c2a9e-0001-4c6b-9d1a-contoso00001";
pub const NESTED_GROUP: &str = "3f1c2a9e-0002-4c6b-9d1a-contoso00002";
pub const HELPDESK_GROUP: &str = "3f1c2a9e-0003-4c6b-9d1a-contoso00003";
pub const MAIL_SECURITY_GROUP: &str = "3f1c2a9e-0004-4c6b-9d1a-contoso00004";
pub const ALL_USERS_GROUP: &str = "3f1c2a9e-0005-4c6b-9d1a-contoso00005";
pub const M365_GROUP: &str = "3f1c2a9e-0006-4c6b-9d1a-contoso00006";
pub const DISTRIBUTION_GROUP: &str = "3f1c2a9e-0007-4c6b-9d1a-contoso00007";
pub const ADDING_ACCOUNT: &str = "admin@contoso.onmicrosoft.com";
pub const GUEST: &str = "erin_fabrikam.com#EXT#@contoso.onmicrosoft.com";
pub const DISABLED: &str = "dave@contoso.com";
pub const ALICE: &str = "alice@contoso.com";
pub const BOB_MFA: &str = "bob@contoso.com";
pub const FRANK_NESTED: &str = "frank@contoso.com";
pub const GRACE_NESTED: &str = "grace@contoso.com";

/// Clicks the manager's OK and waits until the keyring worker has finished.
pub fn press_ok_and_wait(
    harness: &mut egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>,
) {
    use egui_kittest::kittest::Queryable as _;
    harness.get_by_label("OK").click();
    // Not `run`: the window keeps repainting while the keyring worker writes.
    // R14: a commit that removes accounts asks first; the summary takes a frame to appear.
    for _ in 0..10 {
        harness.step();
        if let Some(confirm) = harness.query_by_label("Save these changes") {
            confirm.click();
            harness.step();
            break;
        }
        if harness.state().is_saving() || harness.state().manager_draft().is_none() {
            break;
        }
    }
    wait_until_saved(harness);
}

/// Steps frames until the keyring worker has finished the commit.
pub fn wait_until_saved(
    harness: &mut egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>,
) {
    let started = std::time::Instant::now();
    while harness.state().is_saving() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the commit did not finish within 30 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
        harness.step();
    }
    harness.run();
}

/// Options that keep the configuration in `folder`.
pub fn options_in(folder: &std::path::Path) -> backup_accounts::state::StartupOptions {
    backup_accounts::state::StartupOptions {
        config_dir: Some(folder.to_path_buf()),
        ..Default::default()
    }
}

/// The app in a kittest harness, after its first frames. Short steps, so that two clicks in
/// a row land within egui's double-click delay.
pub fn start_app(
    options: backup_accounts::state::StartupOptions,
    secrets: backup_accounts::state::Secrets,
) -> egui_kittest::Harness<'static, backup_accounts::app::BackupAccountsApp> {
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1000.0, 680.0])
        .with_theme(egui::Theme::Light)
        .with_step_dt(0.05)
        .with_max_steps(40)
        .build_eframe(move |_cc| backup_accounts::app::BackupAccountsApp::new(&options, secrets));
    harness.run();
    harness
}

/// Commits a draft the way the window does (validate, run the keyring and file steps, take
/// the saved configuration), without the worker thread.
pub fn commit(
    state: &mut backup_accounts::state::AppState,
    draft: &backup_accounts::model::ManagerDraft,
) -> Result<(), backup_accounts::state::CommitFailure> {
    let pending = state.begin_commit(draft)?;
    let config = pending.run(&AtomicUsize::new(0))?;
    state.finish_commit(config);
    Ok(())
}

/// R14: the revocations a directory change returned have not happened yet: every account
/// is still saved.
pub fn assert_nothing_revoked_yet(
    state: &backup_accounts::state::AppState,
    revocations: &[backup_accounts::model::Revocation],
) {
    for revocation in revocations {
        let saved = &state.config().organizations[revocation.organization_id.as_str()];
        assert!(
            saved
                .accounts
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&revocation.upn)),
            "{revocation} was revoked before consent"
        );
    }
}

/// Consents to the revocations a directory change left waiting (R14), as *Revoke these
/// accounts* does, without the worker thread.
pub fn revoke(
    state: &mut backup_accounts::state::AppState,
) -> Result<(), backup_accounts::state::CommitFailure> {
    let pending = state.begin_revocation()?;
    let config = pending.run(&AtomicUsize::new(0))?;
    state.finish_commit(config);
    Ok(())
}

/// Every interactive node of the accessibility tree has a name, and no two share one.
pub fn assert_interactive_nodes_named_and_unique(
    harness: &egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>,
    window: &str,
) {
    use egui::accesskit::Role as R;
    use egui_kittest::kittest::NodeT as _;
    let interactive = [
        R::Button,
        R::CheckBox,
        R::Link,
        R::TextInput,
        R::PasswordInput,
        R::MenuItem,
        R::ComboBox,
        R::ListBoxOption,
    ];
    let mut names = std::collections::HashMap::<String, usize>::new();
    let mut pending = vec![harness.root().accesskit_node()];
    let mut checked = 0;
    while let Some(node) = pending.pop() {
        pending.extend(node.children());
        if node.is_hidden() || !interactive.contains(&node.role()) {
            continue;
        }
        checked += 1;
        let name = node.label().unwrap_or_default();
        assert!(
            !name.trim().is_empty(),
            "{window}: unnamed {:?} node",
            node.role()
        );
        *names.entry(name).or_default() += 1;
    }
    let duplicates: Vec<_> = names.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "{window}: duplicated names {duplicates:?}"
    );
    assert!(
        checked >= 3,
        "{window}: only {checked} interactive nodes found"
    );
}

/// Steps frames until `done` holds (the keyring check, the Health report and the sync run on
/// workers), at most 20 s.
pub fn wait_for(
    harness: &mut egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>,
    what: &str,
    done: impl Fn(&egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>) -> bool,
) {
    let started = std::time::Instant::now();
    while !done(harness) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "waited 20 s for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        harness.step();
    }
    harness.run();
}

/// `text` with the first occurrence of each `(from, to)` replaced. Fails the test when a
/// `from` is not there: a fixture whose edit silently matched nothing would test the
/// unedited text and pass for the wrong reason.
pub fn edited(text: &str, replacements: &[(&str, &str)]) -> String {
    let mut text = text.to_owned();
    for (from, to) in replacements {
        assert!(
            text.contains(from),
            "the fixture has no {from:?} to replace; was it renamed?"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// `text` with every occurrence of `from` replaced; fails the test when there is none, as
/// [`edited`] does.
pub fn edited_everywhere(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the fixture has no {from:?} to replace; was it renamed?"
    );
    text.replace(from, to)
}
