//! `backup-accounts sync`, the built binary against the local Microsoft Graph and identity
//! platform server (`tests/common/tenant_server.rs`) and the real Secret Service: a
//! device-code sign-in at the terminal reads the whole tenant, its settings are given on the
//! command line, then a sync with the saved refresh token reads only the changes; `--json`
//! progress lines are parsed back, their totals from Graph's `$count`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// One story, sign-in to delta sync, told in order.
#![allow(clippy::too_many_lines)]

mod common;

use std::sync::atomic::Ordering;

use assert_cmd::Command;
use backup_accounts::store::config::GraphSettings;
use backup_accounts::store::{Config, ConfigFile};
use common::tenant_server::{Tenant, TenantServer};
use serde_json::Value;

fn cli(config: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("backup-accounts").unwrap();
    command.arg("--config-dir").arg(config);
    command
}

/// Every line of `output` parsed as JSON (each must be).
fn json_lines(output: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn sync_signs_in_reads_everything_then_only_the_changes_with_json_progress() {
    let server = TenantServer::start(Tenant::contoso(), 2);
    let folder = tempfile::tempdir().unwrap();
    let config = Config {
        graph: GraphSettings {
            login_url: Some(server.base.clone()),
            graph_url: Some(server.base.clone()),
            ..GraphSettings::default()
        },
        ..Config::default()
    };
    ConfigFile::in_folder(folder.path()).save(&config).unwrap();

    // Nothing synced yet: a plain sync says how to start.
    let refused = cli(folder.path())
        .arg("sync")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("sync --sign-in"));

    // The code is shown on standard error; the server approves after two polls.
    let first = cli(folder.path())
        .args(["--json", "sync", "--sign-in"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&first.stderr).contains("ABCD-EFGH"));
    let lines = json_lines(&first.stdout);
    let done = lines.last().unwrap();
    assert_eq!(done["event"], "done");
    assert_eq!(done["kind"], "full");
    assert_eq!(done["waiting_for_settings"], true);
    let tenant = done["tenant"].as_str().unwrap().to_owned();
    let folder_of_snapshot = done["folder"].as_str().unwrap().to_owned();

    cli(folder.path())
        .args(["--directory", &folder_of_snapshot, "settings", &tenant])
        .args([
            "--authentication",
            "basic",
            "--added-by",
            "alice@contoso.com",
        ])
        .assert()
        .success();

    // Slow answers, so progress lines are printed while the changes are read.
    server.change(|t| t.rename_user("u2", "Bob Renamed"));
    server.faults.delay_ms.store(400, Ordering::Relaxed);
    let second = cli(folder.path())
        .args(["--json", "sync", &tenant])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines = json_lines(&second.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "progress" && l["phase"] == "delta"),
        "{lines:?}"
    );
    let done = lines.last().unwrap();
    assert_eq!(done["kind"], "delta");
    assert_eq!(done["waiting_for_settings"], false);
    assert_eq!(server.count("/devicecode"), 1, "the refresh token was used");

    // A whole read again (`--sign-in`): its progress lines carry the `$count` totals.
    server.faults.delay_ms.store(150, Ordering::Relaxed);
    let third = cli(folder.path())
        .args(["--json", "sync", "--sign-in"])
        .assert()
        .success()
        .get_output()
        .clone();
    let progress: Vec<Value> = json_lines(&third.stdout)
        .into_iter()
        .filter(|l| l["event"] == "progress" && l["users"]["total"].is_u64())
        .collect();
    let users = Tenant::contoso().users().count() as u64;
    assert!(
        !progress.is_empty() && progress.iter().all(|l| l["users"]["total"] == users),
        "{progress:?}"
    );
    let _ = std::process::Command::new("secret-tool")
        .args([
            "clear",
            "service",
            "backup-accounts-graph",
            "username",
            &tenant,
        ])
        .status();
}
