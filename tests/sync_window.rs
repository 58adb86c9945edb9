//! File > Sign in to Microsoft 365, by label, against a local server that answers as the
//! identity platform and Graph do: the code is shown, two "pending" answers, then the sync;
//! the synced tenant asks for its settings like an import; its refresh token is in the
//! keyring; Sync now (Shift+F5) syncs again with it, without a new sign-in; F5 only rereads the
//! snapshot.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// One story, sign-in to sign-out, told in order.
#![allow(clippy::too_many_lines)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use backup_accounts::model::AuthenticationMethod;
use backup_accounts::store::config::GraphSettings;
use backup_accounts::store::{Config, ConfigFile, SecretKey};
use common::tenant_server::{Tenant, TenantServer};
use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

#[test]
fn sign_in_sync_and_sync_again_by_label() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    // The account may not read the MFA report, as without AuditLog.Read.All.
    server
        .faults
        .refuse_mfa_report
        .store(true, Ordering::Relaxed);
    let base = server.base.clone();
    let folder = tempfile::tempdir().unwrap();
    let config = Config {
        graph: GraphSettings {
            login_url: Some(base.clone()),
            graph_url: Some(base),
            ..GraphSettings::default()
        },
        ..Config::default()
    };
    ConfigFile::in_folder(folder.path()).save(&config).unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = start_app(options_in(folder.path()), Ok(secrets.clone()));
    harness.get_by_label("File").click();
    harness.run();
    // Nothing synced yet: Sync now is disabled and says why.
    let sync_now = harness.get_by_label("Sync now Shift+F5");
    assert!(sync_now.accesskit_node().is_disabled());
    assert!(
        sync_now
            .accesskit_node()
            .description()
            .unwrap_or_default()
            .contains("use Sign in to Microsoft 365... first")
    );
    harness.get_by_label("Sign in to Microsoft 365...").click();
    harness.run();
    wait_for(&mut harness, "the code", |h| {
        h.query_by_label("ABCD-EFGH").is_some()
    });
    assert!(harness.query_by_label("Copy the code ABCD-EFGH").is_some());
    // The server answers "pending" for two seconds: time to check the dialog as it is.
    assert_interactive_nodes_named_and_unique(&harness, "Sign in to Microsoft 365");
    harness.snapshot("sign_in");
    harness.get_by_label("Copy the code ABCD-EFGH").click();
    harness.step();
    let commands = format!("{:?}", harness.output().platform_output.commands);
    assert!(
        commands.contains("ABCD-EFGH"),
        "Copy code copies it: {commands}"
    );
    // Two "pending" answers at one-second intervals, then the tenant is read and, being new,
    // asks how it was added.
    wait_for(&mut harness, "Organization Settings", |h| {
        h.query_by_label_contains("Microsoft Graph does not say")
            .is_some()
    });
    harness
        .get_by_role_and_label(Role::RadioButton, "Basic authentication")
        .click();
    harness.run();
    let field = harness.get_by_role_and_label(Role::TextInput, "Added with account:");
    field.focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Added with account:")
        .type_text("alice@contoso.com");
    harness.run();
    harness
        .get_by_label("OK, save the organization settings")
        .click();
    harness.run();
    assert!(
        harness
            .query_by_label("Contoso (Basic authentication)")
            .is_some()
    );
    assert_eq!(
        secrets.refresh_token("tenant-1"),
        Some(server.refresh_token()),
        "the refresh token the identity platform gave"
    );
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert!(
        matches!(&saved.directory, backup_accounts::store::DirectorySource::GraphExport(p) if p.ends_with("tenants/tenant-1")),
        "{:?}",
        saved.directory
    );
    assert_eq!(server.count("/devicecode"), 1);

    // Shift+F5 (Sync now) on the synced tenant: the refresh token is used, no new code.
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F5);
    harness.run();
    wait_for(&mut harness, "the second sync", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("changed since the last sync"))
            // The dialog and its title are two nodes of that name while it is open.
            || h.query_all_by_label("Sign in to Microsoft 365").next().is_none()
    });
    assert_eq!(server.count("/devicecode"), 1, "no second sign-in");
    let banner = harness.state().banner_text().unwrap_or_default().to_owned();
    assert!(
        banner.contains("refused the MFA report (403"),
        "one notice: {banner}"
    );
    assert_eq!(server.count("GET /v1.0/organization"), 2);
    assert_eq!(
        server.count("GET /v1.0/users/delta?$deltatoken=1"),
        1,
        "only the changes"
    );

    // F5 rereads the synced snapshot from disk and never reaches the network (issue 24: it
    // used to start a sync quietly).
    server.clear_requests();
    harness.key_press(egui::Key::F5);
    harness.run();
    assert_eq!(harness.state().banner_text(), Some("Directory reloaded."));
    assert_eq!(server.request_count(), 0, "no request for F5");

    // Sign out deletes the refresh token; the snapshot stays.
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Sign out of Microsoft 365").click();
    harness.run();
    assert_eq!(secrets.refresh_token("tenant-1"), None);
    assert!(
        harness
            .query_by_label("Contoso (Basic authentication)")
            .is_some()
    );
}

/// A configuration folder holding a synced Contoso (Basic, added by alice) whose backup
/// accounts are bob (a direct member of Backup Operators) and carol (through the nested
/// Europe), with their passwords and the tenant's refresh token in `secrets`.
fn synced_contoso(server: &TenantServer, folder: &std::path::Path, secrets: &MemorySecrets) {
    use backup_accounts::model::{
        AuthenticationMethod, OrganizationSelection, OrganizationSettings,
    };
    let graph = server.client();
    let summary =
        backup_accounts::store::graph::sync::sync(&graph, &folder.join("tenants"), None).unwrap();
    let accounts = vec!["bob@contoso.com".to_owned(), "carol@contoso.com".to_owned()];
    let config = Config {
        directory: backup_accounts::store::DirectorySource::GraphExport(summary.folder),
        organizations: [(
            "tenant-1".into(),
            OrganizationSelection {
                group_id: "g-ops".into(),
                group_name: "Backup Operators".into(),
                accounts: accounts.clone(),
                passwords: Default::default(),
            },
        )]
        .into(),
        organization_settings: [(
            "tenant-1".into(),
            OrganizationSettings {
                authentication: AuthenticationMethod::Basic,
                added_by: "alice@contoso.com".into(),
                mfa_not_enabled: Default::default(),
                added_with_application: None,
            },
        )]
        .into(),
        graph: GraphSettings {
            login_url: Some(server.base.clone()),
            graph_url: Some(server.base.clone()),
            ..GraphSettings::default()
        },
        ..Config::default()
    };
    ConfigFile::in_folder(folder).save(&config).unwrap();
    let mut items = secrets.items.lock().unwrap();
    for upn in accounts {
        items.insert(format!("tenant-1/{upn}"), "secret".into());
    }
    items.insert(
        SecretKey::graph_refresh_token("tenant-1").to_string(),
        server.refresh_token(),
    );
}

#[test]
fn sync_now_reads_only_the_changes_and_asks_before_revoking_a_member_who_left() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    synced_contoso(&server, folder.path(), &secrets);
    let mut harness = start_app(options_in(folder.path()), Ok(secrets.clone()));
    assert!(
        harness
            .query_by_label("Contoso (Basic authentication)")
            .is_some()
    );

    // In the tenant carol leaves Europe (so Backup Operators) and bob is renamed.
    server.change(|tenant| {
        tenant.remove_member("g-eu", "u3");
        tenant.rename_user("u2", "Bob Smith");
    });
    server.clear_requests();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Sync now Shift+F5").click();
    harness.run();
    // R14: the consent dialog names carol before anything is deleted.
    wait_for(&mut harness, "the consent dialog", |h| {
        h.query_by_label_contains("carol@contoso.com — Contoso —")
            .is_some()
    });
    assert!(
        secrets.get("tenant-1", "carol@contoso.com").is_some(),
        "nothing deleted yet"
    );
    assert_eq!(server.count("POST /v1.0/$batch"), 0, "no full read");
    assert_eq!(server.count("GET /v1.0/users?"), 0, "no full read");
    assert_eq!(
        server.count("/delta?$deltatoken="),
        2,
        "users and groups, changes only"
    );
    harness.get_by_label("Revoke these accounts").click();
    harness.run();
    wait_until_saved(&mut harness);
    assert_eq!(secrets.get("tenant-1", "carol@contoso.com"), None);
    assert!(secrets.get("tenant-1", "bob@contoso.com").is_some());
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert_eq!(
        saved.organizations["tenant-1"].accounts,
        ["bob@contoso.com"]
    );
    assert_eq!(
        secrets.refresh_token("tenant-1"),
        Some(server.refresh_token()),
        "the rotated refresh token is kept"
    );
}

#[test]
fn a_refused_delta_link_is_said_in_the_progress_window_and_the_whole_tenant_is_read() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    synced_contoso(&server, folder.path(), &secrets);
    let mut harness = start_app(options_in(folder.path()), Ok(secrets));
    server.forget_delta_links();
    // Slow answers, so the window can be read while the full read runs.
    server.faults.delay_ms.store(300, Ordering::Relaxed);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F5);
    harness.run();
    wait_for(&mut harness, "the refusal in the progress window", |h| {
        h.query_by_label_contains("no longer accepts the saved delta link (410")
            .is_some()
    });
    assert!(
        harness
            .query_by_label_contains("Reading the tenant:")
            .is_some()
    );
    // A bar per phase, its total from Graph's `$count` once it has answered.
    wait_for(&mut harness, "the users' total", |h| {
        h.query_by_label_contains("Users: 0 of 3").is_some()
            || h.query_by_label_contains("Users: 3 read").is_some()
    });
    for phase in ["Groups:", "Member lists:", "MFA report:"] {
        assert!(harness.query_by_label_contains(phase).is_some(), "{phase}");
    }
    assert!(
        harness
            .query_by_label_contains("requests in flight")
            .is_some()
    );
    server.faults.delay_ms.store(0, Ordering::Relaxed);
    wait_for(&mut harness, "the end of the sync", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("the whole tenant was read again"))
    });
    assert_eq!(
        server.count("POST /v1.0/$batch"),
        2,
        "the first sync's, and this one's"
    );
}

/// The sync's worker leaves the new snapshot's parsed copy in the cache, so the next start
/// opens it without parsing, and hands the directory it built to the window, which takes it
/// over without reading the folder again; when the settings changed in between, the folder
/// is read with the new ones, and when the selection changed, what it revokes is found again.
#[test]
fn the_sync_worker_hands_over_the_directory_it_built_and_caches_it() {
    let server = TenantServer::start(Tenant::contoso(), 2);
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    synced_contoso(&server, folder.path(), &secrets);
    let mut state =
        backup_accounts::state::AppState::load(&options_in(folder.path()), Ok(secrets)).unwrap();
    // What the `graph-sync` worker does, here on the test's thread.
    let sync_now = |state: &backup_accounts::state::AppState| {
        state
            .sync_job(false)
            .unwrap()
            .run(&|_| {}, Arc::default(), &Arc::default())
            .unwrap()
    };
    let copies = || {
        std::fs::read_dir(folder.path().join("cache"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().modified().unwrap())
            .collect::<Vec<_>>()
    };
    let before = copies();
    assert_eq!(before.len(), 1, "the start cached the snapshot it opened");
    server.change(|t| t.rename_user("u1", "Alice Renamed"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let synced = sync_now(&state);
    let after = copies();
    assert_eq!(after.len(), 1, "one copy per snapshot folder");
    assert!(
        after[0] > before[0],
        "the worker rewrote the copy for the new snapshot"
    );
    let users = synced.summary.folder.join("users.json");
    let kept = std::fs::read(&users).unwrap();
    std::fs::remove_file(&users).unwrap();
    state.import_synced(synced).unwrap();
    let contoso = &state.directory().organizations[0];
    let alice = &contoso.user("alice@contoso.com").unwrap().display_name;
    assert_eq!(
        alice, "Alice Renamed",
        "the worker's directory, not the folder"
    );
    std::fs::write(&users, kept).unwrap();

    // Settings changed while the next sync ran: its directory was built with the old ones.
    let synced = sync_now(&state);
    let awaiting = state.edit_settings().unwrap().unwrap();
    let mut settings = state.organization_settings("tenant-1").unwrap().clone();
    settings.authentication = AuthenticationMethod::ModernWithLegacyProtocols;
    state.apply_settings(awaiting, settings).unwrap();
    state.import_synced(synced).unwrap();
    assert_eq!(
        state.directory().organizations[0].authentication,
        AuthenticationMethod::ModernWithLegacyProtocols
    );

    // Carol leaves Europe in the tenant while the next sync runs, and is unchecked here
    // meanwhile: what the worker found for the old selection (carol to revoke) is not used.
    server.change(|t| t.remove_member("g-eu", "u3"));
    let synced = sync_now(&state);
    let mut draft = state.open_manager("tenant-1").unwrap();
    draft.set_checked("carol@contoso.com", false).unwrap();
    common::commit(&mut state, &draft).unwrap();
    let change = state.import_synced(synced).unwrap();
    assert!(change.revocations.is_empty(), "{:?}", change.revocations);
}
