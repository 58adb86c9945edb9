//! Importing a tenant from Microsoft Graph v1.0 responses, and configuration migration.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use backup_accounts::model::OrganizationSettings;
use backup_accounts::model::{GroupKind, Password};
use backup_accounts::state::{AppState, StartupOptions};
use backup_accounts::store::graph::{GraphImportError, import_folder};
use backup_accounts::store::{ConfigFile, DirectorySource};
use common::*;

const TENANT: &str = "84841066-274d-4ec0-a5c1-276be684bdd3";
const PLAIN: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso")
}

/// A copy of the sample export that a test may change.
fn sample_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    std::fs::create_dir(copy.path().join("members")).unwrap();
    for entry in walk(&sample()) {
        let relative = entry.strip_prefix(sample()).unwrap();
        std::fs::copy(&entry, copy.path().join(relative)).unwrap();
    }
    copy
}

fn walk(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The app's state with a copy of the sample export as its directory, configuration in
/// `folder`.
fn state_on(copy: &Path, folder: &Path, secrets: Arc<MemorySecrets>) -> (StartupOptions, AppState) {
    let options = StartupOptions {
        config_dir: Some(folder.to_path_buf()),
        directory: Some(copy.to_path_buf()),
        ..Default::default()
    };
    let state = AppState::load(&options, Ok(secrets)).unwrap();
    (options, state)
}

/// Completes the import that loading left waiting, with [`settings`].
fn complete_import(state: &mut AppState) {
    let awaiting = state
        .take_left_at_start()
        .and_then(|left| left.needs_settings)
        .expect("the import waits for its settings");
    state.apply_settings(awaiting, settings()).unwrap();
}

/// Completes the import and saves Adele, of the plain group, with a password.
fn adele_in_the_plain_group(state: &mut AppState) {
    complete_import(state);
    let mut draft = state.open_manager(TENANT).unwrap();
    draft.choose_group(PLAIN).unwrap();
    draft
        .set_password("AdeleV@contoso.com", Password::new("a".into()))
        .unwrap();
    common::commit(state, &draft).unwrap();
}

fn settings() -> OrganizationSettings {
    OrganizationSettings {
        authentication: backup_accounts::model::AuthenticationMethod::Basic,
        added_by: "admin@contoso.onmicrosoft.com".into(),
        mfa_not_enabled: Default::default(),
        added_with_application: None,
    }
}

#[test]
fn a_graph_export_maps_to_the_directory_faithfully() {
    let tenant = import_folder(&sample()).unwrap();
    assert_eq!(tenant.id, TENANT);
    assert_eq!(tenant.name, "Contoso");
    assert!(tenant.mfa_reported);
    let directory = tenant.into_directory(&settings()).unwrap();
    let organization = &directory.organizations[0];
    // Two pages of users, concatenated in one file.
    assert_eq!(organization.users.len(), 6);
    let user = |upn: &str| organization.user(upn).unwrap();
    assert!(user("megan_fabrikam.com#EXT#@contoso.onmicrosoft.com").guest);
    assert!(!user("DiegoS@contoso.com").enabled);
    assert!(
        user("AdeleV@contoso.com").mfa_enabled,
        "isMfaRegistered true"
    );
    assert!(
        !user("AlexW@contoso.com").mfa_enabled,
        "isMfaRegistered false"
    );
    assert!(
        user("admin@contoso.onmicrosoft.com").mfa_enabled,
        "not in the report: safe default"
    );
    // Two pages of groups, as a JSON array of pages.
    let kind = |name: &str| {
        organization
            .groups
            .iter()
            .find(|g| g.display_name == name)
            .unwrap()
            .kind()
    };
    assert_eq!(kind("SharePoint Backup Operators"), GroupKind::Security);
    assert_eq!(kind("Backup Team"), GroupKind::MailEnabledSecurity);
    assert_eq!(kind("Mark 8 Project Team"), GroupKind::Microsoft365);
    assert_eq!(kind("Sales Announcements"), GroupKind::Distribution);
    let everyone = organization
        .groups
        .iter()
        .find(|g| g.display_name == "Everyone in Contoso")
        .unwrap();
    assert!(
        everyone.is_all_users(),
        "recognised by its rule, not its name"
    );
    // Nested groups resolve; the device member is ignored.
    let members: Vec<&str> = organization
        .resolve_user_members(PLAIN)
        .into_iter()
        .map(|i| organization.users[i].upn.as_str())
        .collect();
    assert_eq!(members.len(), 6, "{members:?}");
    assert!(
        members.contains(&"IsaiahL@contoso.com"),
        "through Backup Operators EU"
    );
}

#[test]
fn without_an_mfa_report_every_account_asks_for_an_app_password() {
    let copy = sample_copy();
    std::fs::remove_file(copy.path().join("mfa.json")).unwrap();
    let tenant = import_folder(copy.path()).unwrap();
    assert!(!tenant.mfa_reported);
    let mut corrected = settings();
    corrected.mfa_not_enabled.insert("alexw@contoso.com".into());
    let directory = tenant.into_directory(&corrected).unwrap();
    let organization = &directory.organizations[0];
    assert!(
        organization
            .users
            .iter()
            .filter(|u| u.upn != "AlexW@contoso.com")
            .all(|u| u.mfa_enabled)
    );
    assert!(
        !organization.user("AlexW@contoso.com").unwrap().mfa_enabled,
        "the administrator said so"
    );
}

#[test]
fn broken_exports_name_the_file_and_object() {
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            "users.json",
            r#"{"value": [{"id": "x1", "displayName": "No UPN"}]}"#,
            "users.json",
            "user x1: the required field userPrincipalName is missing",
        ),
        (
            "groups.json",
            "{\"value\": [\n  {\"id\": 5,}",
            "groups.json:2:",
            "not a Microsoft Graph response",
        ),
        (
            "members/02bd9fd6-8f93-4758-87c3-1fb73740a315.json",
            r##"{"value": [{"@odata.type": "#microsoft.graph.user", "id": "ghost"}]}"##,
            "02bd9fd6-8f93-4758-87c3-1fb73740a315.json",
            "member ghost of group SharePoint Backup Operators",
        ),
    ];
    for (file, content, where_, what) in cases {
        let copy = sample_copy();
        std::fs::write(copy.path().join(file), content).unwrap();
        let error = import_folder(copy.path()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(where_) && message.contains(what),
            "{file}: {message}"
        );
        assert!(!matches!(error, GraphImportError::Directory(_)));
    }
}

#[test]
fn a_broken_import_replaces_nothing_already_loaded() {
    let folder = tempfile::tempdir().unwrap();
    let options = StartupOptions {
        config_dir: Some(folder.path().to_path_buf()),
        ..Default::default()
    };
    let mut state = AppState::load(&options, Ok(Arc::new(MemorySecrets::default()))).unwrap();
    let copy = sample_copy();
    std::fs::write(copy.path().join("organization.json"), "{").unwrap();
    assert!(state.import_graph_folder(copy.path()).is_err());
    assert_eq!(
        state.directory().organizations[0].id,
        CONTOSO,
        "the demo stays"
    );
    assert_eq!(state.config().directory, DirectorySource::Demo);
}

#[test]
fn a_new_tenant_waits_for_its_settings_which_are_kept() {
    let folder = tempfile::tempdir().unwrap();
    let copy = sample_copy();
    let secrets = Arc::new(MemorySecrets::default());
    let (options, mut state) = state_on(copy.path(), folder.path(), secrets.clone());
    assert_eq!(
        state
            .left_at_start()
            .and_then(|left| left.needs_settings.as_ref())
            .map(|awaiting| awaiting.tenant().id.as_str()),
        Some(TENANT)
    );
    assert!(state.directory().organizations.is_empty());
    complete_import(&mut state);
    assert_eq!(state.directory().organizations[0].name, "Contoso");

    // Back up two accounts, then restart: the settings are not asked again.
    let mut draft = state.open_manager(TENANT).unwrap();
    draft.choose_group(PLAIN).unwrap();
    draft
        .set_password("AdeleV@contoso.com", Password::new("a".into()))
        .unwrap();
    draft
        .set_password("IsaiahL@contoso.com", Password::new("i".into()))
        .unwrap();
    common::commit(&mut state, &draft).unwrap();
    drop(state);
    let mut state = AppState::load(&options, Ok(secrets.clone())).unwrap();
    assert!(
        state
            .left_at_start()
            .is_some_and(|left| left.needs_settings.is_none())
    );
    assert_eq!(
        state.organization_settings(TENANT).unwrap().authentication,
        backup_accounts::model::AuthenticationMethod::Basic
    );

    // Isaiah leaves Backup Operators EU in the tenant; reloading revokes him (R5).
    std::fs::write(
        copy.path().join("members/0a53828f-36c9-44c3-be3d-99a7fce977ac.json"),
        r##"{"value": [{"@odata.type": "#microsoft.graph.user", "id": "5bde3e51-d13b-4db1-9948-fe4b109d11a7"}]}"##,
    )
    .unwrap();
    let revoked = state.reload_directory().unwrap().revocations;
    // R14: nothing is revoked before the administrator consents.
    common::assert_nothing_revoked_yet(&state, &revoked);
    common::revoke(&mut state).unwrap();
    assert_eq!(revoked.len(), 1);
    assert!(
        revoked[0]
            .to_string()
            .contains("IsaiahL@contoso.com left SharePoint Backup Operators")
    );
    assert_eq!(secrets.keys(), [format!("{TENANT}/adelev@contoso.com")]);
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert_eq!(saved.organizations[TENANT].accounts, ["AdeleV@contoso.com"]);
}

#[test]
fn an_older_configuration_is_migrated_and_rewritten_only_after_a_change() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let v1 = std::fs::read_to_string(samples.join("config-v1.ron")).unwrap();
    std::fs::write(file.path(), &v1).unwrap();

    let options = StartupOptions {
        config_dir: Some(folder.path().to_path_buf()),
        ..Default::default()
    };
    let secrets = Arc::new(MemorySecrets::default());
    let mut state = AppState::load(&options, Ok(secrets)).unwrap();
    assert_eq!(
        state.config().schema_version,
        backup_accounts::store::SCHEMA_VERSION,
        "migrated in memory"
    );
    assert_eq!(
        state.config().organizations[CONTOSO].accounts,
        ["carol@contoso.com"]
    );
    assert_eq!(
        std::fs::read_to_string(file.path()).unwrap(),
        v1,
        "not rewritten on load"
    );

    let mut draft = state.open_manager(CONTOSO).unwrap();
    draft
        .set_password("heidi@contoso.com", Password::new("h".into()))
        .unwrap();
    common::commit(&mut state, &draft).unwrap();
    let rewritten = std::fs::read_to_string(file.path()).unwrap();
    let current = format!("schema_version: {}", backup_accounts::store::SCHEMA_VERSION);
    assert!(rewritten.contains(&current), "{rewritten}");
    // Heidi's password was just set: dated, and not an app password (no MFA).
    let heidi = state.config().organizations[CONTOSO].passwords["heidi@contoso.com"];
    assert!(!heidi.app_password);
    assert!(jiff::Timestamp::now().duration_since(heidi.set).as_secs() < 60);
    assert!(rewritten.contains("passwords: {"), "{rewritten}");

    // Version 2 migrates: its accounts' password ages are unknown.
    let v2 = ConfigFile::in_folder(&samples)
        .parse(&std::fs::read_to_string(samples.join("config-v2.ron")).unwrap());
    let v2 = v2.unwrap();
    assert_eq!(v2.schema_version, backup_accounts::store::SCHEMA_VERSION);
    assert!(v2.organizations[TENANT].passwords.is_empty());
    assert!(
        v2.organization_settings[TENANT]
            .mfa_not_enabled
            .contains("AdeleV@contoso.com")
    );
    // Version 3 reads as it is, without a backup server.
    let v3 = ConfigFile::in_folder(&samples)
        .parse(&std::fs::read_to_string(samples.join("config-v3.ron")).unwrap())
        .unwrap();
    let adele = v3.organizations[TENANT].passwords["AdeleV@contoso.com"];
    assert_eq!(adele.set.to_string(), "2026-08-14T09:30:00Z");
    assert!(
        !v3.organizations[TENANT]
            .passwords
            .contains_key("AlexW@contoso.com")
    );
    assert_eq!(v3.backup_server, None);
    // The current version's sample reads as it is: the backup server, never a password.
    let v4 = ConfigFile::in_folder(&samples)
        .parse(&std::fs::read_to_string(samples.join("config-v4.ron")).unwrap())
        .unwrap();
    let server = v4.backup_server.unwrap();
    assert_eq!(server.address, "vbo.contoso.com:4443");
    assert_eq!(server.user, "CONTOSO\\svc-backup");
    assert!(server.pinned_certificate.unwrap().starts_with("3F:A1"));
    // A file claiming version 1 with version 2 content is refused.
    let mixed = edited(
        &v1,
        &[(
            "directory: Demo,",
            "directory: Demo,\n    organization_settings: {},",
        )],
    );
    assert!(ConfigFile::in_folder(folder.path()).parse(&mixed).is_err());
}

#[test]
fn without_an_mfa_report_the_manager_lets_the_administrator_correct_mfa() {
    let folder = tempfile::tempdir().unwrap();
    let copy = sample_copy();
    std::fs::remove_file(copy.path().join("mfa.json")).unwrap();
    let (options, mut state) = state_on(
        copy.path(),
        folder.path(),
        Arc::new(MemorySecrets::default()),
    );
    complete_import(&mut state);
    let mut draft = state.open_manager(TENANT).unwrap();
    draft.choose_group(PLAIN).unwrap();
    let prompt = draft.password_prompt("AlexW@contoso.com").unwrap();
    assert!(prompt.app_password_required && prompt.mfa_correctable);
    draft
        .set_mfa_not_enabled("AlexW@contoso.com", true)
        .unwrap();
    assert!(
        !draft
            .password_prompt("AlexW@contoso.com")
            .unwrap()
            .app_password_required
    );
    draft
        .set_password("AlexW@contoso.com", Password::new("own".into()))
        .unwrap();
    common::commit(&mut state, &draft).unwrap();
    // Kept in the configuration, and applied at the next load.
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert!(
        saved.organization_settings[TENANT]
            .mfa_not_enabled
            .contains("AlexW@contoso.com")
    );
    drop(state);
    let state = AppState::load(&options, Ok(Arc::new(MemorySecrets::default()))).unwrap();
    let organization = &state.directory().organizations[0];
    assert!(!organization.user("AlexW@contoso.com").unwrap().mfa_enabled);
    assert!(organization.user("AdeleV@contoso.com").unwrap().mfa_enabled);

    // With a report, nothing can be corrected.
    let reported = import_folder(&sample())
        .unwrap()
        .into_directory(&settings())
        .unwrap();
    let draft =
        backup_accounts::model::ManagerDraft::open(Arc::new(reported), TENANT, None).unwrap();
    let mut draft = draft;
    draft.choose_group(PLAIN).unwrap();
    assert!(
        !draft
            .password_prompt("AdeleV@contoso.com")
            .unwrap()
            .mfa_correctable
    );
}

#[test]
fn a_group_that_disappears_leaves_the_organization_without_a_group_and_says_so() {
    let folder = tempfile::tempdir().unwrap();
    let copy = sample_copy();
    let secrets = Arc::new(MemorySecrets::default());
    let (_, mut state) = state_on(copy.path(), folder.path(), secrets.clone());
    adele_in_the_plain_group(&mut state);

    // The group is deleted in the tenant.
    let groups = std::fs::read_to_string(copy.path().join("groups.json")).unwrap();
    let line = groups
        .lines()
        .find(|l| l.contains(PLAIN))
        .unwrap()
        .to_owned();
    std::fs::write(
        copy.path().join("groups.json"),
        edited(&groups, &[(&format!("{line}\n"), "")]),
    )
    .unwrap();
    std::fs::remove_file(copy.path().join(format!("members/{PLAIN}.json"))).unwrap();
    let revoked = state.reload_directory().unwrap().revocations;
    // R14: nothing is revoked before the administrator consents.
    common::assert_nothing_revoked_yet(&state, &revoked);
    common::revoke(&mut state).unwrap();
    let notices: Vec<String> = revoked.iter().map(ToString::to_string).collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("no longer exists") && n.contains("has no backup group")),
        "{notices:?}"
    );
    assert!(
        notices.iter().any(|n| n.contains("AdeleV@contoso.com")),
        "{notices:?}"
    );
    assert!(secrets.keys().is_empty());
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert!(
        !saved.organizations.contains_key(TENANT),
        "no group any more"
    );
}

/// R13: an export that cannot prove a membership (a members file missing for the group in
/// use, a file whose last page points at more pages, a group id that would name a file
/// outside `members/`) is an import error naming the file; the directory, the
/// configuration and the keyring stay as they were.
#[test]
fn r13_an_export_that_cannot_prove_a_membership_revokes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let copy = sample_copy();
    let secrets = Arc::new(MemorySecrets::default());
    let (_, mut state) = state_on(copy.path(), folder.path(), secrets.clone());
    adele_in_the_plain_group(&mut state);
    let config_before =
        std::fs::read_to_string(ConfigFile::in_folder(folder.path()).path()).unwrap();
    let keys_before = secrets.keys();
    let assert_nothing_changed = |state: &AppState| {
        assert_eq!(secrets.keys(), keys_before);
        assert_eq!(
            std::fs::read_to_string(ConfigFile::in_folder(folder.path()).path()).unwrap(),
            config_before
        );
        assert_eq!(
            state.config().organizations[TENANT].accounts,
            ["AdeleV@contoso.com"]
        );
        assert!(
            state
                .directory()
                .organization(TENANT)
                .unwrap()
                .user("AdeleV@contoso.com")
                .is_some()
        );
    };

    // An `az rest` call failed half-way: the group's members file is missing.
    let members = copy.path().join(format!("members/{PLAIN}.json"));
    let original = std::fs::read_to_string(&members).unwrap();
    std::fs::remove_file(&members).unwrap();
    let error = state.reload_directory().unwrap_err().to_string();
    assert!(
        error.contains(&members.display().to_string()) && error.contains("cannot be proven"),
        "{error}"
    );
    assert_nothing_changed(&state);

    // Only the first page was saved: it still points at the next one.
    let first_page_only = edited(
        &original,
        &[(
            "\"value\"",
            "\"@odata.nextLink\": \"https://graph.microsoft.com/v1.0/groups/x/members?$skiptoken=2\", \"value\"",
        )],
    );
    std::fs::write(&members, first_page_only).unwrap();
    let error = state.reload_directory().unwrap_err().to_string();
    assert!(
        error.contains(&members.display().to_string()) && error.contains("incomplete"),
        "{error}"
    );
    assert_nothing_changed(&state);

    // A group id that is a path.
    std::fs::write(&members, &original).unwrap();
    let groups = copy.path().join("groups.json");
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(
        &groups,
        edited(
            &text,
            &[(
                "9f3f8d0e-6e5e-4f2a-8e6b-0e2f8c4f6f10",
                "../../../../etc/passwd",
            )],
        ),
    )
    .unwrap();
    let error = state.reload_directory().unwrap_err().to_string();
    assert!(
        error.contains("groups.json") && error.contains("is not a Microsoft Graph id"),
        "{error}"
    );
    assert_nothing_changed(&state);
}

/// R14 at start-up: a directory that changed while the app was closed revokes nothing by
/// itself; the accounts wait for consent, and keeping them marks them pending review.
#[test]
fn r14_a_directory_changed_between_runs_waits_for_consent_at_start() {
    let folder = tempfile::tempdir().unwrap();
    let copy = sample_copy();
    let secrets = Arc::new(MemorySecrets::default());
    let (options, mut state) = state_on(copy.path(), folder.path(), secrets.clone());
    adele_in_the_plain_group(&mut state);
    drop(state);

    // Adele leaves the group while the app is closed.
    let members = copy.path().join(format!("members/{PLAIN}.json"));
    let text = std::fs::read_to_string(&members).unwrap();
    let adele = text
        .lines()
        .find(|l| l.contains("AdeleV@contoso.com"))
        .unwrap()
        .to_owned();
    std::fs::write(&members, edited(&text, &[(&format!("{adele}\n"), "")])).unwrap();
    let mut state = AppState::load(&options, Ok(secrets.clone())).unwrap();
    let left = state.take_left_at_start().unwrap();
    let pending: Vec<&str> = left.revocations.iter().map(|r| r.upn.as_str()).collect();
    assert_eq!(pending, ["AdeleV@contoso.com"]);
    assert_eq!(secrets.keys(), [format!("{TENANT}/adelev@contoso.com")]);

    state.keep_pending(&left.revocations);
    assert!(state.left_at_start().is_none());
    assert!(state.is_pending_review(TENANT, "adelev@contoso.com"));
    assert_eq!(secrets.keys().len(), 1, "keeping deletes nothing");
    assert_eq!(
        ConfigFile::in_folder(folder.path())
            .load()
            .unwrap()
            .organizations[TENANT]
            .accounts,
        ["AdeleV@contoso.com"]
    );
}

#[test]
fn applications_and_their_certificate_credentials_are_imported() {
    let tenant = import_folder(&sample()).unwrap();
    let app_only = OrganizationSettings {
        authentication: backup_accounts::model::AuthenticationMethod::ModernAppOnly,
        added_with_application: Some("5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10".into()),
        ..settings()
    };
    let directory = tenant.into_directory(&app_only).unwrap();
    let organization = &directory.organizations[0];
    assert_eq!(organization.applications.len(), 2);
    let veeam = &organization.applications[0];
    assert_eq!(veeam.display_name, "Veeam Backup for Microsoft 365");
    // customKeyIdentifier (base64) becomes the thumbprint in hexadecimal.
    assert_eq!(
        veeam.certificates[0].thumbprint,
        "3C8F1A2B4D5E6F708192A3B4C5D6E7F8091A2B3C"
    );
    assert_eq!(
        veeam.certificates[0].end.to_string(),
        "2028-01-15T00:00:00Z"
    );
    assert!(organization.applications[1].certificates.is_empty());
    assert_eq!(
        organization.added_with_application.as_deref(),
        Some("5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10")
    );

    // An application the organization was not added with, or a broken credential, is an
    // error naming the problem.
    let unknown = OrganizationSettings {
        added_with_application: Some("00000000-0000-0000-0000-000000000000".into()),
        ..app_only
    };
    let error = import_folder(&sample())
        .unwrap()
        .into_directory(&unknown)
        .unwrap_err()
        .to_string();
    assert!(error.contains("is not listed"), "{error}");
    let copy = sample_copy();
    let path = copy.path().join("applications.json");
    let broken = edited(
        &std::fs::read_to_string(&path).unwrap(),
        &[(
            "\"customKeyIdentifier\": \"",
            "\"customKeyIdentifier\": \"%",
        )],
    );
    std::fs::write(&path, broken).unwrap();
    let error = import_folder(copy.path()).unwrap_err().to_string();
    assert!(
        error.contains("customKeyIdentifier is not base64"),
        "{error}"
    );
}
