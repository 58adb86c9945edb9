//! One test per rule R1-R12, as far as the model and stores can show it. The UI tests show
//! the same rules through the windows.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use backup_accounts::model::rules::{check_group_eligible, is_listed_in_group_picker};
use backup_accounts::model::{
    AccountRefusal, Directory, DraftError, GroupKind, GroupRefusal, ManageRefusal, ManagerDraft,
    OrganizationSelection, Password,
};
use backup_accounts::store::{Config, ConfigFile, apply_commits};
use common::*;

fn contoso_draft() -> ManagerDraft {
    ManagerDraft::open(demo(), CONTOSO, None).expect("contoso uses basic authentication")
}

fn password(text: &str) -> Password {
    Password::new(text.to_owned())
}

#[test]
fn r1_app_only_organization_cannot_manage_backup_accounts() {
    let refusal = ManagerDraft::open(demo(), NORTHWIND, None).unwrap_err();
    assert!(
        matches!(
            refusal,
            DraftError::CannotManage(ManageRefusal::AppOnly { .. })
        ),
        "{refusal:?}"
    );
    assert!(refusal.to_string().contains("Manage backup applications"));
    // The two other methods are allowed.
    ManagerDraft::open(demo(), CONTOSO, None).expect("basic authentication");
    ManagerDraft::open(demo(), FABRIKAM, None).expect("modern with legacy protocols");
}

#[test]
fn r2_only_plain_security_groups_can_be_chosen() {
    let mut draft = contoso_draft();
    for (group, expected_kind) in [
        (M365_GROUP, GroupKind::Microsoft365),
        (DISTRIBUTION_GROUP, GroupKind::Distribution),
    ] {
        let refusal = draft.choose_group(group).unwrap_err();
        assert!(
            matches!(refusal, DraftError::GroupRefused(GroupRefusal::NotSecurity { kind }) if kind == expected_kind),
            "{refusal:?}"
        );
    }
    let refusal = draft.choose_group(MAIL_SECURITY_GROUP).unwrap_err();
    assert!(
        matches!(
            refusal,
            DraftError::GroupRefused(GroupRefusal::MailEnabledSecurity)
        ),
        "{refusal:?}"
    );
    assert!(refusal.to_string().contains("not supported"));
    assert!(
        draft.group().is_none(),
        "a refused group must not be chosen"
    );

    draft
        .choose_group(PLAIN_GROUP)
        .expect("a plain security group");
    assert_eq!(draft.group().unwrap().id, PLAIN_GROUP);

    // The picker shows mail-enabled security groups (with their refusal) but not the others.
    let directory = demo();
    let contoso = directory.organization(CONTOSO).unwrap();
    let listed: Vec<&str> = contoso
        .groups
        .iter()
        .filter(|g| is_listed_in_group_picker(g))
        .map(|g| g.id.as_str())
        .collect();
    assert!(listed.contains(&MAIL_SECURITY_GROUP));
    assert!(!listed.contains(&M365_GROUP));
    assert!(!listed.contains(&DISTRIBUTION_GROUP));
}

#[test]
fn r3_all_users_is_refused_by_name_and_by_rule() {
    let mut draft = contoso_draft();
    let refusal = draft.choose_group(ALL_USERS_GROUP).unwrap_err();
    assert!(
        matches!(refusal, DraftError::GroupRefused(GroupRefusal::AllUsers)),
        "{refusal:?}"
    );
    assert!(refusal.to_string().contains("dedicated security group"));

    let mut group = demo().organization(CONTOSO).unwrap().groups[0].clone();
    assert!(check_group_eligible(&group).is_ok());
    group.display_name = "  all users ".into();
    assert_eq!(check_group_eligible(&group), Err(GroupRefusal::AllUsers));
    group.display_name = "Everyone in the company".into();
    group.group_types = vec!["DynamicMembership".into()];
    group.membership_rule = Some("( User.ObjectId  -ne  null )".into());
    assert_eq!(check_group_eligible(&group), Err(GroupRefusal::AllUsers));
    group.membership_rule = Some("(user.department -eq \"IT\")".into());
    assert!(
        check_group_eligible(&group).is_ok(),
        "a narrower dynamic rule is fine"
    );
}

#[test]
fn r4_preview_shows_how_many_users_get_the_role() {
    let draft = contoso_draft();
    let preview = draft.preview_group(PLAIN_GROUP).unwrap();
    // 5 direct users plus 2 through the nested group.
    assert_eq!(preview.member_count, 7);
    assert_eq!(preview.refusal, None);
    let preview = draft.preview_group(ALL_USERS_GROUP).unwrap();
    assert_eq!(preview.member_count, 9);
    assert_eq!(preview.refusal, Some(GroupRefusal::AllUsers));
}

const CYCLIC: &str = r#"(organizations: [(
    id: "loop", name: "Loop", authentication: Basic, added_by: "admin@loop.test",
    users: [
        (upn: "admin@loop.test", display_name: "Admin"),
        (upn: "a@loop.test", display_name: "A"),
        (upn: "b@loop.test", display_name: "B"),
        (upn: "c@loop.test", display_name: "C"),
    ],
    groups: [
        (id: "g1", display_name: "One", security_enabled: true, members: [User("a@loop.test"), Group("g2")]),
        (id: "g2", display_name: "Two", security_enabled: true, members: [User("B@LOOP.TEST"), Group("g3")]),
        (id: "g3", display_name: "Three", security_enabled: true, members: [User("a@loop.test"), User("c@loop.test"), Group("g1"), Group("g3")]),
    ],
)])"#;

#[test]
fn r5_members_are_resolved_through_nesting_and_cycles() {
    let directory = backup_accounts::store::snapshot::parse_snapshot(CYCLIC, "cyclic").unwrap();
    let organization = directory.organization("loop").unwrap();
    let members: Vec<&str> = organization
        .resolve_user_members("g1")
        .into_iter()
        .map(|i| organization.users[i].upn.as_str())
        .collect();
    assert_eq!(members, ["a@loop.test", "b@loop.test", "c@loop.test"]);

    // A saved account that is no longer a member is dropped and its secret deleted.
    let saved = OrganizationSelection {
        group_id: NESTED_GROUP.into(),
        group_name: "Backup Operators - Europe".into(),
        accounts: vec![FRANK_NESTED.into(), "left@contoso.com".into()],
        passwords: Default::default(),
    };
    let draft = ManagerDraft::open(demo(), CONTOSO, Some(&saved)).unwrap();
    let plan = draft.commit().unwrap();
    assert_eq!(plan.secrets_to_delete, ["left@contoso.com"]);
    assert_eq!(plan.selection.unwrap().accounts, [FRANK_NESTED]);
}

#[test]
fn r6_the_adding_account_is_never_a_backup_account() {
    let mut draft = contoso_draft();
    draft.choose_group(PLAIN_GROUP).unwrap();
    let refusal = draft.set_checked(ADDING_ACCOUNT, true).unwrap_err();
    assert!(
        matches!(
            refusal,
            DraftError::AccountRefused {
                reason: AccountRefusal::AddingAccount,
                ..
            }
        ),
        "{refusal:?}"
    );
    // Not even through the password link, and not with different case.
    assert!(
        draft
            .set_password(&ADDING_ACCOUNT.to_uppercase(), password("x"))
            .is_err()
    );
    assert_eq!(draft.checked_count(), 0);
}

#[test]
fn r7_every_checked_account_needs_a_password() {
    let mut draft = contoso_draft();
    draft.choose_group(PLAIN_GROUP).unwrap();
    draft.set_checked(ALICE, true).unwrap();
    draft.set_checked(FRANK_NESTED, true).unwrap();
    draft.set_password(ALICE, password("alice-pw")).unwrap();
    let refusal = draft.commit().unwrap_err();
    match &refusal {
        DraftError::MissingPasswords { accounts } => assert_eq!(accounts, &[FRANK_NESTED]),
        other => panic!("{other:?}"),
    }
    assert!(refusal.to_string().contains("Not configured"));
    draft
        .set_password(FRANK_NESTED, password("frank-app-pw"))
        .unwrap();
    let plan = draft.commit().unwrap();
    assert_eq!(plan.secrets_to_store.len(), 2);
}

#[test]
fn r8_empty_passwords_are_refused_and_mfa_accounts_need_an_app_password() {
    let mut draft = contoso_draft();
    draft.choose_group(PLAIN_GROUP).unwrap();
    let refusal = draft.set_password(ALICE, password("")).unwrap_err();
    assert!(matches!(
        refusal,
        DraftError::EmptyPassword {
            app_password: false
        }
    ));
    assert!(!draft.rows().iter().any(|r| r.checked));

    let prompt = draft.password_prompt(BOB_MFA).unwrap();
    assert!(prompt.app_password_required);
    assert_eq!(prompt.title, "Add Password");
    assert!(!draft.password_prompt(ALICE).unwrap().app_password_required);

    draft.set_password(BOB_MFA, password("app-pw")).unwrap();
    assert_eq!(
        draft.password_prompt(BOB_MFA).unwrap().title,
        "Edit Password"
    );
}

#[test]
fn r9_a_failed_commit_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let config_file = ConfigFile::in_folder(folder.path());
    let secrets = FaultySecrets::new(MemorySecrets::default(), 2);
    let mut draft = contoso_draft();
    draft.choose_group(PLAIN_GROUP).unwrap();
    draft.set_password(ALICE, password("alice-pw")).unwrap();
    draft.set_password(BOB_MFA, password("bob-pw")).unwrap();
    let plan = draft.commit().unwrap();
    let error = apply_commits(
        std::slice::from_ref(&plan),
        &secrets,
        &config_file,
        &Config::default(),
        &Default::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("Nothing was saved"), "{error}");
    assert!(
        secrets.inner.keys().is_empty(),
        "the first secret was not undone"
    );
    assert!(!config_file.path().exists());
}

#[test]
fn r10_passwords_never_reach_config_or_debug_output() {
    let folder = tempfile::tempdir().unwrap();
    let config_file = ConfigFile::in_folder(folder.path());
    let secrets = MemorySecrets::default();
    let mut draft = contoso_draft();
    draft.choose_group(PLAIN_GROUP).unwrap();
    draft
        .set_password(ALICE, password("Sup3r-Secret-Alice"))
        .unwrap();
    let plan = draft.commit().unwrap();
    let config = apply_commits(
        std::slice::from_ref(&plan),
        &secrets,
        &config_file,
        &Config::default(),
        &Default::default(),
    )
    .unwrap();
    let file = std::fs::read_to_string(config_file.path()).unwrap();
    assert!(file.contains(ALICE), "the account itself is saved");
    for text in [
        file,
        format!("{draft:?}"),
        format!("{plan:?}"),
        format!("{config:?}"),
    ] {
        assert!(!text.contains("Sup3r-Secret-Alice"), "{text}");
    }
    assert_eq!(
        secrets.get(CONTOSO, ALICE).as_deref(),
        Some("Sup3r-Secret-Alice")
    );
}

#[test]
fn r11_unchecking_or_changing_group_deletes_secrets() {
    let folder = tempfile::tempdir().unwrap();
    let config_file = ConfigFile::in_folder(folder.path());
    let secrets = MemorySecrets::default();
    let directory = demo();
    let mut draft = ManagerDraft::open(directory.clone(), CONTOSO, None).unwrap();
    draft.choose_group(PLAIN_GROUP).unwrap();
    for upn in [ALICE, BOB_MFA, FRANK_NESTED] {
        draft
            .set_password(upn, password(&format!("{upn}-pw")))
            .unwrap();
    }
    let plan = draft.commit().unwrap();
    let config = apply_commits(
        std::slice::from_ref(&plan),
        &secrets,
        &config_file,
        &Config::default(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(secrets.keys().len(), 3);

    // Uncheck Bob.
    let mut draft = ManagerDraft::open(
        directory.clone(),
        CONTOSO,
        config.organizations.get(CONTOSO),
    )
    .unwrap();
    assert_eq!(draft.checked_count(), 3, "saved accounts open checked");
    draft.set_checked(BOB_MFA, false).unwrap();
    let plan = draft.commit().unwrap();
    assert_eq!(plan.secrets_to_delete, [BOB_MFA]);
    let config = apply_commits(
        std::slice::from_ref(&plan),
        &secrets,
        &config_file,
        &config,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(secrets.get(CONTOSO, BOB_MFA), None);
    assert_eq!(secrets.keys().len(), 2);

    // Switch to the nested group: Alice is not in it and is dropped; Frank stays.
    let mut draft =
        ManagerDraft::open(directory, CONTOSO, config.organizations.get(CONTOSO)).unwrap();
    let dropped = draft.choose_group(NESTED_GROUP).unwrap();
    assert_eq!(dropped, [ALICE]);
    let plan = draft.commit().unwrap();
    let config = apply_commits(
        std::slice::from_ref(&plan),
        &secrets,
        &config_file,
        &config,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(secrets.keys(), [format!("{CONTOSO}/{FRANK_NESTED}")]);
    let saved = &config.organizations[CONTOSO];
    assert_eq!(saved.group_id, NESTED_GROUP);
    assert_eq!(saved.accounts, [FRANK_NESTED]);
    assert_eq!(config_file.load().unwrap(), config);
}

#[test]
fn r12_guests_and_disabled_accounts_are_shown_but_cannot_be_checked() {
    let mut draft = contoso_draft();
    draft.choose_group(PLAIN_GROUP).unwrap();
    let directory = demo();
    let users = &directory.organization(CONTOSO).unwrap().users;
    let reason_of = |upn: &str| {
        draft
            .rows()
            .iter()
            .find(|r| users[r.user_index].upn == upn)
            .expect("shown in the list")
            .refusal
            .clone()
    };
    assert_eq!(reason_of(GUEST), Some(AccountRefusal::Guest));
    assert_eq!(reason_of(DISABLED), Some(AccountRefusal::Disabled));
    assert_eq!(reason_of(ALICE), None);
    for upn in [GUEST, DISABLED] {
        let refusal = draft.set_checked(upn, true).unwrap_err();
        assert!(
            matches!(refusal, DraftError::AccountRefused { .. }),
            "{refusal:?}"
        );
    }
    assert_eq!(draft.checked_count(), 0);
    // Unchecking is always allowed.
    draft.set_checked(GUEST, false).unwrap();
}

#[test]
fn the_demo_directory_covers_every_case() {
    let directory = backup_accounts::store::snapshot::parse_snapshot(
        backup_accounts::store::snapshot::DEMO_DIRECTORY,
        "demo",
    )
    .expect("the bundled demo parses");
    assert!(directory.organizations.len() >= 3);
    let contoso = directory.organization(CONTOSO).unwrap();
    assert!(contoso.user(ADDING_ACCOUNT).is_some());
    let kinds: Vec<GroupKind> = contoso.groups.iter().map(|g| g.kind()).collect();
    for kind in [
        GroupKind::Security,
        GroupKind::MailEnabledSecurity,
        GroupKind::Microsoft365,
        GroupKind::Distribution,
    ] {
        assert!(kinds.contains(&kind), "{kind:?}");
    }
    assert!(
        contoso
            .groups
            .iter()
            .any(|g| g.is_all_users() && g.is_dynamic())
    );
    let _: Arc<Directory> = demo();
}

#[test]
fn r15_backup_applications_use_registered_unexpired_certificates_with_their_key() {
    use backup_accounts::model::application::{
        ApplicationRefusal, CertificateFacts, CertificateRefusal, Expiry, check_can_remove,
    };
    let directory = demo();
    let northwind = directory.organization(NORTHWIND).unwrap();
    let app = |name: &str| {
        northwind
            .applications
            .iter()
            .find(|a| a.display_name.starts_with(name))
            .unwrap()
    };
    let veeam = app("Veeam Backup");
    let added_with = northwind.added_with_application.as_deref();
    assert_eq!(added_with, Some(veeam.app_id.as_str()));

    // The pool: no application twice, none without a certificate credential.
    let pool = vec![backup_accounts::model::AppId::new(
        veeam.app_id.to_uppercase(),
    )];
    assert_eq!(
        veeam.check_can_join(&pool),
        Err(ApplicationRefusal::AlreadyInPool)
    );
    assert_eq!(
        app("Reporting Portal").check_can_join(&pool),
        Err(ApplicationRefusal::NoCertificateCredential)
    );
    assert_eq!(app("Backup Application 2").check_can_join(&pool), Ok(()));
    // The application the organization was added with stays.
    assert!(check_can_remove(&veeam.app_id, added_with).is_err());
    assert!(check_can_remove(&app("Backup Application 2").app_id, added_with).is_ok());

    // Certificates: with the key, valid now, registered on the application.
    let now: jiff::Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
    let registered = CertificateFacts {
        thumbprint: veeam.certificates[0].thumbprint.to_lowercase(),
        subject: "CN=Veeam Backup".into(),
        not_before: veeam.certificates[0].start,
        not_after: veeam.certificates[0].end,
        has_private_key: true,
    };
    assert_eq!(veeam.check_certificate(&registered, now), Ok(()));
    let without_key = CertificateFacts {
        has_private_key: false,
        ..registered.clone()
    };
    assert_eq!(
        veeam.check_certificate(&without_key, now),
        Err(CertificateRefusal::NoPrivateKey)
    );
    let other = CertificateFacts {
        thumbprint: "00".repeat(20),
        ..registered.clone()
    };
    assert!(matches!(
        veeam.check_certificate(&other, now),
        Err(CertificateRefusal::NotRegistered { .. })
    ));
    let expired_app = app("Backup Application 2");
    let expired = CertificateFacts {
        thumbprint: expired_app.certificates[0].thumbprint.clone(),
        not_before: expired_app.certificates[0].start,
        not_after: expired_app.certificates[0].end,
        ..registered
    };
    let refusal = expired_app.check_certificate(&expired, now).unwrap_err();
    assert!(refusal.to_string().contains("2026-03-01"), "{refusal}");

    // Expiry as the manager's Certificate column shows it.
    assert_eq!(
        Expiry::of(expired_app.certificates[0].end, now),
        Expiry::Expired
    );
    let soon = app("Backup Application 3").certificates[0].end;
    assert_eq!(Expiry::of(soon, now), Expiry::Soon);
    assert_eq!(Expiry::of(veeam.certificates[0].end, now), Expiry::Later);
}
