//! The released binary in a real X window (Xvfb, started by `scripts/test`): it opens,
//! closes through the window system, exits cleanly and leaves the configuration intact.
#![cfg(target_os = "linux")]
// A panic is how a test reports a failure; a test that walks a whole procedure reads best
// top to bottom in one function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod common;

use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, Window,
};

const CONFIG: &str = r#"(
    schema_version: 1,
    directory: Demo,
    organizations: {
        "contoso": (
            group_id: "3f1c2a9e-0003-4c6b-9d1a-contoso00003",
            group_name: "IT Helpdesk",
            accounts: ["carol@contoso.com"],
        ),
    },
)
"#;

/// One real window at a time: the tests find windows by title on the one X display, and the
/// AT-SPI test finds the application by name.
static ONE_WINDOW_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_window_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct KillOnDrop(Child);

/// A process and everything it started (its process group), stopped on drop: the AT-SPI
/// bus launcher leaves its dbus-daemon behind otherwise.
struct StopGroupOnDrop(Child);

impl Drop for StopGroupOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn atom(connection: &impl x11rb::connection::Connection, name: &str) -> u32 {
    connection
        .intern_atom(false, name.as_bytes())
        .unwrap()
        .reply()
        .unwrap()
        .atom
}

fn property(connection: &impl x11rb::connection::Connection, window: Window, name: u32) -> Vec<u8> {
    connection
        .get_property(false, window, name, AtomEnum::ANY, 0, u32::MAX / 4)
        .unwrap()
        .reply()
        .map(|r| r.value)
        .unwrap_or_default()
}

/// The top-level window whose title is `title`, waiting up to `timeout`.
fn find_window(
    connection: &impl x11rb::connection::Connection,
    root: Window,
    title: &str,
    timeout: Duration,
) -> Option<Window> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Some(&window) = windows_titled(connection, root, title).first() {
            return Some(window);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[test]
#[ignore = "needs an X display: run scripts/test"]
fn the_binary_opens_a_window_and_closes_cleanly_through_the_window_system() {
    let _one_window = one_window_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let config_path = folder.path().join("config.ron");
    std::fs::write(&config_path, CONFIG).unwrap();

    let (connection, screen) = x11rb::connect(None).expect("DISPLAY points at an X server");
    let root = connection.setup().roots[screen].root;
    let mut app = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_backup-accounts"))
            .arg("--config-dir")
            .arg(folder.path())
            .env("RUST_LOG", "backup_accounts=debug,warn")
            .spawn()
            .unwrap(),
    );
    let window = find_window(
        &connection,
        root,
        "Backup Accounts",
        Duration::from_secs(60),
    )
    .expect("the main window appears within 60 s");
    // The icon may be set a moment after the window is named.
    let started = Instant::now();
    let mut icon = Vec::new();
    while icon.len() <= 64 * 64 * 4 && started.elapsed() < Duration::from_secs(10) {
        icon = property(&connection, window, atom(&connection, "_NET_WM_ICON"));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        icon.len() > 64 * 64 * 4,
        "the window has the application icon"
    );

    // Ask it to close the way a window manager does: WM_DELETE_WINDOW.
    std::thread::sleep(Duration::from_millis(500));
    close_through_window_manager(&connection, window, &mut app.0);
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), CONFIG);
    assert!(
        folder.path().join("window.ron").exists(),
        "the window's size and position are remembered"
    );
}

/// The released binary on an AT-SPI desktop: its window, inventory and the Backup Accounts
/// Manager appear in the accessibility tree with their names, as Orca would read them.
#[test]
#[ignore = "needs an X display and at-spi2-core: run scripts/test"]
fn the_windows_appear_in_the_atspi_tree_with_their_names() {
    let _one_window = one_window_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let stdout = atspi_steps(
        folder.path(),
        &[],
        &[
            // The tree fills in as the first frames are drawn: wait for its last items.
            "wait:Northwind Traders (Modern app-only authentication)",
            "wait:Manage backup accounts of Contoso Ltd...",
            "dump",
            "click:Manage backup accounts of Contoso Ltd...",
            "wait:Select...",
            "wait:Cancel",
            "dump",
            "click:Select...",
            "wait:IT Helpdesk",
            "click:IT Helpdesk",
            // Add is enabled once the highlight has reached the app: wait for what it says.
            "wait:ℹ The entire group IT Helpdesk (3 users) will be granted the Site Collection Administrator role.",
            "click:Add",
            "wait:Password for carol@contoso.com: Not configured",
            "dump",
        ],
    );
    let dumps: Vec<&str> = stdout.split("--- dump").skip(1).collect();
    assert_eq!(dumps.len(), 3, "{stdout}");
    let main_window = dumps[0];
    for expected in [
        "frame\tBackup Accounts",
        "push button\tFile",
        "list box\tOrganizations",
        // An option of its list box: its position, its size and that it is selected.
        "list item\tContoso Ltd (Basic authentication)\tBasic authentication\t1/3\tselected",
        "list item\tNorthwind Traders (Modern app-only authentication)\tModern app-only authentication\t3/3\t",
        "push button\tManage backup accounts of Contoso Ltd...",
    ] {
        assert!(
            main_window.contains(expected),
            "{expected:?} missing in:\n{main_window}"
        );
    }
    let manager = dumps[1];
    for expected in [
        "Backup Accounts Manager",
        "push button\tSelect...",
        "push button\tOK",
        "push button\tCancel",
    ] {
        assert!(
            manager.contains(expected),
            "{expected:?} missing in:\n{manager}"
        );
    }
    let accounts = dumps[2];
    for expected in [
        "table\tSelect accounts and configure their passwords",
        "column header\tUse",
        "column header\tAccount",
        "column header\tPassword",
        "table cell\tPassword",
        "link\tPassword for carol@contoso.com: Not configured",
    ] {
        assert!(
            accounts.contains(expected),
            "{expected:?} missing in:\n{accounts}"
        );
    }
}

/// The released binary: the Backup Applications Manager opens from the context menu of the
/// app-only organization (the focus by AT-SPI, Shift+F10 as a real key press), and its
/// list and links reach the accessibility tree.
#[test]
#[ignore = "needs an X display and at-spi2-core: run scripts/test"]
fn the_backup_applications_manager_opens_from_the_context_menu() {
    let _one_window = one_window_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let northwind = "Northwind Traders (Modern app-only authentication)";
    let stdout = atspi_steps(
        folder.path(),
        &[],
        &[
            &format!("wait:{northwind}"),
            &format!("focus:{northwind}"),
            "keys:shift+F10",
            "wait:Manage backup applications...",
            "click:Manage backup applications...",
            "wait:Certificate for Veeam Backup for Microsoft 365: Not configured",
            "dump",
        ],
    );
    for expected in [
        "Backup Applications Manager",
        "table\tBackup applications",
        "column header\tCertificate",
        "link\tCertificate for Veeam Backup for Microsoft 365: Not configured",
        "push button\tAdd...",
        "push button\tOK, save the backup applications",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing in:\n{stdout}"
        );
    }
}

/// The released binary signs in and syncs against a local server that answers as the
/// identity platform and Graph do (their URLs given by the environment): the code appears,
/// and the synced tenant, new to the app, asks for its settings.
#[test]
#[ignore = "needs an X display, at-spi2-core and a Secret Service: run scripts/test"]
fn the_binary_signs_in_and_syncs_against_a_local_graph() {
    let _one_window = one_window_at_a_time();
    let server =
        common::tenant_server::TenantServer::start(common::tenant_server::Tenant::contoso(), 1);
    let base = server.base.clone();
    let folder = tempfile::tempdir().unwrap();
    let urls = [
        ("BACKUP_ACCOUNTS_LOGIN_URL", base.as_str()),
        ("BACKUP_ACCOUNTS_GRAPH_URL", base.as_str()),
    ];
    let stdout = atspi_steps(
        folder.path(),
        &urls,
        &[
            "wait:Northwind Traders (Modern app-only authentication)",
            "click:File",
            "wait:Sign in to Microsoft 365...",
            "click:Sign in to Microsoft 365...",
            "wait:ABCD-EFGH",
            "wait:Organization Settings",
            "dump",
        ],
    );
    assert!(
        stdout.contains("OK, save the organization settings"),
        "{stdout}"
    );
    assert_eq!(server.count("/devicecode"), 1);
    assert_eq!(server.count("POST /v1.0/$batch"), 1);
    let snapshot = folder.path().join("tenants/tenant-1");
    assert!(
        snapshot.join("members/g-ops.json").is_file(),
        "the snapshot is in the configuration folder"
    );
    assert!(
        snapshot.join("delta.json").is_file(),
        "with the delta links of the next sync"
    );
    // The refresh token went to the session's real keyring; it goes again.
    let _ = Command::new("secret-tool")
        .args([
            "clear",
            "service",
            "backup-accounts-graph",
            "username",
            "tenant-1",
        ])
        .status();
}

/// Starts the binary (its configuration in `folder`, `environment` added) on an AT-SPI bus,
/// drives it through `tests/atspi/dump_tree.py` with `steps`, and returns what the script
/// printed; the script must succeed. The app and the bus stop on return.
fn atspi_steps(folder: &std::path::Path, environment: &[(&str, &str)], steps: &[&str]) -> String {
    let _bus = start_atspi_bus();
    let _app = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_backup-accounts"))
            .arg("--config-dir")
            .arg(folder)
            .env("RUST_LOG", "warn")
            .envs(environment.iter().copied())
            .spawn()
            .unwrap(),
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/atspi/dump_tree.py");
    let output = Command::new("/usr/bin/python3")
        .arg(script)
        .arg("backup-accounts")
        .args(steps)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Starts an AT-SPI bus and says a screen reader runs, as Orca does; AccessKit waits for it.
fn start_atspi_bus() -> StopGroupOnDrop {
    let bus = StopGroupOnDrop(
        Command::new("/usr/libexec/at-spi-bus-launcher")
            .arg("--launch-immediately")
            .process_group(0)
            .spawn()
            .expect("at-spi2-core is installed"),
    );
    std::thread::sleep(Duration::from_millis(500));
    for property in ["IsEnabled", "ScreenReaderEnabled"] {
        let status = Command::new("gdbus")
            .args([
                "call",
                "--session",
                "--dest",
                "org.a11y.Bus",
                "--object-path",
                "/org/a11y/bus",
                "--method",
                "org.freedesktop.DBus.Properties.Set",
                "org.a11y.Status",
                property,
                "<true>",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "could not set {property}");
    }
    bus
}

/// A notice is a live region: after a reload that revokes (here a directory changed while
/// the app was closed), *Revoke these accounts* is clicked through AT-SPI and the revocation
/// notice reaches the screen reader as a polite announcement.
#[test]
#[ignore = "needs an X display, at-spi2-core and a Secret Service: run scripts/test"]
fn a_revocation_notice_is_announced_to_screen_readers() {
    let _one_window = one_window_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY;
    std::fs::write(&snapshot, demo).unwrap();
    let binary = env!("CARGO_BIN_EXE_backup-accounts");
    let mut apply = Command::new(binary)
        .arg("--config-dir")
        .arg(folder.path())
        .arg("--directory")
        .arg(&snapshot)
        .args([
            "apply",
            "contoso",
            "--group",
            "IT Helpdesk",
            "--account",
            "carol@contoso.com",
            "--account",
            "heidi@contoso.com",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = apply.stdin.take().unwrap();
        stdin
            .write_all(b"carol@contoso.com\tc-pass\nheidi@contoso.com\th-pass\n")
            .unwrap();
    }
    assert!(apply.wait().unwrap().success());
    // Heidi leaves IT Helpdesk while the app is closed.
    std::fs::write(
        &snapshot,
        common::edited(
            demo,
            &[(
                r#"members: [User("carol@contoso.com"), User("heidi@contoso.com"), User("alice@contoso.com")]"#,
                r#"members: [User("carol@contoso.com"), User("alice@contoso.com")]"#,
            )],
        ),
    )
    .unwrap();

    let _bus = start_atspi_bus();
    let _app = KillOnDrop(
        Command::new(binary)
            .arg("--config-dir")
            .arg(folder.path())
            .arg("--directory")
            .arg(&snapshot)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/atspi/announcements.py");
    let output = Command::new("/usr/bin/python3")
        .args([script, "backup-accounts", "Revoke these accounts", "6"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with("announcement\t1\t")
                && line.contains("heidi@contoso.com left IT Helpdesk")),
        "no polite announcement of the revocation:\n{stdout}"
    );
    let _ = Command::new("secret-tool")
        .args([
            "clear",
            "service",
            "backup-accounts",
            "username",
            "contoso/carol@contoso.com",
        ])
        .status();
}

/// Every top-level window titled `title`.
fn windows_titled(
    connection: &impl x11rb::connection::Connection,
    root: Window,
    title: &str,
) -> Vec<Window> {
    let net_wm_name = atom(connection, "_NET_WM_NAME");
    let tree = connection.query_tree(root).unwrap().reply().unwrap();
    tree.children
        .into_iter()
        .filter(|&window| {
            [net_wm_name, u32::from(AtomEnum::WM_NAME)]
                .into_iter()
                .any(|name| property(connection, window, name) == title.as_bytes())
        })
        .collect()
}

/// Closes `window` the way a window manager does and waits for a clean exit.
fn close_through_window_manager(
    connection: &impl x11rb::connection::Connection,
    window: Window,
    app: &mut Child,
) {
    let event = ClientMessageEvent::new(
        32,
        window,
        atom(connection, "WM_PROTOCOLS"),
        [atom(connection, "WM_DELETE_WINDOW"), 0, 0, 0, 0],
    );
    connection
        .send_event(false, window, EventMask::NO_EVENT, event)
        .unwrap();
    connection.flush().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = app.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no exit");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status}");
}

/// Every file in `folder`, with its modification time.
fn files_in(folder: &std::path::Path) -> Vec<(String, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The configuration folder is created 0700 and the files in it are 0600; a read-only
/// second instance writes nothing (not even `window.ron`); without `RUST_LOG` only warnings
/// of other crates reach the terminal.
#[test]
#[ignore = "needs an X display: run scripts/test"]
fn files_are_private_a_second_instance_writes_nothing_and_the_log_is_quiet() {
    let _one_window = one_window_at_a_time();
    let scratch = tempfile::tempdir().unwrap();
    let folder = scratch.path().join("config");
    let (connection, screen) = x11rb::connect(None).expect("DISPLAY points at an X server");
    let root = connection.setup().roots[screen].root;
    let start = |stderr: &std::path::Path| {
        KillOnDrop(
            Command::new(env!("CARGO_BIN_EXE_backup-accounts"))
                .arg("--config-dir")
                .arg(&folder)
                .env_remove("RUST_LOG")
                .stderr(std::fs::File::create(stderr).unwrap())
                .spawn()
                .unwrap(),
        )
    };
    let wait_for_windows = |count: usize| {
        let started = Instant::now();
        loop {
            let windows = windows_titled(&connection, root, "Backup Accounts");
            if windows.len() >= count {
                return windows;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "no window");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let first_log = scratch.path().join("first.log");
    let mut first = start(&first_log);
    let first_window = wait_for_windows(1)[0];
    assert_eq!(mode(&folder), 0o700, "the configuration folder");
    assert_eq!(mode(&folder.join(".backup-accounts.lock")), 0o600);
    let geometry = folder.join("window.ron");
    assert_eq!(mode(&geometry), 0o600, "window.ron");
    std::thread::sleep(Duration::from_millis(500));
    close_through_window_manager(&connection, first_window, &mut first.0);
    let remembered = std::fs::read(&geometry).unwrap();
    assert!(
        !remembered.is_empty(),
        "the first instance saved its geometry"
    );
    assert_eq!(mode(&geometry), 0o600, "window.ron once written");
    let files_before = files_in(&folder);

    // Another instance (this test) holds the folder: the app opens read-only.
    let _held = backup_accounts::store::InstanceLock::acquire(&folder).unwrap();
    let mut second = start(&scratch.path().join("second.log"));
    let second_window = wait_for_windows(1)[0];
    std::thread::sleep(Duration::from_millis(500));
    close_through_window_manager(&connection, second_window, &mut second.0);
    assert_eq!(
        std::fs::read(&geometry).unwrap(),
        remembered,
        "the read-only instance wrote window.ron"
    );
    assert_eq!(files_in(&folder), files_before, "it wrote no file");
    let log = std::fs::read_to_string(&first_log).unwrap();
    for line in log.lines() {
        let is_chatter = [" INFO ", " DEBUG ", " TRACE "]
            .iter()
            .any(|level| line.contains(level));
        assert!(
            !is_chatter || line.contains(" backup_accounts"),
            "without RUST_LOG, other crates log warnings only: {line}"
        );
    }
}

/// The released binary against the local backup server (HTTPS, pinned self-signed
/// certificate), with the session and Carol's password in the real Secret Service: the
/// details pane shows the drift read on a worker, Apply asks for consent to remove Heidi and
/// sends Carol's password from the keyring; the pane then says the pools match.
#[test]
#[ignore = "needs an X display, at-spi2-core and a Secret Service: run scripts/test"]
fn the_binary_shows_the_backup_servers_drift_and_applies_the_keyrings_password() {
    use backup_accounts::model::Password;
    use backup_accounts::store::{KeyringSecrets, SecretStore};
    use common::vb365_server::{Identity, PoolEntry, Vb365Server, state_from_directory};

    const USER: &str = "CONTOSO\\svc-backup";
    const SERVER_PASSWORD: &str = "Real-Window-Server-Pa55";
    const CAROL_SECRET: &str = "Carol-Real-Keyring-Secret-3";
    let _one_window = one_window_at_a_time();
    let folder = tempfile::tempdir().unwrap();
    let secrets: std::sync::Arc<dyn SecretStore> =
        std::sync::Arc::new(KeyringSecrets::platform().unwrap());

    let mut server_state = state_from_directory(&common::demo());
    server_state
        .users
        .insert(USER.to_owned(), SERVER_PASSWORD.to_owned());
    let contoso = server_state.organization_mut("00000000-0000-4000-8000-000000000000");
    let helpdesk = contoso
        .groups
        .iter()
        .find(|g| g.name == "IT Helpdesk")
        .unwrap();
    contoso.pool = vec![PoolEntry {
        login: "heidi@contoso.com".to_owned(),
        group_id: helpdesk.id.clone(),
        password: "server-side-secret".to_owned(),
    }];
    let identity = Identity::self_signed("VBO365 REST");
    let server = Vb365Server::start(server_state, &identity);
    {
        let options = backup_accounts::state::StartupOptions {
            config_dir: Some(folder.path().to_path_buf()),
            ..Default::default()
        };
        let mut state =
            backup_accounts::state::AppState::load(&options, Ok(secrets.clone())).unwrap();
        let mut draft = state.open_manager(common::CONTOSO).unwrap();
        draft.choose_group(common::HELPDESK_GROUP).unwrap();
        draft
            .set_password("carol@contoso.com", Password::new(CAROL_SECRET.to_owned()))
            .unwrap();
        common::commit(&mut state, &draft).unwrap();
        let settings = backup_accounts::store::vb365::connect(
            &server.address(),
            USER,
            &Password::new(SERVER_PASSWORD.to_owned()),
            Some(backup_accounts::store::vb365::Fingerprint::of(
                &identity.certificate_der,
            )),
            secrets.clone(),
        )
        .unwrap();
        state.save_backup_server(Some(settings)).unwrap();
    }
    atspi_steps(
        folder.path(),
        &[],
        &[
            "wait:On the backup server; its pool differs: only on the server: \
             heidi@contoso.com; only saved: carol@contoso.com.",
            "click:Apply to backup server...",
            "wait:Remove 1 account from the backup server's pool",
            "click:Remove 1 account from the backup server's pool",
            // The check box's frame is drawn before Apply is enabled.
            "dump",
            "click:Apply the saved pool to the backup server",
            "wait:On the backup server; its pool matches the saved selection (1 account).",
        ],
    );
    {
        let state = server.state.lock().unwrap();
        let pool = &state
            .organization("00000000-0000-4000-8000-000000000000")
            .pool;
        assert_eq!(pool.len(), 1, "{pool:?}");
        assert_eq!(pool[0].login, "carol@contoso.com");
        assert_eq!(pool[0].password, CAROL_SECRET, "from the real keyring");
        assert_eq!(state.count("PUT "), 1);
    }
    for (service, user) in [
        ("backup-accounts", "contoso/carol@contoso.com".to_owned()),
        (
            "backup-accounts-server",
            format!("vb365/{}", server.address()),
        ),
    ] {
        let _ = Command::new("secret-tool")
            .args(["clear", "service", service, "username", &user])
            .status();
    }
}
