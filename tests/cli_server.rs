//! `backup-accounts server ...` and `settings`, run as the built binary against a real local
//! HTTPS server speaking the backup server's REST API v8 (`tests/common/vb365_server.rs`) and
//! the real Secret Service: the certificate question, pinning, a root from `SSL_CERT_FILE`,
//! diff, the consent for removals, apply with the keyring's passwords, status, disconnect;
//! and an imported organization that waits for its settings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use backup_accounts::store::vb365::Fingerprint;
use common::vb365_server::{
    Identity, PoolEntry, STACK_TRACE_MARKER, Vb365Server, state_from_directory,
};
use serde_json::Value;

const USER: &str = "CONTOSO\\svc-backup";
const SERVER_PASSWORD: &str = "Vbo-Rest-Pa55!";
const SECRET_CAROL: &str = "Carol-Server-Secret-1";
const SECRET_HEIDI: &str = "Heidi-Server-Secret-2";
const CONTOSO_ON_SERVER: &str = "00000000-0000-4000-8000-000000000000";

fn cli(config: &Path) -> Command {
    let mut command = Command::cargo_bin("backup-accounts").unwrap();
    command.arg("--config-dir").arg(config);
    command
}

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("--json prints JSON")
}

fn keyring_has(service: &str, user: &str) -> bool {
    Process::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .unwrap()
        .status
        .success()
}

fn server_with_users(identity: &Identity) -> Vb365Server {
    let mut state = state_from_directory(&common::demo());
    state
        .users
        .insert(USER.to_owned(), SERVER_PASSWORD.to_owned());
    state.max_page = 2;
    Vb365Server::start(state, identity)
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn connect_pin_diff_apply_with_consent_status_and_disconnect() {
    let folder = tempfile::tempdir().unwrap();
    let identity = Identity::self_signed("VBO365 REST");
    let server = server_with_users(&identity);
    let mut printed = String::new();
    let mut run = |args: &[&str], stdin: &str, code: i32| {
        let output = cli(folder.path())
            .args(args)
            .write_stdin(stdin)
            .assert()
            .code(code)
            .get_output()
            .clone();
        printed.push_str(&String::from_utf8_lossy(&output.stdout));
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
        output
    };
    run(
        &[
            "apply",
            "contoso",
            "--group",
            "IT Helpdesk",
            "--account",
            "carol@contoso.com",
            "--account",
            "heidi@contoso.com",
            "--password-stdin",
        ],
        &format!("carol@contoso.com\t{SECRET_CAROL}\nheidi@contoso.com\t{SECRET_HEIDI}\n"),
        0,
    );
    {
        // The server's pool has someone the saved one does not.
        let mut state = server.state.lock().unwrap();
        let organization = state.organization_mut(CONTOSO_ON_SERVER);
        let group = organization
            .groups
            .iter()
            .find(|g| g.name == "IT Helpdesk")
            .unwrap();
        let outsider = group
            .members
            .iter()
            .find(|m| !["carol@contoso.com", "heidi@contoso.com"].contains(&m.as_str()))
            .unwrap()
            .clone();
        let group_id = group.id.clone();
        organization.pool = vec![PoolEntry {
            login: outsider,
            group_id,
            password: "server-side-secret".to_owned(),
        }];
    }

    // Without a terminal and without --pin, the certificate is shown and refused.
    let address = server.address();
    let fingerprint = Fingerprint::of(&identity.certificate_der).to_string();
    let refused = run(
        &["server", "connect", &address, "--user", USER],
        &format!("{SERVER_PASSWORD}\n"),
        8,
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&fingerprint) && stderr.contains("--pin"),
        "{stderr}"
    );
    assert!(
        server.state.lock().unwrap().requests.is_empty(),
        "nothing sent"
    );
    let config = std::fs::read_to_string(folder.path().join("config.ron")).unwrap();
    assert!(
        config.contains("backup_server: None"),
        "not saved: {config}"
    );

    // A wrong password: the likely causes, never the stack trace.
    let wrong = run(
        &[
            "server",
            "connect",
            &address,
            "--user",
            USER,
            "--pin",
            &fingerprint,
        ],
        "wrong-password\n",
        8,
    );
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("service account") && !stderr.contains(STACK_TRACE_MARKER),
        "{stderr}"
    );

    run(
        &[
            "server",
            "connect",
            &address,
            "--user",
            USER,
            "--pin",
            &fingerprint,
        ],
        &format!("{SERVER_PASSWORD}\n"),
        0,
    );
    let config = std::fs::read_to_string(folder.path().join("config.ron")).unwrap();
    assert!(
        config.contains(&address) && config.contains(&fingerprint),
        "{config}"
    );
    assert!(keyring_has(
        "backup-accounts-server",
        &format!("vb365/{address}")
    ));

    let diff = run(&["server", "diff", "contoso", "--json"], "", 0);
    let diff = json(&diff.stdout);
    assert_eq!(
        diff["add"],
        serde_json::json!(["carol@contoso.com", "heidi@contoso.com"])
    );
    assert_eq!(diff["remove"].as_array().unwrap().len(), 1);
    assert_eq!(diff["matches"], false);

    let without_consent = run(&["server", "apply", "contoso"], "", 3);
    assert!(String::from_utf8_lossy(&without_consent.stderr).contains("--yes"));
    assert_eq!(
        server.state.lock().unwrap().count("PUT "),
        0,
        "nothing sent without consent"
    );

    run(&["server", "apply", "contoso", "--yes"], "", 0);
    {
        let state = server.state.lock().unwrap();
        let pool = &state.organization(CONTOSO_ON_SERVER).pool;
        let sent: Vec<(&str, &str)> = pool
            .iter()
            .map(|e| (e.login.as_str(), e.password.as_str()))
            .collect();
        assert_eq!(
            sent,
            [
                ("carol@contoso.com", SECRET_CAROL),
                ("heidi@contoso.com", SECRET_HEIDI)
            ]
        );
    }
    let status = run(&["server", "status", "--json"], "", 0);
    let status = json(&status.stdout);
    let contoso = status
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "contoso")
        .unwrap();
    assert_eq!(contoso["pool"]["matches"], true, "{contoso}");
    let northwind = status
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "northwind")
        .unwrap();
    assert!(
        northwind["reason"].as_str().unwrap().contains("R1"),
        "{northwind}"
    );

    run(&["server", "disconnect"], "", 0);
    assert!(!keyring_has(
        "backup-accounts-server",
        &format!("vb365/{address}")
    ));
    let config = std::fs::read_to_string(folder.path().join("config.ron")).unwrap();
    assert!(!config.contains(&address), "{config}");
    run(&["server", "status"], "", 2);

    for secret in [
        SERVER_PASSWORD,
        SECRET_CAROL,
        SECRET_HEIDI,
        "server-side-secret",
        "refresh-",
        "access-",
    ] {
        assert!(!printed.contains(secret), "{secret} printed: {printed}");
        assert!(!config.contains(secret), "{secret} in config.ron");
    }
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn a_certificate_chaining_to_a_system_root_is_trusted_without_a_pin() {
    let folder = tempfile::tempdir().unwrap();
    let identity = Identity::signed_by_authority();
    let server = server_with_users(&identity);
    let roots = folder.path().join("roots.pem");
    std::fs::write(&roots, identity.authority_pem.as_ref().unwrap()).unwrap();
    cli(folder.path())
        .env("SSL_CERT_FILE", &roots)
        .args(["server", "connect", &server.address(), "--user", USER])
        .write_stdin(format!("{SERVER_PASSWORD}\n"))
        .assert()
        .success();
    let config = std::fs::read_to_string(folder.path().join("config.ron")).unwrap();
    assert!(config.contains("pinned_certificate: None"), "{config}");
    // Without that root, the same server is not trusted.
    std::fs::create_dir(folder.path().join("empty")).unwrap();
    cli(folder.path())
        .env("SSL_CERT_FILE", folder.path().join("no-such-file.pem"))
        .env("SSL_CERT_DIR", folder.path().join("empty"))
        .args(["server", "status"])
        .assert()
        .code(8)
        .stderr(predicates::str::contains("does not trust"));
    cli(folder.path())
        .args(["server", "disconnect"])
        .env("SSL_CERT_FILE", &roots)
        .assert()
        .success();
}

#[test]
fn an_imported_organization_waits_for_its_settings_and_gets_them_on_the_command_line() {
    let folder = tempfile::tempdir().unwrap();
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso");
    let tenant = "84841066-274d-4ec0-a5c1-276be684bdd3";
    let orgs = cli(folder.path())
        .arg("--directory")
        .arg(&export)
        .args(["orgs", "--json"])
        .assert()
        .success();
    let orgs = json(&orgs.get_output().stdout);
    let waiting = &orgs.as_array().unwrap()[0];
    assert_eq!(waiting["id"], tenant);
    assert_eq!(waiting["waiting_for_settings"], true);
    assert!(
        waiting["reason"]
            .as_str()
            .unwrap()
            .contains("backup-accounts settings")
    );

    cli(folder.path())
        .arg("--directory")
        .arg(&export)
        .args([
            "settings",
            tenant,
            "--authentication",
            "modern-legacy",
            "--added-by",
            "nobody@contoso.com",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a user"));
    cli(folder.path())
        .arg("--directory")
        .arg(&export)
        .args([
            "settings",
            tenant,
            "--authentication",
            "modern-legacy",
            "--added-by",
            "admin@contoso.onmicrosoft.com",
        ])
        .assert()
        .success();
    let orgs = cli(folder.path())
        .args(["orgs", "--json"])
        .assert()
        .success();
    let orgs = json(&orgs.get_output().stdout);
    let ready = &orgs.as_array().unwrap()[0];
    assert_eq!(ready["waiting_for_settings"], false);
    assert_eq!(ready["backup_accounts_apply"], true, "{ready}");
    assert_eq!(
        ready["authentication"],
        "Modern authentication (legacy protocols allowed)"
    );
}
