//! Sign-in with the OAuth 2.0 device authorization grant, against a local HTTP server that
//! answers as the Microsoft identity platform does (`/devicecode`, `/token`).
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backup_accounts::store::graph::signin::{
    HttpClient, SignInError, SignInSettings, start_sign_in,
};

/// A request the server received: path and form body.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// Starts the identity platform on a free port: the device code endpoint, and a token
/// endpoint that gives `token_answers` in turn (the last one again once they run out).
fn identity_platform(token_answers: Vec<(u16, &'static str)>) -> (SignInSettings, Seen) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        let mut answers = token_answers.into_iter().peekable();
        let mut last = (500, "{}");
        for mut request in server.incoming_requests() {
            let mut body = String::new();
            request.as_reader().read_to_string(&mut body).unwrap();
            let path = request.url().to_owned();
            log.lock().unwrap().push((path.clone(), body));
            let (status, text) = if path.ends_with("/devicecode") {
                (
                    200,
                    r#"{"device_code":"DEVICE-CODE-1","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":1,"message":"To sign in, use a web browser"}"#,
                )
            } else {
                if let Some(answer) = answers.next() {
                    last = answer;
                }
                last
            };
            let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let response = tiny_http::Response::from_string(text)
                .with_status_code(status)
                .with_header(header);
            let _ = request.respond(response);
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let settings = SignInSettings {
        login_base: base,
        graph_base: "https://graph.microsoft.com".to_owned(),
        tenant: "organizations".to_owned(),
        client_id: "test-client-id".to_owned(),
        mfa_report: false,
    };
    (settings, seen)
}

const PENDING: (u16, &str) = (400, r#"{"error":"authorization_pending"}"#);
const TOKENS: (u16, &str) = (
    200,
    r#"{"access_token":"ACCESS-1","refresh_token":"REFRESH-1","token_type":"Bearer","expires_in":3600}"#,
);

#[test]
fn two_pending_answers_then_tokens_at_the_interval_the_server_gave() {
    let (settings, seen) = identity_platform(vec![PENDING, PENDING, TOKENS]);
    let (prompt, pending) = start_sign_in(&settings, HttpClient::default()).unwrap();
    assert_eq!(prompt.user_code, "ABCD-EFGH");
    assert_eq!(prompt.verification_uri, "https://microsoft.com/devicelogin");
    assert_eq!(prompt.interval, Duration::from_secs(1));
    let started = Instant::now();
    let tokens = pending.wait(&Arc::new(AtomicBool::new(false))).unwrap();
    assert_eq!(tokens.access_token.expose(), "ACCESS-1");
    assert_eq!(tokens.refresh_token.unwrap().expose(), "REFRESH-1");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "polled once a second"
    );
    assert!(!format!("{:?}", tokens.access_token).contains("ACCESS-1"));
    let seen = seen.lock().unwrap();
    let (path, body) = &seen[0];
    assert_eq!(path, "/organizations/oauth2/v2.0/devicecode");
    assert!(body.contains("client_id=test-client-id"), "{body}");
    assert!(body.contains("offline_access"), "{body}");
    assert!(
        body.contains("https%3A%2F%2Fgraph.microsoft.com%2FGroupMember.Read.All"),
        "{body}"
    );
    let token_requests: Vec<_> = seen.iter().filter(|(p, _)| p.ends_with("/token")).collect();
    assert_eq!(token_requests.len(), 3);
    assert!(
        token_requests[0]
            .1
            .contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code")
    );
    assert!(token_requests[0].1.contains("device_code=DEVICE-CODE-1"));
    assert!(
        !body.contains("AuditLog.Read.All"),
        "not asked for unless set: {body}"
    );
}

#[test]
fn the_mfa_report_permission_is_asked_for_when_the_setting_says_so() {
    let (mut settings, seen) = identity_platform(vec![TOKENS]);
    settings.mfa_report = true;
    start_sign_in(&settings, HttpClient::default()).unwrap();
    let seen = seen.lock().unwrap();
    let (path, body) = &seen[0];
    assert!(path.ends_with("/devicecode"));
    assert!(
        body.contains("https%3A%2F%2Fgraph.microsoft.com%2FAuditLog.Read.All"),
        "{body}"
    );
}

#[test]
fn slow_down_adds_five_seconds_to_the_interval() {
    let slow_down = (400, r#"{"error":"slow_down"}"#);
    let (settings, seen) = identity_platform(vec![slow_down, TOKENS]);
    let (_, pending) = start_sign_in(&settings, HttpClient::default()).unwrap();
    let started = Instant::now();
    pending.wait(&Arc::new(AtomicBool::new(false))).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(6), "1 s + 5 s");
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[test]
fn declined_expired_and_cancelled_sign_ins_say_so() {
    let (settings, _) = identity_platform(vec![(400, r#"{"error":"access_denied"}"#)]);
    let (_, pending) = start_sign_in(&settings, HttpClient::default()).unwrap();
    let error = pending.wait(&Arc::new(AtomicBool::new(false))).unwrap_err();
    assert!(matches!(error, SignInError::Declined), "{error}");

    let (settings, _) = identity_platform(vec![(400, r#"{"error":"expired_token"}"#)]);
    let (_, pending) = start_sign_in(&settings, HttpClient::default()).unwrap();
    let error = pending.wait(&Arc::new(AtomicBool::new(false))).unwrap_err();
    assert!(matches!(error, SignInError::Expired), "{error}");
    assert!(error.to_string().contains("Sign in again"));

    // Pending for ever: Cancel ends the wait within a poll interval.
    let (settings, _) = identity_platform(vec![PENDING]);
    let (_, pending) = start_sign_in(&settings, HttpClient::default()).unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let started = Instant::now();
    let error = pending.wait(&cancel).unwrap_err();
    assert!(matches!(error, SignInError::Cancelled), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn an_unreachable_identity_platform_is_said_plainly() {
    let settings = SignInSettings {
        login_base: "http://127.0.0.1:9".to_owned(),
        ..SignInSettings::for_cloud(backup_accounts::store::graph::signin::Cloud::Global)
    };
    let error = start_sign_in(&settings, HttpClient::default()).unwrap_err();
    assert!(matches!(error, SignInError::Unreachable(_)), "{error}");
}

#[test]
fn a_refresh_token_gives_a_new_access_token_until_it_is_revoked() {
    use backup_accounts::model::Password;
    use backup_accounts::store::graph::signin::{refresh_token_key, refresh_tokens};
    let (settings, seen) = identity_platform(vec![
        TOKENS,
        (
            400,
            r#"{"error":"invalid_grant","error_description":"AADSTS70008: revoked"}"#,
        ),
    ]);
    let http = HttpClient::default();
    let tokens = refresh_tokens(&settings, &http, &Password::new("REFRESH-0".into())).unwrap();
    assert_eq!(tokens.access_token.expose(), "ACCESS-1");
    let body = seen.lock().unwrap()[0].1.clone();
    assert!(body.contains("grant_type=refresh_token"), "{body}");
    assert!(body.contains("refresh_token=REFRESH-0"), "{body}");
    let error = refresh_tokens(&settings, &http, &Password::new("REFRESH-1".into())).unwrap_err();
    assert!(matches!(error, SignInError::SignInAgain), "{error}");
    assert!(!error.to_string().contains("REFRESH"), "never a token");
    // The refresh token's keyring item is per tenant, apart from the backup accounts.
    assert_eq!(
        refresh_token_key("84841066-274D-4ec0-a5c1-276be684bdd3").to_string(),
        "backup-accounts-graph:84841066-274d-4ec0-a5c1-276be684bdd3"
    );
}
