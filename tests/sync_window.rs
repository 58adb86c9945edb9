//! File > Sign in to Microsoft 365, by label, against a local server that answers as the
//! identity platform and Graph do: the code is shown, two "pending" answers, then the sync;
//! the synced tenant asks for its settings like an import; its refresh token is in the
//! keyring; F5 syncs again with it, without a new sign-in.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// One story, sign-in to sign-out, told in order.
#![allow(clippy::too_many_lines)]

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use backup_accounts::store::config::GraphSettings;
use backup_accounts::store::{Config, ConfigFile};
use common::graph_server::graph_server;
use common::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;

#[test]
fn sign_in_sync_and_sync_again_by_label() {
    let (base, seen) = graph_server(Arc::new(AtomicBool::new(false)));
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
    harness.get_by_label("Sign in to Microsoft 365...").click();
    harness.run();
    wait_for(&mut harness, "the code", |h| {
        h.query_by_label("ABCD-EFGH").is_some()
    });
    assert!(harness.query_by_label("Copy the code ABCD-EFGH").is_some());
    // The server answers "pending" for two seconds: time to check the dialog as it is.
    assert_interactive_nodes_named_and_unique(&harness, "Sign in to Microsoft 365");
    harness.snapshot("sign_in");
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
    assert_eq!(secrets.get("graph", "tenant-1").as_deref(), Some("REFRESH"));
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert!(
        matches!(&saved.directory, backup_accounts::store::DirectorySource::GraphExport(p) if p.ends_with("tenants/tenant-1")),
        "{:?}",
        saved.directory
    );
    let sign_ins = |seen: &std::sync::Mutex<Vec<String>>| {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with("/devicecode"))
            .count()
    };
    assert_eq!(sign_ins(&seen), 1);

    // F5 on the synced tenant: the refresh token is used, no new code.
    harness.key_press(egui::Key::F5);
    harness.run();
    wait_for(&mut harness, "the second sync", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("Imported"))
            || h.query_by_label("Sign in to Microsoft 365").is_none()
    });
    assert_eq!(sign_ins(&seen), 1, "no second sign-in");
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .filter(|p| *p == "/v1.0/organization")
            .count()
            >= 2
    );

    // Sign out deletes the refresh token; the snapshot stays.
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Sign out of Microsoft 365").click();
    harness.run();
    assert_eq!(secrets.get("graph", "tenant-1"), None);
    assert!(
        harness
            .query_by_label("Contoso (Basic authentication)")
            .is_some()
    );
}
