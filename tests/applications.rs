//! The Backup Applications Manager (R15), driven by label: the pool, Select Application,
//! Install Certificate with certificates made in the test, every refusal, and the commit.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::app::FileRequest;
use backup_accounts::store::ConfigFile;
use common::applications::*;
use common::certificates::PFX_PASSWORD;
use common::windows::{choose_file, description};
use common::*;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

/// Northwind's manager open, with its keyring and configuration folder.
struct Open {
    folder: tempfile::TempDir,
    northwind: Northwind,
    secrets: Arc<MemorySecrets>,
    harness: Harness<'static, BackupAccountsApp>,
}

fn open_northwind() -> Open {
    let folder = tempfile::tempdir().unwrap();
    let northwind = northwind(folder.path());
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = start_app(northwind.options.clone(), Ok(secrets.clone()));
    open_manager(&mut harness);
    Open {
        folder,
        northwind,
        secrets,
        harness,
    }
}

/// Adds the third and the expired application through Select Application.
fn add_third_and_expired(harness: &mut Harness<'_, BackupAccountsApp>) {
    for (name, id) in [(THIRD_NAME, THIRD_APP), (EXPIRED_NAME, EXPIRED_APP)] {
        click(harness, "Add...");
        click(harness, &option(name, id));
        click(harness, "Add application");
    }
}

const EXPIRES: &str = "Configured, expires ";

/// Gives Veeam's application its PFX file and the third one a PEM certificate and key.
fn install_good_certificates(harness: &mut Harness<'_, BackupAccountsApp>, northwind: &Northwind) {
    install(
        harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.veeam.pfx,
        PFX_PASSWORD,
    );
    assert!(has_text(
        harness,
        &format!("Certificate for {VEEAM_NAME}: {EXPIRES}")
    ));
    // A PEM certificate with its key file works too.
    click(
        harness,
        &format!("Certificate for {THIRD_NAME}: Not configured"),
    );
    choose_file(
        harness,
        FileRequest::Certificate { key: false },
        &northwind.third.certificate,
    );
    choose_file(
        harness,
        FileRequest::Certificate { key: true },
        &northwind.third.key,
    );
    click(harness, &format!("Install the certificate of {THIRD_NAME}"));
    assert!(has_text(
        harness,
        &format!("Certificate for {THIRD_NAME}: {EXPIRES}")
    ));
}

/// The pool with Veeam's and the third application, both with certificates, saved.
fn saved_pool_of_two() -> Open {
    let mut open = open_northwind();
    add_third_and_expired(&mut open.harness);
    install_good_certificates(&mut open.harness, &open.northwind);
    click(&mut open.harness, EXPIRED_NAME);
    click(&mut open.harness, "Remove 1 selected");
    save(&mut open.harness);
    open
}

#[test]
fn the_manager_keeps_the_added_with_application_and_says_why_create_is_off() {
    let Open {
        mut harness,
        folder: _folder,
        ..
    } = open_northwind();
    // The application the organization was added with is in the pool from the start.
    assert!(has_text(
        &harness,
        &format!("Certificate for {VEEAM_NAME}: Not configured")
    ));
    assert!(description(&harness, "Create...").contains("8.4 no longer creates"));
    click(&mut harness, VEEAM_NAME);
    assert!(description(&harness, "Remove 1 selected").contains("always stays in the pool"));
    assert_interactive_nodes_named_and_unique(&harness, "Backup Applications Manager");
}

#[test]
fn select_application_says_why_each_application_cannot_be_added() {
    let Open {
        mut harness,
        folder: _folder,
        ..
    } = open_northwind();
    click(&mut harness, "Add...");
    assert_interactive_nodes_named_and_unique(&harness, "Select Application");
    let reason = |h: &Harness<'_, BackupAccountsApp>, name: &str| {
        h.get_by_role_and_label(Role::ListBoxOption, name)
            .accesskit_node()
            .description()
            .unwrap_or_default()
    };
    let reporting = "Reporting Portal (client secret only) (e7f8a9b0-3c4d-4e5f-a061-8293a4b5c6d7)";
    assert!(reason(&harness, reporting).contains("no certificate credential"));
    assert!(reason(&harness, &option(VEEAM_NAME, VEEAM)).contains("already in the pool"));
    harness
        .get_by_label("Search applications")
        .type_text("Backup Application");
    harness.run();
    assert!(harness.query_by_label(reporting).is_none(), "filtered out");
    click(&mut harness, &option(THIRD_NAME, THIRD_APP));
    click(&mut harness, "Add application");
    click(&mut harness, "Add...");
    click(&mut harness, &option(EXPIRED_NAME, EXPIRED_APP));
    click(&mut harness, "Add application");
    assert!(has_text(&harness, "more applications add no throughput"));
}

#[test]
fn install_certificate_refuses_each_bad_file_with_its_reason() {
    // The folder holds the certificates' files: kept until the end.
    let Open {
        mut harness,
        northwind,
        folder: _folder,
        ..
    } = open_northwind();
    add_third_and_expired(&mut harness);
    for (application, file, password, refusal) in [
        (
            VEEAM_NAME,
            &northwind.veeam.pfx,
            "wrong",
            "password is wrong",
        ),
        (
            VEEAM_NAME,
            &northwind.veeam.pfx_without_key,
            PFX_PASSWORD,
            "no private key",
        ),
        (
            VEEAM_NAME,
            &northwind.unregistered.pfx,
            PFX_PASSWORD,
            "is not registered on Veeam Backup",
        ),
        (
            VEEAM_NAME,
            &northwind.client_secret,
            "",
            "looks like a client secret",
        ),
        (
            EXPIRED_NAME,
            &northwind.expired.pfx,
            PFX_PASSWORD,
            "not now",
        ),
    ] {
        install(&mut harness, application, "Not configured", file, password);
        assert!(has_text(&harness, refusal), "{refusal}");
        click(&mut harness, "Cancel Install Certificate");
    }
    install_good_certificates(&mut harness, &northwind);
}

#[test]
fn applications_are_selected_like_files_and_the_added_with_one_cannot_go() {
    // The folder holds the certificates' files: kept until the end.
    let Open {
        mut harness,
        northwind,
        folder: _folder,
        ..
    } = open_northwind();
    add_third_and_expired(&mut harness);
    install_good_certificates(&mut harness, &northwind);
    // Ctrl-click adds to the selection, Shift-click takes the range; the added-with
    // application cannot go.
    click(&mut harness, THIRD_NAME);
    harness
        .get_by_label(EXPIRED_NAME)
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.run();
    assert!(
        !harness
            .get_by_label("Remove 2 selected")
            .accesskit_node()
            .is_disabled()
    );
    harness
        .get_by_label(VEEAM_NAME)
        .click_modifiers(egui::Modifiers::SHIFT);
    harness.run();
    assert!(description(&harness, "Remove 3 selected").contains("always stays in the pool"));
    // The expired one leaves.
    click(&mut harness, EXPIRED_NAME);
    click(&mut harness, "Remove 1 selected");
    assert!(harness.query_by_label(EXPIRED_NAME).is_none());
}

#[test]
fn ok_keeps_the_keys_in_the_keyring_and_only_their_facts_in_the_configuration() {
    let Open {
        folder,
        northwind,
        secrets,
        harness,
    } = saved_pool_of_two();
    assert!(has_text(
        &harness,
        "Saved the backup applications of Northwind Traders: 2 applications."
    ));
    let secret = secrets.certificate(NORTHWIND, VEEAM).unwrap();
    assert!(secret.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(secrets.certificate(NORTHWIND, THIRD_APP).is_some());
    let config_text = std::fs::read_to_string(folder.path().join("config/config.ron")).unwrap();
    assert!(
        config_text.contains(&northwind.veeam.thumbprint),
        "{config_text}"
    );
    assert!(
        !config_text.contains("PRIVATE KEY"),
        "never a key in the configuration"
    );
    assert!(!config_text.contains(EXPIRED_APP));
    // The details pane lists the pool with each certificate's expiry.
    assert!(has_text(
        &harness,
        &format!("{VEEAM_NAME}: certificate expires ")
    ));
    assert!(has_text(&harness, "Backup applications (2):"));
}

#[test]
fn a_shared_pool_is_a_health_finding_whose_fix_opens_the_manager_and_removal_deletes_the_key() {
    let Open {
        folder,
        secrets,
        mut harness,
        ..
    } = saved_pool_of_two();
    // Two applications share one throttling limit: the Health view says so, and its fix
    // opens this manager.
    click(&mut harness, "Health");
    wait_for(&mut harness, "the shared-throttling notice", |h| {
        has_text(h, "2 backup applications: since 1 March 2026")
    });
    click(
        &mut harness,
        "Review for Northwind Traders: shared throttling",
    );
    // Removing an application deletes its key; Cancel changes nothing.
    click(&mut harness, THIRD_NAME);
    click(&mut harness, "Remove 1 selected");
    click(&mut harness, "Cancel backup applications");
    assert!(secrets.certificate(NORTHWIND, THIRD_APP).is_some());
    let saved = ConfigFile::in_folder(&folder.path().join("config"))
        .load()
        .unwrap();
    assert_eq!(saved.application_pools[NORTHWIND].applications.len(), 2);
    open_manager(&mut harness);
    click(&mut harness, THIRD_NAME);
    click(&mut harness, "Remove 1 selected");
    save(&mut harness);
    assert!(secrets.certificate(NORTHWIND, THIRD_APP).is_none());
    assert!(secrets.certificate(NORTHWIND, VEEAM).is_some());
}

#[test]
fn r1_backup_applications_are_for_app_only_organizations() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = start_app(
        options_in(folder.path()),
        Ok(Arc::new(MemorySecrets::default())),
    );
    harness
        .get_by_label("Contoso Ltd (Basic authentication)")
        .click_secondary();
    harness.run();
    let item = harness.get_by_label("Manage backup applications...");
    assert!(item.accesskit_node().is_disabled());
    assert!(description(&harness, "Manage backup applications...").contains("backup accounts"));
}

#[test]
fn snapshots_of_the_backup_applications_windows() {
    let folder = tempfile::tempdir().unwrap();
    let northwind = northwind(folder.path());
    let mut harness = start_app(northwind.options, Ok(Arc::new(MemorySecrets::default())));
    open_manager(&mut harness);
    click(&mut harness, "Add...");
    harness.snapshot("select_application");
    click(&mut harness, &option(THIRD_NAME, THIRD_APP));
    click(&mut harness, "Add application");
    harness.snapshot("backup_applications_manager");
    click(
        &mut harness,
        &format!("Certificate for {VEEAM_NAME}: Not configured"),
    );
    harness.snapshot("install_certificate");
}

#[test]
fn an_app_only_import_asks_for_the_application_it_was_added_with() {
    let folder = tempfile::tempdir().unwrap();
    let export = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso");
    let options = backup_accounts::state::StartupOptions {
        config_dir: Some(folder.path().to_path_buf()),
        directory: Some(export),
        ..Default::default()
    };
    let mut harness = start_app(options, Ok(Arc::new(MemorySecrets::default())));
    click(&mut harness, "Modern app-only authentication");
    harness
        .get_by_role_and_label(Role::TextInput, "Added with account:")
        .focus();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Added with account:")
        .type_text("admin@contoso.onmicrosoft.com");
    harness.run();
    let ok = "OK, save the organization settings";
    assert!(
        description(&harness, ok).contains("Choose the application"),
        "an app-only organization needs its application"
    );
    click(&mut harness, "Added with application");
    click(&mut harness, &format!("{VEEAM_NAME} ({VEEAM})"));
    click(&mut harness, ok);
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    let settings = &saved.organization_settings["84841066-274d-4ec0-a5c1-276be684bdd3"];
    assert_eq!(settings.added_with_application.as_deref(), Some(VEEAM));
    // Its pool starts with that application, which cannot be removed (R15).
    harness
        .get_by_label("Contoso (Modern app-only authentication)")
        .click_secondary();
    harness.run();
    click(&mut harness, "Manage backup applications...");
    assert!(has_text(
        &harness,
        &format!("Certificate for {VEEAM_NAME}: Not configured")
    ));
}

#[test]
fn a_failed_commit_puts_every_key_back_and_keeps_the_manager_open() {
    let folder = tempfile::tempdir().unwrap();
    let northwind = northwind(folder.path());
    // The second keyring change fails: the first key written is taken back.
    let secrets = Arc::new(FaultySecrets::new(MemorySecrets::default(), 2));
    let mut harness = start_app(northwind.options.clone(), Ok(secrets.clone()));
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
    // Install Certificate names each control once.
    harness
        .query_all_by_label_contains(&format!("Certificate for {VEEAM_NAME}: Configured"))
        .next()
        .unwrap()
        .click();
    harness.run();
    assert_interactive_nodes_named_and_unique(&harness, "Install Certificate");
    click(&mut harness, "Cancel Install Certificate");
    install(
        &mut harness,
        THIRD_NAME,
        "Not configured",
        &northwind.third.pfx,
        PFX_PASSWORD,
    );
    save(&mut harness);
    assert!(
        has_text(&harness, "injected failure"),
        "the error is shown in the manager"
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Dialog, "Backup Applications Manager")
            .is_some(),
        "still open"
    );
    assert!(
        secrets.inner.keys().is_empty(),
        "the first key was taken back"
    );
    assert!(
        ConfigFile::in_folder(&folder.path().join("config"))
            .load()
            .unwrap()
            .application_pools
            .is_empty(),
        "the configuration is unchanged"
    );
}
