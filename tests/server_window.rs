//! The backup server from the window, by label, against the local HTTPS server speaking the
//! REST API v8 subset (`tests/common/vb365_server.rs`): File > Connect, the certificate
//! question and its pin, the details pane's standing and the Health finding read on a worker,
//! Apply to backup server with its plan, the consent to removals and the keyring's passwords
//! on the server, then Disconnect.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// One story, connect to disconnect, told in order.
#![allow(clippy::too_many_lines)]

mod common;

use std::sync::Arc;

use backup_accounts::model::Password;
use backup_accounts::state::AppState;
use backup_accounts::store::vb365::Fingerprint;
use backup_accounts::store::{ConfigFile, SecretKey, SecretStore};
use common::vb365_server::{Identity, PoolEntry, Vb365Server, state_from_directory};
use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

const USER: &str = "CONTOSO\\svc-backup";
const SERVER_PASSWORD: &str = "Vbo-Rest-Window-Pa55!";
const CAROL_SECRET: &str = "Carol-From-The-Keyring-7";
const CONTOSO_ON_SERVER: &str = "00000000-0000-4000-8000-000000000000";
const OUTSIDER: &str = "heidi@contoso.com";

/// Carol of IT Helpdesk is saved with her password; the server's pool has Heidi instead.
fn saved_carol_and_server_with_heidi(
    folder: &std::path::Path,
    secrets: &Arc<MemorySecrets>,
) -> (Vb365Server, Identity) {
    let options = options_in(folder);
    let mut state = AppState::load(&options, Ok(secrets.clone())).unwrap();
    let mut draft = state.open_manager(CONTOSO).unwrap();
    draft.choose_group(HELPDESK_GROUP).unwrap();
    draft
        .set_password("carol@contoso.com", Password::new(CAROL_SECRET.to_owned()))
        .unwrap();
    common::commit(&mut state, &draft).unwrap();
    drop(state);

    let mut server_state = state_from_directory(&common::demo());
    server_state
        .users
        .insert(USER.to_owned(), SERVER_PASSWORD.to_owned());
    server_state.max_page = 2;
    let organization = server_state.organization_mut(CONTOSO_ON_SERVER);
    let group = organization
        .groups
        .iter()
        .find(|g| g.name == "IT Helpdesk")
        .unwrap();
    assert!(group.members.iter().any(|m| m == OUTSIDER));
    organization.pool = vec![PoolEntry {
        login: OUTSIDER.to_owned(),
        group_id: group.id.clone(),
        password: "server-side-secret".to_owned(),
    }];
    let identity = Identity::self_signed("VBO365 REST");
    (Vb365Server::start(server_state, &identity), identity)
}

fn type_into(
    harness: &mut egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>,
    role: Role,
    label: &str,
    text: &str,
) {
    harness.get_by_role_and_label(role, label).focus();
    harness.run();
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.run();
}

/// No node of the accessibility tree holds `secret`, in its name, value or description.
fn assert_nowhere_in_the_tree(
    harness: &egui_kittest::Harness<'_, backup_accounts::app::BackupAccountsApp>,
    secret: &str,
) {
    let mut pending = vec![harness.root().accesskit_node()];
    let mut seen = 0;
    while let Some(node) = pending.pop() {
        pending.extend(node.children());
        seen += 1;
        for text in [node.label(), node.value(), node.description()]
            .into_iter()
            .flatten()
        {
            assert!(!text.contains(secret), "{:?} shows the secret", node.role());
        }
    }
    assert!(seen > 10, "only {seen} nodes");
}

#[test]
fn connect_pin_see_the_drift_apply_with_consent_and_disconnect_by_label() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let (server, identity) = saved_carol_and_server_with_heidi(folder.path(), &secrets);
    let mut harness = start_app(options_in(folder.path()), Ok(secrets.clone()));

    // Not connected: Refresh and Disconnect say why they are disabled.
    harness.get_by_label("File").click();
    harness.run();
    let refresh = harness.get_by_label("Refresh from backup server");
    assert!(refresh.accesskit_node().is_disabled());
    assert!(
        refresh
            .accesskit_node()
            .description()
            .unwrap_or_default()
            .contains("use Connect to backup server... first")
    );
    harness.get_by_label("Connect to backup server...").click();
    harness.run();
    assert!(
        harness
            .get_by_label("Connect to the backup server")
            .accesskit_node()
            .is_disabled(),
        "nothing typed yet"
    );
    type_into(&mut harness, Role::TextInput, "Server:", &server.address());
    type_into(&mut harness, Role::TextInput, "User:", USER);
    type_into(
        &mut harness,
        Role::PasswordInput,
        "Password:",
        SERVER_PASSWORD,
    );
    assert_interactive_nodes_named_and_unique(&harness, "Connect to Backup Server");
    assert_nowhere_in_the_tree(&harness, SERVER_PASSWORD);
    harness.get_by_label("Connect to the backup server").click();
    harness.run();

    // The self-signed certificate is shown, not accepted: nothing reached the server yet.
    let fingerprint = Fingerprint::of(&identity.certificate_der).to_string();
    wait_for(&mut harness, "the certificate question", |h| {
        h.query_by_label(&fingerprint).is_some()
    });
    assert!(server.state.lock().unwrap().requests.is_empty());
    assert!(
        harness.query_by_label_contains("VBO365 REST").is_some(),
        "the subject is shown"
    );
    harness
        .get_by_label("Pin the certificate and connect")
        .click();
    harness.run();
    wait_for(&mut harness, "the connection", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("Connected to the backup server"))
    });
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    let settings = saved.backup_server.expect("the server is saved");
    assert_eq!(
        settings.pinned_certificate.as_deref(),
        Some(fingerprint.as_str())
    );
    assert_eq!(settings.user, USER);
    let session = SecretKey::backup_server_session(&server.address());
    assert!(
        secrets.read(&session).unwrap().is_some(),
        "the refresh token is in the keyring"
    );
    let config_text = std::fs::read_to_string(folder.path().join("config.ron")).unwrap();
    assert!(!config_text.contains(SERVER_PASSWORD));

    // The server is read on a worker; the details pane shows the drift.
    wait_for(&mut harness, "the server's standing", |h| {
        h.query_by_label_contains("its pool differs").is_some()
    });
    let standing = harness
        .get_by_label_contains("its pool differs")
        .accesskit_node()
        .label()
        .or_else(|| {
            harness
                .get_by_label_contains("its pool differs")
                .accesskit_node()
                .value()
        })
        .unwrap_or_default();
    assert!(standing.contains(OUTSIDER), "{standing}");
    // Drawing never asks the server: 30 more frames send nothing.
    let sent = server.state.lock().unwrap().requests.len();
    for _ in 0..30 {
        harness.step();
    }
    assert_eq!(server.state.lock().unwrap().requests.len(), sent);
    assert!(standing.contains("carol@contoso.com"), "{standing}");

    // Health lists it, with Apply as the fix.
    harness.get_by_label("Health").click();
    harness.run();
    wait_for(&mut harness, "the Health finding", |h| {
        h.query_by_label_contains("Apply to backup server... for Contoso Ltd")
            .is_some()
    });
    harness
        .get_by_label_contains("Apply to backup server... for Contoso Ltd")
        .click();
    harness.run();

    // The plan: Carol gained, Heidi lost; Apply waits for the consent.
    wait_for(&mut harness, "the plan", |h| {
        h.query_by_label_contains("Remove 1 account from the backup server's pool")
            .is_some()
    });
    assert!(harness.query_by_label(OUTSIDER).is_some());
    let apply = harness.get_by_label("Apply the saved pool to the backup server");
    assert!(apply.accesskit_node().is_disabled());
    assert!(
        apply
            .accesskit_node()
            .description()
            .unwrap_or_default()
            .contains("Consent to the removals first")
    );
    assert_interactive_nodes_named_and_unique(&harness, "Apply to Backup Server");
    assert_eq!(server.state.lock().unwrap().count("PUT "), 0);
    harness
        .get_by_role_and_label(
            Role::CheckBox,
            "Remove 1 account from the backup server's pool",
        )
        .click();
    harness.run();
    harness
        .get_by_label("Apply the saved pool to the backup server")
        .click();
    harness.run();
    wait_for(&mut harness, "the apply", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("read back and compared"))
    });
    {
        let state = server.state.lock().unwrap();
        assert_eq!(state.count("PUT "), 1);
        let pool = &state.organization(CONTOSO_ON_SERVER).pool;
        assert_eq!(pool.len(), 1, "{pool:?}");
        assert_eq!(pool[0].login, "carol@contoso.com");
        assert_eq!(pool[0].password, CAROL_SECRET, "the keyring's password");
    }
    // Read again after the apply: the pool matches now.
    harness.get_by_label("Details").click();
    harness.run();
    wait_for(&mut harness, "the new standing", |h| {
        h.query_by_label_contains("its pool matches the saved selection")
            .is_some()
    });

    // Disconnect forgets the server and its session.
    harness.get_by_label("File").click();
    harness.run();
    harness
        .get_by_label("Disconnect from backup server")
        .click();
    harness.run();
    wait_for(&mut harness, "the sign-out", |h| {
        secrets.read(&session).unwrap().is_none()
            && h.state()
                .banner_text()
                .is_some_and(|b| b.contains("Disconnected"))
    });
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert!(saved.backup_server.is_none());
    assert_eq!(
        server.state.lock().unwrap().count("POST /v8/token/logout"),
        1
    );
}

/// A backup server that knows Contoso of `tests/graph/contoso` (tenant
/// 84841066-...), added with `added_by`, and a configuration already connected to it.
fn connected_to_a_server_knowing_the_export(
    folder: &std::path::Path,
    secrets: &Arc<MemorySecrets>,
    knows_it: bool,
) -> Vb365Server {
    let mut server_state = common::vb365_server::ServerState::new();
    server_state
        .users
        .insert(USER.to_owned(), SERVER_PASSWORD.to_owned());
    if knows_it {
        server_state
            .organizations
            .push(common::vb365_server::Organization {
                id: "00000000-0000-4000-8000-000000000042".to_owned(),
                msid: EXPORTED_TENANT.to_owned(),
                name: "Contoso".to_owned(),
                added_by: Some("admin@contoso.onmicrosoft.com".to_owned()),
                ..Default::default()
            });
    }
    connected_to(folder, secrets, server_state)
}

/// Starts the server and saves a configuration connected to it, as Connect would.
fn connected_to(
    folder: &std::path::Path,
    secrets: &Arc<MemorySecrets>,
    server_state: common::vb365_server::ServerState,
) -> Vb365Server {
    let identity = Identity::self_signed("VBO365 REST");
    let server = Vb365Server::start(server_state, &identity);
    let pin = Fingerprint::of(&identity.certificate_der);
    let settings = backup_accounts::store::vb365::connect(
        &server.address(),
        USER,
        &Password::new(SERVER_PASSWORD.to_owned()),
        Some(pin),
        secrets.clone(),
    )
    .unwrap();
    let config = backup_accounts::store::Config {
        backup_server: Some(settings),
        ..Default::default()
    };
    ConfigFile::in_folder(folder).save(&config).unwrap();
    server
}

const EXPORTED_TENANT: &str = "84841066-274d-4ec0-a5c1-276be684bdd3";

fn start_on_the_export(
    folder: &std::path::Path,
    secrets: &Arc<MemorySecrets>,
) -> egui_kittest::Harness<'static, backup_accounts::app::BackupAccountsApp> {
    let options = backup_accounts::state::StartupOptions {
        config_dir: Some(folder.to_path_buf()),
        directory: Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso"),
        ),
        ..Default::default()
    };
    start_app(options, Ok(secrets.clone()))
}

#[test]
fn an_imported_tenant_takes_its_settings_from_the_connected_server_without_asking() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let server = connected_to_a_server_knowing_the_export(folder.path(), &secrets, true);
    let mut harness = start_on_the_export(folder.path(), &secrets);
    wait_for(&mut harness, "the settings from the server", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("taken from the backup server"))
    });
    assert!(
        harness
            .query_by_label_contains("Microsoft Graph does not say")
            .is_none(),
        "the question is not asked"
    );
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    let settings = &saved.organization_settings[EXPORTED_TENANT];
    assert_eq!(settings.added_by, "admin@contoso.onmicrosoft.com");
    assert_eq!(
        settings.authentication,
        backup_accounts::model::AuthenticationMethod::ModernWithLegacyProtocols
    );
    assert!(
        server
            .state
            .lock()
            .unwrap()
            .requests
            .iter()
            .any(|r| r.contains(&format!("msid={EXPORTED_TENANT}"))),
        "found by tenant id"
    );
}

#[test]
fn a_tenant_the_server_does_not_have_is_asked_about_with_the_reason() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let _server = connected_to_a_server_knowing_the_export(folder.path(), &secrets, false);
    let mut harness = start_on_the_export(folder.path(), &secrets);
    wait_for(&mut harness, "the server's answer", |h| {
        h.query_by_label_contains("does not have this organization yet")
            .is_some()
    });
    assert!(
        harness
            .query_by_label_contains("Microsoft Graph does not say")
            .is_some()
    );
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert!(saved.organization_settings.is_empty(), "nothing saved yet");
}

const NORTHWIND_ON_SERVER: &str = "00000000-0000-4000-8000-000000000002";
const NORTHWIND_APP: &str = "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10";

#[test]
fn kb4821_the_other_backup_applications_are_removed_from_the_server_with_consent() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let mut server_state = state_from_directory(&common::demo());
    server_state
        .users
        .insert(USER.to_owned(), SERVER_PASSWORD.to_owned());
    let northwind = server_state.organization_mut(NORTHWIND_ON_SERVER);
    assert_eq!(northwind.application_id.as_deref(), Some(NORTHWIND_APP));
    northwind.applications = vec![
        (
            NORTHWIND_APP.to_owned(),
            "Veeam Backup for Microsoft 365".to_owned(),
        ),
        (
            "11111111-2222-4333-8444-555555555555".to_owned(),
            "Old backup app".to_owned(),
        ),
        (
            "66666666-7777-4888-9999-000000000000".to_owned(),
            "Second region app".to_owned(),
        ),
    ];
    let server = connected_to(folder.path(), &secrets, server_state);
    let mut harness = start_app(options_in(folder.path()), Ok(secrets));
    harness.get_by_label("Health").click();
    harness.run();
    let fix = "Remove the others from the server... for Northwind Traders";
    wait_for(&mut harness, "the KB4821 finding", |h| {
        h.query_by_label_contains(fix).is_some()
    });
    harness.get_by_label_contains(fix).click();
    harness.run();
    assert!(
        harness
            .query_by_label("Old backup app (11111111-2222-4333-8444-555555555555)")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("Stays: Veeam Backup for Microsoft 365")
            .is_some()
    );
    assert_interactive_nodes_named_and_unique(&harness, "Remove Backup Applications");
    assert_eq!(
        server.state.lock().unwrap().count("DELETE "),
        0,
        "not before consent"
    );
    harness
        .get_by_label("Remove these backup applications from the backup server")
        .click();
    harness.run();
    wait_for(&mut harness, "the removal", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("Removed 2 backup applications"))
    });
    let state = server.state.lock().unwrap();
    assert_eq!(state.count("DELETE "), 1);
    assert_eq!(
        state.organization(NORTHWIND_ON_SERVER).applications,
        [(
            NORTHWIND_APP.to_owned(),
            "Veeam Backup for Microsoft 365".to_owned()
        )]
    );
    let added: Vec<_> = state
        .requests
        .iter()
        .filter(|r| {
            (r.starts_with("POST ") || r.starts_with("PUT ")) && !r.starts_with("POST /v8/token")
        })
        .collect();
    assert!(added.is_empty(), "nothing is added: {added:?}");
}
