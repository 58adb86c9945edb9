//! Applying a pool of 1,000 backup accounts, chosen from a group of 50,000 members, to a
//! local HTTPS server speaking the backup server's REST API (`tests/common/vb365_server.rs`)
//! with every answer 50 ms away. The floor is the fewest requests the API allows (a token, one
//! page of organizations, one of groups, the member pages at `limit=10000` until a short one,
//! one `PUT`, one `GET`); the baseline is that floor times the latency. `cargo test` runs it
//! once without latency on a smaller group; `scripts/bench` checks requests and time.
// A panic is how a benchmark set-up reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backup_accounts::model::Password;
use backup_accounts::model::progress::JobProgress;
use backup_accounts::store::vb365::{
    BackupServer, Fingerprint, SavedPool, ServerAddress, apply_pool,
};
use backup_accounts::store::{SecretKey, SecretStore};
use common::MemorySecrets;
use common::vb365_server::{Group, Identity, Organization, ServerState, Vb365Server};

const TENANT: &str = "4f1c6b0e-8a43-4d1e-9b7a-5c2d3e4f5a6b";
const GROUP_MSID: &str = "9a8b7c6d-0001-4000-8000-000000000001";
const USER: &str = "CONTOSO\\svc-backup";
const PASSWORD: &str = "Bench-Server-Pa55!";
const LATENCY: Duration = Duration::from_millis(50);
const PAGE: usize = 10_000;

/// A server whose one organization has one group of `members` members; their logins.
fn server_with_a_group_of(members: usize) -> (Vb365Server, Identity, Vec<String>) {
    let logins: Vec<String> = (0..members)
        .map(|n| format!("user{n:05}@contoso.com"))
        .collect();
    let mut state = ServerState::new();
    state.users.insert(USER.to_owned(), PASSWORD.to_owned());
    state.organizations.push(Organization {
        id: "00000000-0000-4000-8000-000000000001".to_owned(),
        msid: TENANT.to_owned(),
        name: "Contoso".to_owned(),
        added_by: Some("admin@contoso.com".to_owned()),
        groups: vec![Group {
            id: "srv-backup".to_owned(),
            msid: GROUP_MSID.to_owned(),
            name: "Backup accounts".to_owned(),
            members: logins.clone(),
        }],
        ..Organization::default()
    });
    let identity = Identity::self_signed("VBO365 REST");
    (Vb365Server::start(state, &identity), identity, logins)
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (members, accounts, runs) = if measuring {
        (50_000, 1_000, 5)
    } else {
        (2_000, 100, 1)
    };
    let (server, identity, logins) = server_with_a_group_of(members);
    let secrets = Arc::new(MemorySecrets::default());
    // Spread over the whole group, so every member page matters.
    let chosen: Vec<String> = logins
        .iter()
        .step_by(members / accounts)
        .take(accounts)
        .cloned()
        .collect();
    for upn in &chosen {
        secrets
            .write(
                &SecretKey::new("contoso", upn),
                &Password::new(format!("pw-{upn}")),
            )
            .unwrap();
    }
    let saved = SavedPool {
        organization_id: "contoso",
        organization_name: "Contoso",
        tenant_id: TENANT,
        group_id: GROUP_MSID,
        group_name: "Backup accounts",
        accounts: &chosen,
    };
    let address = ServerAddress::parse(&server.address()).unwrap();
    let pin = Some(Fingerprint::of(&identity.certificate_der));
    BackupServer::new(address.clone(), pin, secrets.clone())
        .unwrap()
        .sign_in(USER, &Password::new(PASSWORD.to_owned()))
        .unwrap();
    let floor = 1 + 1 + 1 + (members / PAGE + 1) + 1 + 1;
    let latency = if measuring { LATENCY } else { Duration::ZERO };
    server.set_delay(latency);

    let (mut times, mut requests, mut server_busy) = (Vec::new(), 0, Vec::new());
    for _ in 0..runs {
        // A new client, as a new window or command has: its access token comes from the
        // keyring's refresh token, which is one of the counted requests.
        let client = BackupServer::new(address.clone(), pin, secrets.clone()).unwrap();
        {
            let mut state = server.state.lock().unwrap();
            state.requests.clear();
            state.busy = Duration::ZERO;
        }
        let started = Instant::now();
        let kept = apply_pool(&client, secrets.as_ref(), &saved, &JobProgress::default()).unwrap();
        times.push(started.elapsed().as_secs_f64());
        assert_eq!(kept.accounts.len(), accounts);
        let state = server.state.lock().unwrap();
        requests = state.requests.len();
        server_busy.push(state.busy.as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    server_busy.sort_by(f64::total_cmp);
    let server_busy = server_busy[server_busy.len() / 2];
    let baseline = requests as f64 * latency.as_secs_f64();
    eprintln!(
        "server apply ({accounts} of {members} members, {} ms away): {median:.3} s, {requests} \
         requests (floor {floor}), requests x latency {baseline:.3} s, the test server's own \
         work {server_busy:.3} s",
        latency.as_millis()
    );
    if measuring {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
        let folder = std::path::Path::new(&target).join("criterion");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("server-apply.txt"),
            format!("{median} {requests} {floor} {baseline}\n"),
        )
        .unwrap();
    }
    assert_eq!(
        requests, floor,
        "the apply sends exactly the floor's requests"
    );
}
