//! Syncing the L tenant (200,000 users, 20,000 groups) from a local server that speaks
//! Microsoft Graph (`tests/common/tenant_server.rs`): a full sync's wall time and requests
//! next to the floor (pages at `$top=999` plus member batches) and to a baseline that sends
//! the same requests plainly, one after another, without reading the answers; then delta
//! syncs after 1% of the users and groups changed. `cargo test` runs it once on the small
//! tenant; `scripts/bench` checks the targets from what it writes. Last, the same with
//! every answer 50 ms away, as Graph's are at best.
// A panic is how a benchmark set-up reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/tenant_server.rs"]
mod tenant_server;

use std::io::Read as _;
use std::time::{Duration, Instant};

use backup_accounts::generate::{TenantSize, tenant};
use backup_accounts::model::Directory;
use backup_accounts::store::graph::sync::{BATCH_SIZE, PAGE_SIZE, SyncKind, sync};
use tenant_server::{FIRST_ACCESS_TOKEN, Tenant, TenantServer};

/// The fewest requests that can read the tenant: the organization, the users' and groups'
/// `$count` (for progress that knows the end), users, groups and MFA report in pages of 999,
/// one `$batch` per 20 groups, the member pages past the first, and the applications.
fn floor(directory: &Directory) -> usize {
    let organization = &directory.organizations[0];
    let users = organization.users.len().div_ceil(PAGE_SIZE);
    let groups = organization.groups.len().div_ceil(PAGE_SIZE);
    let more_member_pages: usize = organization
        .groups
        .iter()
        .map(|g| g.members.len().div_ceil(PAGE_SIZE).saturating_sub(1))
        .sum();
    1 + 2
        + users * 2
        + groups
        + organization.groups.len().div_ceil(BATCH_SIZE)
        + more_member_pages
        + 1
}

/// The requests a full sync sent, sent again plainly, one after another, each answer read
/// as bytes and dropped: what the transfer alone costs.
fn plain_requests(server: &TenantServer, requests: &[String], bodies: &[String]) -> Duration {
    let agent = ureq::AgentBuilder::new().build();
    let bearer = format!("Bearer {FIRST_ACCESS_TOKEN}");
    let mut bodies = bodies.iter();
    let started = Instant::now();
    for request in requests {
        let (method, path) = request.split_once(' ').unwrap();
        let url = format!("{}{path}", server.base);
        let answer = if method == "POST" {
            agent
                .post(&url)
                .set("Authorization", &bearer)
                .send_string(bodies.next().unwrap())
        } else {
            // `$count` wants it, as Graph does; the other requests ignore it.
            agent
                .get(&url)
                .set("Authorization", &bearer)
                .set("ConsistencyLevel", "eventual")
                .call()
        };
        let mut bytes = Vec::new();
        answer
            .unwrap()
            .into_reader()
            .read_to_end(&mut bytes)
            .unwrap();
    }
    started.elapsed()
}

/// The `$batch` bodies of a full sync, in order: the groups' ids, 20 at a time.
fn batch_bodies(directory: &Directory) -> Vec<String> {
    directory.organizations[0]
        .groups
        .chunks(BATCH_SIZE)
        .map(|chunk| {
            let requests: Vec<serde_json::Value> = chunk
                .iter()
                .enumerate()
                .map(|(n, g)| {
                    serde_json::json!({"id": n.to_string(), "method": "GET",
                        "url": format!("/groups/{}/members?$select=id&$top=999", g.id)})
                })
                .collect();
            serde_json::json!({ "requests": requests }).to_string()
        })
        .collect()
}

/// Before each timed sync, full and delta alike: the snapshot an earlier run replaced is
/// deleted (on the sync's `snapshot-cleanup` worker, which is waited for here), the files
/// earlier runs wrote are flushed (`sync`), so that no run pays for writing back or deleting
/// another's, and one untimed request is sent, since the test server's first answer after a
/// pause costs it about 25 ms more (`tiny_http` starts its connection threads), which is the
/// server's, not the sync's.
fn warm_up(server: &TenantServer, tenants: &std::path::Path) {
    let set_aside = || {
        std::fs::read_dir(tenants)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".previous-"))
    };
    while set_aside() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = std::process::Command::new("sync").status();
    ureq::get(&format!("{}/v1.0/organization", server.base))
        .set("Authorization", &format!("Bearer {FIRST_ACCESS_TOKEN}"))
        .call()
        .unwrap();
}

/// The floor of a full sync from the requests it sent: no faster than its longest chain of
/// requests that wait for one another (the organization, the two delta links, then the
/// longest of the users' `$count` and pages, the MFA report's pages, the applications' pages,
/// and the groups' `$count`, pages and the batch after the last page), nor than all its
/// requests spread over `in_flight`; times `latency`.
fn floor_seconds(requests: &[String], in_flight: usize, latency: f64) -> f64 {
    let count = |prefix: &str| requests.iter().filter(|r| r.starts_with(prefix)).count();
    let chain = 3
        + (1 + count("GET /v1.0/users?"))
            .max(count("GET /v1.0/reports/"))
            .max(count("GET /v1.0/applications"))
            .max(2 + count("GET /v1.0/groups?"));
    #[expect(clippy::cast_precision_loss, reason = "request counts")]
    let spread = requests.len() as f64 / in_flight as f64;
    #[expect(clippy::cast_precision_loss, reason = "request counts")]
    let chain = chain as f64;
    chain.max(spread) * latency
}

/// Full syncs with every answer 50 and 300 ms away and 4 and 8 requests in flight: one line
/// each: `latency_ms in_flight seconds requests floor_seconds`.
fn full_syncs_far_away(server: &TenantServer, tenants: &std::path::Path) -> String {
    let mut lines = String::new();
    for latency_ms in [50, 300] {
        server
            .faults
            .delay_ms
            .store(latency_ms, std::sync::atomic::Ordering::Relaxed);
        for in_flight in [4, 8] {
            warm_up(server, tenants);
            server.clear_requests();
            let client = server.client().with_requests_in_flight(in_flight);
            let started = Instant::now();
            sync(&client, tenants, None).unwrap();
            let seconds = started.elapsed().as_secs_f64();
            let requests = server.requests.lock().unwrap().clone();
            #[expect(clippy::cast_precision_loss, reason = "milliseconds")]
            let floor = floor_seconds(&requests, in_flight, latency_ms as f64 / 1000.0);
            eprintln!(
                "{latency_ms} ms away, {in_flight} in flight: {seconds:.2} s, {} requests, \
                 floor {floor:.2} s ({:.2}x)",
                requests.len(),
                seconds / floor
            );
            lines += &format!(
                "{latency_ms} {in_flight} {seconds} {} {floor}\n",
                requests.len()
            );
        }
    }
    lines
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `runs` full syncs into `tenants`: their times, the times of the same requests sent
/// plainly, and how many requests a full sync sends.
fn full_syncs(
    server: &TenantServer,
    generated: &Directory,
    tenants: &std::path::Path,
    runs: usize,
) -> (Vec<f64>, Vec<f64>, usize) {
    let (mut full, mut plain, mut full_requests) = (Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        warm_up(server, tenants);
        server.clear_requests();
        let started = Instant::now();
        let summary = sync(&server.client(), tenants, None).unwrap();
        full.push(started.elapsed().as_secs_f64());
        assert_eq!(summary.kind, SyncKind::Full);
        let requests = server.requests.lock().unwrap().clone();
        full_requests = requests.len();
        // The same requests, groups in their batches' order (batches finish out of order).
        let mut ordered: Vec<String> = requests
            .iter()
            .filter(|r| r.starts_with("GET"))
            .cloned()
            .collect();
        ordered.extend(requests.iter().filter(|r| r.starts_with("POST")).cloned());
        plain.push(plain_requests(server, &ordered, &batch_bodies(generated)).as_secs_f64());
    }
    (full, plain, full_requests)
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (size, runs) = if measuring {
        (TenantSize::L, 5)
    } else {
        (TenantSize::S, 1)
    };
    let generated = tenant(size);
    // As many server threads as requests may fly (at most 8 here), so that answers far away
    // overlap.
    let server = TenantServer::start(Tenant::from_directory(&generated), 8);
    let floor = floor(&generated);
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let folder = std::path::Path::new(&target).join("criterion");
    std::fs::create_dir_all(&folder).unwrap();
    let tenants = tempfile::tempdir_in(&folder).unwrap();

    let (full, plain, full_requests) = full_syncs(&server, &generated, tenants.path(), runs);

    let mut round = 0;
    let mut delta_rounds = |count: usize| {
        let (mut times, mut requests) = (Vec::new(), Vec::new());
        for _ in 0..count {
            round += 1;
            server.change(|tenant| tenant.churn(1, round));
            warm_up(&server, tenants.path());
            server.clear_requests();
            let started = Instant::now();
            let summary = sync(
                &server.client(),
                tenants.path(),
                Some(&generated.organizations[0].id),
            )
            .unwrap();
            times.push(started.elapsed().as_secs_f64());
            assert_eq!(summary.kind, SyncKind::Delta);
            assert!(summary.changed_objects > 0);
            requests.push(server.request_count());
        }
        (times, requests)
    };
    let (delta, delta_requests) = delta_rounds(runs + 2);

    // The same, with every answer 50 ms away, as Graph's are at best: one full sync, then
    // delta syncs.
    server
        .faults
        .delay_ms
        .store(50, std::sync::atomic::Ordering::Relaxed);
    warm_up(&server, tenants.path());
    let started = Instant::now();
    sync(&server.client(), tenants.path(), None).unwrap();
    let far_full = started.elapsed().as_secs_f64();
    let (far_delta, _) = delta_rounds(3);
    let against_floors = if measuring {
        full_syncs_far_away(&server, tenants.path())
    } else {
        String::new()
    };
    std::fs::write(folder.join("graph-sync-far.txt"), against_floors).unwrap();
    server
        .faults
        .delay_ms
        .store(0, std::sync::atomic::Ordering::Relaxed);
    let far_delta = median(far_delta);
    eprintln!(
        "50 ms away: full {far_full:.2} s, delta {:.0} ms",
        far_delta * 1000.0
    );
    eprintln!("full syncs: {full:.2?} s; delta syncs: {delta:.3?} s");
    let (full, plain, delta) = (median(full), median(plain), median(delta));
    let delta_requests = delta_requests.into_iter().max().unwrap_or(0);
    eprintln!(
        "graph sync ({} users): full {full:.2} s, {full_requests} requests (floor {floor}), \
         plain requests {plain:.2} s; delta after 1% changed {:.0} ms, {delta_requests} requests",
        generated.organizations[0].users.len(),
        delta * 1000.0
    );
    std::fs::write(
        folder.join("graph-sync.txt"),
        format!(
            "{full} {full_requests} {floor} {plain} {delta} {delta_requests} {far_full} \
             {far_delta}\n"
        ),
    )
    .unwrap();
    assert!(delta_requests < full_requests);
}
