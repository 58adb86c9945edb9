//! A local server that answers as Microsoft Graph and the identity platform do, for a
//! small tenant: paged users, two groups (one nested, one throttled inside `$batch`), the
//! MFA report refused, one application; `/devicecode` and `/token` for the sign-in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

pub fn user(id: &str, upn: &str) -> Value {
    json!({"id": id, "userPrincipalName": upn, "displayName": upn, "userType": "Member", "accountEnabled": true})
}

pub fn member(kind: &str, id: &str) -> Value {
    json!({"@odata.type": format!("#microsoft.graph.{kind}"), "id": id})
}

/// The tenant's answers by path; `broken` makes the groups request fail.
pub fn answer(
    base: &str,
    path: &str,
    calls: &mut HashMap<String, usize>,
    broken: bool,
) -> (u16, Value) {
    let call = {
        let n = calls.entry(path.to_owned()).or_default();
        *n += 1;
        *n
    };
    match path {
        "/v1.0/organization" => (
            200,
            json!({"value": [{"id": "tenant-1", "displayName": "Contoso"}]}),
        ),
        p if p.starts_with("/v1.0/users?$select") => (
            200,
            json!({
                "value": [user("u1", "alice@contoso.com"), user("u2", "bob@contoso.com")],
                "@odata.nextLink": format!("{base}/v1.0/users?$skiptoken=2"),
            }),
        ),
        "/v1.0/users?$skiptoken=2" => (200, json!({"value": [user("u3", "carol@contoso.com")]})),
        p if p.starts_with("/v1.0/groups?") && broken => {
            (500, json!({"error": {"message": "boom"}}))
        }
        p if p.starts_with("/v1.0/groups?") => (
            200,
            json!({"value": [
                {"id": "g1", "displayName": "Backup Operators", "securityEnabled": true, "mailEnabled": false, "groupTypes": []},
                {"id": "g2", "displayName": "Europe", "securityEnabled": true, "mailEnabled": false, "groupTypes": []},
            ]}),
        ),
        "/v1.0/groups/g1/members?$skiptoken=2" => (200, json!({"value": [member("user", "u2")]})),
        p if p.starts_with("/v1.0/groups/g2/members") => {
            (200, json!({"value": [member("user", "u3")]}))
        }
        p if p.starts_with("/v1.0/reports/") => (403, json!({"error": {"message": "no"}})),
        p if p.starts_with("/v1.0/applications") => (
            200,
            json!({"value": [
                {"appId": "app-1", "displayName": "Backup", "keyCredentials": []}
            ]}),
        ),
        _ => (
            404,
            json!({"error": {"message": format!("{path} ({call})")}}),
        ),
    }
}

/// `$batch`: g1's first page (with a next link), g2 throttled inside the batch.
pub fn batch(base: &str, body: &str) -> Value {
    let request: Value = serde_json::from_str(body).unwrap();
    let responses: Vec<Value> = request["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["id"].clone();
            let url = r["url"].as_str().unwrap();
            if url.starts_with("/groups/g1/members") {
                json!({"id": id, "status": 200, "body": {
                    "value": [member("user", "u1"), member("group", "g2")],
                    "@odata.nextLink": format!("{base}/v1.0/groups/g1/members?$skiptoken=2"),
                }})
            } else {
                json!({"id": id, "status": 429, "headers": {"Retry-After": "1"}, "body": {}})
            }
        })
        .collect();
    json!({ "responses": responses })
}

pub fn graph_server(broken: Arc<AtomicBool>) -> (String, Arc<Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let base = format!(
        "http://127.0.0.1:{}",
        server.server_addr().to_ip().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (log, address) = (seen.clone(), base.clone());
    std::thread::spawn(move || {
        let mut calls = HashMap::new();
        for mut request in server.incoming_requests() {
            let path = request.url().to_owned();
            let mut body = String::new();
            request.as_reader().read_to_string(&mut body).unwrap();
            log.lock().unwrap().push(path.clone());
            let (status, value) = if path == "/v1.0/$batch" {
                (200, batch(&address, &body))
            } else if path.ends_with("/devicecode") {
                (
                    200,
                    json!({"device_code": "DEVICE-1", "user_code": "ABCD-EFGH", "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 1}),
                )
            } else if path.ends_with("/token") {
                // Two answers "pending", then the tokens.
                let polls = calls.entry("token".to_owned()).or_insert(0);
                *polls += 1;
                if *polls <= 2 {
                    (400, json!({"error": "authorization_pending"}))
                } else {
                    (
                        200,
                        json!({"access_token": "ACCESS", "refresh_token": "REFRESH", "token_type": "Bearer", "expires_in": 3600}),
                    )
                }
            } else {
                answer(&address, &path, &mut calls, broken.load(Ordering::Relaxed))
            };
            let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
            let response = tiny_http::Response::from_string(value.to_string())
                .with_status_code(status)
                .with_header(header);
            let _ = request.respond(response);
        }
    });
    (base, seen)
}
