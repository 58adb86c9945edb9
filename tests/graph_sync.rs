//! A full sync against a local server that answers as Microsoft Graph does: paged users,
//! member lists through `$batch` (one throttled inside the batch, one with a second page),
//! the MFA report refused (403); the snapshot written is read back by the import, and a
//! failed sync keeps the previous snapshot.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use backup_accounts::model::{Member, Password};
use backup_accounts::store::graph::client::GraphClient;
use backup_accounts::store::graph::import_folder;
use backup_accounts::store::graph::sync::{SyncError, full_sync};
use common::graph_server::graph_server;

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
