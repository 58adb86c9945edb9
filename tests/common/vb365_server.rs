//! A local HTTPS server that answers as the backup server's REST API v8 does
//! (`shared/VB365-REST.md`), for organizations held in memory: the password and refresh
//! token grants, paged organizations, groups and members (pages as small as a test wants),
//! backup accounts (GET, PUT that replaces the pool, refused for app-only organizations),
//! the directory synchronization that reveals members the server did not know, backup
//! applications (GET, DELETE), errors as `RESTExceptionInfo` with a stack trace that must
//! never be shown, and faults on demand: access tokens that expire after N requests, a
//! changed certificate, a delay before every answer. TLS by rustls with a certificate made
//! here by rcgen. Used by tests and by the apply benchmark.
#![allow(dead_code)] // Each test uses its own part of the server.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::{Value, json};

/// What every error answer carries as its stack trace; a test fails if it is ever shown.
pub const STACK_TRACE_MARKER: &str = "at Veeam.Archiver.REST.SECRET_STACK_FRAME";

#[derive(Clone, Debug, Default)]
pub struct Group {
    pub id: String,
    pub msid: String,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PoolEntry {
    pub login: String,
    pub group_id: String,
    pub password: String,
}

#[derive(Clone, Debug, Default)]
pub struct Organization {
    pub id: String,
    pub msid: String,
    pub name: String,
    pub app_only: bool,
    pub added_by: Option<String>,
    pub application_id: Option<String>,
    pub groups: Vec<Group>,
    pub pool: Vec<PoolEntry>,
    /// (application id, display name)
    pub applications: Vec<(String, String)>,
    /// (group id, login): members the server learns only at its next synchronization.
    pub unknown_until_sync: Vec<(String, String)>,
    /// How many `SyncState` polls answer `Running` after a `Sync`.
    pub sync_polls: usize,
}

#[derive(Debug, Default)]
pub struct ServerState {
    pub users: HashMap<String, String>,
    pub organizations: Vec<Organization>,
    /// The largest page served, whatever `limit` asks (the API's own maximum is 10,000).
    pub max_page: usize,
    access_tokens: HashSet<String>,
    refresh_tokens: HashSet<String>,
    /// After this many authorized requests, every access token issued so far expires.
    pub expire_access_after: Option<usize>,
    authorized: usize,
    issued: usize,
    sync_polls_left: HashMap<String, usize>,
    /// Every request: `METHOD /path?query`.
    pub requests: Vec<String>,
    /// A member page serialized by its route, sent instead of the route's `Value`.
    serialized_reply: Option<String>,
    /// How long the server spent answering, added delays left out.
    pub busy: Duration,
    /// Every `PUT .../BackupAccounts` body, as sent.
    pub put_bodies: Vec<Value>,
}

impl ServerState {
    pub fn new() -> Self {
        Self {
            max_page: 10_000,
            ..Self::default()
        }
    }

    pub fn organization(&self, id: &str) -> &Organization {
        self.organizations.iter().find(|o| o.id == id).unwrap()
    }

    pub fn organization_mut(&mut self, id: &str) -> &mut Organization {
        self.organizations.iter_mut().find(|o| o.id == id).unwrap()
    }

    /// Revokes every session, as a restart of the server would.
    pub fn revoke_sessions(&mut self) {
        self.access_tokens.clear();
        self.refresh_tokens.clear();
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.requests
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }
}

/// The certificate the server presents.
pub struct Identity {
    pub certificate_der: Vec<u8>,
    key_der: Vec<u8>,
    /// PEM of the certificate authority that signed it, when one did.
    pub authority_pem: Option<String>,
}

impl Identity {
    /// Self-signed for `localhost` and 127.0.0.1, as the product's own certificate is.
    pub fn self_signed(name: &str) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = params(name);
        params.is_ca = rcgen::IsCa::NoCa;
        let certificate = params.self_signed(&key).unwrap();
        Self {
            certificate_der: certificate.der().to_vec(),
            key_der: key.serialize_der(),
            authority_pem: None,
        }
    }

    /// Signed by a certificate authority made here; its PEM goes in `SSL_CERT_FILE` to make it
    /// one of the system roots of a process.
    pub fn signed_by_authority() -> Self {
        let authority_key = rcgen::KeyPair::generate().unwrap();
        let mut authority = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        authority
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test Root Authority");
        authority.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let authority_certificate = authority.self_signed(&authority_key).unwrap();
        let issuer = rcgen::Issuer::new(authority, authority_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = params("vbo.test").signed_by(&key, &issuer).unwrap();
        Self {
            certificate_der: certificate.der().to_vec(),
            key_der: key.serialize_der(),
            authority_pem: Some(authority_certificate.pem()),
        }
    }

    fn tls_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certificate = rustls::pki_types::CertificateDer::from(self.certificate_der.clone());
        let key = rustls::pki_types::PrivateKeyDer::try_from(self.key_der.clone()).unwrap();
        Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![certificate], key)
                .unwrap(),
        )
    }
}

fn params(name: &str) -> rcgen::CertificateParams {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params
}

pub struct Vb365Server {
    pub port: u16,
    pub state: Arc<Mutex<ServerState>>,
    tls: Arc<RwLock<Arc<rustls::ServerConfig>>>,
    pub delay: Arc<Mutex<Duration>>,
    pub connections: Arc<AtomicUsize>,
}

impl Vb365Server {
    pub fn start(state: ServerState, identity: &Identity) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = Self {
            port,
            state: Arc::new(Mutex::new(state)),
            tls: Arc::new(RwLock::new(identity.tls_config())),
            delay: Arc::new(Mutex::new(Duration::ZERO)),
            connections: Arc::new(AtomicUsize::new(0)),
        };
        let (state, tls, delay, connections) = (
            server.state.clone(),
            server.tls.clone(),
            server.delay.clone(),
            server.connections.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                connections.fetch_add(1, Ordering::Relaxed);
                let config = tls.read().unwrap().clone();
                let (state, delay) = (state.clone(), delay.clone());
                std::thread::spawn(move || serve_connection(stream, config, &state, &delay));
            }
        });
        server
    }

    /// `localhost:PORT`.
    pub fn address(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// Presents another certificate from the next connection on.
    pub fn replace_identity(&self, identity: &Identity) {
        *self.tls.write().unwrap() = identity.tls_config();
    }

    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }
}

struct Request {
    method: String,
    path: Vec<String>,
    query: HashMap<String, String>,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn serve_connection(
    stream: TcpStream,
    config: Arc<rustls::ServerConfig>,
    state: &Mutex<ServerState>,
    delay: &Mutex<Duration>,
) {
    let _ = stream.set_nodelay(true);
    let Ok(connection) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut reader = BufReader::new(rustls::StreamOwned::new(connection, stream));
    while let Some(request) = read_request(&mut reader) {
        let started = std::time::Instant::now();
        let (status, body) = answer(state, &request);
        let pause = *delay.lock().unwrap();
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
        // 204 has no body (a client reading the next answer on this connection would
        // otherwise read it first).
        let (head, body) = if status == 204 {
            ("HTTP/1.1 204 No Content\r\n\r\n".to_owned(), String::new())
        } else {
            let body = match body {
                Reply::Json(value) => value.to_string(),
                Reply::Text(text) => text,
            };
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            (head, body)
        };
        let stream = reader.get_mut();
        if stream.write_all(head.as_bytes()).is_err()
            || stream.write_all(body.as_bytes()).is_err()
            || stream.flush().is_err()
        {
            return;
        }
        // The server's own time for the answer, without the added delay.
        state.lock().unwrap().busy += started.elapsed().saturating_sub(pause);
    }
}

fn read_request(reader: &mut impl std::io::BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let (mut length, mut authorization) = (0, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let url = url::Url::parse(&format!("https://server{target}")).ok()?;
    Some(Request {
        method,
        path: url.path_segments()?.map(str::to_owned).collect(),
        query: url.query_pairs().into_owned().collect(),
        authorization,
        body,
    })
}

fn error(status: u16, message: &str, code: &str) -> (u16, Value) {
    (
        status,
        json!({"message": message, "errorCode": code, "stackTrace": STACK_TRACE_MARKER}),
    )
}

/// An answer's body: JSON built as a `Value`, or text already serialized (member pages, which
/// are large and built straight from the members, as a real server streams them).
enum Reply {
    Json(Value),
    Text(String),
}

fn answer(state: &Mutex<ServerState>, request: &Request) -> (u16, Reply) {
    let (status, value) = answer_json(state, request);
    match state.lock().unwrap().serialized_reply.take() {
        Some(text) => (status, Reply::Text(text)),
        None => (status, Reply::Json(value)),
    }
}

fn answer_json(state: &Mutex<ServerState>, request: &Request) -> (u16, Value) {
    let mut state = state.lock().unwrap();
    let query: Vec<String> = {
        let mut pairs: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.sort();
        pairs
    };
    state.requests.push(format!(
        "{} /{}?{}",
        request.method,
        request.path.join("/"),
        query.join("&")
    ));
    let path: Vec<&str> = request.path.iter().map(String::as_str).collect();
    if path.first() != Some(&"v8") {
        return (404, Value::Null);
    }
    if path[1..] == ["token"] && request.method == "POST" {
        return token(&mut state, &request.body);
    }
    let token = request
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !state.access_tokens.contains(token) {
        return error(
            401,
            "The access token is not valid.",
            "ResourceAccessDenied",
        );
    }
    state.authorized += 1;
    if state
        .expire_access_after
        .is_some_and(|after| state.authorized >= after)
    {
        state.expire_access_after = None;
        state.access_tokens.clear();
    }
    route(&mut state, request, &path[1..])
}

fn token(state: &mut ServerState, body: &[u8]) -> (u16, Value) {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    if form.get("disable_antiforgery_token").map(String::as_str) != Some("true") {
        return error(
            400,
            "The antiforgery token is missing.",
            "ParameterValidationFailure",
        );
    }
    let granted = match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            let user = form.get("username").cloned().unwrap_or_default();
            state.users.get(&user) == form.get("password")
        }
        Some("refresh_token") => form
            .get("refresh_token")
            .is_some_and(|t| state.refresh_tokens.remove(t)),
        _ => false,
    };
    if !granted {
        return error(
            400,
            "The user name or password is incorrect.",
            "ResourceAccessDenied",
        );
    }
    state.issued += 1;
    let (access, refresh) = (
        format!("access-{}", state.issued),
        format!("refresh-{}", state.issued),
    );
    state.access_tokens.insert(access.clone());
    state.refresh_tokens.insert(refresh.clone());
    (
        200,
        json!({"access_token": access, "refresh_token": refresh, "token_type": "bearer",
               "expires_in": 3600, "userName": form.get("username")}),
    )
}

/// One page of `items`, as `limit` and `offset` ask; only the page's items become JSON, so a
/// 50,000-member group costs the server one page's work per request, as a real server's.
fn page<T>(
    state: &ServerState,
    request: &Request,
    items: &[T],
    to_json: impl Fn(&T) -> Value,
) -> (u16, Value) {
    let (offset, limit) = offset_and_limit(state, request);
    let results: Vec<Value> = items.iter().skip(offset).take(limit).map(to_json).collect();
    (
        200,
        json!({"offset": offset, "limit": limit, "results": results,
               "_links": {"self": {"href": "https://evil.example/v8/steal"}}}),
    )
}

/// The page's `offset` and `limit`: as asked, at most 10,000 and at most `max_page`.
fn offset_and_limit(state: &ServerState, request: &Request) -> (usize, usize) {
    let number = |name: &str, default: usize| {
        request
            .query
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let limit = number("limit", 30).min(10_000).min(state.max_page);
    (number("offset", 0), limit)
}

/// A page of `RESTGroupMember`s, as [`member_json`] writes each.
#[derive(serde::Serialize)]
struct MemberPage<'a> {
    offset: usize,
    limit: usize,
    results: Vec<Member<'a>>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Member<'a> {
    group_id: &'a str,
    name: &'a str,
    login: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    is_cloud: bool,
    data_location: &'static str,
    #[serde(rename = "_links")]
    links: Links,
}

/// A link that points elsewhere, as answers may hold: the client must never follow it.
#[derive(serde::Serialize)]
struct Links {
    #[serde(rename = "self")]
    own: Href,
}

#[derive(serde::Serialize)]
struct Href {
    href: &'static str,
}

impl<'a> Member<'a> {
    fn new(group_id: &'a str, login: &'a str) -> Self {
        Self {
            group_id,
            name: login.split('@').next().unwrap_or_default(),
            login,
            kind: "User",
            is_cloud: true,
            data_location: "Cloud",
            links: Links {
                own: Href {
                    href: "https://evil.example/",
                },
            },
        }
    }
}

fn member_json(group_id: &str, login: &str) -> Value {
    json!({"groupId": group_id, "name": login.split('@').next(), "login": login,
           "type": "User", "isCloud": true, "dataLocation": "Cloud",
           "_links": {"self": {"href": "https://evil.example/"}}})
}

fn route(state: &mut ServerState, request: &Request, path: &[&str]) -> (u16, Value) {
    let method = request.method.as_str();
    match (method, path) {
        ("POST", ["token", "logout"]) => (204, Value::Null),
        ("GET", ["ServiceInstance"]) => (
            200,
            json!({"installationId": "00000000-0000-4000-8000-000000000000", "version": "8.1.0.305"}),
        ),
        ("GET", ["Organizations"]) => {
            let msid = request.query.get("msid");
            let items: Vec<&Organization> = state
                .organizations
                .iter()
                .filter(|o| msid.is_none_or(|m| m.eq_ignore_ascii_case(&o.msid)))
                .collect();
            page(state, request, &items, |o| organization_json(o))
        }
        (_, ["Organizations", id, rest @ ..]) => {
            let Some(position) = state.organizations.iter().position(|o| o.id == *id) else {
                return error(404, "The organization was not found.", "ResourceNotFound");
            };
            organization_route(state, position, request, rest)
        }
        _ => error(404, "No such resource.", "ResourceNotFound"),
    }
}

fn organization_json(o: &Organization) -> Value {
    json!({"id": o.id, "name": o.name, "officeName": o.name, "msid": o.msid,
           "type": "Office365", "region": "Worldwide", "isSharePointOnline": true,
           "sharePointOnlineSettings": {"useApplicationOnlyAuth": o.app_only,
                                        "applicationId": o.application_id},
           "exchangeOnlineSettings": {"account": o.added_by}})
}

fn organization_route(
    state: &mut ServerState,
    position: usize,
    request: &Request,
    rest: &[&str],
) -> (u16, Value) {
    let method = request.method.as_str();
    match (method, rest) {
        ("GET", ["Groups"]) => page(
            state,
            request,
            &state.organizations[position].groups,
            |g| json!({"id": g.id, "msid": g.msid, "displayName": g.name, "name": g.name, "type": "Security"}),
        ),
        ("GET", ["Groups", group, "Members"]) => {
            let organization = &state.organizations[position];
            let Some(group) = organization.groups.iter().find(|g| g.id == *group) else {
                return error(404, "The group was not found.", "ResourceNotFound");
            };
            let (offset, limit) = offset_and_limit(state, request);
            let page = MemberPage {
                offset,
                limit,
                results: group
                    .members
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .map(|login| Member::new(&group.id, login))
                    .collect(),
            };
            state.serialized_reply = Some(serde_json::to_string(&page).unwrap());
            (200, Value::Null)
        }
        ("GET", ["BackupAccounts"]) => {
            let pool = &state.organizations[position].pool;
            // The server sends the password back: the client must treat it as a secret.
            let items: Vec<Value> = pool
                .iter()
                .map(|e| json!({"groupMember": member_json(&e.group_id, &e.login), "password": e.password}))
                .collect();
            (200, Value::Array(items))
        }
        ("PUT", ["BackupAccounts"]) => put_backup_accounts(state, position, &request.body),
        ("POST", ["Sync"]) => {
            let organization = &mut state.organizations[position];
            for (group, login) in std::mem::take(&mut organization.unknown_until_sync) {
                if let Some(g) = organization.groups.iter_mut().find(|g| g.id == group) {
                    g.members.push(login);
                }
            }
            let polls = organization.sync_polls;
            let id = organization.id.clone();
            state.sync_polls_left.insert(id, polls);
            (200, json!({"_links": {}}))
        }
        ("GET", ["SyncState"]) => {
            let id = state.organizations[position].id.clone();
            let left = state.sync_polls_left.entry(id).or_default();
            let running = *left > 0;
            *left = left.saturating_sub(1);
            (
                200,
                json!({"state": if running { "Running" } else { "Success" }}),
            )
        }
        ("GET", ["BackupApplications"]) => page(
            state,
            request,
            &state.organizations[position].applications,
            |(id, name)| json!({"applicationId": id, "displayName": name, "certificateThumbprint": "AB"}),
        ),
        ("DELETE", ["BackupApplications"]) => {
            let ids: Vec<String> = serde_json::from_slice(&request.body).unwrap_or_default();
            state.organizations[position]
                .applications
                .retain(|(id, _)| !ids.contains(id));
            (204, Value::Null)
        }
        _ => error(404, "No such resource.", "ResourceNotFound"),
    }
}

fn put_backup_accounts(state: &mut ServerState, position: usize, body: &[u8]) -> (u16, Value) {
    let Ok(sent) = serde_json::from_slice::<Value>(body) else {
        return error(400, "The body is not JSON.", "ParameterValidationFailure");
    };
    state.put_bodies.push(sent.clone());
    let organization = &mut state.organizations[position];
    if organization.app_only {
        return error(
            400,
            "Backup accounts cannot be used with modern app-only authentication.",
            "ParameterValidationFailure",
        );
    }
    let mut pool = Vec::new();
    // Each group's members, lower-cased, once per PUT.
    let mut members: HashMap<&str, HashSet<String>> = HashMap::new();
    for account in sent.as_array().into_iter().flatten() {
        let login = account["groupMember"]["login"].as_str().unwrap_or_default();
        let group_id = account["groupMember"]["groupId"]
            .as_str()
            .unwrap_or_default();
        let Some(group) = organization.groups.iter().find(|g| g.id == group_id) else {
            return error(400, "The group was not found.", "ResourceNotFound");
        };
        let known = members
            .entry(group.id.as_str())
            .or_insert_with(|| group.members.iter().map(|m| m.to_lowercase()).collect())
            .contains(&login.to_lowercase());
        if !known {
            return error(
                400,
                &format!("The member {login} was not found."),
                "ResourceNotFound",
            );
        }
        pool.push(PoolEntry {
            login: login.to_owned(),
            group_id: group_id.to_owned(),
            password: account["password"].as_str().unwrap_or_default().to_owned(),
        });
    }
    organization.pool = pool;
    (201, json!({"_links": {}}))
}

/// The server's view of organizations of a directory: same tenant ids (`msid`), each group
/// with `srv-` before Microsoft's id, members by UPN (nested groups resolved).
pub fn state_from_directory(directory: &backup_accounts::model::Directory) -> ServerState {
    let mut state = ServerState::new();
    for (n, organization) in directory.organizations.iter().enumerate() {
        let groups = organization
            .groups
            .iter()
            .map(|g| Group {
                id: format!("srv-{}", g.id),
                msid: g.id.to_string(),
                name: g.display_name.clone(),
                members: organization
                    .resolve_user_members(&g.id)
                    .into_iter()
                    .map(|u| organization.users[u].upn.to_string())
                    .collect(),
            })
            .collect();
        state.organizations.push(Organization {
            id: format!("00000000-0000-4000-8000-{n:012}"),
            msid: organization.id.to_string(),
            name: organization.name.clone(),
            app_only: organization.authentication
                == backup_accounts::model::AuthenticationMethod::ModernAppOnly,
            added_by: Some(organization.added_by.clone()),
            application_id: organization.added_with_application.clone(),
            groups,
            ..Organization::default()
        });
    }
    state
}
