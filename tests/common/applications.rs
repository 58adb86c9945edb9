//! Northwind's backup applications with certificates made for the test, and the steps of
//! the Backup Applications Manager by label.

use std::path::{Path, PathBuf};

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::app::FileRequest;
use backup_accounts::state::StartupOptions;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::certificates::{TestCertificate, make_certificate};
use super::wait_until_saved;

pub const VEEAM: &str = "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10";
pub const EXPIRED_APP: &str = "8d2e4f60-1a3b-4c5d-8e9f-a0b1c2d3e4f5";
pub const THIRD_APP: &str = "c4d5e6f7-2b3c-4d5e-9f60-718293a4b5c6";
pub const VEEAM_NAME: &str = "Veeam Backup for Microsoft 365";
pub const THIRD_NAME: &str = "Backup Application 3 (certificate ends 2026-12-20)";
pub const EXPIRED_NAME: &str = "Backup Application 2 (expired certificate)";

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
    let demo = super::edited(
        backup_accounts::store::snapshot::DEMO_DIRECTORY,
        &[
            (
                "3C8F1A2B4D5E6F708192A3B4C5D6E7F8091A2B3C",
                &veeam.thumbprint,
            ),
            (
                "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C",
                &third.thumbprint,
            ),
            (
                "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
                &expired.thumbprint,
            ),
        ],
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

pub use super::windows::click;

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
    super::windows::pick_from_context_menu(
        harness,
        "Northwind Traders (Modern app-only authentication)",
        "Manage backup applications...",
    );
}

/// Select Application's option for an application.
pub fn option(name: &str, app_id: &str) -> String {
    format!("{name} ({app_id})")
}

pub fn has_text(harness: &Harness<'_, BackupAccountsApp>, text: &str) -> bool {
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
    super::windows::choose_file(harness, FileRequest::Certificate { key: false }, file);
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
