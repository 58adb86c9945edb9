//! Issue 23: nothing the network, a file or a tenant user sends may hijack the app. One test
//! (or a few) per item of the issue, named after it; each fails while its hole is open.
//! The keyring items (5 and 6) are tested against the real Secret Service in
//! `tests/secret_service.rs`, the fuzz target (8) is replayed by `tests/fuzz_regressions.rs`.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use backup_accounts::cli::export::powershell_script;
use backup_accounts::model::Password;
use backup_accounts::store::graph::client::{
    GraphClient, GraphError, HttpAnswer, HttpRequest, PAGE_LIMIT, Transport, TransportError,
};
use backup_accounts::store::graph::signin::{
    HttpClient, SignInError, SignInSettings, start_sign_in,
};
use backup_accounts::store::graph::sync::sync;
use common::tenant_server::{Kind, ServerGroup, ServerUser, Tenant, TenantServer, user_id};

// ---- 1. The PowerShell export cannot be hijacked by tenant text ----------------------------

/// A piece of a PowerShell script, by PowerShell's quoting rules.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    /// Anything outside strings and comments.
    Code(String),
    /// A single-quoted string's value (quotes doubled inside undone).
    Single(String),
    /// A double-quoted string (where `$(...)` and backticks run), as written.
    Double(String),
    /// A comment, as written.
    Comment(String),
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

/// Splits a script as PowerShell's tokenizer does for quoting: single-quoted strings end at
/// any of the five single quotes unless doubled; double-quoted strings honour backticks;
/// `#` comments run to the end of the line (CR or LF), `<# #>` to their end.
fn tokenize(script: &str) -> Vec<Token> {
    let chars: Vec<char> = script.chars().collect();
    let mut tokens = Vec::new();
    let mut code = String::new();
    let mut at = 0;
    let flush = |code: &mut String, tokens: &mut Vec<Token>| {
        if !code.is_empty() {
            tokens.push(Token::Code(std::mem::take(code)));
        }
    };
    while at < chars.len() {
        let c = chars[at];
        if is_single_quote(c) {
            flush(&mut code, &mut tokens);
            let mut value = String::new();
            at += 1;
            loop {
                let Some(&c) = chars.get(at) else {
                    panic!("an unterminated single-quoted string in:\n{script}")
                };
                if is_single_quote(c) {
                    if chars.get(at + 1).is_some_and(|&n| is_single_quote(n)) {
                        value.push(c);
                        at += 2;
                        continue;
                    }
                    at += 1;
                    break;
                }
                value.push(c);
                at += 1;
            }
            tokens.push(Token::Single(value));
        } else if is_double_quote(c) {
            flush(&mut code, &mut tokens);
            let mut text = String::new();
            at += 1;
            while let Some(&c) = chars.get(at) {
                at += 1;
                if c == '`' {
                    text.extend(chars.get(at));
                    at += 1;
                } else if is_double_quote(c) {
                    break;
                } else {
                    text.push(c);
                }
            }
            tokens.push(Token::Double(text));
        } else if c == '<' && chars.get(at + 1) == Some(&'#') {
            flush(&mut code, &mut tokens);
            let mut text = String::new();
            while at < chars.len() && !(chars[at] == '>' && text.ends_with('#')) {
                text.push(chars[at]);
                at += 1;
            }
            at += 1;
            tokens.push(Token::Comment(text));
        } else if c == '#' {
            flush(&mut code, &mut tokens);
            let mut text = String::new();
            while at < chars.len() && chars[at] != '\n' && chars[at] != '\r' {
                text.push(chars[at]);
                at += 1;
            }
            tokens.push(Token::Comment(text));
        } else if c == '`' {
            code.push(c);
            code.extend(chars.get(at + 1));
            at += 2;
        } else {
            code.push(c);
            at += 1;
        }
    }
    flush(&mut code, &mut tokens);
    tokens
}

/// Names that would end a string, run a command or start a line in a careless script.
const HOSTILE_NAMES: [&str; 8] = [
    "x'; Remove-Item -Recurse C:\\; '",
    "x\u{2018}; Remove-Item -Recurse C:\\; \u{2018}",
    "x\u{2019}; Remove-Item -Recurse C:\\; \u{2019}",
    "x\u{201A}; Remove-Item -Recurse C:\\; \u{201A}",
    "x\u{201B}; Remove-Item -Recurse C:\\; \u{201B}",
    "$(Remove-Item -Recurse C:\\) and $env:USERNAME",
    "`$x` and \"quoted\" and \u{201C}smart\u{201D} and # not a comment <# nor this #>",
    "''''' '\u{2019}\u{2019}'",
];

#[test]
fn item_1_the_powershell_export_cannot_be_hijacked_by_tenant_text() {
    let placeholders = ["ORGANIZATION", "GROUP", "UPN-A", "UPN-B"];
    let benign = powershell_script(
        placeholders[0],
        placeholders[1],
        &[placeholders[2].to_owned(), placeholders[3].to_owned()],
    )
    .unwrap();
    let benign_tokens = tokenize(&benign);
    assert!(
        !benign_tokens.iter().any(|t| matches!(t, Token::Double(_))),
        "no double-quoted string at all: $(...) and backticks run there"
    );
    for (n, hostile) in HOSTILE_NAMES.iter().enumerate() {
        // Each name in each place, the others plain.
        let organization = *hostile;
        let group = HOSTILE_NAMES[(n + 1) % HOSTILE_NAMES.len()];
        let upns = [
            format!(
                "{}@contoso.com",
                HOSTILE_NAMES[(n + 2) % HOSTILE_NAMES.len()]
            ),
            format!("{hostile}@contoso.com"),
        ];
        let script = powershell_script(organization, group, &upns).unwrap();
        let tokens = tokenize(&script);
        assert_eq!(tokens.len(), benign_tokens.len(), "{script}");
        let value_of = |placeholder: &str| match placeholder {
            "ORGANIZATION" => organization.to_owned(),
            "GROUP" => group.to_owned(),
            "UPN-A" => upns[0].clone(),
            "UPN-B" => upns[1].clone(),
            other => other.to_owned(),
        };
        for (benign, token) in benign_tokens.iter().zip(&tokens) {
            match (benign, token) {
                // Every tenant string sits inside exactly one single-quoted token.
                (Token::Single(expected), Token::Single(value)) => {
                    assert_eq!(*value, value_of(expected), "{script}");
                }
                // Everything else is the same script, whatever the names.
                (expected, token) => assert_eq!(token, expected, "{script}"),
            }
        }
    }
}

#[test]
fn item_1_control_characters_in_tenant_text_are_refused_not_exported() {
    for bad in [
        "a\rb",
        "a\nb",
        "a\0b",
        "a\u{1b}[2Jb",
        "a\u{85}b",
        "a\u{202E}b",
    ] {
        for error in [
            powershell_script(bad, "Group", &["a@contoso.com".to_owned()]),
            powershell_script("Contoso", bad, &["a@contoso.com".to_owned()]),
            powershell_script("Contoso", "Group", &[format!("{bad}@contoso.com")]),
        ] {
            let error = error.unwrap_err().to_string();
            assert!(error.contains("control character"), "{error}");
            assert!(!error.contains(['\r', '\n', '\0', '\u{1b}']), "{error:?}");
        }
    }
}

/// The demo directory with Contoso renamed, and a saved selection of its backup operators
/// whose group name came from a group owner.
fn hostile_contoso(folder: &Path, organization_name: &str) -> std::path::PathBuf {
    let snapshot = folder.join("tenant.ron");
    let escaped = organization_name.replace('\\', "\\\\").replace('"', "\\\"");
    let demo = backup_accounts::store::snapshot::DEMO_DIRECTORY;
    let renamed = common::edited(
        demo,
        &[("name: \"Contoso Ltd\"", &format!("name: \"{escaped}\""))],
    );
    std::fs::write(&snapshot, renamed).unwrap();
    let mut config = backup_accounts::store::Config::default();
    config.organizations.insert(
        "contoso".into(),
        backup_accounts::model::OrganizationSelection {
            group_id: "3f1c2a9e-0001-4c6b-9d1a-contoso00001".into(),
            group_name: HOSTILE_NAMES[5].to_owned(),
            accounts: vec!["alice@contoso.com".to_owned()],
            passwords: BTreeMap::new(),
        },
    );
    backup_accounts::store::ConfigFile::in_folder(&folder.join("config"))
        .save(&config)
        .unwrap();
    snapshot
}

fn cli(folder: &Path, snapshot: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("backup-accounts").unwrap();
    command
        .arg("--config-dir")
        .arg(folder.join("config"))
        .arg("--directory")
        .arg(snapshot);
    command
}

#[test]
fn item_1_the_exported_script_of_a_hostile_tenant_keeps_its_names_in_literals() {
    let folder = tempfile::tempdir().unwrap();
    let snapshot = hostile_contoso(folder.path(), HOSTILE_NAMES[2]);
    let output = cli(folder.path(), &snapshot)
        .args(["export", "contoso", "--format", "powershell"])
        .assert()
        .success();
    let script = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    let literals: Vec<String> = tokenize(&script)
        .into_iter()
        .filter_map(|t| match t {
            Token::Single(value) => Some(value),
            _ => None,
        })
        .collect();
    for name in [HOSTILE_NAMES[2], HOSTILE_NAMES[5], "alice@contoso.com"] {
        assert!(literals.iter().any(|l| l == name), "{name} in:\n{script}");
    }
}

// ---- 2. A followed link never carries a token elsewhere ------------------------------------

/// A server that counts the connections it gets and answers none: where a hostile link
/// points.
struct Elsewhere {
    port: u16,
    connections: Arc<AtomicUsize>,
}

fn elsewhere() -> Elsewhere {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    Elsewhere { port, connections }
}

/// Contoso with 1,000 more users, all members of g-ops: a second page of users and of
/// g-ops's members, so that there are next links to follow.
fn big_contoso() -> Tenant {
    let mut tenant = Tenant::contoso();
    for n in 0..1_000 {
        let id = user_id(n + 100);
        tenant.add_user(ServerUser {
            id: id.clone(),
            upn: format!("user{n}@contoso.com"),
            display_name: format!("User {n}"),
            guest: false,
            enabled: true,
            mfa: false,
        });
        tenant.add_member("g-ops", Kind::User, &id);
    }
    tenant
}

/// Every file under `folder`, by path, with its bytes.
fn folder_bytes(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(folder).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn item_2_a_next_or_delta_link_to_another_server_stops_the_sync_and_nothing_goes_there() {
    for kind in ["users", "members", "delta"] {
        let server = TenantServer::start(big_contoso(), 2);
        let root = tempfile::tempdir().unwrap();
        let tenants = root.path().join("tenants");
        sync(&server.client(), &tenants, None).unwrap();
        let before = folder_bytes(root.path());
        let evil = elsewhere();
        // For the users' links, one that starts with the configured address, as a string
        // prefix check would accept: the parsed host is localhost on another port.
        let foreign = match kind {
            "users" => format!("{}@localhost:{}", server.base, evil.port),
            "members" => format!("http://127.0.0.1:{}", evil.port),
            _ => format!("http://localhost:{}", evil.port),
        };
        *server.faults.foreign_links.lock().unwrap() = Some((kind, foreign.clone()));
        let error = sync(&server.client(), &tenants, None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&foreign) && error.contains("not followed"),
            "{kind}: {error}"
        );
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(evil.connections.load(Ordering::SeqCst), 0, "{kind}");
        assert_eq!(folder_bytes(root.path()), before, "{kind}: snapshot kept");
    }
}

/// A page whose bytes hold another `@odata.nextLink` before its own (nested in an object)
/// makes the early request for the next page guess wrong: that answer is dropped and the
/// page's own link is read, so the users are the same as without the decoy.
#[test]
fn item_2_a_next_link_nested_before_the_pages_own_does_not_become_the_next_page() {
    let server = TenantServer::start(big_contoso(), 2);
    let users_of = |folder: &Path| {
        let tenant = backup_accounts::store::graph::import_folder(folder).unwrap();
        let mut upns: Vec<String> = tenant.user_upns().map(str::to_owned).collect();
        upns.sort();
        upns
    };
    let plain = tempfile::tempdir().unwrap();
    let expected = users_of(&sync(&server.client(), plain.path(), None).unwrap().folder);
    assert_eq!(expected.len(), 1_003, "two pages of users");
    server.faults.decoy_next_link.store(true, Ordering::Relaxed);
    server.clear_requests();
    let decoyed = tempfile::tempdir().unwrap();
    let summary = sync(&server.client(), decoyed.path(), None).unwrap();
    assert!(
        server.count("GET /v1.0/users?$skiptoken=1") >= 1,
        "the decoy was guessed"
    );
    assert_eq!(users_of(&summary.folder), expected);
}

#[test]
fn item_2_a_delta_link_read_back_from_delta_json_must_name_the_configured_graph() {
    let server = TenantServer::start(Tenant::contoso(), 2);
    let root = tempfile::tempdir().unwrap();
    let tenants = root.path().join("tenants");
    let summary = sync(&server.client(), &tenants, None).unwrap();
    let evil = elsewhere();
    let links = summary.folder.join("delta.json");
    let tampered = common::edited_everywhere(
        &std::fs::read_to_string(&links).unwrap(),
        &server.base,
        &format!("http://127.0.0.1:{}", evil.port),
    );
    std::fs::write(&links, tampered).unwrap();
    let before = folder_bytes(root.path());
    let error = sync(&server.client(), &tenants, Some(&summary.tenant_id))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("127.0.0.1:{}", evil.port)),
        "{error}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(evil.connections.load(Ordering::SeqCst), 0);
    assert_eq!(folder_bytes(root.path()), before);
}

#[test]
fn item_2_configured_urls_must_be_https_except_loopback() {
    let client = |base: &str| {
        GraphClient::new(
            base,
            Password::new("token".into()),
            Box::new(|| Err(GraphError::SignInAgain)),
            Arc::default(),
        )
    };
    let refused = client("http://graph.example.com").unwrap_err();
    assert!(refused.to_string().contains("https"), "{refused}");
    assert!(client("https://graph.microsoft.com").is_ok());
    assert!(client("http://127.0.0.1:9").is_ok());

    let settings = |login: &str, graph: &str| SignInSettings {
        login_base: login.to_owned(),
        graph_base: graph.to_owned(),
        ..settings_at(login)
    };
    let insecure_login = settings("http://login.example.com", "https://graph.microsoft.com");
    assert!(insecure_login.check().is_err());
    let error = start_sign_in(&insecure_login, HttpClient::default()).unwrap_err();
    assert!(matches!(error, SignInError::Insecure(_)), "{error}");
    assert!(
        settings(
            "https://login.microsoftonline.com",
            "http://graph.example.com"
        )
        .check()
        .is_err()
    );
}

/// Sign-in settings with both URLs at `base` (one local server plays both).
fn settings_at(base: &str) -> SignInSettings {
    SignInSettings {
        login_base: base.to_owned(),
        graph_base: base.to_owned(),
        tenant: "organizations".to_owned(),
        client_id: "client".to_owned(),
        mfa_report: false,
    }
}

/// A server that answers every request with `answer(path)`.
fn hostile_server(
    answer: impl Fn(&str) -> tiny_http::ResponseBox + Send + Sync + 'static,
) -> String {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let base = format!(
        "http://127.0.0.1:{}",
        server.server_addr().to_ip().unwrap().port()
    );
    let answer = Arc::new(answer);
    for _ in 0..4 {
        let (server, answer) = (server.clone(), answer.clone());
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let response = answer(request.url());
                let _ = request.respond(response);
            }
        });
    }
    base
}

fn json_answer(status: u16, body: String) -> tiny_http::ResponseBox {
    tiny_http::Response::from_string(body)
        .with_status_code(status)
        .with_header(tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap())
        .boxed()
}

/// A body that never ends, sent chunked.
fn endless(status: u16) -> tiny_http::ResponseBox {
    tiny_http::Response::new(
        tiny_http::StatusCode(status),
        vec![],
        Box::new(std::io::repeat(b' ')) as Box<dyn std::io::Read + Send>,
        None,
        None,
    )
}

#[test]
fn item_2_a_device_code_page_that_is_not_https_is_not_offered() {
    let base = hostile_server(|path| {
        if path.ends_with("/devicecode") {
            json_answer(
                200,
                r#"{"device_code":"D","user_code":"U","verification_uri":"file:///etc/passwd","expires_in":900,"interval":1}"#.to_owned(),
            )
        } else {
            json_answer(404, "{}".to_owned())
        }
    });
    let settings = settings_at(&base);
    let error = start_sign_in(&settings, HttpClient::default()).unwrap_err();
    assert!(matches!(error, SignInError::Insecure(_)), "{error}");
}

// ---- 3. Server ids never become paths -------------------------------------------------------

fn group_with_id(id: &str) -> ServerGroup {
    ServerGroup {
        id: id.to_owned(),
        display_name: "Planted".to_owned(),
        security_enabled: true,
        mail_enabled: false,
        group_types: vec![],
        membership_rule: None,
        members: vec![],
    }
}

#[test]
fn item_3_a_group_id_that_is_not_a_graph_id_fails_full_and_delta_syncs_and_keeps_the_snapshot() {
    for bad in ["../../escape", "a/b", "..", "x\\y", &"a".repeat(129)] {
        let server = TenantServer::start(Tenant::contoso(), 2);
        let root = tempfile::tempdir().unwrap();
        let tenants = root.path().join("tenants");
        let summary = sync(&server.client(), &tenants, None).unwrap();
        let before = folder_bytes(root.path());
        server.change(|tenant| tenant.add_group(group_with_id(bad)));
        // The delta round brings the new group; so does a full read.
        for known in [Some(summary.tenant_id.as_str()), None] {
            let error = sync(&server.client(), &tenants, known)
                .unwrap_err()
                .to_string();
            assert!(error.contains("not a Microsoft Graph id"), "{bad}: {error}");
            assert_eq!(folder_bytes(root.path()), before, "{bad}: snapshot kept");
        }
        assert_eq!(
            server.count("Planted") + server.count("escape"),
            0,
            "no request names the group"
        );
    }
}

// ---- 4. Bounded by design -------------------------------------------------------------------

fn bare_client(base: &str) -> GraphClient {
    GraphClient::new(
        base,
        Password::new("token".into()),
        Box::new(|| Err(GraphError::SignInAgain)),
        Arc::default(),
    )
    .unwrap()
}

/// Runs `work` on a thread and fails the test if it takes longer than `seconds`: an
/// unbounded read would never end.
fn within<T: Send + 'static>(seconds: u64, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(work()));
    receive
        .recv_timeout(Duration::from_secs(seconds))
        .expect("a read without a bound never ended")
}

#[test]
fn item_4_an_answer_over_16_mib_is_refused_announced_or_not() {
    let base = hostile_server(|path| {
        let body = Box::new(std::io::repeat(b' ').take(17 << 20)) as Box<dyn std::io::Read + Send>;
        let length = path.contains("announced").then_some(17 << 20);
        tiny_http::Response::new(tiny_http::StatusCode(200), vec![], body, length, None)
    });
    for path in ["/v1.0/announced", "/v1.0/chunked"] {
        let client = bare_client(&base);
        let error = within(60, move || client.get_pages(path).unwrap_err());
        assert!(
            matches!(error, GraphError::TooLarge { .. }) && error.to_string().contains("16 MiB"),
            "{path}: {error}"
        );
    }
}

#[test]
fn item_4_a_next_link_that_repeats_stops_the_collection() {
    // The links are absolute, as Graph's are: the server's own address, known once started.
    let own = Arc::new(std::sync::OnceLock::<String>::new());
    let known = own.clone();
    let base = hostile_server(move |path| {
        let next = if path.contains("skiptoken=2") { 1 } else { 2 };
        let base = known.get().unwrap();
        json_answer(
            200,
            format!(
                r#"{{"value":[{{"id":"1"}}],"@odata.nextLink":"{base}/v1.0/users?$skiptoken={next}"}}"#
            ),
        )
    });
    own.set(base.clone()).unwrap();
    let client = bare_client(&base);
    let error = within(60, move || {
        let error = client.get_pages("/v1.0/users?$skiptoken=1").unwrap_err();
        (error, client.stats.requests.load(Ordering::Relaxed))
    });
    assert!(
        matches!(error.0, GraphError::EndlessCollection { .. })
            && error.0.to_string().contains("came twice"),
        "{}",
        error.0
    );
    assert_eq!(error.1, 2, "stopped at the first repeat");
}

/// Endless pages with ever new links, without a network: only the page count stops them.
struct EndlessPages(AtomicUsize);

impl Transport for EndlessPages {
    fn send(&self, _: &HttpRequest<'_>) -> Result<HttpAnswer, TransportError> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        Ok(HttpAnswer {
            status: 200,
            retry_after: None,
            rate_limit: None,
            body: format!(
                r#"{{"value":[],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken={n}"}}"#
            )
            .into_bytes(),
        })
    }
}

#[test]
fn item_4_a_collection_stops_after_the_page_limit() {
    let client = GraphClient::with_transport(
        "https://graph.microsoft.com",
        Box::new(EndlessPages(AtomicUsize::new(0))),
        Password::new("token".into()),
        Box::new(|| Err(GraphError::SignInAgain)),
        Arc::new(AtomicBool::new(false)),
    )
    .unwrap();
    let (error, requests) = within(300, move || {
        let error = client.get_pages("/v1.0/users").unwrap_err();
        (error, client.stats.requests.load(Ordering::Relaxed))
    });
    assert!(
        matches!(error, GraphError::EndlessCollection { .. })
            && error
                .to_string()
                .contains(&format!("more than {PAGE_LIMIT} pages")),
        "{error}"
    );
    assert_eq!(requests, PAGE_LIMIT);
}

#[test]
fn item_4_error_bodies_and_token_answers_are_read_with_a_cap() {
    let base = hostile_server(|path| {
        if path.starts_with("/v1.0/") {
            endless(500)
        } else {
            endless(200)
        }
    });
    let client = bare_client(&base);
    let error = within(60, move || client.get_pages("/v1.0/groups").unwrap_err());
    assert!(
        matches!(error, GraphError::Failed { status: 500, .. }),
        "{error}"
    );

    let settings = settings_at(&base);
    let error = within(60, move || {
        start_sign_in(&settings, HttpClient::default())
            .map(|_| ())
            .unwrap_err()
            .to_string()
    });
    assert!(!error.is_empty());
}

// ---- 7. Files private whatever existed before ----------------------------------------------

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every folder 0700 and every file 0600 under `folder` (itself included), once the snapshot
/// a sync replaced (as it was, modes included) is deleted by its worker.
#[cfg(unix)]
fn assert_private(folder: &Path) {
    let set_aside = || {
        std::fs::read_dir(folder)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".previous-"))
    };
    let started = std::time::Instant::now();
    while set_aside() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(mode(folder), 0o700, "{}", folder.display());
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

/// Makes a snapshot look as versions before private files left it: 0755 folders, 0644 files.
#[cfg(unix)]
fn open_up(folder: &Path) {
    set_mode(folder, 0o755);
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            open_up(&path);
        } else {
            set_mode(&path, 0o644);
        }
    }
}

#[cfg(unix)]
#[test]
fn item_7_snapshot_files_are_private_whatever_existed_before() {
    let server = TenantServer::start(Tenant::contoso(), 2);
    let root = tempfile::tempdir().unwrap();
    let tenants = root.path().join("tenants");
    let summary = sync(&server.client(), &tenants, None).unwrap();
    assert_private(&tenants);

    // A snapshot of an earlier version, readable by everyone: a delta round (which takes
    // over the member lists) and a full read both leave everything private.
    for known in [Some(summary.tenant_id.as_str()), None] {
        open_up(&tenants);
        server.change(|tenant| tenant.rename_user("u1", "Renamed"));
        sync(&server.client(), &tenants, known).unwrap();
        assert_private(&tenants);
    }

    // A folder others may write in is refused, with the reason; nothing changes.
    set_mode(&tenants, 0o777);
    let before = folder_bytes(root.path());
    let error = sync(&server.client(), &tenants, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("can be written by other users"), "{error}");
    assert_eq!(folder_bytes(root.path()), before);
    assert_eq!(
        mode(&tenants),
        0o777,
        "refused, not changed behind the user's back"
    );
}

#[test]
fn item_7_csv_cells_that_start_a_formula_are_guarded() {
    use backup_accounts::store::csv_export::csv_line;
    for (cell, guarded) in [
        ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "\"'\r=1\""),
        ("Alice", "Alice"),
    ] {
        assert_eq!(
            csv_line([cell.to_owned()].into_iter()),
            format!("{guarded}\r\n")
        );
    }
}

#[test]
fn item_7_tenant_text_printed_by_the_command_line_has_control_characters_escaped() {
    let folder = tempfile::tempdir().unwrap();
    let name = "Contoso \u{1b}[2J\u{1b}]0;owned\u{7}\nfake line\u{9b}31m\u{202e}";
    let snapshot = hostile_contoso(folder.path(), name);
    for json in [false, true] {
        let mut command = cli(folder.path(), &snapshot);
        command.arg("orgs");
        if json {
            command.arg("--json");
        }
        let output = command.assert().success();
        let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
        assert!(
            !stdout.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']),
            "{stdout:?}"
        );
        assert!(!stdout.contains("\nfake line"), "no forged line: {stdout}");
        if json {
            let parsed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let names: Vec<&str> = parsed
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|o| o["name"].as_str())
                .collect();
            assert!(
                names.contains(&name),
                "the JSON still means the name: {names:?}"
            );
        } else {
            assert!(stdout.contains("Contoso \\u{1b}[2J"), "{stdout}");
        }
    }
}

#[test]
fn item_4_a_delta_json_over_64_kib_is_not_read_and_the_next_sync_reads_everything() {
    let server = TenantServer::start(Tenant::contoso(), 2);
    let root = tempfile::tempdir().unwrap();
    let tenants = root.path().join("tenants");
    let summary = sync(&server.client(), &tenants, None).unwrap();
    let links = summary.folder.join("delta.json");
    // The same links, padded past the bound with whitespace: valid JSON, but too large.
    let padded = format!(
        "{}{}",
        " ".repeat(65 << 10),
        std::fs::read_to_string(&links).unwrap()
    );
    std::fs::write(&links, padded).unwrap();
    let again = sync(&server.client(), &tenants, Some(&summary.tenant_id)).unwrap();
    assert_eq!(
        again.kind,
        backup_accounts::store::graph::sync::SyncKind::Full,
        "the oversized links file was not used"
    );
}

#[cfg(unix)]
#[test]
fn item_7_a_tenants_folder_of_another_user_is_refused() {
    use std::os::unix::fs::MetadataExt as _;
    let root = tempfile::tempdir().unwrap();
    let tenants = root.path().join("tenants");
    std::fs::create_dir(&tenants).unwrap();
    set_mode(&tenants, 0o700);
    // Only root can give a folder away; any other user finds one of root's: `/`.
    let me = std::fs::metadata("/proc/self").unwrap().uid();
    if me != 0 {
        let error = backup_accounts::store::private_files::ensure_private_folder(Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("belongs to another user"), "{error}");
        return;
    }
    let status = std::process::Command::new("chown")
        .arg("1")
        .arg(&tenants)
        .status()
        .unwrap();
    assert!(status.success());
    let server = TenantServer::start(Tenant::contoso(), 1);
    let error = sync(&server.client(), &tenants, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("belongs to another user"), "{error}");
    assert!(
        std::fs::read_dir(&tenants).unwrap().next().is_none(),
        "nothing written"
    );
}
