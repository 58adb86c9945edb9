//! Reading Microsoft Graph against a local HTTP server that answers as Graph does: pages
//! with `@odata.nextLink`, a 429 with `Retry-After: 1`, a 503, an expired access token, a
//! refused permission.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backup_accounts::model::Password;
use backup_accounts::store::graph::client::{GraphClient, GraphError};

/// Requests seen: (path, Authorization header).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A Graph-like server: two pages of users (the second throttled once with `Retry-After: 1`),
/// groups that fail once with 503, a resource that wants the refreshed token, and a report
/// the account may not read.
fn graph_server() -> (String, Seen) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let next_link = format!("{base}/v1.0/users?$skiptoken=page2");
    std::thread::spawn(move || {
        let mut calls: HashMap<String, usize> = HashMap::new();
        for request in server.incoming_requests() {
            let path = request.url().to_owned();
            let bearer = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.to_string())
                .unwrap_or_default();
            log.lock().unwrap().push((path.clone(), bearer.clone()));
            let call = {
                let n = calls.entry(path.clone()).or_default();
                *n += 1;
                *n
            };
            let mut headers =
                vec![tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap()];
            let (status, body) = match path.as_str() {
                "/v1.0/users?$top=2" => (
                    200,
                    format!(
                        r#"{{"value":[{{"id":"1"}},{{"id":"2"}}],"@odata.nextLink":"{next_link}"}}"#
                    ),
                ),
                "/v1.0/users?$skiptoken=page2" if call == 1 => {
                    headers.push(tiny_http::Header::from_bytes("Retry-After", "1").unwrap());
                    (
                        429,
                        r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#.to_owned(),
                    )
                }
                "/v1.0/users?$skiptoken=page2" => (200, r#"{"value":[{"id":"3"}]}"#.to_owned()),
                "/v1.0/groups" if call == 1 => (503, "{}".to_owned()),
                "/v1.0/groups" => (200, r#"{"value":[{"id":"g"}]}"#.to_owned()),
                "/v1.0/organization" if bearer != "Bearer REFRESHED" => (
                    401,
                    r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#
                        .to_owned(),
                ),
                "/v1.0/organization" => (200, r#"{"value":[{"id":"tenant"}]}"#.to_owned()),
                _ => (
                    403,
                    r#"{"error":{"code":"Authorization_RequestDenied","message":"no"}}"#.to_owned(),
                ),
            };
            let mut response = tiny_http::Response::from_string(body).with_status_code(status);
            for header in headers {
                response = response.with_header(header);
            }
            let _ = request.respond(response);
        }
    });
    (base, seen)
}

fn client(base: &str, refreshes: Arc<Mutex<usize>>) -> GraphClient {
    GraphClient::new(
        base,
        Password::new("FIRST".into()),
        Box::new(move || {
            *refreshes.lock().unwrap() += 1;
            Ok(Password::new("REFRESHED".into()))
        }),
        Arc::new(AtomicBool::new(false)),
    )
    .unwrap()
}

#[test]
fn every_page_is_read_and_throttling_is_waited_out() {
    let (base, seen) = graph_server();
    let graph = client(&base, Arc::default());
    let started = Instant::now();
    let pages = graph.get_pages("/v1.0/users?$top=2").unwrap();
    assert_eq!(pages.len(), 2);
    let ids: Vec<&str> = pages
        .iter()
        .flat_map(|p| p["value"].as_array().unwrap())
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(graph.stats.throttled.load(Ordering::Relaxed), 1);
    assert_eq!(graph.stats.requests.load(Ordering::Relaxed), 3);
    assert_eq!(graph.stats.objects.load(Ordering::Relaxed), 3);
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|(_, bearer)| bearer == "Bearer FIRST")
    );

    // 503 without Retry-After: backed off, then read.
    let groups = graph.get_pages("/v1.0/groups").unwrap();
    assert_eq!(groups[0]["value"][0]["id"], "g");
    assert_eq!(graph.stats.throttled.load(Ordering::Relaxed), 2);
}

#[test]
fn an_expired_token_is_refreshed_once_and_a_refused_permission_is_named() {
    let (base, seen) = graph_server();
    let refreshes = Arc::new(Mutex::new(0));
    let graph = client(&base, refreshes.clone());
    let organization = graph.get_pages("/v1.0/organization").unwrap();
    assert_eq!(organization[0]["value"][0]["id"], "tenant");
    assert_eq!(*refreshes.lock().unwrap(), 1);
    let bearers: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| b.clone())
        .collect();
    assert_eq!(bearers, ["Bearer FIRST", "Bearer REFRESHED"]);

    let error = graph
        .get_pages("/v1.0/reports/authenticationMethods/userRegistrationDetails")
        .unwrap_err();
    assert!(matches!(error, GraphError::Forbidden { .. }), "{error}");
    assert!(!error.to_string().contains("REFRESHED"), "never a token");
    assert!(!format!("{graph:?}").contains("REFRESHED"));
}

#[test]
fn a_refresh_that_fails_asks_to_sign_in_again() {
    let (base, _) = graph_server();
    let graph = GraphClient::new(
        &base,
        Password::new("FIRST".into()),
        Box::new(|| Err(GraphError::SignInAgain)),
        Arc::new(AtomicBool::new(false)),
    )
    .unwrap();
    let error = graph.get_pages("/v1.0/organization").unwrap_err();
    assert!(matches!(error, GraphError::SignInAgain), "{error}");
    assert!(error.to_string().contains("Sign in to Microsoft 365 again"));
}
