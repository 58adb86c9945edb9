//! Syncing a tenant from a local server that speaks Microsoft Graph and the identity platform
//! (`tests/common/tenant_server.rs`): a full read of a generated tenant through pages, `$batch`
//! and throttling; delta rounds with adds, removals and a member leaving, which must give the
//! same snapshot as a full read; a refused delta link; an expired access token and a revoked
//! refresh token; a failed sync keeping the previous snapshot.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use backup_accounts::generate::{TenantSize, tenant};
use backup_accounts::model::Password;
use backup_accounts::model::{AuthenticationMethod, Directory, Member, OrganizationSettings};
use backup_accounts::store::graph::client::{GraphClient, SyncPhase};
use backup_accounts::store::graph::import_folder;
use backup_accounts::store::graph::signin::{HttpClient, SignInSettings, Tokens, signed_in_client};
use backup_accounts::store::graph::sync::{BATCH_SIZE, BATCHES_IN_FLIGHT, SyncKind, sync};
use common::tenant_server::{
    FIRST_ACCESS_TOKEN, Kind, ServerGroup, ServerUser, Tenant, TenantServer,
};

/// A client that refreshes its access token at the server's `/token`, as the app does.
fn signed_in(server: &TenantServer) -> GraphClient {
    let settings = SignInSettings {
        login_base: server.base.clone(),
        graph_base: server.base.clone(),
        tenant: "tenant-1".to_owned(),
        client_id: "test-client".to_owned(),
        mfa_report: false,
    };
    let tokens = Tokens {
        access_token: Password::new(FIRST_ACCESS_TOKEN.into()),
        refresh_token: Some(Password::new(server.refresh_token())),
        expires_in: None,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    signed_in_client(&settings, HttpClient::default(), tokens, cancel)
        .unwrap()
        .0
}

/// The snapshot as the app imports it, users and groups sorted so two snapshots compare.
fn imported(folder: &Path) -> Directory {
    let tenant = import_folder(folder).unwrap();
    let added_by = tenant.user_upns().next().unwrap().to_owned();
    let settings = OrganizationSettings {
        authentication: AuthenticationMethod::Basic,
        added_by,
        mfa_not_enabled: Default::default(),
        added_with_application: None,
    };
    let mut directory = tenant.into_directory(&settings).unwrap();
    for organization in &mut directory.organizations {
        organization.users.sort_by(|a, b| a.upn.cmp(&b.upn));
        organization.groups.sort_by(|a, b| a.id.cmp(&b.id));
        for group in &mut organization.groups {
            group.members.sort_by_key(|m| format!("{m:?}"));
        }
    }
    directory
}

/// Users and groups, as text, to compare two imports.
fn comparable(directory: &Directory) -> String {
    let organization = &directory.organizations[0];
    format!("{:?}\n{:?}", organization.users, organization.groups)
}

#[test]
fn a_full_sync_reads_the_generated_tenant_through_pages_batches_and_throttling() {
    let generated = tenant(TenantSize::S);
    // More server threads than the sync may use, so that too many requests would show.
    let server = TenantServer::start(Tenant::from_directory(&generated), 8);
    server.faults.delay_ms.store(20, Ordering::Relaxed);
    server
        .faults
        .throttle_users_page
        .store(1, Ordering::Relaxed);
    server.faults.unavailable_groups.store(1, Ordering::Relaxed);
    server.faults.throttle_in_batch.store(1, Ordering::Relaxed);
    let folder = tempfile::tempdir().unwrap();
    let graph = server.client();
    let started = Instant::now();
    let summary = sync(&graph, folder.path(), None).unwrap();
    assert_eq!(summary.kind, SyncKind::Full);
    assert!(summary.mfa_report);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two Retry-After: 1 waits (a page, a request inside a batch)"
    );
    assert_eq!(
        graph.stats.throttled.load(Ordering::Relaxed),
        3,
        "429, 503, 429 in a batch"
    );

    // Every user and group, and every group's direct members, as generated.
    let synced = imported(&summary.folder);
    let organization = &synced.organizations[0];
    let source = &generated.organizations[0];
    assert_eq!(organization.users.len(), source.users.len());
    for user in &source.users {
        let got = organization
            .users
            .iter()
            .find(|u| u.upn == user.upn)
            .unwrap();
        assert_eq!(
            (got.guest, got.enabled, got.mfa_enabled, &got.display_name),
            (
                user.guest,
                user.enabled,
                user.mfa_enabled,
                &user.display_name
            ),
            "{}",
            user.upn
        );
    }
    assert_eq!(organization.groups.len(), source.groups.len());
    for group in &source.groups {
        let got = organization
            .groups
            .iter()
            .find(|g| g.id == group.id)
            .unwrap();
        let mut want = group.members.clone();
        want.sort_by_key(|m| format!("{m:?}"));
        assert_eq!(got.members, want, "members of {}", group.id);
    }
    let nested = source
        .groups
        .iter()
        .filter(|g| g.members.iter().any(|m| matches!(m, Member::Group(_))))
        .count();
    assert!(nested > 0, "nesting is kept as direct members");

    // One batch per 20 groups; users in pages of 999, the throttled page read twice.
    let batches = source.groups.len().div_ceil(BATCH_SIZE);
    assert_eq!(server.count("POST /v1.0/$batch"), batches);
    assert_eq!(
        server.count("GET /v1.0/users?"),
        source.users.len().div_ceil(999) + 1
    );
    // The client's count: the server counts a request until its answer is written, so it
    // may see one more for a moment.
    let most = graph.pacer.most_in_flight();
    assert!(
        (2..=BATCHES_IN_FLIGHT).contains(&most) && server.in_flight.1.load(Ordering::SeqCst) >= 2,
        "requests overlap, at most {BATCHES_IN_FLIGHT} at once: {most}"
    );
    assert!(summary.folder.join("delta.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, [std::ffi::OsString::from(source.id.as_str())]);
}

/// Dave is hired into Backup Operators and a new team, Bob is deleted (Graph takes him out
/// of Backup Operators too), Carol leaves Europe, Alice is renamed.
fn dave_joins_bob_goes_carol_leaves_europe(tenant: &mut Tenant) {
    tenant.add_user(ServerUser {
        id: "u4".into(),
        upn: "dave@contoso.com".into(),
        display_name: "Dave".into(),
        guest: false,
        enabled: true,
        mfa: true,
    });
    tenant.add_member("g-ops", Kind::User, "u4");
    tenant.remove_user("u2"); // bob is deleted: Graph takes him out of g-ops too
    tenant.remove_member("g-eu", "u3"); // carol leaves Europe
    tenant.rename_user("u1", "Alice Johnson");
    tenant.add_group(ServerGroup {
        id: "g-new".into(),
        display_name: "New team".into(),
        security_enabled: true,
        mail_enabled: false,
        group_types: Vec::new(),
        membership_rule: None,
        members: vec![(Kind::User, "u4".into())],
    });
}

#[test]
fn a_delta_round_applies_adds_removals_and_a_member_leaving_as_a_full_read_would() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    let folder = tempfile::tempdir().unwrap();
    let graph = server.client();
    let first = sync(&graph, folder.path(), None).unwrap();
    assert_eq!(first.kind, SyncKind::Full);

    server.change(dave_joins_bob_goes_carol_leaves_europe);
    server.clear_requests();
    let delta = sync(&graph, folder.path(), Some("tenant-1")).unwrap();
    assert_eq!(delta.kind, SyncKind::Delta);
    assert_eq!(
        delta.changed_objects,
        3 + 3,
        "alice, bob, dave; g-ops, g-eu, g-new"
    );
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        4,
        "organization, users/delta, groups/delta, applications: {requests:?}"
    );
    assert_eq!(server.count("/delta?$deltatoken="), 2);

    let after_delta = imported(&delta.folder);
    let organization = &after_delta.organizations[0];
    let upns: Vec<&str> = organization.users.iter().map(|u| u.upn.as_str()).collect();
    assert_eq!(
        upns,
        ["alice@contoso.com", "carol@contoso.com", "dave@contoso.com"]
    );
    assert_eq!(organization.users[0].display_name, "Alice Johnson");
    let members = |id: &str| {
        organization
            .groups
            .iter()
            .find(|g| g.id == id)
            .unwrap()
            .members
            .clone()
    };
    assert_eq!(
        members("g-ops"),
        [
            Member::Group("g-eu".into()),
            Member::User("alice@contoso.com".into()),
            Member::User("dave@contoso.com".into()),
        ]
    );
    assert_eq!(members("g-eu"), []);
    assert_eq!(members("g-new"), [Member::User("dave@contoso.com".into())]);

    // A full read of the same tenant gives the same directory.
    let full_folder = tempfile::tempdir().unwrap();
    let full = sync(&server.client(), full_folder.path(), None).unwrap();
    assert_eq!(
        comparable(&imported(&full.folder)),
        comparable(&after_delta)
    );

    // A round with no change reads two pages and changes nothing.
    server.clear_requests();
    let quiet = sync(&graph, folder.path(), Some("tenant-1")).unwrap();
    assert_eq!(quiet.changed_objects, 0);
    assert_eq!(
        comparable(&imported(&quiet.folder)),
        comparable(&after_delta)
    );
}

#[test]
fn a_delta_link_the_server_refuses_falls_back_to_a_full_sync() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    let folder = tempfile::tempdir().unwrap();
    let graph = server.client();
    sync(&graph, folder.path(), None).unwrap();
    server.change(|tenant| tenant.remove_member("g-eu", "u3"));
    server.forget_delta_links();
    server.clear_requests();
    let summary = sync(&graph, folder.path(), Some("tenant-1")).unwrap();
    assert_eq!(summary.kind, SyncKind::FullAfterDeltaRefused);
    assert_eq!(graph.stats.phase(), SyncPhase::FullAfterDeltaRefused);
    assert_eq!(
        server.count("GET /v1.0/users/delta?$deltatoken=1"),
        1,
        "tried first"
    );
    assert_eq!(
        server.count("POST /v1.0/$batch"),
        1,
        "then everything was read"
    );
    let directory = imported(&summary.folder);
    let europe = directory.organizations[0]
        .groups
        .iter()
        .find(|g| g.id == "g-eu")
        .unwrap();
    assert!(europe.members.is_empty());
    // The new links work: the next round is a delta again.
    let next = sync(&graph, folder.path(), Some("tenant-1")).unwrap();
    assert_eq!(next.kind, SyncKind::Delta);
}

#[test]
fn an_expired_access_token_is_refreshed_and_a_revoked_refresh_token_keeps_the_snapshot() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    let folder = tempfile::tempdir().unwrap();
    let graph = signed_in(&server);
    server
        .faults
        .expire_access_token
        .store(true, Ordering::Relaxed);
    let first = sync(&graph, folder.path(), None).unwrap();
    assert_eq!(
        server.count("POST /tenant-1/oauth2/v2.0/token"),
        1,
        "refreshed once"
    );
    assert_eq!(server.count("InvalidAuthenticationToken"), 0);

    let snapshot = |name: &str| std::fs::read(first.folder.join(name)).unwrap();
    let (users, links) = (snapshot("users.json"), snapshot("delta.json"));
    server.change(|tenant| tenant.remove_member("g-ops", "u1"));
    server
        .faults
        .revoke_refresh_token
        .store(true, Ordering::Relaxed);
    server
        .faults
        .expire_access_token
        .store(true, Ordering::Relaxed);
    let error = sync(&graph, folder.path(), Some("tenant-1")).unwrap_err();
    assert!(
        error.to_string().contains("Sign in to Microsoft 365 again"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("refresh-"),
        "never a token: {error}"
    );
    assert_eq!(snapshot("users.json"), users, "previous snapshot kept");
    assert_eq!(snapshot("delta.json"), links, "previous delta links kept");
    let entries = std::fs::read_dir(folder.path()).unwrap().count();
    assert_eq!(entries, 1, "no partial folder left");
}

#[test]
fn the_mfa_report_refused_is_left_out_and_a_failed_full_sync_keeps_the_previous_snapshot() {
    let server = TenantServer::start(Tenant::contoso(), 1);
    server
        .faults
        .refuse_mfa_report
        .store(true, Ordering::Relaxed);
    let folder = tempfile::tempdir().unwrap();
    let summary = sync(&server.client(), folder.path(), None).unwrap();
    assert!(!summary.mfa_report, "403 on the MFA report: left out");
    assert!(!summary.folder.join("mfa.json").exists());
    let directory = imported(&summary.folder);
    assert!(
        directory.organizations[0]
            .users
            .iter()
            .all(|u| u.mfa_enabled),
        "without the report every account is asked for an app password"
    );

    server.faults.break_groups.store(true, Ordering::Relaxed);
    let before = std::fs::read(summary.folder.join("groups.json")).unwrap();
    let error = sync(&server.client(), folder.path(), None).unwrap_err();
    assert!(
        error.to_string().contains("previous snapshot was kept"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(summary.folder.join("groups.json")).unwrap(),
        before
    );
    let entries: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, [std::ffi::OsString::from("tenant-1")]);
}

/// Every file under `folder`, by path, with its bytes.
fn files(folder: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(
                    path.strip_prefix(folder).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

#[test]
fn a_delta_sync_stopped_after_taking_over_the_member_lists_puts_them_back() {
    use backup_accounts::store::graph::delta::{
        DeltaLinks, DeltaRound, PreviousSnapshot, adopt_members, apply_delta, restore_members,
    };
    let server = TenantServer::start(Tenant::contoso(), 1);
    let folder = tempfile::tempdir().unwrap();
    let graph = server.client();
    let previous = sync(&graph, folder.path(), None).unwrap().folder;
    let before = files(&previous);
    server.change(|tenant| {
        tenant.remove_member("g-eu", "u3");
        tenant.remove_user("u2");
    });
    let links = DeltaLinks::read(&previous).unwrap();
    let (users, _) = graph.get_delta(&links.users).unwrap();
    let (groups, _) = graph.get_delta(&links.groups).unwrap();
    let round = DeltaRound::new(&users, &groups).unwrap();
    let take_over = |name: &str| {
        let partial = folder.path().join(name);
        std::fs::create_dir(&partial).unwrap();
        let indexed = PreviousSnapshot::read(&previous).unwrap();
        let lists = apply_delta(&previous, &indexed, &partial, &round).unwrap();
        adopt_members(&previous, &partial, &lists).unwrap();
        assert!(!previous.join("members").exists(), "taken over by {name}");
        partial
    };

    // Undone in place: the previous snapshot is as it was, byte for byte.
    let partial = take_over(".tenant-1.partial-undone");
    restore_members(&previous, &partial);
    std::fs::remove_dir_all(&partial).unwrap();
    assert_eq!(files(&previous), before);

    // Stopped (as by a crash) after the take-over: the next sync puts the lists back first,
    // then applies the same round.
    take_over(".tenant-1.partial-crashed");
    let summary = sync(&graph, folder.path(), Some("tenant-1")).unwrap();
    assert_eq!(summary.kind, SyncKind::Delta);
    let full_folder = tempfile::tempdir().unwrap();
    let full = sync(&server.client(), full_folder.path(), None).unwrap();
    assert_eq!(
        comparable(&imported(&summary.folder)),
        comparable(&imported(&full.folder))
    );
    let names: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        [std::ffi::OsString::from("tenant-1")],
        "no leftovers"
    );
    assert!(!summary.folder.join("members.replaced").exists());
}

/// The first sync's phases run side by side under one pace: member batches start before the
/// last page of groups, users and the MFA report are read meanwhile, never more than the
/// pace's requests fly, a throttled users page holds every phase for its `Retry-After`, and
/// every request names the app in its `User-Agent`.
#[test]
fn the_first_sync_reads_its_phases_side_by_side_under_one_pace() {
    let generated = tenant(TenantSize {
        users: 3_000,
        groups: 2_500,
    });
    let server = TenantServer::start(Tenant::from_directory(&generated), 8);
    server.faults.delay_ms.store(20, Ordering::Relaxed);
    server
        .faults
        .throttle_users_page
        .store(1, Ordering::Relaxed);
    let folder = tempfile::tempdir().unwrap();
    let graph = server.client().with_requests_in_flight(3);
    let summary = sync(&graph, folder.path(), None).unwrap();
    assert_eq!(summary.kind, SyncKind::Full);

    let requests = server.requests.lock().unwrap().clone();
    let arrivals = server.arrivals.lock().unwrap().clone();
    let position = |what: &str, last: bool| {
        let mut matching = (0..requests.len()).filter(|&n| requests[n].starts_with(what));
        if last {
            matching.next_back()
        } else {
            matching.next()
        }
        .unwrap()
    };
    let last_groups_page = position("GET /v1.0/groups?", true);
    assert!(
        position("POST /v1.0/$batch", false) < last_groups_page,
        "member batches start before the last page of groups: {requests:#?}"
    );
    assert!(position("GET /v1.0/users?", false) < last_groups_page);
    assert!(position("GET /v1.0/reports/", false) < last_groups_page);
    // The server counts a request until its answer is written, so it may see one more for
    // a moment; the client's own count is exact.
    assert!(
        server.in_flight.1.load(Ordering::SeqCst) >= 2,
        "side by side"
    );
    assert_eq!(
        graph.pacer.most_in_flight(),
        3,
        "at most 3 at once, and 3 used"
    );

    // The users page answered 429 (Retry-After: 1) holds everyone for about a second.
    let throttled = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.starts_with("GET /v1.0/users?"))
        .nth(1)
        .map(|(n, _)| arrivals[n].0)
        .unwrap();
    let during_the_pause = arrivals
        .iter()
        .filter(|(at, _)| {
            *at > throttled + Duration::from_millis(200)
                && *at < throttled + Duration::from_millis(900)
        })
        .count();
    assert_eq!(during_the_pause, 0, "no phase sends while throttled");
    assert!(graph.pacer.paused() >= Duration::from_millis(500));

    let agent = format!(
        "ISV|BackupAccounts|BackupAccounts/{}",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        arrivals.iter().all(|(_, a)| *a == agent),
        "every request says who sends it"
    );
    let synced = imported(&summary.folder);
    assert_eq!(synced.organizations[0].groups.len(), 2_500);

    progress_knew_the_end(&server, &graph);
}

/// The totals are Graph's `$count` answers (one each, with `ConsistencyLevel: eventual`),
/// and every phase ended at its total.
fn progress_knew_the_end(server: &TenantServer, graph: &GraphClient) {
    let stats = &graph.stats;
    assert_eq!(server.count("GET /v1.0/users/$count"), 1);
    assert_eq!(server.count("GET /v1.0/groups/$count"), 1);
    assert_eq!(stats.users.total(), Some(3_000));
    assert_eq!(stats.mfa.total(), Some(3_000));
    assert_eq!(stats.groups.total(), Some(2_500));
    for (counter, done) in [
        (&stats.users, 3_000),
        (&stats.groups, 2_500),
        (&stats.member_lists, 2_500),
    ] {
        assert_eq!((counter.done(), counter.is_finished()), (done, true));
    }
    assert!(stats.mfa.is_finished());
    assert_eq!(stats.fraction(), Some(1.0));
    assert_eq!(stats.in_flight.load(Ordering::Relaxed), 0);
}

/// A snapshot a sync set aside and did not get to delete is removed at the next start; one
/// whose replacement is missing is left for the next sync to put back.
#[test]
fn snapshots_replaced_but_not_deleted_are_removed_at_start_unless_needed() {
    let tenants = tempfile::tempdir().unwrap();
    let replaced = tenants.path().join(".tenant-1.previous-42-7");
    let orphan = tenants.path().join(".tenant-2.previous-42-8");
    for folder in [&replaced, &orphan, &tenants.path().join("tenant-1")] {
        std::fs::create_dir_all(folder.join("members")).unwrap();
        std::fs::write(folder.join("members/g.json"), "[]").unwrap();
    }
    let workers = backup_accounts::store::graph::remove_replaced_snapshots(tenants.path());
    assert_eq!(workers.len(), 1);
    for worker in workers {
        worker.join().unwrap();
    }
    assert!(!replaced.exists(), "its replacement is in place");
    assert!(orphan.exists(), "the next sync puts it back");
    assert!(tenants.path().join("tenant-1/members/g.json").exists());
}

/// `RateLimit-*` headers that say the quota is spent hold every phase until it resets,
/// before Graph has to answer 429.
#[test]
fn a_spent_quota_slows_every_phase_down_before_a_429() {
    let server = TenantServer::start(Tenant::contoso(), 4);
    server.faults.quota_spent.store(true, Ordering::Relaxed);
    let folder = tempfile::tempdir().unwrap();
    let graph = server.client();
    sync(&graph, folder.path(), None).unwrap();
    let arrivals = server.arrivals.lock().unwrap().clone();
    let requests = server.requests.lock().unwrap().clone();
    assert!(
        requests[0].starts_with("GET /v1.0/organization"),
        "{requests:?}"
    );
    let gap = arrivals[1].0 - arrivals[0].0;
    assert!(
        gap >= Duration::from_millis(800),
        "the next request waited for the reset: {gap:?}"
    );
    assert_eq!(graph.stats.slowed.load(Ordering::Relaxed), 1);
    assert_eq!(
        graph.stats.throttled.load(Ordering::Relaxed),
        0,
        "no 429 was needed"
    );
    assert!(requests.iter().all(|r| !r.contains("429")));
}

/// Cancel while each phase of a full sync is under way (users, groups, member batches, the
/// MFA report): the sync says it was cancelled, and the previous snapshot is left byte for
/// byte, with nothing beside it.
#[test]
fn cancel_during_each_phase_leaves_the_previous_snapshot_byte_for_byte() {
    let generated = tenant(TenantSize {
        users: 3_000,
        groups: 2_500,
    });
    let server = TenantServer::start(Tenant::from_directory(&generated), 4);
    let folder = tempfile::tempdir().unwrap();
    let first = sync(&server.client(), folder.path(), None).unwrap();
    let before = files(folder.path());
    server.faults.delay_ms.store(30, Ordering::Relaxed);
    for phase in [
        "GET /v1.0/users?",
        "GET /v1.0/groups?",
        "POST /v1.0/$batch",
        "GET /v1.0/reports/",
    ] {
        server.clear_requests();
        let cancel = Arc::new(AtomicBool::new(false));
        let client = GraphClient::new(
            &server.base,
            Password::new(FIRST_ACCESS_TOKEN.into()),
            Box::new(|| Err(backup_accounts::store::graph::client::GraphError::SignInAgain)),
            cancel.clone(),
        )
        .unwrap();
        let requests = server.requests.clone();
        let watcher = std::thread::spawn(move || {
            while !requests
                .lock()
                .unwrap()
                .iter()
                .any(|r| r.starts_with(phase))
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            cancel.store(true, Ordering::Relaxed);
        });
        let error = sync(&client, folder.path(), None).unwrap_err();
        watcher.join().unwrap();
        assert!(error.to_string().contains("ancel"), "{phase}: {error}");
        assert_eq!(
            files(folder.path()),
            before,
            "{phase}: the previous snapshot is intact"
        );
    }
    assert!(first.folder.is_dir());
}
