//! The Backup Applications Manager (R15), driven by label: the pool, Select Application,
//! Install Certificate with certificates made in the test, every refusal, and the commit.
// A panic is how a test reports a failure; the walk through the windows is one story.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::state::StartupOptions;
use backup_accounts::store::ConfigFile;
use backup_accounts::ui::ApplicationsAction;
use common::certificates::{PFX_PASSWORD, TestCertificate, make_certificate};
use common::*;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

const VEEAM: &str = "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10";
const EXPIRED_APP: &str = "8d2e4f60-1a3b-4c5d-8e9f-a0b1c2d3e4f5";
const THIRD_APP: &str = "c4d5e6f7-2b3c-4d5e-9f60-718293a4b5c6";
const VEEAM_NAME: &str = "Veeam Backup for Microsoft 365";
const THIRD_NAME: &str = "Backup Application 3 (certificate ends 2026-12-20)";
const EXPIRED_NAME: &str = "Backup Application 2 (expired certificate)";

/// Certificates for Northwind's applications, registered on them in a copy of the demo.
pub struct Northwind {
    pub options: StartupOptions,
    pub veeam: TestCertificate,
    pub third: TestCertificate,
    pub expired: TestCertificate,
    pub unregistered: TestCertificate,
    pub client_secret: PathBuf,
}

/// The demo directory with the test's certificates registered on Northwind's applications
/// (the demo's thumbprints belong to no real certificate).
pub fn northwind(folder: &Path) -> Northwind {
    let veeam = make_certificate(folder, "veeam", -10, 400);
    let third = make_certificate(folder, "third", -10, 400);
    let expired = make_certificate(folder, "expired", -400, 300);
    let unregistered = make_certificate(folder, "unregistered", -10, 400);
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY
        .replacen(
            "3C8F1A2B4D5E6F708192A3B4C5D6E7F8091A2B3C",
            &veeam.thumbprint,
            1,
        )
        .replacen(
            "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C",
            &third.thumbprint,
            1,
        )
        .replacen(
            "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
            &expired.thumbprint,
            1,
        );
    let snapshot = folder.join("tenant.ron");
    std::fs::write(&snapshot, demo).unwrap();
    let client_secret = folder.join("client-secret.txt");
    std::fs::write(
        &client_secret,
        "Xy8Q~abcdefghijklmnopqrstuvwxyz0123456789AB\n",
    )
    .unwrap();
    Northwind {
        options: StartupOptions {
            config_dir: Some(folder.join("config")),
            directory: Some(snapshot),
            ..Default::default()
        },
        veeam,
        third,
        expired,
        unregistered,
        client_secret,
    }
}

pub fn click(harness: &mut Harness<'_, BackupAccountsApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run();
}

/// OK in the manager, then the keyring worker's end (not `run`: the window repaints while
/// it writes).
pub fn save(harness: &mut Harness<'_, BackupAccountsApp>) {
    harness
        .get_by_label("OK, save the backup applications")
        .click();
    harness.step();
    wait_until_saved(harness);
}

pub fn open_manager(harness: &mut Harness<'_, BackupAccountsApp>) {
    harness
        .get_by_label("Northwind Traders (Modern app-only authentication)")
        .click_secondary();
    harness.run();
    click(harness, "Manage backup applications...");
}

/// Select Application's option for an application.
fn option(name: &str, app_id: &str) -> String {
    format!("{name} ({app_id})")
}

fn description(harness: &Harness<'_, BackupAccountsApp>, label: &str) -> String {
    harness
        .get_by_label(label)
        .accesskit_node()
        .description()
        .unwrap_or_default()
}

fn has_text(harness: &Harness<'_, BackupAccountsApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Opens Install Certificate for `application`, chooses `file` (as the native dialog
/// answers), types `password` and clicks Install.
pub fn install(
    harness: &mut Harness<'_, BackupAccountsApp>,
    application: &str,
    status: &str,
    file: &Path,
    password: &str,
) {
    click(harness, &format!("Certificate for {application}: {status}"));
    harness
        .state()
        .action_sender()
        .send(ApplicationsAction::FileChosen {
            path: file.to_path_buf(),
            key: false,
        });
    harness.run();
    if !password.is_empty() {
        let field = harness.get_by_role(Role::PasswordInput);
        assert!(field.is_focused(), "the password field has the focus");
        field.type_text(password);
        harness.run();
    }
    click(
        harness,
        &format!("Install the certificate of {application}"),
    );
}

#[test]
fn the_pool_its_certificates_and_every_refusal_by_label() {
    let folder = tempfile::tempdir().unwrap();
    let northwind = northwind(folder.path());
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = start_app(northwind.options.clone(), Ok(secrets.clone()));
    open_manager(&mut harness);
    // The application the organization was added with is in the pool from the start.
    assert!(has_text(
        &harness,
        &format!("Certificate for {VEEAM_NAME}: Not configured")
    ));
    assert!(description(&harness, "Create...").contains("8.4 no longer creates"));
    click(&mut harness, VEEAM_NAME);
    assert!(description(&harness, "Remove 1 selected").contains("always stays in the pool"));
    assert_interactive_nodes_named_and_unique(&harness, "Backup Applications Manager");

    // Select Application: each row says why it cannot be used.
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

    // Install Certificate: each refusal, with its reason, then the right file.
    install(
        &mut harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.veeam.pfx,
        "wrong",
    );
    assert!(has_text(&harness, "password is wrong"));
    click(&mut harness, "Cancel Install Certificate");
    install(
        &mut harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.veeam.pfx_without_key,
        PFX_PASSWORD,
    );
    assert!(has_text(&harness, "no private key"));
    click(&mut harness, "Cancel Install Certificate");
    install(
        &mut harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.unregistered.pfx,
        PFX_PASSWORD,
    );
    assert!(has_text(&harness, "is not registered on Veeam Backup"));
    click(&mut harness, "Cancel Install Certificate");
    install(
        &mut harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.client_secret,
        "",
    );
    assert!(has_text(&harness, "looks like a client secret"));
    click(&mut harness, "Cancel Install Certificate");
    install(
        &mut harness,
        EXPIRED_NAME,
        "Not configured",
        &northwind.expired.pfx,
        PFX_PASSWORD,
    );
    assert!(has_text(&harness, "not now"));
    click(&mut harness, "Cancel Install Certificate");
    install(
        &mut harness,
        VEEAM_NAME,
        "Not configured",
        &northwind.veeam.pfx,
        PFX_PASSWORD,
    );
    let expires = "Configured, expires ";
    assert!(has_text(
        &harness,
        &format!("Certificate for {VEEAM_NAME}: {expires}")
    ));
    // A PEM certificate with its key file works too.
    click(
        &mut harness,
        &format!("Certificate for {THIRD_NAME}: Not configured"),
    );
    let sender = harness.state().action_sender();
    sender.send(ApplicationsAction::FileChosen {
        path: northwind.third.certificate.clone(),
        key: false,
    });
    sender.send(ApplicationsAction::FileChosen {
        path: northwind.third.key.clone(),
        key: true,
    });
    harness.run();
    click(
        &mut harness,
        &format!("Install the certificate of {THIRD_NAME}"),
    );
    assert!(has_text(
        &harness,
        &format!("Certificate for {THIRD_NAME}: {expires}")
    ));
    // The expired one leaves; Ctrl-click selects two, and the added-with one cannot go.
    click(&mut harness, EXPIRED_NAME);
    click(&mut harness, "Remove 1 selected");
    assert!(harness.query_by_label(EXPIRED_NAME).is_none());

    // OK: keys in the keyring, the configuration keeps thumbprint, subject and expiry only.
    save(&mut harness);
    assert!(has_text(
        &harness,
        "Saved the backup applications of Northwind Traders: 2 applications."
    ));
    let secret = secrets.get(NORTHWIND, &format!("app/{VEEAM}")).unwrap();
    assert!(secret.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(
        secrets
            .get(NORTHWIND, &format!("app/{THIRD_APP}"))
            .is_some()
    );
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

    // Two applications share one throttling limit: the Health view says so, and its fix
    // opens this manager.
    click(&mut harness, "Health");
    let started = std::time::Instant::now();
    while !has_text(&harness, "2 backup applications: since 1 March 2026") {
        assert!(
            started.elapsed().as_secs() < 20,
            "no shared-throttling notice"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        harness.step();
    }
    harness.run();
    click(
        &mut harness,
        "Review for Northwind Traders: shared throttling",
    );
    // Removing an application deletes its key; Cancel changes nothing.
    click(&mut harness, THIRD_NAME);
    click(&mut harness, "Remove 1 selected");
    click(&mut harness, "Cancel backup applications");
    assert!(
        secrets
            .get(NORTHWIND, &format!("app/{THIRD_APP}"))
            .is_some()
    );
    let saved = ConfigFile::in_folder(&folder.path().join("config"))
        .load()
        .unwrap();
    assert_eq!(saved.application_pools[NORTHWIND].applications.len(), 2);
    open_manager(&mut harness);
    click(&mut harness, THIRD_NAME);
    click(&mut harness, "Remove 1 selected");
    save(&mut harness);
    assert!(
        secrets
            .get(NORTHWIND, &format!("app/{THIRD_APP}"))
            .is_none()
    );
    assert!(secrets.get(NORTHWIND, &format!("app/{VEEAM}")).is_some());
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
