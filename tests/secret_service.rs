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

fn keyring() -> KeyringSecrets {
    KeyringSecrets::platform().expect("the test session provides a Secret Service")
}

/// What `secret-tool` finds for an account, or `None`.
fn secret_tool_lookup(organization: &str, upn: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "backup-accounts", "username"])
        .arg(format!("{organization}/{upn}"))
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
        organization_id: organization.clone(),
        secrets_to_store: vec![
            (
                "alice@contoso.com".into(),
                Password::new("new-alice".into()),
            ),
            ("bob@contoso.com".into(), Password::new("new-bob".into())),
        ],
        secrets_to_delete: vec![],
        selection: None,
        mfa_not_enabled: Vec::new(),
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
    let output = Command::new("secret-tool")
        .args(["search", "--all", "service", "backup-accounts"])
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
            .get(&organization)
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
    let revoked = state.reload_directory().unwrap();
    // R14: nothing is revoked before the administrator consents.
    assert_eq!(state.pending_revocations(), revoked.as_slice());
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
            .organizations[&organization]
            .group_id,
        "two"
    );
}
