//! Against a real Secret Service (gnome-keyring in a private D-Bus session started by
//! `scripts/test`), checked from outside with `secret-tool`.
// A panic is how a test reports a failure; a test that walks a whole procedure reads best
// top to bottom in one function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use backup_accounts::model::Password;
use backup_accounts::state::{AppState, StartupOptions};
use backup_accounts::store::{
    Config, ConfigFile, KeyringSecrets, SecretKey, SecretStore, apply_commits,
};
use common::*;

/// One test at a time: `secret-tool search --all` gives up on an item another test deletes
/// while it reads, and would list nothing.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn keyring() -> KeyringSecrets {
    KeyringSecrets::platform().expect("the test session provides a Secret Service")
}

/// What `secret-tool` finds for an account, or `None`.
fn secret_tool_lookup(organization: &str, upn: &str) -> Option<String> {
    secret_tool_lookup_in("backup-accounts", &format!("{organization}/{upn}"))
}

/// What `secret-tool` finds for a keyring service and user, or `None`.
fn secret_tool_lookup_in(service: &str, user: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("secret-tool (Debian libsecret-tools) is installed");
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap())
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn store_read_and_delete_through_the_real_secret_service() {
    let _one_at_a_time = one_at_a_time();
    let secrets = keyring();
    let organization = unique("it-roundtrip");
    let key = SecretKey::new(&organization, "alice@contoso.com");
    let secret = format!("pw-{}", unique("x"));
    assert!(secrets.read(&key).unwrap().is_none());
    secrets.write(&key, &Password::new(secret.clone())).unwrap();
    assert_eq!(
        secret_tool_lookup(&organization, "alice@contoso.com").as_deref(),
        Some(secret.as_str())
    );
    assert_eq!(secrets.read(&key).unwrap().unwrap().expose(), secret);
    // Overwriting replaces, it does not add a second item.
    secrets
        .write(&key, &Password::new("second".into()))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&organization, "alice@contoso.com").as_deref(),
        Some("second")
    );
    secrets.delete(&key).unwrap();
    assert_eq!(secret_tool_lookup(&organization, "alice@contoso.com"), None);
    secrets
        .delete(&key)
        .expect("deleting a missing secret is fine");
}

fn files_containing(folder: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(path.display().to_string());
                }
            }
        }
    }
    hits
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn the_whole_commit_stores_secrets_in_the_keyring_and_none_in_the_config_folder() {
    let _one_at_a_time = one_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let options = StartupOptions {
        config_dir: Some(folder.path().to_path_buf()),
        directory: None,
        ..Default::default()
    };
    let store: Arc<dyn SecretStore> = Arc::new(keyring());
    let mut state = AppState::load(&options, Ok(store)).unwrap();
    let alice_secret = unique("Alice-Secret");
    let frank_secret = unique("Frank-App-Password");
    let mut draft = state.open_manager(FABRIKAM).unwrap();
    draft
        .choose_group("7a2d4e10-0001-4f3a-8b2c-fabrikam0001")
        .unwrap();
    draft
        .set_password("ivan@fabrikam.com", Password::new(alice_secret.clone()))
        .unwrap();
    draft
        .set_password("judy@fabrikam.com", Password::new(frank_secret.clone()))
        .unwrap();
    common::commit(&mut state, &draft).unwrap();

    assert_eq!(
        secret_tool_lookup(FABRIKAM, "ivan@fabrikam.com").as_deref(),
        Some(alice_secret.as_str())
    );
    for secret in [&alice_secret, &frank_secret] {
        assert_eq!(
            files_containing(folder.path(), secret.as_bytes()),
            Vec::<String>::new()
        );
    }
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert_eq!(
        saved.organizations[FABRIKAM].accounts,
        ["ivan@fabrikam.com", "judy@fabrikam.com"]
    );

    // Unchecking both and pressing OK deletes their secrets (R11).
    let mut draft = state.open_manager(FABRIKAM).unwrap();
    draft.set_checked("ivan@fabrikam.com", false).unwrap();
    draft.set_checked("judy@fabrikam.com", false).unwrap();
    common::commit(&mut state, &draft).unwrap();
    assert_eq!(secret_tool_lookup(FABRIKAM, "ivan@fabrikam.com"), None);
    assert_eq!(secret_tool_lookup(FABRIKAM, "judy@fabrikam.com"), None);
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn a_failed_write_restores_earlier_secrets_in_the_real_keyring() {
    let _one_at_a_time = one_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let config_file = ConfigFile::in_folder(folder.path());
    let organization = unique("it-rollback");
    let real = keyring();
    // Alice already has a password from an earlier visit.
    real.write(
        &SecretKey::new(&organization, "alice@contoso.com"),
        &Password::new("old-alice".into()),
    )
    .unwrap();
    let plan = backup_accounts::model::CommitPlan {
        organization_id: organization.as_str().into(),
        secrets_to_store: vec![
            (
                "alice@contoso.com".into(),
                Password::new("new-alice".into()),
            ),
            ("bob@contoso.com".into(), Password::new("new-bob".into())),
        ],
        app_passwords: Vec::new(),
        secrets_to_delete: vec![],
        selection: None,
        mfa_not_enabled: Vec::new(),
        application_pool: None,
    };
    let faulty = FaultySecrets::new(real, 2);
    let error = apply_commits(
        std::slice::from_ref(&plan),
        &faulty,
        &config_file,
        &Config::default(),
        &Default::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("Nothing was saved"), "{error}");
    assert_eq!(
        secret_tool_lookup(&organization, "alice@contoso.com").as_deref(),
        Some("old-alice")
    );
    assert_eq!(secret_tool_lookup(&organization, "bob@contoso.com"), None);
    assert!(!config_file.path().exists());
    faulty
        .inner
        .delete(&SecretKey::new(&organization, "alice@contoso.com"))
        .unwrap();
}

/// The `username` of every Secret Service item of service `backup-accounts` for one
/// organization, as `secret-tool search` lists them.
fn secret_tool_accounts(organization: &str) -> Vec<String> {
    secret_tool_items("backup-accounts", organization)
}

/// The `username` of every item of `service` for one organization, without the
/// organization's prefix.
fn secret_tool_items(service: &str, organization: &str) -> Vec<String> {
    let output = Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .output()
        .unwrap();
    // secret-tool prints the attributes on stderr and the secrets on stdout.
    let prefix = format!("attribute.username = {organization}/");
    let mut accounts: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
        .collect();
    accounts.sort();
    accounts
}

fn tenant(organization: &str, disabled: &[&str], members_of_two: &[&str]) -> String {
    let user = |upn: &str| {
        format!(
            "(upn: \"{upn}\", display_name: \"{upn}\", enabled: {})",
            !disabled.contains(&upn)
        )
    };
    let members = |list: &[&str]| {
        list.iter()
            .map(|u| format!("User(\"{u}\")"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        r#"(organizations: [(id: "{organization}", name: "Orphans Test", authentication: Basic,
            added_by: "admin@o.test",
            users: [{}, {}, {}, {}, {}],
            groups: [
                (id: "one", display_name: "Group One", security_enabled: true, members: [{}]),
                (id: "two", display_name: "Group Two", security_enabled: true, members: [{}]),
            ])])"#,
        user("admin@o.test"),
        user("a@o.test"),
        user("b@o.test"),
        user("c@o.test"),
        user("d@o.test"),
        members(&["a@o.test", "b@o.test", "c@o.test"]),
        members(members_of_two),
    )
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn the_keyring_holds_exactly_the_configured_accounts_after_every_change() {
    let _one_at_a_time = one_at_a_time();
    let organization = unique("orphans");
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    std::fs::write(
        &snapshot,
        tenant(&organization, &[], &["c@o.test", "d@o.test"]),
    )
    .unwrap();
    let options = StartupOptions {
        config_dir: Some(folder.path().join("config")),
        directory: Some(snapshot.clone()),
        ..Default::default()
    };
    let store: Arc<dyn SecretStore> = Arc::new(keyring());
    let mut state = AppState::load(&options, Ok(store)).unwrap();
    let configured = |state: &AppState| {
        let mut accounts = state
            .config()
            .organizations
            .get(organization.as_str())
            .map(|s| s.accounts.clone())
            .unwrap_or_default();
        accounts.sort();
        accounts
    };
    let set = |draft: &mut backup_accounts::model::ManagerDraft, upn: &str| {
        draft
            .set_password(upn, Password::new(format!("pw-{upn}")))
            .unwrap();
    };

    // Group One with a, b, c.
    let mut draft = state.open_manager(&organization).unwrap();
    draft.choose_group("one").unwrap();
    for upn in ["a@o.test", "b@o.test", "c@o.test"] {
        set(&mut draft, upn);
    }
    common::commit(&mut state, &draft).unwrap();
    assert_eq!(
        secret_tool_accounts(&organization),
        ["a@o.test", "b@o.test", "c@o.test"]
    );

    // Removing b.
    let mut draft = state.open_manager(&organization).unwrap();
    draft.set_checked("b@o.test", false).unwrap();
    common::commit(&mut state, &draft).unwrap();
    assert_eq!(
        secret_tool_accounts(&organization),
        ["a@o.test", "c@o.test"]
    );
    assert_eq!(secret_tool_accounts(&organization), configured(&state));

    // Changing the group to Group Two (c, d): a is dropped, d added.
    let mut draft = state.open_manager(&organization).unwrap();
    draft.choose_group("two").unwrap();
    set(&mut draft, "d@o.test");
    common::commit(&mut state, &draft).unwrap();
    assert_eq!(
        secret_tool_accounts(&organization),
        ["c@o.test", "d@o.test"]
    );
    assert_eq!(secret_tool_accounts(&organization), configured(&state));

    // c leaves Group Two and d is disabled; reloading revokes both (R5).
    std::fs::write(
        &snapshot,
        tenant(&organization, &["d@o.test"], &["d@o.test"]),
    )
    .unwrap();
    let revoked = state.reload_directory().unwrap().revocations;
    // R14: nothing is revoked before the administrator consents.
    common::assert_nothing_revoked_yet(&state, &revoked);
    common::revoke(&mut state).unwrap();
    let upns: Vec<&str> = revoked.iter().map(|r| r.upn.as_str()).collect();
    assert_eq!(upns, ["c@o.test", "d@o.test"]);
    assert!(
        revoked[0].to_string().contains("left Group Two"),
        "{}",
        revoked[0]
    );
    assert!(
        revoked[1].to_string().contains("was disabled"),
        "{}",
        revoked[1]
    );
    assert!(
        revoked[0]
            .to_string()
            .contains("Site Collection Administrator role is revoked")
    );
    assert_eq!(secret_tool_accounts(&organization), Vec::<String>::new());
    assert_eq!(configured(&state), Vec::<String>::new());
    assert_eq!(
        ConfigFile::in_folder(&folder.path().join("config"))
            .load()
            .unwrap()
            .organizations[organization.as_str()]
        .group_id,
        "two"
    );
}

/// Keyring items are keyed by the lower-cased UPN. An item an earlier version stored under
/// `Alice@` is moved (read, written under `alice@`, deleted) in the commit that follows a
/// reload in which the tenant spells the account `alice@`: exactly one item is left.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn a_upn_whose_case_changes_keeps_exactly_one_keyring_item() {
    let _one_at_a_time = one_at_a_time();
    let organization = unique("case");
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    let tenant = |alice: &str| {
        format!(
            r#"(organizations: [(id: "{organization}", name: "Case Test", authentication: Basic,
                added_by: "admin@o.test",
                users: [(upn: "admin@o.test", display_name: "Admin"),
                        (upn: "{alice}", display_name: "Alice")],
                groups: [(id: "one", display_name: "Group One", security_enabled: true,
                          members: [User("{alice}")])])])"#
        )
    };
    std::fs::write(&snapshot, tenant("Alice@o.test")).unwrap();
    let config_folder = folder.path().join("config");
    std::fs::create_dir_all(&config_folder).unwrap();
    // What an earlier version left: the account as spelled, its item under that spelling.
    std::fs::write(
        config_folder.join("config.ron"),
        format!(
            r#"(schema_version: 2, directory: Demo, organizations: {{
                "{organization}": (group_id: "one", group_name: "Group One",
                                   accounts: ["Alice@o.test"])}})"#
        ),
    )
    .unwrap();
    let old_key = SecretKey::as_spelled_before(&organization, "Alice@o.test").unwrap();
    keyring()
        .write(&old_key, &Password::new("alice-secret".into()))
        .unwrap();
    assert_eq!(secret_tool_accounts(&organization), ["Alice@o.test"]);

    let options = StartupOptions {
        config_dir: Some(config_folder),
        directory: Some(snapshot.clone()),
        ..Default::default()
    };
    let store: Arc<dyn SecretStore> = Arc::new(keyring());
    let mut state = AppState::load(&options, Ok(store)).unwrap();
    std::fs::write(&snapshot, tenant("alice@o.test")).unwrap();
    let change = state.reload_directory().unwrap();
    assert!(
        change.revocations.is_empty(),
        "a change of case revokes nothing"
    );
    assert!(change.has_updates_without_revocations());
    common::revoke(&mut state).unwrap();

    assert_eq!(secret_tool_accounts(&organization), ["alice@o.test"]);
    assert_eq!(
        secret_tool_lookup(&organization, "alice@o.test").as_deref(),
        Some("alice-secret")
    );
    assert_eq!(
        state.config().organizations[organization.as_str()].accounts,
        ["alice@o.test"]
    );
    keyring()
        .delete(&SecretKey::new(&organization, "alice@o.test"))
        .unwrap();
}

/// A keyring that, once a write is done, says so through a marker file and hangs, so the
/// test can kill the process between the keyring step and the configuration step.
#[derive(Debug)]
struct HangAfterWrite {
    inner: KeyringSecrets,
    marker: std::path::PathBuf,
}

impl SecretStore for HangAfterWrite {
    fn read(
        &self,
        key: &SecretKey,
    ) -> Result<Option<Password>, backup_accounts::store::SecretError> {
        self.inner.read(key)
    }
    fn write(
        &self,
        key: &SecretKey,
        password: &Password,
    ) -> Result<(), backup_accounts::store::SecretError> {
        self.inner.write(key, password)?;
        std::fs::write(&self.marker, "written").unwrap();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
    fn delete(&self, key: &SecretKey) -> Result<(), backup_accounts::store::SecretError> {
        self.inner.delete(key)
    }
}

/// A process killed after writing a secret and before saving the configuration leaves a
/// journal; the next start deletes the secret the configuration does not name, and says so.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn a_commit_killed_between_keyring_and_configuration_leaves_no_orphan() {
    let _one_at_a_time = one_at_a_time();
    const CHILD: &str = "BACKUP_ACCOUNTS_KILLED_COMMIT_CHILD";
    let options_in = |folder: &std::path::Path| StartupOptions {
        config_dir: Some(folder.join("config")),
        directory: Some(folder.join("tenant.ron")),
        ..Default::default()
    };
    if let Ok(folder) = std::env::var(CHILD) {
        let folder = std::path::Path::new(&folder);
        let organization = std::fs::read_to_string(folder.join("organization")).unwrap();
        let secrets: Arc<dyn SecretStore> = Arc::new(HangAfterWrite {
            inner: keyring(),
            marker: folder.join("written"),
        });
        let mut state = AppState::load(&options_in(folder), Ok(secrets)).unwrap();
        let mut draft = state.open_manager(&organization).unwrap();
        draft.choose_group("one").unwrap();
        draft
            .set_password("a@o.test", Password::new("orphan-to-be".into()))
            .unwrap();
        let _ = common::commit(&mut state, &draft);
        unreachable!("the keyring hangs after its write");
    }
    let organization = unique("killed");
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("organization"), &organization).unwrap();
    std::fs::write(
        folder.path().join("tenant.ron"),
        tenant(&organization, &[], &["c@o.test"]),
    )
    .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_commit_killed_between_keyring_and_configuration_leaves_no_orphan",
            "--include-ignored",
            "--nocapture",
        ])
        .env(CHILD, folder.path())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !folder.path().join("written").exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the child never wrote the secret"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let config_folder = folder.path().join("config");
    assert!(config_folder.join("commit-journal.ron").exists());
    assert_eq!(
        secret_tool_accounts(&organization),
        ["a@o.test"],
        "the orphan"
    );
    assert!(!config_folder.join("config.ron").exists(), "never saved");

    let store: Arc<dyn SecretStore> = Arc::new(keyring());
    let state = AppState::load(&options_in(folder.path()), Ok(store)).unwrap();
    assert_eq!(secret_tool_accounts(&organization), Vec::<String>::new());
    assert!(!config_folder.join("commit-journal.ron").exists());
    let notices = state.startup_notices().join("\n");
    assert!(
        notices.contains("a@o.test") && notices.contains("did not finish"),
        "{notices}"
    );
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn health_finds_a_secret_deleted_outside_the_app_and_check_exits_7() {
    use egui_kittest::kittest::Queryable as _;
    let _one_at_a_time = one_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let organization = unique("it-health");
    let snapshot = folder.path().join("tenant.ron");
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY;
    std::fs::write(
        &snapshot,
        edited(
            demo,
            &[("id: \"contoso\"", &format!("id: \"{organization}\""))],
        ),
    )
    .unwrap();
    let mut config = Config::default();
    config.organizations.insert(
        organization.clone().into(),
        backup_accounts::model::OrganizationSelection {
            group_id: PLAIN_GROUP.into(),
            group_name: "SharePoint Backup Operators".into(),
            accounts: vec![ALICE.into(), BOB_MFA.into()],
            passwords: std::collections::BTreeMap::new(),
        },
    );
    let config_dir = folder.path().join("config");
    ConfigFile::in_folder(&config_dir).save(&config).unwrap();
    let secrets = keyring();
    for upn in [ALICE, BOB_MFA] {
        let password = Password::new(unique("pw"));
        secrets
            .write(&SecretKey::new(&organization, upn), &password)
            .unwrap();
    }
    // Someone deletes Bob's password behind the app's back.
    let cleared = Command::new("secret-tool")
        .args(["clear", "service", "backup-accounts", "username"])
        .arg(format!("{organization}/{BOB_MFA}"))
        .status()
        .unwrap();
    assert!(cleared.success());

    let options = StartupOptions {
        config_dir: Some(config_dir.clone()),
        directory: Some(snapshot.clone()),
        ..Default::default()
    };
    let mut harness = start_app(options, Ok(Arc::new(keyring())));
    harness.get_by_label("Health").click();
    harness.run();
    let missing = "bob@contoso.com: the password is missing from the keyring";
    wait_for(&mut harness, "a finding for Bob", |h| {
        h.query_all_by_label_contains(missing).next().is_some()
    });
    assert!(
        harness
            .query_all_by_label_contains("alice@contoso.com: the password is missing")
            .next()
            .is_none()
    );
    assert!(
        harness
            .query_all_by_label_contains("1 of 2 saved passwords missing.")
            .next()
            .is_some()
    );
    drop(harness);

    // The command line reads the same keyring and says the same, for a scheduler.
    let output = assert_cmd::Command::cargo_bin("backup-accounts")
        .unwrap()
        .arg("--config-dir")
        .arg(&config_dir)
        .arg("--directory")
        .arg(&snapshot)
        .args(["--json", "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7), "{output:?}");
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let critical: Vec<&serde_json::Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "Critical")
        .collect();
    assert_eq!(critical.len(), 1, "{rows}");
    assert_eq!(critical[0]["account"], BOB_MFA);
    secrets
        .delete(&SecretKey::new(&organization, ALICE))
        .unwrap();
}

/// Keyring items of an organization's backup applications, as `secret-tool` finds them:
/// their own service, named by application id.
fn secret_tool_applications(organization: &str) -> Vec<String> {
    secret_tool_items("backup-accounts-certificate", organization)
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn backup_application_certificates_go_to_the_real_keyring_and_leave_with_their_application() {
    use common::applications::*;
    use common::certificates::PFX_PASSWORD;
    let _one_at_a_time = one_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let northwind = northwind(folder.path());
    let mut harness = start_app(northwind.options.clone(), Ok(Arc::new(keyring())));
    open_manager(&mut harness);
    click(&mut harness, "Add...");
    click(&mut harness, &option(THIRD_NAME, THIRD_APP));
    click(&mut harness, "Add application");
    install(
        &mut harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.veeam.pfx,
        PFX_PASSWORD,
    );
    install(
        &mut harness,
        THIRD_NAME,
        "Not configured",
        &northwind.third.pfx,
        PFX_PASSWORD,
    );
    save(&mut harness);
    let mut stored = secret_tool_applications(NORTHWIND);
    stored.sort();
    assert_eq!(stored, [VEEAM, THIRD_APP]);
    assert!(
        secret_tool_accounts(NORTHWIND).is_empty(),
        "no certificate among the account passwords"
    );
    let key = secret_tool_lookup_in(
        "backup-accounts-certificate",
        &format!("{NORTHWIND}/{VEEAM}"),
    )
    .unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));

    // Removing the third application deletes its key, and only its key.
    open_manager(&mut harness);
    click(&mut harness, THIRD_NAME);
    click(&mut harness, "Remove 1 selected");
    save(&mut harness);
    assert_eq!(secret_tool_applications(NORTHWIND), [VEEAM]);
    keyring()
        .delete(&SecretKey::certificate(NORTHWIND, VEEAM))
        .unwrap();
}

/// A pool of one application with an installed certificate (the configuration's part).
fn pool_with_certificate(
    app_id: &str,
) -> backup_accounts::model::application_pool::ApplicationPool {
    use backup_accounts::model::application_pool::{
        ApplicationPool, InstalledCertificate, PooledApplication,
    };
    ApplicationPool {
        applications: vec![PooledApplication {
            app_id: app_id.into(),
            certificate: Some(InstalledCertificate {
                thumbprint: "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C".to_owned(),
                subject: "CN=Backup".to_owned(),
                expires: "2030-01-01T00:00:00Z".parse().unwrap(),
            }),
        }],
    }
}

/// Issue 23, item 5: a stop between saving the configuration and ending the journal, after
/// installing a certificate, keeps the certificate's key: the pool names it.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn item_5_the_crash_journal_keeps_a_certificate_key_the_configuration_names() {
    use backup_accounts::model::CommitPlan;
    use backup_accounts::store::journal::CommitJournal;
    let _one_at_a_time = one_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let config_folder = folder.path().join("config");
    std::fs::create_dir_all(&config_folder).unwrap();
    let organization = unique("journal-app");
    let app_id = "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10";
    let plan = CommitPlan {
        organization_id: organization.as_str().into(),
        secrets_to_store: vec![(app_id.to_owned(), Password::new("PRIVATE KEY".into()))],
        app_passwords: Vec::new(),
        secrets_to_delete: Vec::new(),
        selection: None,
        mfa_not_enabled: Vec::new(),
        application_pool: Some(pool_with_certificate(app_id)),
    };
    // The commit up to the stop: journal begun, key stored, configuration saved.
    let config_file = ConfigFile::in_folder(&config_folder);
    let journal = CommitJournal::beside(config_file.path());
    journal.begin(std::slice::from_ref(&plan)).unwrap();
    let key = SecretKey::certificate(&organization, app_id);
    keyring()
        .write(&key, &Password::new("PRIVATE KEY".into()))
        .unwrap();
    let mut config = Config::default();
    config
        .application_pools
        .insert(organization.into(), pool_with_certificate(app_id));
    config_file.save(&config).unwrap();
    assert!(config_folder.join("commit-journal.ron").exists());

    let options = StartupOptions {
        config_dir: Some(config_folder.clone()),
        ..Default::default()
    };
    let state = AppState::load(&options, Ok(Arc::new(keyring()))).unwrap();
    assert!(
        keyring().read(&key).unwrap().is_some(),
        "the key the pool names was kept"
    );
    assert!(!config_folder.join("commit-journal.ron").exists());
    assert!(
        state.startup_notices().is_empty(),
        "{:?}",
        state.startup_notices()
    );
    keyring().delete(&key).unwrap();
}

/// Issue 23, item 6: an account password whose organization is `graph` or whose UPN holds a
/// `/` is its own item, beside a refresh token or a certificate key of the same spelling.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn item_6_keyring_items_of_different_kinds_cannot_collide() {
    let _one_at_a_time = one_at_a_time();
    let store = keyring();
    let organization = unique("collide");
    let tenant = unique("tenant");
    let app_id = "c4d5e6f7-2b3c-4d5e-9f60-718293a4b5c6";
    for (account, other) in [
        (
            SecretKey::new(&organization, &format!("app/{app_id}")),
            SecretKey::certificate(&organization, app_id),
        ),
        (
            SecretKey::new("graph", &tenant),
            SecretKey::graph_refresh_token(&tenant),
        ),
    ] {
        store
            .write(&account, &Password::new("account password".into()))
            .unwrap();
        store
            .write(&other, &Password::new("other secret".into()))
            .unwrap();
        assert_eq!(
            store.read(&account).unwrap().unwrap().expose(),
            "account password"
        );
        assert_eq!(
            store.read(&other).unwrap().unwrap().expose(),
            "other secret"
        );
        store.delete(&account).unwrap();
        assert!(store.read(&other).unwrap().is_some(), "{other} stays");
        store.delete(&other).unwrap();
    }
}

/// Issue 23, item 6: the items an earlier version kept among the account passwords (a
/// certificate key as `ORG/app/APP`, a refresh token as `graph/TENANT`) move to their own
/// services at the next start, through the journal, and stay there.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn item_6_items_of_an_earlier_version_move_to_their_own_services() {
    let _one_at_a_time = one_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let config_folder = folder.path().join("config");
    let organization = unique("moved");
    let tenant = unique("tenant");
    let app_id = "8d2e4f60-1a3b-4c5d-8e9f-a0b1c2d3e4f5";
    // A synced tenant: the Graph export of tests/graph/contoso under tenants/<tenant>.
    let snapshot = config_folder.join("tenants").join(&tenant);
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso");
    for file in [
        "organization.json",
        "users.json",
        "groups.json",
        "mfa.json",
        "applications.json",
    ] {
        std::fs::create_dir_all(snapshot.join("members")).unwrap();
        std::fs::copy(export.join(file), snapshot.join(file)).unwrap();
    }
    for entry in std::fs::read_dir(export.join("members")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            snapshot.join("members").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let mut config = Config {
        directory: backup_accounts::store::DirectorySource::GraphExport(snapshot),
        ..Config::default()
    };
    config
        .application_pools
        .insert(organization.clone().into(), pool_with_certificate(app_id));
    ConfigFile::in_folder(&config_folder).save(&config).unwrap();
    let store = keyring();
    let legacy_certificate = SecretKey::new(&organization, &format!("app/{app_id}"));
    let legacy_token = SecretKey::new("graph", &tenant);
    store
        .write(&legacy_certificate, &Password::new("KEY".into()))
        .unwrap();
    store
        .write(&legacy_token, &Password::new("TOKEN".into()))
        .unwrap();

    let options = StartupOptions {
        config_dir: Some(config_folder.clone()),
        ..Default::default()
    };
    for start in 0..2 {
        let state = AppState::load(&options, Ok(Arc::new(keyring()))).unwrap();
        assert!(
            state.startup_notices().is_empty(),
            "{:?}",
            state.startup_notices()
        );
        drop(state);
        assert_eq!(
            secret_tool_lookup_in(
                "backup-accounts-certificate",
                &format!("{organization}/{app_id}")
            )
            .as_deref(),
            Some("KEY"),
            "start {start}"
        );
        assert_eq!(
            secret_tool_lookup_in("backup-accounts-graph", &tenant).as_deref(),
            Some("TOKEN")
        );
        assert_eq!(
            secret_tool_lookup(&organization, &format!("app/{app_id}")),
            None
        );
        assert_eq!(secret_tool_lookup("graph", &tenant), None);
        assert!(!config_folder.join("commit-journal.ron").exists());
    }
    store
        .delete(&SecretKey::certificate(&organization, app_id))
        .unwrap();
    store
        .delete(&SecretKey::graph_refresh_token(&tenant))
        .unwrap();
}
