//! The Health view, driven by label: each finding appears and goes away with its fix, the
//! Site Collection Administrator footprint exports as CSV, and `backup-accounts check`
//! prints the same report.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// The findings walk is one story, told step by step.
#![allow(clippy::too_many_lines)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::model::{OrganizationSelection, Password, PasswordRecord};
use backup_accounts::state::StartupOptions;
use backup_accounts::store::{Config, ConfigFile, SecretKey, SecretStore};
use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

fn days_ago(days: i64) -> jiff::Timestamp {
    jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days)
}

/// Contoso uses the backup operators group with Alice (password 200 days old), Bob (MFA on,
/// yet no app password) and Frank (saved before ages were recorded, and his secret is gone
/// from the keyring). Grace is a member but not an account; Dave (disabled) and Erin (guest)
/// hold the role through the group.
fn contoso_needing_attention(folder: &Path, secrets: &dyn SecretStore) -> StartupOptions {
    let snapshot = folder.join("tenant.ron");
    std::fs::write(&snapshot, backup_accounts::store::snapshot::DEMO_DIRECTORY).unwrap();
    let record = |days, app_password| PasswordRecord {
        set: days_ago(days),
        app_password,
    };
    let config = Config {
        organizations: BTreeMap::from([(
            CONTOSO.into(),
            OrganizationSelection {
                group_id: PLAIN_GROUP.into(),
                group_name: "SharePoint Backup Operators".into(),
                accounts: vec![ALICE.into(), BOB_MFA.into(), FRANK_NESTED.into()],
                passwords: BTreeMap::from([
                    (ALICE.to_owned(), record(200, false)),
                    (BOB_MFA.to_owned(), record(10, false)),
                ]),
            },
        )]),
        ..Config::default()
    };
    let config_dir = folder.join("config");
    ConfigFile::in_folder(&config_dir).save(&config).unwrap();
    for upn in [ALICE, BOB_MFA] {
        let password = Password::new(format!("{upn}-secret"));
        secrets
            .write(&SecretKey::new(CONTOSO, upn), &password)
            .unwrap();
    }
    StartupOptions {
        config_dir: Some(config_dir),
        directory: Some(snapshot),
        ..Default::default()
    }
}

/// The app in a window tall enough to show every finding (the list is virtualized: rows out
/// of view are not in the accessibility tree).
fn start_tall(
    options: StartupOptions,
    secrets: Arc<MemorySecrets>,
) -> Harness<'static, BackupAccountsApp> {
    let mut harness = Harness::builder()
        .with_size([1000.0, 1300.0])
        .with_theme(egui::Theme::Light)
        .with_step_dt(0.05)
        .with_max_steps(40)
        .build_eframe(move |_cc| BackupAccountsApp::new(&options, Ok(secrets)));
    harness.run();
    harness
}

fn has_finding(harness: &Harness<'_, BackupAccountsApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

fn open_health(harness: &mut Harness<'_, BackupAccountsApp>) {
    harness.get_by_label("Health").click();
    harness.run();
    // Two tabs, the selected one known to screen readers.
    let tab = |h: &Harness<'_, BackupAccountsApp>, name| {
        h.get_by_role_and_label(egui::accesskit::Role::Tab, name)
            .accesskit_node()
            .is_selected()
    };
    assert_eq!(tab(harness, "Health"), Some(true));
    assert_eq!(tab(harness, "Details"), Some(false));
    wait_for(harness, "the keyring check", |h| {
        has_finding(h, "saved passwords missing.")
    });
}

fn set_password_from_health(
    harness: &mut Harness<'_, BackupAccountsApp>,
    upn: &str,
    finding: &str,
) {
    harness
        .get_by_label(&format!("Set password for {upn}: {finding}"))
        .click();
    harness.run();
    let field = harness.get_by_role(egui::accesskit::Role::PasswordInput);
    assert!(field.is_focused(), "the password field has focus");
    field.type_text("a-new-app-password");
    harness.run();
    harness.run();
    harness
        .get_by_label(&format!("OK, save the password of {upn}"))
        .click();
    harness.run();
    press_ok_and_wait(harness);
}

#[test]
fn each_finding_appears_and_goes_away_with_its_fix() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let options = contoso_needing_attention(folder.path(), secrets.as_ref());
    let mut harness = start_tall(options, secrets.clone());
    open_health(&mut harness);
    let frank_missing = "frank@contoso.com: the password is missing from the keyring";
    let bob_mfa = "bob@contoso.com: MFA was turned on after the password was set";
    let alice_old = "alice@contoso.com: the password was set 200 days ago";
    let unknown = "1 password was saved before ages were recorded";
    let inactive = "2 guest or disabled members still hold the Site Collection Administrator";
    let unused = "1 member of the group holds the Site Collection Administrator role but";
    let legacy = "Contoso Ltd: Legacy authentication: the vendor no longer adds";
    wait_for(&mut harness, "the report", |h| {
        has_finding(h, frank_missing)
    });
    assert_interactive_nodes_named_and_unique(&harness, "Health view");
    for finding in [bob_mfa, alice_old, unknown, inactive, unused, legacy] {
        assert!(has_finding(&harness, finding), "missing: {finding}");
    }
    assert!(
        !has_finding(&harness, "Northwind Traders: Legacy authentication"),
        "app-only organizations have no legacy-authentication finding"
    );
    assert!(has_finding(&harness, "1 of 3 saved passwords missing."));

    // Set password: Frank's secret is back, dated and given as an app password (MFA).
    set_password_from_health(&mut harness, FRANK_NESTED, "missing password");
    wait_for(&mut harness, "Frank's findings to clear", |h| {
        !has_finding(h, frank_missing) && !has_finding(h, unknown)
    });
    assert!(secrets.get(CONTOSO, FRANK_NESTED).is_some());
    // A second one straight from Health: its dialog comes up on top, focused.
    set_password_from_health(&mut harness, BOB_MFA, "MFA without an app password");
    wait_for(&mut harness, "Bob's finding to clear", |h| {
        !has_finding(h, bob_mfa)
    });

    // The threshold is a setting: a year clears Alice's, and it is saved.
    assert!(has_finding(&harness, alice_old));
    harness
        .get_by_label("Report passwords older than, in days")
        .click();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_label("Report passwords older than, in days")
        .type_text("365");
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    wait_for(&mut harness, "Alice's finding to clear", |h| {
        !has_finding(h, alice_old)
    });
    let saved = ConfigFile::in_folder(&folder.path().join("config"))
        .load()
        .unwrap();
    assert_eq!(saved.max_password_age_days, 365);

    // Review: check Grace in the manager; she is no longer an unused member.
    harness
        .get_by_label("Review for Contoso Ltd: legacy authentication")
        .click();
    harness.run();
    harness.get_by_label("Use grace@contoso.com").click();
    harness.run();
    harness
        .get_by_label("Password for grace@contoso.com: Not configured")
        .click();
    harness.run();
    harness
        .get_by_role(egui::accesskit::Role::PasswordInput)
        .type_text("g-pass");
    harness.run();
    harness
        .get_by_label("OK, save the password of grace@contoso.com")
        .click();
    harness.run();
    press_ok_and_wait(&mut harness);
    wait_for(&mut harness, "the unused member to clear", |h| {
        !has_finding(h, unused)
    });
    // Dave and Erin leave the group in the tenant: the role holders clear on reload.
    let snapshot = folder.path().join("tenant.ron");
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY;
    let without_dave_and_erin = edited(
        demo,
        &[(
            "                        User(\"dave@contoso.com\"),\n                        User(\"erin_fabrikam.com#EXT#@contoso.onmicrosoft.com\"),\n                        Group(\"3f1c2a9e-0002",
            "                        Group(\"3f1c2a9e-0002",
        )],
    );
    std::fs::write(&snapshot, without_dave_and_erin).unwrap();
    harness.key_press(egui::Key::F5);
    harness.run();
    wait_for(&mut harness, "the inactive holders to clear", |h| {
        !has_finding(h, inactive)
    });
}

#[test]
fn an_account_kept_after_a_reload_is_pending_review_until_reviewed() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let options = contoso_needing_attention(folder.path(), secrets.as_ref());
    let snapshot = options.directory.clone().unwrap();
    let mut harness = start_tall(options, secrets.clone());
    open_health(&mut harness);
    // Alice leaves the group in the tenant; the administrator keeps her for now.
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY;
    let without_alice = edited(
        demo,
        &[(
            "                        User(\"alice@contoso.com\"),\n                        User(\"bob@contoso.com\"),",
            "                        User(\"bob@contoso.com\"),",
        )],
    );
    std::fs::write(&snapshot, without_alice).unwrap();
    harness.key_press(egui::Key::F5);
    harness.run();
    harness.get_by_label("Keep them for now").click();
    harness.run();
    let pending = "alice@contoso.com: kept after a directory change";
    wait_for(&mut harness, "the pending review", |h| {
        has_finding(h, pending)
    });
    // Review opens the manager, whose OK drops her after consent.
    harness
        .get_by_label("Review for alice@contoso.com: pending review")
        .click();
    harness.run();
    press_ok_and_wait(&mut harness);
    wait_for(&mut harness, "the review to clear", |h| {
        !has_finding(h, pending)
    });
    assert!(
        secrets.get(CONTOSO, ALICE).is_none(),
        "her secret was deleted"
    );
}

#[test]
fn the_site_collection_administrators_export_as_csv_with_their_path() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let options = contoso_needing_attention(folder.path(), secrets.as_ref());
    let mut harness = start_tall(options, secrets);
    open_health(&mut harness);
    wait_for(&mut harness, "the footprint", |h| {
        has_finding(h, "Site Collection Administrators of Contoso Ltd (7)")
    });
    // The native save dialog answers with a worker event; the test gives the same answer.
    let path: PathBuf = folder.path().join("holders.csv");
    common::windows::choose_file(
        &mut harness,
        backup_accounts::app::FileRequest::SaveCsv {
            organization_id: CONTOSO.into(),
            list: backup_accounts::model::health::HealthList::Footprint,
            file_name: "holders.csv".into(),
        },
        &path,
    );
    let csv = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "User principal name,Display name,Guest,Enabled,Backup account,Path"
    );
    assert_eq!(lines.len(), 8, "{csv}");
    assert!(lines.contains(
        &"frank@contoso.com,Frank Novak,no,yes,yes,SharePoint Backup Operators > Backup Operators - Europe > frank@contoso.com"
    ), "{csv}");
    assert!(
        lines.contains(
            &"dave@contoso.com,Dave Miller,no,no,no,SharePoint Backup Operators > dave@contoso.com"
        ),
        "{csv}"
    );
    assert!(has_finding(&harness, "Exported 7 rows to"));
}

#[test]
fn check_prints_the_report_and_exits_7_when_something_needs_attention() {
    // The command line reads the keyring itself: with no saved accounts it needs none.
    let folder = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("backup-accounts")
        .unwrap()
        .args(["--config-dir"])
        .arg(folder.path())
        .args(["--json", "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["severity"] == "Notice")
    );
}

#[test]
fn snapshot_of_the_health_view() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let options = contoso_needing_attention(folder.path(), secrets.as_ref());
    let mut harness = start_tall(options, secrets);
    open_health(&mut harness);
    wait_for(&mut harness, "the report", |h| {
        has_finding(h, "Site Collection Administrators of Contoso Ltd (7)")
    });
    harness
        .get_by_label("Site Collection Administrators of Contoso Ltd (7)")
        .click();
    harness.run();
    harness.snapshot("health_view");
}

#[test]
fn a_pool_larger_than_the_vendor_guidance_is_a_notice_with_its_source() {
    use backup_accounts::model::health::{FindingKind, HealthInputs, HealthReport, Severity};
    let directory = demo();
    let report = |accounts: &[&str]| {
        let selections = BTreeMap::from([(
            CONTOSO.into(),
            OrganizationSelection {
                group_id: ALL_USERS_GROUP.into(),
                group_name: "All Users".into(),
                accounts: accounts.iter().map(ToString::to_string).collect(),
                passwords: BTreeMap::new(),
            },
        )]);
        HealthReport::compute(&HealthInputs {
            directory: &directory,
            selections: &selections,
            pending_review: &Default::default(),
            missing_secrets: None,
            now: jiff::Timestamp::now(),
            max_age_days: 90,
            application_pools: &BTreeMap::new(),
            server: None,
        })
    };
    let pool = |report: &HealthReport| {
        report
            .findings()
            .find(|f| matches!(f.kind, FindingKind::PoolLarger(_)))
            .cloned()
    };
    let five = [
        ALICE,
        BOB_MFA,
        FRANK_NESTED,
        GRACE_NESTED,
        "carol@contoso.com",
    ];
    assert_eq!(pool(&report(&five)), None);
    let six = [&five[..], &["heidi@contoso.com"]].concat();
    let finding = pool(&report(&six)).expect("six accounts are more than the guidance");
    assert_eq!(finding.severity, Severity::Notice);
    assert!(
        finding.describe().contains("bp.veeam.com"),
        "{}",
        finding.describe()
    );
}

#[test]
fn backup_application_certificates_feed_the_report() {
    use backup_accounts::model::application_pool::{
        ApplicationPool, InstalledCertificate, PooledApplication,
    };
    use backup_accounts::model::health::{
        FindingAction, FindingKind, HealthInputs, HealthReport, Severity,
    };
    let directory = demo();
    let now: jiff::Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
    let certificate = |expires: &str| {
        Some(InstalledCertificate {
            thumbprint: "00".repeat(20),
            subject: "CN=test".into(),
            expires: expires.parse().unwrap(),
        })
    };
    let pooled = |app_id: &str, certificate| PooledApplication {
        app_id: app_id.into(),
        certificate,
    };
    let pools = BTreeMap::from([(
        NORTHWIND.into(),
        ApplicationPool {
            applications: vec![
                pooled(
                    "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10",
                    certificate("2028-01-15T00:00:00Z"),
                ),
                pooled(
                    "8d2e4f60-1a3b-4c5d-8e9f-a0b1c2d3e4f5",
                    certificate("2026-03-01T00:00:00Z"),
                ),
                pooled(
                    "c4d5e6f7-2b3c-4d5e-9f60-718293a4b5c6",
                    certificate("2026-12-20T00:00:00Z"),
                ),
                pooled("e7f8a9b0-3c4d-4e5f-a061-8293a4b5c6d7", None),
            ],
        },
    )]);
    let report = HealthReport::compute(&HealthInputs {
        directory: &directory,
        selections: &BTreeMap::new(),
        pending_review: &Default::default(),
        missing_secrets: None,
        now,
        max_age_days: 90,
        application_pools: &pools,
        server: None,
    });
    let northwind: Vec<_> = report
        .findings()
        .filter(|f| f.organization_id == NORTHWIND)
        .map(|f| (f.severity, f.kind.clone(), f.action()))
        .collect();
    assert_eq!(
        northwind,
        [
            (
                Severity::Critical,
                FindingKind::CertificateExpired {
                    application: "Backup Application 2 (expired certificate)".into(),
                    date: "2026-03-01".into()
                },
                FindingAction::ReviewApplications
            ),
            (
                Severity::Warning,
                FindingKind::CertificateExpiring {
                    application: "Backup Application 3 (certificate ends 2026-12-20)".into(),
                    date: "2026-12-20".into()
                },
                FindingAction::ReviewApplications
            ),
            (
                Severity::Warning,
                FindingKind::CertificateMissing("Reporting Portal (client secret only)".into()),
                FindingAction::ReviewApplications
            ),
            (
                Severity::Notice,
                FindingKind::SharedThrottling(4),
                FindingAction::ReviewApplications
            ),
        ]
    );
    assert!(report.needs_attention());
}

#[test]
fn the_backup_servers_standing_feeds_the_report() {
    use backup_accounts::model::health::{
        FindingAction, FindingKind, HealthInputs, HealthReport, Severity,
    };
    use backup_accounts::model::server_pool::{PoolComparison, ServerFacts, ServerStanding};
    let directory = demo();
    let selections = BTreeMap::from([(
        CONTOSO.into(),
        OrganizationSelection {
            group_id: HELPDESK_GROUP.into(),
            group_name: "IT Helpdesk".to_owned(),
            accounts: vec!["carol@contoso.com".to_owned()],
            passwords: BTreeMap::new(),
        },
    )]);
    let app = "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10".to_owned();
    let standings = BTreeMap::from([
        (
            CONTOSO.into(),
            ServerStanding::Pool {
                added_by: Some("someone-else@contoso.com".to_owned()),
                comparison: PoolComparison::new(
                    &["carol@contoso.com".to_owned()],
                    Some("IT Helpdesk"),
                    &[("heidi@contoso.com".to_owned(), "IT Helpdesk".to_owned())],
                ),
            },
        ),
        (
            FABRIKAM.into(),
            ServerStanding::AppOnly {
                added_with_application: None,
                applications: Vec::new(),
            },
        ),
        (
            NORTHWIND.into(),
            ServerStanding::AppOnly {
                added_with_application: Some(app.clone()),
                applications: vec![
                    (app.clone(), "Veeam Backup".to_owned()),
                    (
                        "11111111-2222-4333-8444-555555555555".to_owned(),
                        "Old".to_owned(),
                    ),
                ],
            },
        ),
    ]);
    let report = |server: &ServerFacts| {
        HealthReport::compute(&HealthInputs {
            directory: &directory,
            selections: &selections,
            pending_review: &Default::default(),
            missing_secrets: None,
            now: jiff::Timestamp::now(),
            max_age_days: 90,
            application_pools: &BTreeMap::new(),
            server: Some(server),
        })
    };
    let server_findings = |server: &ServerFacts| -> Vec<_> {
        report(server)
            .findings()
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::ServerPoolDiffers(_)
                        | FindingKind::ServerUnreachable(_)
                        | FindingKind::ServerSettingsDiffer { .. }
                        | FindingKind::ServerSharedThrottling { .. }
                )
            })
            .map(|f| {
                (
                    f.organization_id.clone(),
                    f.severity,
                    f.kind.clone(),
                    f.action(),
                )
            })
            .collect()
    };
    let read = ServerFacts {
        server: "vbo.example.com:4443".to_owned(),
        read_at: jiff::Timestamp::now(),
        standings: Ok(standings),
    };
    let mut found = server_findings(&read);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        [
            (
                CONTOSO.into(),
                Severity::Warning,
                FindingKind::ServerSettingsDiffer {
                    saved: "added by admin@contoso.onmicrosoft.com".to_owned(),
                    server: "added by someone-else@contoso.com".to_owned(),
                },
                FindingAction::EditSettings
            ),
            (
                CONTOSO.into(),
                Severity::Warning,
                FindingKind::ServerPoolDiffers(
                    "only on the server: heidi@contoso.com; only saved: carol@contoso.com"
                        .to_owned()
                ),
                FindingAction::ApplyToServer
            ),
            (
                FABRIKAM.into(),
                Severity::Warning,
                FindingKind::ServerSettingsDiffer {
                    saved: "Modern authentication (legacy protocols allowed)".to_owned(),
                    server: "Modern app-only authentication".to_owned(),
                },
                FindingAction::EditSettings
            ),
            (
                NORTHWIND.into(),
                Severity::Notice,
                FindingKind::ServerSharedThrottling {
                    count: 2,
                    keep: Some(app)
                },
                FindingAction::RemoveServerApplications
            ),
        ]
    );

    let unreachable = ServerFacts::unreadable("vbo.example.com:4443", "refused".to_owned());
    assert_eq!(
        server_findings(&unreachable),
        [(
            CONTOSO.into(),
            Severity::Warning,
            FindingKind::ServerUnreachable("refused".to_owned()),
            FindingAction::ConnectToServer
        )],
        "only organizations with a saved pool depend on the server"
    );
}
