//! A full sync against a local server that answers as Microsoft Graph does: paged users,
//! member lists through `$batch` (one throttled inside the batch, one with a second page),
//! the MFA report refused (403); the snapshot written is read back by the import, and a
//! failed sync keeps the previous snapshot.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use backup_accounts::model::{Member, Password};
use backup_accounts::store::graph::client::GraphClient;
use backup_accounts::store::graph::import_folder;
use backup_accounts::store::graph::sync::{SyncError, full_sync};
use serde_json::{Value, json};

fn user(id: &str, upn: &str) -> Value {
    json!({"id": id, "userPrincipalName": upn, "displayName": upn, "userType": "Member", "accountEnabled": true})
}

fn member(kind: &str, id: &str) -> Value {
    json!({"@odata.type": format!("#microsoft.graph.{kind}"), "id": id})
}

/// The tenant's answers by path; `broken` makes the groups request fail.
fn answer(
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
fn batch(base: &str, body: &str) -> Value {
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

fn graph_server(broken: Arc<AtomicBool>) -> (String, Arc<Mutex<Vec<String>>>) {
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

fn client(base: &str) -> GraphClient {
    GraphClient::new(
        base,
        Password::new("TOKEN".into()),
        Box::new(|| Ok(Password::new("TOKEN".into()))),
        Arc::new(AtomicBool::new(false)),
    )
}

#[test]
fn a_full_sync_writes_a_snapshot_the_import_reads() {
    let broken = Arc::new(AtomicBool::new(false));
    let (base, seen) = graph_server(broken.clone());
    let data = tempfile::tempdir().unwrap();
    let summary = full_sync(&client(&base), data.path()).unwrap();
    assert_eq!(summary.tenant_id, "tenant-1");
    assert!(!summary.mfa_report, "403 on the MFA report: left out");
    assert!(summary.applications);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.iter().filter(|p| *p == "/v1.0/$batch").count(),
        1,
        "{seen:?}"
    );

    let tenant = import_folder(&summary.folder).unwrap();
    assert_eq!(tenant.id, "tenant-1");
    assert_eq!(tenant.user_upns().count(), 3, "both pages of users");
    assert!(!tenant.mfa_reported);
    tenant.require_memberships(["g1"]).unwrap();
    let settings = backup_accounts::model::OrganizationSettings {
        authentication: backup_accounts::model::AuthenticationMethod::Basic,
        added_by: "alice@contoso.com".into(),
        mfa_not_enabled: Default::default(),
        added_with_application: None,
    };
    let directory = tenant.into_directory(&settings).unwrap();
    let organization = &directory.organizations[0];
    assert_eq!(
        organization.group("g1").unwrap().members,
        [
            Member::User("alice@contoso.com".into()),
            Member::Group("g2".into()),
            Member::User("bob@contoso.com".into()),
        ],
        "the batch's first page, then the next link"
    );
    assert_eq!(
        organization.group("g2").unwrap().members,
        [Member::User("carol@contoso.com".into())],
        "throttled in the batch, read on its own"
    );
    assert_eq!(organization.applications[0].app_id, "app-1");

    // A failed sync keeps the previous snapshot and leaves no partial folder.
    broken.store(true, Ordering::Relaxed);
    let before = std::fs::read_to_string(summary.folder.join("groups.json")).unwrap();
    let error = full_sync(&client(&base), data.path()).unwrap_err();
    assert!(matches!(error, SyncError::Graph(_)), "{error}");
    assert!(error.to_string().contains("previous snapshot was kept"));
    assert_eq!(
        std::fs::read_to_string(summary.folder.join("groups.json")).unwrap(),
        before
    );
    let entries: Vec<String> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["tenant-1"]);
}
