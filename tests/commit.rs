//! R9: applying a commit is one step. Every failure point is injected and the keyring and
//! the configuration file are checked to be exactly as before.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use backup_accounts::model::{CommitPlan, OrganizationSelection, Password};
use backup_accounts::store::{
    CommitError, Config, ConfigFile, SecretKey, SecretStore, apply_commits,
};
use common::*;

fn password(text: &str) -> Password {
    Password::new(text.to_owned())
}

/// A keyring where Alice and Carol already have passwords from an earlier visit.
fn earlier_keyring() -> MemorySecrets {
    let secrets = MemorySecrets::default();
    for (upn, text) in [(ALICE, "old-alice"), ("carol@contoso.com", "old-carol")] {
        secrets
            .write(&SecretKey::new(CONTOSO, upn), &password(text))
            .unwrap();
    }
    secrets
}

fn earlier_config() -> Config {
    Config {
        organizations: BTreeMap::from([(
            CONTOSO.into(),
            OrganizationSelection {
                group_id: PLAIN_GROUP.into(),
                group_name: "SharePoint Backup Operators".into(),
                accounts: vec![ALICE.into(), "carol@contoso.com".into()],
                passwords: BTreeMap::new(),
            },
        )]),
        ..Config::default()
    }
}

/// Replace Alice's password, add Bob and Frank, drop Carol: four keyring changes.
fn plan() -> CommitPlan {
    CommitPlan {
        organization_id: CONTOSO.into(),
        secrets_to_store: vec![
            (ALICE.into(), password("new-alice")),
            (BOB_MFA.into(), password("new-bob")),
            (FRANK_NESTED.into(), password("new-frank")),
        ],
        secrets_to_delete: vec!["carol@contoso.com".into()],
        selection: Some(OrganizationSelection {
            group_id: PLAIN_GROUP.into(),
            group_name: "SharePoint Backup Operators".into(),
            accounts: vec![ALICE.into(), BOB_MFA.into(), FRANK_NESTED.into()],
            passwords: BTreeMap::new(),
        }),
        app_passwords: vec![BOB_MFA.into()],
        mfa_not_enabled: Vec::new(),
        application_pool: None,
    }
}

fn snapshot(secrets: &MemorySecrets) -> Vec<(String, String)> {
    let mut items: Vec<_> = secrets.items.lock().unwrap().clone().into_iter().collect();
    items.sort();
    items
}

#[test]
fn each_failing_keyring_change_leaves_keyring_and_file_as_they_were() {
    for failing_change in 1..=4 {
        let folder = tempfile::tempdir().unwrap();
        let file = ConfigFile::in_folder(folder.path());
        file.save(&earlier_config()).unwrap();
        let before_file = std::fs::read(file.path()).unwrap();
        let secrets = FaultySecrets::new(earlier_keyring(), failing_change);
        let before = snapshot(&secrets.inner);

        let error = apply_commits(
            std::slice::from_ref(&plan()),
            &secrets,
            &file,
            &earlier_config(),
            &Default::default(),
        )
        .unwrap_err();
        assert!(matches!(error, CommitError::Secret(_)), "{error:?}");
        assert_eq!(snapshot(&secrets.inner), before, "change {failing_change}");
        assert_eq!(std::fs::read(file.path()).unwrap(), before_file);
    }
}

#[test]
fn a_failing_configuration_write_restores_the_keyring() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    // A directory where the file should be: the final rename fails.
    std::fs::create_dir(file.path()).unwrap();
    let secrets = earlier_keyring();
    let before = snapshot(&secrets);

    let error = apply_commits(
        std::slice::from_ref(&plan()),
        &secrets,
        &file,
        &earlier_config(),
        &Default::default(),
    )
    .unwrap_err();
    assert!(matches!(error, CommitError::Config(_)), "{error:?}");
    assert!(error.to_string().contains("config.ron"), "{error}");
    assert_eq!(snapshot(&secrets), before);
    assert!(file.path().is_dir(), "nothing replaced what was there");
    let leftovers = std::fs::read_dir(folder.path()).unwrap().count();
    assert_eq!(leftovers, 1, "the temporary file was removed");
}

#[test]
fn a_failing_restore_is_reported_with_the_accounts_to_check() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let secrets = FaultySecrets::failing_from(earlier_keyring(), 2);
    let error = apply_commits(
        std::slice::from_ref(&plan()),
        &secrets,
        &file,
        &earlier_config(),
        &Default::default(),
    )
    .unwrap_err();
    let CommitError::RestoreFailed { accounts, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(accounts, &format!("{CONTOSO}/{BOB_MFA}, {CONTOSO}/{ALICE}"));
    assert!(!file.path().exists(), "the configuration was not written");
    for text in ["new-alice", "new-bob", "old-alice"] {
        assert!(!error.to_string().contains(text), "{error}");
    }
}

#[test]
fn a_successful_commit_writes_every_change() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let secrets = earlier_keyring();
    let saved = apply_commits(
        std::slice::from_ref(&plan()),
        &secrets,
        &file,
        &earlier_config(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(file.load().unwrap(), saved);
    assert_eq!(
        snapshot(&secrets),
        [
            (format!("{CONTOSO}/{ALICE}"), "new-alice".to_owned()),
            (format!("{CONTOSO}/{BOB_MFA}"), "new-bob".to_owned()),
            (format!("{CONTOSO}/{FRANK_NESTED}"), "new-frank".to_owned()),
        ]
    );
}
