//! The four windows, driven through `egui_kittest` by the labels the guide uses.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::state::StartupOptions;
use backup_accounts::store::{Config, ConfigFile, SecretStore};
use common::*;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

fn harness_with(
    folder: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
) -> Harness<'static, BackupAccountsApp> {
    start_app(options_in(folder), Ok(secrets))
}

use common::windows::{click, description, is_disabled};

fn open_contoso_manager(harness: &mut Harness<'_, BackupAccountsApp>) {
    harness
        .get_by_label("Contoso Ltd (Basic authentication)")
        .click_secondary();
    harness.run();
    click(harness, "Manage backup accounts...");
}

fn choose_group(harness: &mut Harness<'_, BackupAccountsApp>, group: &str) {
    click(harness, "Select...");
    click(harness, group);
    click(harness, "Add");
}

fn type_password(harness: &mut Harness<'_, BackupAccountsApp>, upn: &str, password: &str) {
    click(harness, &format!("Password for {upn}: Not configured"));
    let field = harness.get_by_role(Role::PasswordInput);
    assert!(
        field.is_focused(),
        "the password field has focus when the dialog opens"
    );
    field.type_text(password);
    harness.run();
    click(harness, &format!("OK, save the password of {upn}"));
}

/// The guide's steps, literally by label, then what was saved.
fn walk_the_guide(secrets: Arc<dyn SecretStore>) -> Config {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), secrets);
    // 1-2. Organizations view: right-click an organization, Manage backup accounts.
    open_contoso_manager(&mut harness);
    // 3-4. Backup Accounts Manager: Select; Select Security Group: pick a group, Add.
    choose_group(&mut harness, "SharePoint Backup Operators");
    assert!(
        harness
            .query_by_label_contains("Site Collection Administrator")
            .is_some(),
        "the manager repeats the role note (R4)"
    );
    // 5. Check the accounts to use.
    click(&mut harness, "Use alice@contoso.com");
    click(&mut harness, "Use bob@contoso.com");
    // 6-7. Password column: Not configured; Add Password: type it, OK.
    type_password(&mut harness, ALICE, "alice-pass-1");
    type_password(&mut harness, BOB_MFA, "bob-app-pass-2");
    assert!(
        harness
            .query_by_label("Password for alice@contoso.com: Configured")
            .is_some()
    );
    // OK in the manager commits.
    press_ok_and_wait(&mut harness);
    assert!(
        harness.state().manager_draft().is_none(),
        "the manager closed"
    );
    ConfigFile::in_folder(folder.path()).load().unwrap()
}

#[test]
fn the_guide_walked_by_label_saves_configuration_and_secrets() {
    let secrets = Arc::new(MemorySecrets::default());
    let config = walk_the_guide(secrets.clone());
    let saved = &config.organizations[CONTOSO];
    assert_eq!(saved.group_id, PLAIN_GROUP);
    assert_eq!(saved.accounts, [ALICE, BOB_MFA]);
    assert_eq!(secrets.get(CONTOSO, ALICE).as_deref(), Some("alice-pass-1"));
    assert_eq!(
        secrets.get(CONTOSO, BOB_MFA).as_deref(),
        Some("bob-app-pass-2")
    );
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn the_guide_walked_by_label_stores_passwords_in_the_real_secret_service() {
    let keyring = backup_accounts::store::KeyringSecrets::platform().unwrap();
    let config = walk_the_guide(Arc::new(keyring));
    assert_eq!(config.organizations[CONTOSO].accounts, [ALICE, BOB_MFA]);
    let lookup = |upn: &str| {
        let output = std::process::Command::new("secret-tool")
            .args(["lookup", "service", "backup-accounts", "username"])
            .arg(format!("{CONTOSO}/{upn}"))
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(lookup(ALICE), "alice-pass-1");
    assert_eq!(lookup(BOB_MFA), "bob-app-pass-2");
    let keyring = backup_accounts::store::KeyringSecrets::platform().unwrap();
    for upn in [ALICE, BOB_MFA] {
        keyring
            .delete(&backup_accounts::store::SecretKey::new(CONTOSO, upn))
            .unwrap();
    }
}

#[test]
fn r1_manage_backup_accounts_is_disabled_for_app_only_organizations() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    harness
        .get_by_label("Northwind Traders (Modern app-only authentication)")
        .click_secondary();
    harness.run();
    assert!(is_disabled(&harness, "Manage backup accounts..."));
    assert!(
        description(&harness, "Manage backup accounts...").contains("Manage backup applications"),
        "the hover text says to use backup applications"
    );
    assert!(!is_disabled(&harness, "Manage backup applications..."));
    // Clicking the disabled item opens nothing.
    click(&mut harness, "Manage backup accounts...");
    assert!(harness.state().manager_draft().is_none());
    // A basic organization's item is enabled.
    harness.key_press(egui::Key::Escape);
    harness.run();
    harness
        .get_by_label("Contoso Ltd (Basic authentication)")
        .click_secondary();
    harness.run();
    assert!(!is_disabled(&harness, "Manage backup accounts..."));
}

#[test]
fn r2_r3_refused_groups_are_listed_with_reasons_and_cannot_be_added() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    open_contoso_manager(&mut harness);
    click(&mut harness, "Select...");
    // Microsoft 365 and distribution groups are not offered.
    assert!(harness.query_by_label("Marketing").is_none());
    assert!(harness.query_by_label("Sales Announcements").is_none());
    for (group, reason) in [
        ("Backup Team (mail-enabled)", "not supported"),
        ("All Users", "dedicated security group"),
    ] {
        click(&mut harness, group);
        assert!(is_disabled(&harness, "Add"), "{group} can be added");
        assert!(description(&harness, "Add").contains(reason), "{group}");
        assert!(harness.query_all_by_label_contains(reason).next().is_some());
        // Not even by double-click.
        harness.get_by_label(group).click();
        harness.get_by_label(group).click();
        harness.run();
        assert!(harness.state().manager_draft().unwrap().group().is_none());
    }
    // The member count shows before Add (R4).
    click(&mut harness, "IT Helpdesk");
    assert!(!is_disabled(&harness, "Add"));
    assert!(
        harness
            .query_by_label_contains(
                "IT Helpdesk (3 users) will be granted the Site Collection Administrator role"
            )
            .is_some()
    );
}

#[test]
fn search_filters_the_groups_as_you_type() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    open_contoso_manager(&mut harness);
    click(&mut harness, "Select...");
    let search = harness.get_by_label("Search groups");
    assert!(search.is_focused(), "typing goes to the search box at once");
    search.type_text("europe");
    harness.run();
    assert!(
        harness
            .query_by_label("Backup Operators - Europe")
            .is_some()
    );
    assert!(harness.query_by_label("IT Helpdesk").is_none());
    // Double-click adds.
    harness.get_by_label("Backup Operators - Europe").click();
    harness.get_by_label("Backup Operators - Europe").click();
    harness.run();
    let draft = harness.state().manager_draft().unwrap();
    assert_eq!(draft.group().unwrap().id, NESTED_GROUP);
}

#[test]
fn r6_r12_ineligible_accounts_are_shown_disabled_with_their_reason() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "SharePoint Backup Operators");
    for (upn, reason) in [
        (ADDING_ACCOUNT, "added with"),
        (GUEST, "Guest users"),
        (DISABLED, "disabled"),
    ] {
        let label = format!("Use {upn}");
        assert!(is_disabled(&harness, &label), "{upn}");
        assert!(description(&harness, &label).contains(reason), "{upn}");
        click(&mut harness, &label);
        assert!(
            harness
                .query_by_label(&format!("Password for {upn}: Not configured"))
                .is_none(),
            "no password link for {upn}"
        );
    }
    assert_eq!(harness.state().manager_draft().unwrap().checked_count(), 0);
}

#[test]
fn r7_ok_is_refused_while_a_checked_account_has_no_password() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "SharePoint Backup Operators");
    click(&mut harness, "Use alice@contoso.com");
    press_ok_and_wait(&mut harness);
    assert!(
        harness.state().manager_draft().is_some(),
        "the manager stays open"
    );
    assert!(
        harness
            .query_by_label_contains("Every checked account needs a password")
            .is_some()
    );
    assert!(!ConfigFile::in_folder(folder.path()).path().exists());
}

#[test]
fn r8_add_password_refuses_empty_and_asks_mfa_accounts_for_an_app_password() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "SharePoint Backup Operators");
    click(&mut harness, "Password for bob@contoso.com: Not configured");
    assert!(
        harness
            .query_by_label_contains("Microsoft Entra application password")
            .is_some()
    );
    let ok = "OK, save the password of bob@contoso.com";
    assert!(
        is_disabled(&harness, ok),
        "OK is disabled while the field is empty"
    );
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert!(
        harness.query_by_label(ok).is_some(),
        "Enter on an empty field does nothing"
    );
    // Escape cancels the dialog, not the manager.
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(harness.query_by_label(ok).is_none());
    assert!(harness.state().manager_draft().is_some());

    click(
        &mut harness,
        "Password for alice@contoso.com: Not configured",
    );
    assert!(
        harness
            .query_by_label_contains("Microsoft Entra application password")
            .is_none(),
        "a non-MFA account is asked for its own password"
    );
    harness.get_by_role(Role::PasswordInput).type_text("typed");
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert!(
        harness
            .query_by_label("Password for alice@contoso.com: Configured")
            .is_some(),
        "Enter submits"
    );
}

#[test]
fn r9_cancel_and_escape_change_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = harness_with(folder.path(), secrets.clone());
    for close in ["Cancel", "Escape"] {
        open_contoso_manager(&mut harness);
        choose_group(&mut harness, "SharePoint Backup Operators");
        click(&mut harness, "Use alice@contoso.com");
        type_password(&mut harness, ALICE, "never-saved");
        if close == "Cancel" {
            click(&mut harness, "Cancel");
        } else {
            harness.key_press(egui::Key::Escape);
            harness.run();
        }
        assert!(harness.state().manager_draft().is_none(), "{close} closes");
        assert!(secrets.keys().is_empty(), "{close} stored a secret");
        assert!(!ConfigFile::in_folder(folder.path()).path().exists());
    }
    // Reopening shows the saved state, not the cancelled one.
    open_contoso_manager(&mut harness);
    assert!(harness.state().manager_draft().unwrap().group().is_none());
}

#[test]
fn r9_a_failed_commit_shows_an_error_and_keeps_the_dialog_open() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(FaultySecrets::new(MemorySecrets::default(), 2));
    let mut harness = harness_with(folder.path(), secrets.clone());
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "SharePoint Backup Operators");
    type_password(&mut harness, ALICE, "a-pass");
    type_password(&mut harness, BOB_MFA, "b-pass");
    press_ok_and_wait(&mut harness);
    assert!(
        harness.state().manager_draft().is_some(),
        "the dialog stays open"
    );
    assert!(
        harness
            .query_by_label_contains("Nothing was saved")
            .is_some()
    );
    assert!(secrets.inner.keys().is_empty());
    assert!(!ConfigFile::in_folder(folder.path()).path().exists());
    // A second OK succeeds: the typed passwords were kept.
    press_ok_and_wait(&mut harness);
    assert!(harness.state().manager_draft().is_none());
    assert_eq!(secrets.inner.keys().len(), 2);
}

#[test]
fn saved_accounts_show_in_the_details_after_a_restart() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = harness_with(folder.path(), secrets.clone());
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "IT Helpdesk");
    type_password(&mut harness, "carol@contoso.com", "c-pass");
    press_ok_and_wait(&mut harness);
    drop(harness);
    let harness = harness_with(folder.path(), secrets);
    assert!(
        harness
            .query_by_label_contains("Carol Diaz (carol@contoso.com)")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("Backup accounts (1)")
            .is_some()
    );
}

/// Image snapshots of each window, rendered with wgpu (lavapipe without a GPU) and compared
/// with `tests/snapshots/*.png`; `UPDATE_SNAPSHOTS=1` rewrites them.
#[test]
fn snapshots_of_each_window() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    harness.snapshot("organizations_view");

    open_contoso_manager(&mut harness);
    click(&mut harness, "Select...");
    click(&mut harness, "SharePoint Backup Operators");
    harness.snapshot("select_security_group");

    click(&mut harness, "Add");
    click(&mut harness, "Use alice@contoso.com");
    type_password(&mut harness, ALICE, "alice-pass-1");
    click(&mut harness, "Use bob@contoso.com");
    harness.snapshot("backup_accounts_manager");

    click(&mut harness, "Password for bob@contoso.com: Not configured");
    harness.get_by_role(Role::PasswordInput).type_text("secret");
    harness.run();
    harness.snapshot("add_password");
}

#[test]
fn every_window_names_each_control_once() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    assert_interactive_nodes_named_and_unique(&harness, "Organizations view");
    click(&mut harness, "File");
    assert_interactive_nodes_named_and_unique(&harness, "File menu");
    harness.key_press(egui::Key::Escape);
    harness.run();
    harness
        .get_by_label("Contoso Ltd (Basic authentication)")
        .click_secondary();
    harness.run();
    assert_interactive_nodes_named_and_unique(&harness, "context menu");
    click(&mut harness, "Manage backup accounts...");
    assert_interactive_nodes_named_and_unique(&harness, "Backup Accounts Manager (empty)");
    assert_open_dialogs(&harness, &["Backup Accounts Manager"]);
    click(&mut harness, "Select...");
    assert_interactive_nodes_named_and_unique(&harness, "Select Security Group");
    assert_open_dialogs(
        &harness,
        &["Backup Accounts Manager", "Select Security Group"],
    );
    click(&mut harness, "SharePoint Backup Operators");
    click(&mut harness, "Add");
    assert_interactive_nodes_named_and_unique(&harness, "Backup Accounts Manager");
    click(
        &mut harness,
        "Password for alice@contoso.com: Not configured",
    );
    assert_interactive_nodes_named_and_unique(&harness, "Add Password");
    assert_open_dialogs(&harness, &["Backup Accounts Manager", "Add Password"]);
}

/// Each open window is a modal dialog named by its title, so a screen reader says where the
/// focus went.
fn assert_open_dialogs(harness: &Harness<'_, BackupAccountsApp>, titles: &[&str]) {
    let mut dialogs: Vec<String> = harness
        .query_all_by_role(Role::Dialog)
        .map(|d| {
            assert!(
                d.accesskit_node().is_modal(),
                "dialogs are modal: {:?}",
                d.accesskit_node()
            );
            d.accesskit_node().label().unwrap_or_default()
        })
        .collect();
    dialogs.sort();
    let mut expected: Vec<String> = titles.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(dialogs, expected);
}

/// The app on a copy of the demo snapshot in `folder`, with Carol and Heidi of IT Helpdesk
/// saved as backup accounts; returns the snapshot's path and the harness.
fn carol_and_heidi_in_helpdesk(
    folder: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
) -> (std::path::PathBuf, Harness<'static, BackupAccountsApp>) {
    let snapshot = folder.join("tenant.ron");
    std::fs::write(&snapshot, backup_accounts::store::snapshot::DEMO_DIRECTORY).unwrap();
    let options = StartupOptions {
        config_dir: Some(folder.join("config")),
        directory: Some(snapshot.clone()),
        ..Default::default()
    };
    let mut harness = start_app(options, Ok(secrets));
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "IT Helpdesk");
    type_password(&mut harness, "carol@contoso.com", "c-pass");
    type_password(&mut harness, "heidi@contoso.com", "h-pass");
    press_ok_and_wait(&mut harness);
    (snapshot, harness)
}

/// Rewrites the snapshot as if Heidi had left IT Helpdesk in the tenant.
fn heidi_leaves_helpdesk(snapshot: &std::path::Path) {
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY;
    let without_heidi = edited(
        demo,
        &[(
            r#"members: [User("carol@contoso.com"), User("heidi@contoso.com"), User("alice@contoso.com")]"#,
            r#"members: [User("carol@contoso.com"), User("alice@contoso.com")]"#,
        )],
    );
    std::fs::write(snapshot, without_heidi).unwrap();
}

#[test]
fn r14_reloading_after_a_member_left_asks_before_revoking_it() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let (snapshot, mut harness) = carol_and_heidi_in_helpdesk(folder.path(), secrets.clone());
    assert_eq!(secrets.keys().len(), 2);

    // Heidi leaves IT Helpdesk in the tenant; F5 reloads.
    heidi_leaves_helpdesk(&snapshot);
    harness.key_press(egui::Key::F5);
    harness.run();
    // R14: the consent dialog lists the account, its organization and why; Escape keeps it.
    assert!(
        harness
            .query_by_label("heidi@contoso.com — Contoso Ltd — left IT Helpdesk")
            .is_some()
    );
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(harness.query_by_label("Revoke these accounts").is_none());
    assert_eq!(secrets.keys().len(), 2, "keeping deletes nothing");
    assert!(
        harness.query_by_label("Pending review").is_some(),
        "the kept account is marked in the details pane"
    );
    // Reloading asks again; this time the administrator revokes.
    harness.key_press(egui::Key::F5);
    harness.run();
    click(&mut harness, "Revoke these accounts");
    wait_until_saved(&mut harness);
    let banner = harness.state().banner_text().unwrap_or_default().to_owned();
    assert!(
        banner.contains("heidi@contoso.com left IT Helpdesk")
            && banner.contains("Site Collection Administrator role is revoked"),
        "{banner}"
    );
    assert!(harness.query_by_label("Pending review").is_none());
    assert_eq!(secrets.keys(), [format!("{CONTOSO}/carol@contoso.com")]);
    let saved = ConfigFile::in_folder(&folder.path().join("config"))
        .load()
        .unwrap();
    assert_eq!(saved.organizations[CONTOSO].accounts, ["carol@contoso.com"]);
}

/// A keyring whose writes wait at a gate, like a slow bus or an unanswered unlock prompt.
#[derive(Debug, Default)]
struct GatedSecrets {
    inner: MemorySecrets,
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
    writers_waiting: std::sync::atomic::AtomicUsize,
}

impl GatedSecrets {
    fn open_gate(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
    fn close_gate(&self) {
        *self.open.lock().unwrap() = false;
    }
    /// Waits at the gate, as a write or delete to a slow keyring does.
    fn pass_gate(
        &self,
        key: &backup_accounts::store::SecretKey,
    ) -> Result<(), backup_accounts::store::SecretError> {
        use std::sync::atomic::Ordering;
        self.writers_waiting.fetch_add(1, Ordering::SeqCst);
        let open = self.open.lock().unwrap();
        let (open, timeout) = self
            .opened
            .wait_timeout_while(open, std::time::Duration::from_secs(10), |open| !*open)
            .unwrap();
        drop(open);
        self.writers_waiting.fetch_sub(1, Ordering::SeqCst);
        if timeout.timed_out() {
            return Err(backup_accounts::store::SecretError::Failed {
                store: "gated test keyring",
                action: "save",
                account: key.keyring_user(),
                detail: "the gate never opened".into(),
            });
        }
        Ok(())
    }
}

impl SecretStore for GatedSecrets {
    fn read(
        &self,
        key: &backup_accounts::store::SecretKey,
    ) -> Result<Option<backup_accounts::model::Password>, backup_accounts::store::SecretError> {
        self.inner.read(key)
    }
    fn write(
        &self,
        key: &backup_accounts::store::SecretKey,
        password: &backup_accounts::model::Password,
    ) -> Result<(), backup_accounts::store::SecretError> {
        self.pass_gate(key)?;
        self.inner.write(key, password)
    }
    fn delete(
        &self,
        key: &backup_accounts::store::SecretKey,
    ) -> Result<(), backup_accounts::store::SecretError> {
        self.pass_gate(key)?;
        self.inner.delete(key)
    }
}

#[test]
fn the_window_keeps_drawing_while_the_keyring_is_slow() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(GatedSecrets::default());
    let mut harness = harness_with(folder.path(), secrets.clone());
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "SharePoint Backup Operators");
    type_password(&mut harness, ALICE, "a-pass");
    type_password(&mut harness, BOB_MFA, "b-pass");
    harness.get_by_label("OK").click();
    harness.step();

    // The worker is stuck in the keyring, and frames still come.
    assert_frames_keep_coming(&mut harness, &secrets);
    assert!(harness.state().is_saving());
    assert!(
        harness
            .query_by_label_contains("Saving passwords to the system keyring: 0 of 2")
            .is_some(),
        "a progress bar shows"
    );
    assert!(
        is_disabled(&harness, "Cancel"),
        "a running commit cannot be abandoned"
    );

    secrets.open_gate();
    wait_until_saved(&mut harness);
    assert!(
        harness.state().manager_draft().is_none(),
        "the manager closed once saved"
    );
    assert_eq!(secrets.inner.keys().len(), 2);
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert_eq!(saved.organizations[CONTOSO].accounts, [ALICE, BOB_MFA]);
}

#[test]
fn an_imported_tenant_asks_for_its_settings_first() {
    let folder = tempfile::tempdir().unwrap();
    let export = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso");
    let options = StartupOptions {
        config_dir: Some(folder.path().to_path_buf()),
        directory: Some(export),
        ..Default::default()
    };
    let mut harness = start_app(options, Ok(Arc::new(MemorySecrets::default())));
    assert!(
        harness
            .query_by_label_contains("Microsoft Graph does not say")
            .is_some()
    );
    let ok = "OK, save the organization settings";
    assert!(is_disabled(&harness, ok), "no adding account yet");
    click(&mut harness, "Basic authentication");
    harness
        .get_by_role_and_label(Role::TextInput, "Added with account:")
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Added with account:")
        .type_text("nobody@contoso.com");
    harness.run();
    assert!(description(&harness, ok).contains("is not a user of this organization"));
    for _ in 0.."nobody@contoso.com".len() {
        harness.key_press(egui::Key::Backspace);
    }
    harness
        .get_by_role_and_label(Role::TextInput, "Added with account:")
        .type_text("admin@contoso.onmicrosoft.com");
    harness.run();
    click(&mut harness, ok);
    assert!(
        harness
            .query_by_label("Contoso (Basic authentication)")
            .is_some()
    );
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    let settings = &saved.organization_settings["84841066-274d-4ec0-a5c1-276be684bdd3"];
    assert_eq!(settings.added_by, "admin@contoso.onmicrosoft.com");
    // The adding account is refused as a backup account (R6), from the imported settings.
    harness
        .get_by_label("Contoso (Basic authentication)")
        .click_secondary();
    harness.run();
    assert!(
        harness.query_by_label("Organization settings...").is_some(),
        "editable later"
    );
    click(&mut harness, "Manage backup accounts...");
    choose_group(&mut harness, "SharePoint Backup Operators");
    assert!(is_disabled(&harness, "Use admin@contoso.onmicrosoft.com"));
}

/// Views push actions into a queue; two actions sent in one frame are both applied, in order.
#[test]
fn two_actions_sent_in_one_frame_are_both_applied() {
    use backup_accounts::ui::{MainAction, ManagerAction};
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness_with(folder.path(), Arc::new(MemorySecrets::default()));
    let sender = harness.state().action_sender();
    sender.send(MainAction::SelectOrganization(FABRIKAM.into()));
    sender.send(MainAction::OpenManager(CONTOSO.into()));
    sender.send(ManagerAction::OpenGroupPicker);
    harness.step();
    assert_eq!(harness.state().selected_organization(), Some(CONTOSO));
    assert_eq!(
        harness.state().manager_draft().unwrap().organization().id,
        CONTOSO
    );
    harness.run();
    assert!(harness.query_by_label("Search groups").is_some());
}

/// R14: OK in the manager, when it removes accounts, first shows what it changes; *Go back*
/// (or Escape) saves nothing, *Save these changes* saves.
#[test]
fn r14_the_manager_shows_what_ok_removes_before_saving() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = harness_with(folder.path(), secrets.clone());
    open_contoso_manager(&mut harness);
    choose_group(&mut harness, "IT Helpdesk");
    type_password(&mut harness, "carol@contoso.com", "c-pass");
    type_password(&mut harness, "heidi@contoso.com", "h-pass");
    press_ok_and_wait(&mut harness);
    assert_eq!(secrets.keys().len(), 2);

    open_contoso_manager(&mut harness);
    click(&mut harness, "Use heidi@contoso.com");
    click(&mut harness, "OK");
    assert!(
        harness
            .query_by_label("Removed, password deleted from the keyring (1):")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("hold the Site Collection Administrator role")
            .is_some()
    );
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(
        harness.state().manager_draft().is_some(),
        "back in the manager"
    );
    assert_eq!(secrets.keys().len(), 2, "nothing was deleted");
    click(&mut harness, "OK");
    click(&mut harness, "Save these changes");
    wait_until_saved(&mut harness);
    assert!(harness.state().manager_draft().is_none());
    assert_eq!(secrets.keys(), [format!("{CONTOSO}/carol@contoso.com")]);
}

/// Steps 20 frames while the keyring worker waits at the gate: each frame comes at once.
fn assert_frames_keep_coming(harness: &mut Harness<'_, BackupAccountsApp>, secrets: &GatedSecrets) {
    use std::sync::atomic::Ordering;
    // The worker thread may take a moment to reach the gate on a loaded machine.
    let started = std::time::Instant::now();
    while secrets.writers_waiting.load(Ordering::SeqCst) == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the keyring change never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut frames_while_blocked = 0;
    for _ in 0..20 {
        let started = std::time::Instant::now();
        harness.step();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "a frame waited for the keyring"
        );
        if secrets.writers_waiting.load(Ordering::SeqCst) == 1 {
            frames_while_blocked += 1;
        }
    }
    assert_eq!(
        frames_while_blocked, 20,
        "the keyring change was not under way in the background"
    );
}

/// Revocations consented to after a reload run on the same keyring worker as the manager's
/// OK, with a progress bar: a slow keyring never freezes the window.
#[test]
fn the_window_keeps_drawing_while_a_reload_revokes_on_a_slow_keyring() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(GatedSecrets::default());
    secrets.open_gate();
    let (snapshot, mut harness) = carol_and_heidi_in_helpdesk(folder.path(), secrets.clone());
    assert_eq!(secrets.inner.keys().len(), 2);

    secrets.close_gate();
    heidi_leaves_helpdesk(&snapshot);
    harness.key_press(egui::Key::F5);
    harness.run();
    harness.get_by_label("Revoke these accounts").click();
    harness.step();
    assert_frames_keep_coming(&mut harness, &secrets);
    assert!(harness.state().is_saving());
    assert!(
        harness
            .query_by_label_contains("Revoking in the system keyring: 0 of 1")
            .is_some(),
        "a progress bar shows"
    );
    assert!(
        is_disabled(&harness, "Keep them for now"),
        "a running revocation cannot be abandoned"
    );
    secrets.open_gate();
    wait_until_saved(&mut harness);
    assert_eq!(
        secrets.inner.keys(),
        [format!("{CONTOSO}/carol@contoso.com")]
    );
}

/// What a screen reader gets through AccessKit: the inventory and the group picker are list
/// boxes of options with position, size and selection; the manager's accounts are a table
/// with named column headers and cells that know their row and column; notices and inline
/// errors are live regions; the keyring progress has its value and range.
#[test]
fn screen_readers_get_lists_tables_live_notices_and_progress() {
    use egui::accesskit::{Live, Role};
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(GatedSecrets::default());
    let mut harness = harness_with(folder.path(), secrets.clone());

    let fabrikam =
        harness.get_by_label("Fabrikam Inc (Modern authentication (legacy protocols allowed))");
    let node = fabrikam.accesskit_node();
    assert_eq!(node.role(), Role::ListBoxOption);
    assert_eq!(node.is_selected(), Some(false));
    assert_eq!(node.position_in_set(), Some(1), "second of the list");
    let contoso = harness.get_by_label("Contoso Ltd (Basic authentication)");
    assert_eq!(contoso.accesskit_node().is_selected(), Some(true));
    let inventory = harness.get_by_role_and_label(Role::ListBox, "Organizations");
    assert_eq!(inventory.accesskit_node().size_of_set(), Some(3));

    open_contoso_manager(&mut harness);
    click(&mut harness, "Select...");
    let groups = harness.get_by_role_and_label(Role::ListBox, "Security groups");
    assert!(groups.accesskit_node().size_of_set().unwrap() >= 4);
    click(&mut harness, "IT Helpdesk");
    let helpdesk = harness.get_by_label("IT Helpdesk");
    assert_eq!(helpdesk.accesskit_node().role(), Role::ListBoxOption);
    assert_eq!(helpdesk.accesskit_node().is_selected(), Some(true));
    click(&mut harness, "Add");

    let table =
        harness.get_by_role_and_label(Role::Table, "Select accounts and configure their passwords");
    assert_eq!(table.accesskit_node().data().row_count(), Some(3));
    assert_eq!(table.accesskit_node().data().column_count(), Some(3));
    for header in ["Use", "Account", "Password"] {
        harness.get_by_role_and_label(Role::ColumnHeader, header);
    }
    let cells: Vec<(usize, usize)> = harness
        .query_all_by_role(Role::Cell)
        .filter(|cell| cell.accesskit_node().label().as_deref() == Some("Password"))
        .map(|cell| {
            let node = cell.accesskit_node();
            (
                node.data().row_index().unwrap(),
                node.data().column_index().unwrap(),
            )
        })
        .collect();
    assert_eq!(cells, [(0, 2), (1, 2), (2, 2)], "one Password cell a row");

    // R7's inline error is spoken at once.
    click(&mut harness, "Use carol@contoso.com");
    click(&mut harness, "OK");
    let error = harness.get_by_label_contains("Every checked account needs a password");
    assert_eq!(error.accesskit_node().live(), Live::Assertive);

    // The keyring progress is a progress bar with its range.
    type_password(&mut harness, "carol@contoso.com", "c-pass");
    harness.get_by_label("OK").click();
    harness.step();
    harness.step();
    let progress = harness.get_by_role(Role::ProgressIndicator);
    let node = progress.accesskit_node();
    assert_eq!(
        (
            node.numeric_value(),
            node.min_numeric_value(),
            node.max_numeric_value()
        ),
        (Some(0.0), Some(0.0), Some(1.0))
    );
    secrets.open_gate();
    wait_until_saved(&mut harness);
    // The end of the save is announced politely.
    let saved = harness.get_by_label_contains("Saved the backup accounts of Contoso Ltd");
    assert_eq!(saved.accesskit_node().live(), Live::Polite);
}
