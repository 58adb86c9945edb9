//! Faults and bad input: broken files, a second instance, no keyring. Nothing is lost.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::state::{AppState, StartupOptions};
use backup_accounts::store::{ConfigFile, SecretError};
use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

fn options(folder: &Path) -> StartupOptions {
    options_in(folder)
}

fn start(
    options: StartupOptions,
    secrets: backup_accounts::state::Secrets,
) -> Harness<'static, BackupAccountsApp> {
    start_app(options, secrets)
}

fn memory_keyring() -> backup_accounts::state::Secrets {
    Ok(Arc::new(MemorySecrets::default()))
}

fn files_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".backup-accounts.lock"))
        .collect();
    names.sort();
    names
}

/// Each kind of broken configuration, and where the error must point.
const BROKEN_CONFIGS: &[(&str, &[u8], &str)] = &[
    ("does not parse", b"(schema_version: 1,\n  organizations: {\n", ":2:19"),
    (
        "truncated",
        b"(\n    schema_version: 1,\n    directory: Demo,\n    organizations: {\n        \"contoso\": (\n            group_id: \"g",
        ":6:23",
    ),
    ("unknown field", b"(\n  schema_version: 1,\n  passwords: [],\n)", ":3:3"),
    ("newer schema", b"(\n  schema_version: 7,\n)", "schema version 7"),
    ("wrong type", b"(\n  schema_version: \"one\",\n)", ":2:19"),
    ("not UTF-8", b"(\n  schema_version: 1, // caf\xe9\n)", ":2:28"),
];

#[test]
fn a_broken_configuration_is_reported_and_can_be_kept_aside() {
    for (case, bytes, position) in BROKEN_CONFIGS {
        let folder = tempfile::tempdir().unwrap();
        let path = ConfigFile::in_folder(folder.path()).path().to_path_buf();
        std::fs::write(&path, bytes).unwrap();
        let mut harness = start(options(folder.path()), memory_keyring());

        let path_text = path.display().to_string();
        let texts: Vec<String> = harness
            .query_all_by_label_contains(&path_text)
            .map(|node| format!("{:?}", node.accesskit_node().value()))
            .collect();
        assert!(!texts.is_empty(), "{case}: the dialog names the file");
        assert!(
            texts.iter().any(|t| t.contains(position)),
            "{case}: {texts:?}"
        );
        assert_eq!(
            &std::fs::read(&path).unwrap(),
            bytes,
            "{case}: never overwritten"
        );
        assert!(
            harness.state().state().is_none(),
            "{case}: the main window waits"
        );

        harness
            .get_by_label("Keep the file aside and start")
            .click();
        harness.run();
        assert!(harness.state().state().is_some(), "{case}: started empty");
        let names = files_in(folder.path());
        assert_eq!(names.len(), 1, "{case}: {names:?}");
        assert!(
            names[0].starts_with("config.ron.broken-"),
            "{case}: {names:?}"
        );
        let kept = std::fs::read(folder.path().join(&names[0])).unwrap();
        assert_eq!(
            &kept, bytes,
            "{case}: the broken file is kept byte for byte"
        );
        assert!(harness.query_by_label_contains("moved aside").is_some());
    }
}

#[test]
fn quitting_from_the_error_dialog_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let path = ConfigFile::in_folder(folder.path()).path().to_path_buf();
    std::fs::write(&path, "(oops").unwrap();
    let mut harness = start(options(folder.path()), memory_keyring());
    harness.get_by_label("Quit").click();
    harness.run();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "(oops");
    assert_eq!(files_in(folder.path()), ["config.ron"]);
}

#[test]
fn a_broken_directory_snapshot_is_reported_and_can_be_kept_aside() {
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    std::fs::write(&snapshot, "(organizations: [(id: \"x\", name: 5)])").unwrap();
    let mut harness = start(
        StartupOptions {
            config_dir: Some(folder.path().join("config")),
            directory: Some(snapshot.clone()),
            ..Default::default()
        },
        memory_keyring(),
    );
    assert!(harness.query_by_label_contains("tenant.ron:1:").is_some());
    harness
        .get_by_label("Keep the file aside and start")
        .click();
    harness.run();
    let state = harness.state().state().expect("started");
    assert!(state.directory().organizations.is_empty());
    assert!(!snapshot.exists());
    assert!(
        files_in(folder.path())
            .iter()
            .any(|n| n.starts_with("tenant.ron.broken-"))
    );
    assert!(
        harness
            .query_by_label_contains("No directory is loaded")
            .is_some()
    );
}

#[test]
fn oversized_files_are_refused_unread() {
    let folder = tempfile::tempdir().unwrap();
    let path = ConfigFile::in_folder(folder.path()).path().to_path_buf();
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(backup_accounts::store::config::CONFIG_SIZE_LIMIT + 1)
        .unwrap();
    let error = AppState::load(&options(folder.path()), memory_keyring()).unwrap_err();
    assert!(
        error.to_string().contains("more than the 16777216 bytes"),
        "{error}"
    );
    assert_eq!(error.broken_file(), Some(path.as_path()));
}

#[test]
fn a_second_instance_is_read_only_and_says_why() {
    let folder = tempfile::tempdir().unwrap();
    let first = AppState::load(&options(folder.path()), memory_keyring()).unwrap();
    assert!(first.read_only_reason().is_none());

    let secrets = Arc::new(MemorySecrets::default());
    let mut second = start(options(folder.path()), Ok(secrets.clone()));
    let banner = second.state().banner_text().unwrap_or_default().to_owned();
    assert!(
        banner.contains("Another Backup Accounts window"),
        "{banner}"
    );
    // It can look, but OK refuses to save.
    second
        .get_by_label("Contoso Ltd (Basic authentication)")
        .click_secondary();
    second.run();
    second.get_by_label("Manage backup accounts...").click();
    second.run();
    second.get_by_label("Select...").click();
    second.run();
    second.get_by_label("IT Helpdesk").click();
    second.run();
    second.get_by_label("Add").click();
    second.run();
    second
        .get_by_label("Password for carol@contoso.com: Not configured")
        .click();
    second.run();
    second
        .get_by_role(egui::accesskit::Role::PasswordInput)
        .type_text("c-pass");
    second.run();
    second.key_press(egui::Key::Enter);
    second.run();
    second.get_by_label("OK").click();
    second.run();
    assert!(
        second
            .query_all_by_label_contains("This window is read-only")
            .count()
            >= 2,
        "the banner and the manager's error both say so"
    );
    assert!(secrets.keys().is_empty());
    assert!(!ConfigFile::in_folder(folder.path()).path().exists());

    // Once the first instance is gone, a new one may write.
    drop(first);
    drop(second);
    let third = AppState::load(&options(folder.path()), memory_keyring()).unwrap();
    assert!(third.read_only_reason().is_none());
}

#[test]
fn without_a_keyring_the_app_shows_it_once_and_stays_usable_for_viewing() {
    let folder = tempfile::tempdir().unwrap();
    let no_keyring = Err(SecretError::Unavailable {
        store: "Secret Service",
        detail: "org.freedesktop.DBus.Error.ServiceUnknown".into(),
    });
    let mut harness = start(options(folder.path()), no_keyring);
    let banner = harness.state().banner_text().unwrap_or_default().to_owned();
    assert!(
        banner.contains("Secret Service") && banner.contains("not save"),
        "{banner}"
    );
    assert_eq!(
        harness
            .query_all_by_label_contains("Secret Service")
            .count(),
        1,
        "shown once"
    );
    harness
        .get_by_label("Fabrikam Inc (Modern authentication (legacy protocols allowed))")
        .click();
    harness.run();
    assert!(
        harness
            .query_by_label_contains("svc-veeam@fabrikam.onmicrosoft.com")
            .is_some()
    );
    harness.get_by_label("Dismiss").click();
    harness.run();
    assert!(harness.state().banner_text().is_none());
}

/// Reruns the named test in a child process on a private D-Bus session (with `bus_config`
/// as its configuration when given) and checks the child passed. Returns `false` in the
/// child, where the test body should run.
fn in_private_session(test: &str, bus_config: Option<&str>) -> bool {
    const CHILD: &str = "BACKUP_ACCOUNTS_PRIVATE_SESSION_CHILD";
    if std::env::var_os(CHILD).is_some() {
        return false;
    }
    let config_file = tempfile::NamedTempFile::new().unwrap();
    // A runtime folder of its own: gnome-keyring finds a running daemon through it.
    let runtime = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new("dbus-run-session");
    if let Some(config) = bus_config {
        std::fs::write(config_file.path(), config).unwrap();
        command.arg("--config-file").arg(config_file.path());
    }
    let status = command
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", test, "--include-ignored", "--nocapture"])
        .env(CHILD, "1")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("GNOME_KEYRING_CONTROL")
        .env_remove("GNOME_KEYRING_PID")
        // Without a display, gnome-keyring's unlock prompt fails at once instead of
        // waiting for a click nobody will make.
        .env_remove("DISPLAY")
        .status()
        .unwrap();
    assert!(status.success(), "the child run of {test} failed");
    true
}

/// A session bus with nothing on it and no service activation (the standard session
/// configuration would start gnome-keyring on demand), so nothing answers for secrets.
const EMPTY_BUS: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

fn platform_keyring() -> backup_accounts::state::Secrets {
    backup_accounts::store::KeyringSecrets::platform()
        .map(|k| Arc::new(k) as Arc<dyn backup_accounts::store::SecretStore>)
}

/// Commits Carol of IT Helpdesk through the state and returns the error text.
fn commit_error(state: &mut AppState) -> String {
    let mut draft = state.open_manager(CONTOSO).unwrap();
    draft.choose_group(HELPDESK_GROUP).unwrap();
    draft
        .set_password(
            "carol@contoso.com",
            backup_accounts::model::Password::new("never-plain".into()),
        )
        .unwrap();
    common::commit(state, &draft).unwrap_err().to_string()
}

fn assert_nothing_written(folder: &Path) {
    assert!(!ConfigFile::in_folder(folder).path().exists());
    for name in files_in(folder) {
        let bytes = std::fs::read(folder.join(name)).unwrap();
        assert!(!bytes.windows(11).any(|w| w == b"never-plain"));
    }
}

/// Startup and saving with no Secret Service on the bus, through the real platform store.
#[test]
#[ignore = "needs D-Bus tools: run scripts/test"]
fn no_secret_service_on_the_bus_fails_the_commit_with_advice() {
    if in_private_session(
        "no_secret_service_on_the_bus_fails_the_commit_with_advice",
        Some(EMPTY_BUS),
    ) {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let mut state = AppState::load(&options(folder.path()), platform_keyring()).unwrap();
    let error = commit_error(&mut state);
    eprintln!("commit error without a Secret Service: {error}");
    assert!(error.contains("Secret Service"), "{error}");
    assert!(error.contains("Nothing was saved"), "{error}");
    assert_nothing_written(folder.path());
}

/// A locked collection: gnome-keyring runs, but its login collection is locked and no
/// unlock prompt can be answered.
#[test]
#[ignore = "needs gnome-keyring: run scripts/test"]
fn a_locked_keyring_fails_the_commit_and_says_to_unlock_it() {
    if in_private_session(
        "a_locked_keyring_fails_the_commit_and_says_to_unlock_it",
        None,
    ) {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut daemon = std::process::Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets", "--daemonize"])
        // Its own keyring files, never those of the session around this test.
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = daemon.stdin.take().unwrap();
        stdin.write_all(b"session-password").unwrap();
    }
    daemon.wait().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let keyring = platform_keyring();
    // An earlier secret exists, then the collection is locked.
    let key = backup_accounts::store::SecretKey::new(CONTOSO, "carol@contoso.com");
    keyring
        .as_ref()
        .unwrap()
        .write(&key, &backup_accounts::model::Password::new("old".into()))
        .unwrap();
    let locked = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--dest=org.freedesktop.secrets",
            "--type=method_call",
            "--print-reply",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .status()
        .unwrap();
    assert!(locked.success());
    let mut state = AppState::load(&options(folder.path()), keyring).unwrap();
    let error = commit_error(&mut state);
    eprintln!("commit error with a locked keyring: {error}");
    assert!(error.contains("Nothing was saved"), "{error}");
    assert!(error.contains("Secret Service"), "{error}");
    assert!(error.to_lowercase().contains("unlock"), "{error}");
    assert_nothing_written(folder.path());
}

/// File > Open and File > Import run the native dialog on a worker. Where no dialog backend
/// exists (no desktop portal on the session bus, no zenity on `PATH`), the app says so and
/// what to do, instead of silently doing nothing.
#[test]
#[ignore = "needs dbus-run-session: run scripts/test"]
fn without_a_file_dialog_backend_open_and_import_say_what_to_install() {
    const CHILD: &str = "BACKUP_ACCOUNTS_NO_DIALOG_BACKEND_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let config_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(config_file.path(), EMPTY_BUS).unwrap();
        let empty_path = tempfile::tempdir().unwrap();
        let installed = |name: &str| {
            ["/usr/bin", "/bin"]
                .into_iter()
                .map(|folder| Path::new(folder).join(name))
                .find(|path| path.exists())
                .unwrap()
        };
        let daemon = installed("dbus-daemon");
        // By path: PATH is empty in the child.
        let status = std::process::Command::new(installed("dbus-run-session"))
            .arg(format!("--dbus-daemon={}", daemon.display()))
            .arg("--config-file")
            .arg(config_file.path())
            .arg("--")
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "without_a_file_dialog_backend_open_and_import_say_what_to_install",
                "--include-ignored",
                "--nocapture",
            ])
            .env(CHILD, "1")
            // Nothing on PATH, so no zenity either.
            .env("PATH", empty_path.path())
            .status()
            .unwrap();
        assert!(status.success(), "the child run failed");
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let mut harness = start(options(folder.path()), memory_keyring());
    for menu_item in ["Open directory...", "Import directory..."] {
        harness.get_by_label("File").click();
        harness.run();
        harness.get_by_label_contains(menu_item).click();
        harness.run();
        let started = std::time::Instant::now();
        while harness.state().banner_text().is_none() {
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
            std::thread::sleep(std::time::Duration::from_millis(10));
            harness.step();
        }
        harness.run();
        let banner = harness.state().banner_text().unwrap().to_owned();
        assert!(
            banner.contains("No file dialog can be shown")
                && banner.contains("zenity")
                && banner.contains("--directory"),
            "{banner}"
        );
        harness.get_by_label("Dismiss").click();
        harness.run();
    }
}

/// Runs `work` on a thread and fails the test if it takes more than 10 s: reading a FIFO
/// nobody writes to would block for ever.
fn finishes_promptly<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(work()));
    receiver
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the file was opened and read instead of refused")
}

fn make_fifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Sizes and kinds are checked before any read: a FIFO in place of the configuration, a
/// snapshot or a Graph file is refused at once, never opened for a read that would block.
#[cfg(unix)]
#[test]
fn a_fifo_in_place_of_any_file_is_refused_unread() {
    let folder = tempfile::tempdir().unwrap();
    let config = ConfigFile::in_folder(folder.path()).path().to_path_buf();
    make_fifo(&config);
    let options = options(folder.path());
    let error = finishes_promptly(move || {
        AppState::load(&options, memory_keyring())
            .unwrap_err()
            .to_string()
    });
    assert!(error.contains("is not a regular file"), "{error}");
    std::fs::remove_file(&config).unwrap();

    let snapshot = folder.path().join("tenant.ron");
    make_fifo(&snapshot);
    let options = StartupOptions {
        directory: Some(snapshot),
        ..options_in(folder.path())
    };
    let error = finishes_promptly(move || {
        AppState::load(&options, memory_keyring())
            .unwrap_err()
            .to_string()
    });
    assert!(error.contains("is not a regular file"), "{error}");

    let export = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso");
    for name in ["organization.json", "groups.json", "mfa.json"] {
        std::fs::copy(sample.join(name), export.path().join(name)).unwrap();
    }
    make_fifo(&export.path().join("users.json"));
    let export_path = export.path().to_path_buf();
    let error = finishes_promptly(move || {
        backup_accounts::store::graph::import_folder(&export_path)
            .unwrap_err()
            .to_string()
    });
    assert!(
        error.contains("users.json is not a regular file"),
        "{error}"
    );
}
