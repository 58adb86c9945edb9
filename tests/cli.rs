//! The command line, run as the built binary: every subcommand, `--json` parsed back, each
//! exit code, passwords piped on standard input and read back with `secret-tool`, the lock
//! refusal while a window is open, and no password on stdout, stderr or in the configuration.
// A panic is how a test reports a failure; a test that walks a whole procedure reads best
// top to bottom in one function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt as _;
use serde_json::Value;

const CONTOSO: &str = "contoso";
const SECRET_CAROL: &str = "Carol-Cli-Secret-1";
const SECRET_HEIDI: &str = "Heidi-Cli-Secret-2";

fn cli(config: &Path) -> Command {
    let mut command = Command::cargo_bin("backup-accounts").unwrap();
    command.arg("--config-dir").arg(config);
    command
}

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("--json prints JSON")
}

fn secret_tool_lookup(user: &str) -> Option<String> {
    let output = Process::new("secret-tool")
        .args(["lookup", "service", "backup-accounts", "username", user])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap())
}

#[test]
fn orgs_groups_and_plan_read_without_changing_anything() {
    let folder = tempfile::tempdir().unwrap();
    let orgs = cli(folder.path())
        .args(["orgs", "--json"])
        .assert()
        .success();
    let orgs = json(&orgs.get_output().stdout);
    let northwind = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "northwind")
        .unwrap();
    assert_eq!(northwind["backup_accounts_apply"], false, "R1");
    assert!(
        northwind["reason"]
            .as_str()
            .unwrap()
            .contains("Manage backup applications")
    );

    let groups = cli(folder.path())
        .args(["groups", CONTOSO, "--json"])
        .assert()
        .success();
    let groups = json(&groups.get_output().stdout);
    let rule_of = |name: &str| {
        groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()["rule"]
            .clone()
    };
    assert_eq!(rule_of("Backup Team (mail-enabled)"), "R2");
    assert_eq!(rule_of("All Users"), "R3");
    assert_eq!(rule_of("IT Helpdesk"), Value::Null);
    let filtered = cli(folder.path())
        .args(["groups", "Contoso Ltd", "--filter", "HELPDESK", "--json"])
        .assert()
        .success();
    assert_eq!(
        json(&filtered.get_output().stdout)
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let plan = cli(folder.path())
        .args([
            "plan",
            CONTOSO,
            "--group",
            "IT Helpdesk",
            "--all-eligible",
            "--json",
        ])
        .assert()
        .success();
    let plan = json(&plan.get_output().stdout);
    assert_eq!(plan["role_holders"], 3, "R4");
    assert_eq!(plan["applied"], false);
    assert_eq!(
        plan["passwords_needed"].as_array().unwrap().len(),
        plan["added"].as_array().unwrap().len()
    );
    assert!(
        std::fs::read_dir(folder.path())
            .unwrap()
            .all(|e| e.unwrap().file_name() != "config.ron"),
        "plan writes nothing"
    );
}

#[test]
fn exit_codes_say_what_kind_of_failure_it_was() {
    let folder = tempfile::tempdir().unwrap();
    // 2: bad usage.
    cli(folder.path())
        .args(["plan", "no-such-org", "--group", "x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("backup-accounts orgs"));
    cli(folder.path()).arg("frobnicate").assert().code(2);
    // An ambiguous name is refused with the candidates.
    let snapshot = folder.path().join("twins.ron");
    let twin = |id: &str| {
        format!(
            r#"(id: "{id}", name: "Twin", authentication: Basic, added_by: "a@{id}",
                users: [(upn: "a@{id}", display_name: "A")])"#
        )
    };
    std::fs::write(
        &snapshot,
        format!("(organizations: [{}, {}])", twin("one"), twin("two")),
    )
    .unwrap();
    cli(folder.path())
        .arg("--directory")
        .arg(&snapshot)
        .args(["accounts", "twin"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("one, two"));
    // 3: refused by a rule (R3), naming why.
    cli(folder.path())
        .args(["plan", CONTOSO, "--group", "All Users"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("dedicated security group"));
    // 3: R6 names the account.
    cli(folder.path())
        .args([
            "plan",
            CONTOSO,
            "--group",
            "SharePoint Backup Operators",
            "--account",
            "admin@contoso.onmicrosoft.com",
        ])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("admin@contoso.onmicrosoft.com"));
    // 1: anything else, here a configuration "folder" that is a file.
    let not_a_folder = folder.path().join("a-file");
    std::fs::write(&not_a_folder, "").unwrap();
    cli(&not_a_folder)
        .arg("orgs")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("a-file"));
    // 6: a broken configuration is reported with its position, never overwritten.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("config.ron"), "(schema_version: oops").unwrap();
    cli(broken.path())
        .arg("orgs")
        .assert()
        .code(6)
        .stderr(predicates::str::contains("config.ron:1:"));
    assert_eq!(
        std::fs::read_to_string(broken.path().join("config.ron")).unwrap(),
        "(schema_version: oops"
    );
    // 4: no Secret Service on the bus: the commit fails, nothing is written.
    cli(folder.path())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args([
            "apply",
            CONTOSO,
            "--group",
            "IT Helpdesk",
            "--account",
            "carol@contoso.com",
            "--password-stdin",
        ])
        .write_stdin(format!("carol@contoso.com\t{SECRET_CAROL}\n"))
        .assert()
        .code(4)
        .stderr(predicates::str::contains("keyring"));
    assert!(!folder.path().join("config.ron").exists());
}

#[test]
fn shell_completions_and_the_man_page_come_from_the_definitions() {
    let folder = tempfile::tempdir().unwrap();
    cli(folder.path())
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("backup-accounts").and(predicates::str::contains("apply")),
        );
    cli(folder.path()).arg("man").assert().success().stdout(
        predicates::str::contains(".TH")
            .and(predicates::str::contains("apply"))
            .and(predicates::str::contains("Exit codes")),
    );
}

/// The whole job by script against the real Secret Service: apply with passwords on stdin,
/// read them back, list, export, remove; no password is ever printed or saved in a file.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn apply_accounts_export_and_remove_against_the_real_secret_service() {
    let folder = tempfile::tempdir().unwrap();
    let mut printed = String::new();
    let mut run = |args: &[&str], stdin: Option<String>| {
        let mut command = cli(folder.path());
        command.args(args);
        if let Some(stdin) = stdin {
            command.write_stdin(stdin);
        }
        let output = command.output().unwrap();
        printed.push_str(&String::from_utf8_lossy(&output.stdout));
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
        output
    };
    let applied = run(
        &[
            "apply",
            CONTOSO,
            "--group",
            "IT Helpdesk",
            "--account",
            "carol@contoso.com",
            "--account",
            "heidi@contoso.com",
            "--password-stdin",
            "--json",
        ],
        Some(format!(
            "carol@contoso.com\t{SECRET_CAROL}\nheidi@contoso.com\t{SECRET_HEIDI}\n"
        )),
    );
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(json(&applied.stdout)["applied"], true);
    assert_eq!(
        secret_tool_lookup("contoso/carol@contoso.com").as_deref(),
        Some(SECRET_CAROL)
    );
    assert_eq!(
        secret_tool_lookup("contoso/heidi@contoso.com").as_deref(),
        Some(SECRET_HEIDI)
    );

    let accounts = run(&["accounts", CONTOSO, "--json"], None);
    let accounts = json(&accounts.stdout);
    let configured: Vec<(&str, &str)> = accounts["configured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["upn"].as_str().unwrap(), a["password"].as_str().unwrap()))
        .collect();
    assert_eq!(
        configured,
        [
            ("carol@contoso.com", "configured"),
            ("heidi@contoso.com", "configured")
        ]
    );

    // R7 names the account without a password; R14 wants --yes before removing.
    let missing = run(
        &[
            "apply",
            CONTOSO,
            "--group",
            "IT Helpdesk",
            "--account",
            "alice@contoso.com",
            "--password-stdin",
        ],
        Some(String::new()),
    );
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("R7: alice@contoso.com"));
    let unconsented = run(
        &[
            "apply",
            CONTOSO,
            "--group",
            "SharePoint Backup Operators",
            "--password-stdin",
        ],
        Some(String::new()),
    );
    assert_eq!(unconsented.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unconsented.stderr).contains("--yes"));

    let script = run(&["export", CONTOSO, "--format", "powershell"], None);
    let script = String::from_utf8(script.stdout).unwrap();
    for expected in [
        "$organizationName = 'Contoso Ltd'",
        "Get-VBOOrganization -Name $organizationName",
        "Get-VBOOrganizationGroupMember -Group $group",
        "Read-Host -AsSecureString",
        "New-VBOBackupAccount -SecurityGroupMember $member -Password $password",
        "Set-VBOOrganization -Organization $organization -BackupAccounts $backupAccounts",
        "'carol@contoso.com'",
        "'heidi@contoso.com'",
    ] {
        assert!(
            script.contains(expected),
            "{expected} missing from:\n{script}"
        );
    }

    let removed = run(&["remove", CONTOSO, "heidi@contoso.com"], None);
    assert!(removed.status.success());
    assert_eq!(secret_tool_lookup("contoso/heidi@contoso.com"), None);
    assert!(secret_tool_lookup("contoso/carol@contoso.com").is_some());

    run(&["remove", CONTOSO, "carol@contoso.com"], None);
    assert_eq!(secret_tool_lookup("contoso/carol@contoso.com"), None);
    for secret in [SECRET_CAROL, SECRET_HEIDI] {
        assert!(!printed.contains(secret), "printed: {printed}");
        for entry in std::fs::read_dir(folder.path()).unwrap() {
            let path = entry.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(
                !text.contains(secret),
                "{} holds a password",
                path.display()
            );
        }
    }
}

/// True when process `pid` holds a write lock on `file`, as `/proc/locks` lists it.
fn holds_write_lock(pid: u32, file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(metadata) = std::fs::metadata(file) else {
        return false;
    };
    let inode = format!(":{}", metadata.ino());
    let pid = pid.to_string();
    std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.contains(&"WRITE")
                && fields.contains(&pid.as_str())
                && fields.iter().any(|f| f.ends_with(&inode))
        })
}

/// While a window holds the configuration folder, commands that write refuse (exit 5) and
/// commands that only read still work.
#[test]
#[ignore = "needs an X display and a Secret Service: run scripts/test"]
fn with_a_window_open_writing_commands_refuse_and_reading_ones_work() {
    let folder = tempfile::tempdir().unwrap();
    let mut window = Process::new(env!("CARGO_BIN_EXE_backup-accounts"))
        .arg("--config-dir")
        .arg(folder.path())
        .spawn()
        .unwrap();
    // The window holds the lock once /proc/locks lists its write lock on the lock file;
    // probing by taking the lock would race with the window taking it.
    let started = std::time::Instant::now();
    while !holds_write_lock(window.id(), &folder.path().join(".backup-accounts.lock")) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the window never locked the folder"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    cli(folder.path())
        .args([
            "apply",
            CONTOSO,
            "--group",
            "IT Helpdesk",
            "--account",
            "carol@contoso.com",
            "--password-stdin",
        ])
        .write_stdin(format!("carol@contoso.com\t{SECRET_CAROL}\n"))
        .assert()
        .code(5)
        .stderr(predicates::str::contains("Another Backup Accounts window"));
    cli(folder.path()).arg("orgs").assert().success();
    window.kill().unwrap();
    window.wait().unwrap();
    assert_eq!(secret_tool_lookup("contoso/carol@contoso.com"), None);
}
