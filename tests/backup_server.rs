//! The backup server client against a real local HTTPS server speaking the REST API v8
//! subset (`tests/common/vb365_server.rs`): certificate pinning, sign-in, paging, a token that
//! expires in the middle of an apply, members unknown until the server's synchronization,
//! app-only organizations, the error body, and nothing secret in errors or `Debug`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use backup_accounts::model::Password;
use backup_accounts::model::progress::JobProgress;
use backup_accounts::store::vb365::{
    ApplyError, BackupServer, Fingerprint, SavedPool, ServerAddress, ServerError, apply_pool,
    find_organization, read_pool,
};
use backup_accounts::store::{SecretKey, SecretStore};
use common::MemorySecrets;
use common::vb365_server::{
    Identity, PoolEntry, STACK_TRACE_MARKER, ServerState, Vb365Server, state_from_directory,
};

const USER: &str = "CONTOSO\\svc-backup";
const PASSWORD: &str = "Server-Pa55word!";
const CONTOSO: &str = "contoso";

struct Setup {
    server: Vb365Server,
    identity: Identity,
    secrets: Arc<MemorySecrets>,
}

impl Setup {
    fn new(configure: impl FnOnce(&mut ServerState)) -> Self {
        let mut state = state_from_directory(&common::demo());
        state.users.insert(USER.to_owned(), PASSWORD.to_owned());
        configure(&mut state);
        let identity = Identity::self_signed("VBO365 REST");
        let server = Vb365Server::start(state, &identity);
        Self {
            server,
            identity,
            secrets: Arc::new(MemorySecrets::default()),
        }
    }

    fn client(&self, pin: Option<Fingerprint>) -> BackupServer {
        let address = ServerAddress::parse(&self.server.address()).unwrap();
        BackupServer::new(address, pin, self.secrets.clone()).unwrap()
    }

    fn pinned(&self) -> BackupServer {
        self.client(Some(Fingerprint::of(&self.identity.certificate_der)))
    }

    fn signed_in(&self) -> BackupServer {
        let client = self.pinned();
        client
            .sign_in(USER, &Password::new(PASSWORD.to_owned()))
            .unwrap();
        client
    }

    fn requests(&self) -> Vec<String> {
        self.server.state.lock().unwrap().requests.clone()
    }
}

fn contoso_group(setup: &Setup) -> (String, String, Vec<String>) {
    let state = setup.server.state.lock().unwrap();
    let group = state
        .organization("00000000-0000-4000-8000-000000000000")
        .groups
        .iter()
        .find(|g| g.members.len() >= 3)
        .unwrap()
        .clone();
    (group.msid, group.name, group.members)
}

/// The server learns that `member` is in the group only at its next synchronization, which
/// answers "running" to `polls` polls.
fn hide_until_sync(setup: &Setup, group_id: &str, member: &str, polls: usize) {
    let mut state = setup.server.state.lock().unwrap();
    let organization = state.organization_mut("00000000-0000-4000-8000-000000000000");
    organization.sync_polls = polls;
    let group = organization
        .groups
        .iter_mut()
        .find(|g| g.msid == group_id)
        .unwrap();
    group.members.retain(|m| m != member);
    let server_group = group.id.clone();
    organization
        .unknown_until_sync
        .push((server_group, member.to_owned()));
}

/// Contoso's saved pool: `accounts` of the group (`group_id` is Microsoft's, the server's
/// `msid`).
fn contoso_pool<'a>(
    group_id: &'a str,
    group_name: &'a str,
    accounts: &'a [String],
) -> SavedPool<'a> {
    SavedPool {
        organization_id: CONTOSO,
        organization_name: "Contoso",
        tenant_id: CONTOSO,
        group_id,
        group_name,
        accounts,
    }
}

fn save_passwords(secrets: &MemorySecrets, accounts: &[String]) {
    for upn in accounts {
        secrets
            .write(
                &SecretKey::new(CONTOSO, upn),
                &Password::new(format!("pw-{upn}")),
            )
            .unwrap();
    }
}

#[test]
fn a_self_signed_certificate_is_refused_until_pinned_and_a_changed_one_after() {
    let setup = Setup::new(|_| {});
    let password = Password::new(PASSWORD.to_owned());

    let error = setup.client(None).sign_in(USER, &password).unwrap_err();
    let ServerError::UntrustedCertificate { certificate, .. } = &error else {
        panic!("{error}");
    };
    let fingerprint = Fingerprint::of(&setup.identity.certificate_der);
    assert_eq!(certificate.fingerprint, fingerprint);
    assert!(
        certificate.subject.contains("VBO365 REST"),
        "{certificate:?}"
    );
    assert!(
        error.to_string().contains(&fingerprint.to_string()),
        "{error}"
    );
    assert!(setup.requests().is_empty(), "nothing sent before trust");

    setup.pinned().sign_in(USER, &password).unwrap();
    let session = SecretKey::backup_server_session(&setup.server.address());
    assert_eq!(
        session.keyring_user(),
        format!("vb365/{}", setup.server.address())
    );
    assert!(
        setup.secrets.read(&session).unwrap().is_some(),
        "refresh token kept"
    );
    let sent = setup.requests().len();

    let other = Identity::self_signed("Someone in between");
    setup.server.replace_identity(&other);
    let error = setup.pinned().sign_in(USER, &password).unwrap_err();
    let ServerError::CertificateChanged {
        pinned, presented, ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*pinned, fingerprint);
    assert_eq!(
        presented.fingerprint,
        Fingerprint::of(&other.certificate_der)
    );
    let text = error.to_string();
    assert!(
        text.contains(&fingerprint.to_string())
            && text.contains(&presented.fingerprint.to_string()),
        "{text}"
    );
    assert_eq!(
        setup.requests().len(),
        sent,
        "nothing sent to the changed server"
    );
}

#[test]
fn a_refused_sign_in_names_the_likely_causes_and_never_the_stack_trace() {
    let setup = Setup::new(|_| {});
    let error = setup
        .pinned()
        .sign_in(USER, &Password::new("wrong".to_owned()))
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, ServerError::SignInRefused { .. }), "{text}");
    for cause in ["password", "service account", "multi-factor", "REST API"] {
        assert!(text.contains(cause), "{cause}: {text}");
    }
    assert!(
        text.contains("The user name or password is incorrect."),
        "{text}"
    );
    let debug = format!("{error:?}");
    for shown in [&text, &debug] {
        assert!(!shown.contains(STACK_TRACE_MARKER), "{shown}");
        assert!(!shown.contains("wrong"), "{shown}");
    }
}

#[test]
fn the_organization_is_found_by_tenant_id_and_its_pool_compared_over_small_pages() {
    let setup = Setup::new(|state| state.max_page = 1);
    let (group_id, group_name, members) = contoso_group(&setup);
    {
        let mut state = setup.server.state.lock().unwrap();
        let organization = state.organization_mut("00000000-0000-4000-8000-000000000000");
        organization.pool = vec![PoolEntry {
            login: members[0].to_uppercase(),
            group_id: format!("srv-{group_id}"),
            password: "server-echoes-this-secret".to_owned(),
        }];
    }
    let client = setup.signed_in();
    let organization = find_organization(&client, "CONTOSO").unwrap().unwrap();
    assert_eq!(organization.msid.as_deref(), Some(CONTOSO));
    let pool = read_pool(&client, organization).unwrap();
    assert_eq!(pool.accounts, [(members[0].to_uppercase(), group_name)]);
    assert!(!format!("{pool:?}").contains("server-echoes-this-secret"));
    // One organization per page: a full page, then an empty one; groups the same way.
    let requests = setup.requests();
    let organization_pages = requests
        .iter()
        .filter(|r| r.starts_with("GET /v8/Organizations?"))
        .count();
    assert_eq!(organization_pages, 2, "{requests:#?}");
    assert!(
        find_organization(&client, "unknown-tenant")
            .unwrap()
            .is_none()
    );
}

#[test]
fn apply_sends_the_whole_pool_with_saved_passwords_survives_an_expired_token_and_reads_back() {
    let setup = Setup::new(|state| {
        state.max_page = 2;
    });
    let (group_id, group_name, members) = contoso_group(&setup);
    let accounts: Vec<String> = members[..3].to_vec();
    save_passwords(&setup.secrets, &accounts);
    let client = setup.signed_in();
    setup.server.state.lock().unwrap().expire_access_after = Some(3);
    let saved = contoso_pool(&group_id, &group_name, &accounts);
    let progress = JobProgress::default();
    let pool = apply_pool(&client, setup.secrets.as_ref(), &saved, &progress).unwrap();
    assert_eq!(pool.accounts.len(), 3);

    let state = setup.server.state.lock().unwrap();
    let server_pool = &state
        .organization("00000000-0000-4000-8000-000000000000")
        .pool;
    for (entry, upn) in server_pool.iter().zip(&accounts) {
        assert_eq!(&entry.login, upn);
        assert_eq!(
            entry.password,
            format!("pw-{upn}"),
            "the keyring's password was sent"
        );
        assert_eq!(entry.group_id, format!("srv-{group_id}"));
    }
    assert_eq!(state.count("PUT "), 1, "one PUT for the whole pool");
    assert_eq!(
        state.count("POST /v8/token"),
        2,
        "sign-in, then one refresh"
    );
    assert!(
        state.count("GET /v8/Organizations/00000000-0000-4000-8000-000000000000/Groups/") >= 2,
        "member pages"
    );
}

#[test]
fn a_member_unknown_until_the_servers_sync_is_found_after_it_and_one_still_unknown_stops_everything()
 {
    let setup = Setup::new(|_| {});
    let (group_id, group_name, members) = contoso_group(&setup);
    let newcomer = members[0].clone();
    hide_until_sync(&setup, &group_id, &newcomer, 2);
    let accounts = vec![newcomer, members[1].clone()];
    save_passwords(&setup.secrets, &accounts);
    let client = setup.signed_in();
    let saved = contoso_pool(&group_id, &group_name, &accounts);
    apply_pool(
        &client,
        setup.secrets.as_ref(),
        &saved,
        &JobProgress::default(),
    )
    .unwrap();
    {
        let state = setup.server.state.lock().unwrap();
        assert_eq!(
            state.count("POST /v8/Organizations/00000000-0000-4000-8000-000000000000/Sync"),
            1
        );
        assert_eq!(
            state.count("GET /v8/Organizations/00000000-0000-4000-8000-000000000000/SyncState"),
            3
        );
        assert_eq!(state.count("PUT "), 1);
    }

    let stranger = vec!["nobody@contoso.com".to_owned(), members[1].clone()];
    save_passwords(&setup.secrets, &stranger);
    let saved = SavedPool {
        accounts: &stranger,
        ..saved
    };
    let error = apply_pool(
        &client,
        setup.secrets.as_ref(),
        &saved,
        &JobProgress::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, ApplyError::MembersUnknown { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("nobody@contoso.com"), "{error}");
    let state = setup.server.state.lock().unwrap();
    assert_eq!(state.count("PUT "), 1, "nothing sent");
    assert_eq!(
        state.count("POST /v8/Organizations/00000000-0000-4000-8000-000000000000/Sync"),
        2,
        "one sync per apply"
    );
}

#[test]
fn an_app_only_organization_never_gets_backup_accounts_and_a_missing_secret_stops_the_apply() {
    let setup = Setup::new(|state| {
        state
            .organization_mut("00000000-0000-4000-8000-000000000000")
            .app_only = true;
    });
    let (group_id, group_name, members) = contoso_group(&setup);
    let accounts = members[..2].to_vec();
    save_passwords(&setup.secrets, &accounts[..1]);
    let client = setup.signed_in();
    let saved = contoso_pool(&group_id, &group_name, &accounts);
    let error = apply_pool(
        &client,
        setup.secrets.as_ref(),
        &saved,
        &JobProgress::default(),
    )
    .unwrap_err();
    assert!(matches!(error, ApplyError::AppOnly { .. }), "{error}");
    assert!(error.to_string().starts_with("R1:"), "{error}");

    setup
        .server
        .state
        .lock()
        .unwrap()
        .organization_mut("00000000-0000-4000-8000-000000000000")
        .app_only = false;
    let error = apply_pool(
        &client,
        setup.secrets.as_ref(),
        &saved,
        &JobProgress::default(),
    )
    .unwrap_err();
    let ApplyError::SecretMissing { account } = &error else {
        panic!("{error}");
    };
    assert_eq!(account, &accounts[1]);
    assert_eq!(
        setup.server.state.lock().unwrap().count("PUT "),
        0,
        "nothing sent"
    );
}

#[test]
fn a_refused_refresh_asks_to_connect_again_and_disconnect_forgets_the_session() {
    let setup = Setup::new(|_| {});
    let client = setup.signed_in();
    setup.server.state.lock().unwrap().revoke_sessions();
    let error = find_organization(&client, CONTOSO).unwrap_err();
    assert!(matches!(error, ServerError::SessionEnded { .. }), "{error}");
    assert!(error.to_string().contains("Connect again"), "{error}");

    let client = setup.signed_in();
    let session = client.session_key();
    assert!(setup.secrets.read(&session).unwrap().is_some());
    client.disconnect().unwrap();
    assert!(
        setup.secrets.read(&session).unwrap().is_none(),
        "refresh token forgotten"
    );
    assert_eq!(
        setup
            .server
            .state
            .lock()
            .unwrap()
            .count("POST /v8/token/logout"),
        1
    );
    let error = find_organization(&client, CONTOSO).unwrap_err();
    assert!(matches!(error, ServerError::NotConnected), "{error}");
    assert!(!format!("{client:?}").contains("refresh-"), "{client:?}");
}

#[test]
fn cancel_while_the_server_synchronizes_sends_nothing() {
    let setup = Setup::new(|_| {});
    let (group_id, group_name, members) = contoso_group(&setup);
    let newcomer = members[0].clone();
    // The synchronization runs for as long as anyone waits.
    hide_until_sync(&setup, &group_id, &newcomer, usize::MAX);
    let accounts = vec![newcomer];
    save_passwords(&setup.secrets, &accounts);
    let client = setup.signed_in();
    let progress = Arc::new(JobProgress::default());
    let canceller = {
        let progress = progress.clone();
        let server = setup.server.state.clone();
        std::thread::spawn(move || {
            while server
                .lock()
                .unwrap()
                .count("GET /v8/Organizations/00000000-0000-4000-8000-000000000000/SyncState")
                == 0
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            progress
                .cancel
                .store(true, std::sync::atomic::Ordering::Relaxed);
        })
    };
    let started = std::time::Instant::now();
    let error = apply_pool(
        &client,
        setup.secrets.as_ref(),
        &contoso_pool(&group_id, &group_name, &accounts),
        &progress,
    )
    .unwrap_err();
    canceller.join().unwrap();
    assert!(
        matches!(error, ApplyError::Server(ServerError::Cancelled)),
        "{error}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "stopped at the next poll, not at the end of a synchronization that never ends"
    );
    assert_eq!(setup.server.state.lock().unwrap().count("PUT "), 0);
}
