//! A local HTTP server (`tiny_http`) that answers as the Microsoft identity platform and
//! Microsoft Graph v1.0 do, for a tenant held in memory (a generated one, or a handful of
//! users): the device code flow and refresh tokens, paged users and groups, `$batch`,
//! member lists with next links, the MFA report, `users/delta` and `groups/delta` with
//! `members@delta` and `@removed`, `$deltatoken=latest`, and faults on demand (429 with
//! `Retry-After`, 503, a 429 inside a batch, an expired access token, a revoked refresh
//! token, a 410 on a delta link it no longer knows). Used by tests and by the sync benchmark.
#![allow(dead_code)] // Each test uses its own part of the server.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use backup_accounts::model::{Directory, Member};
use serde_json::{Value, json};

const PAGE: usize = 999;

#[derive(Clone, Debug)]
pub struct ServerUser {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub guest: bool,
    pub enabled: bool,
    pub mfa: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    fn odata_type(self) -> &'static str {
        match self {
            Kind::User => "#microsoft.graph.user",
            Kind::Group => "#microsoft.graph.group",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServerGroup {
    pub id: String,
    pub display_name: String,
    pub security_enabled: bool,
    pub mail_enabled: bool,
    pub group_types: Vec<String>,
    pub membership_rule: Option<String>,
    pub members: Vec<(Kind, String)>,
}

#[derive(Clone, Debug)]
enum Change {
    User(String),
    Group(String),
    Member {
        group: String,
        member: String,
        kind: Kind,
    },
}

/// The tenant the server answers for. Removed objects leave a hole so that page offsets
/// stay valid.
#[derive(Debug)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    users: Vec<Option<ServerUser>>,
    user_at: HashMap<String, usize>,
    groups: Vec<Option<ServerGroup>>,
    group_at: HashMap<String, usize>,
    round: usize,
    log: Vec<(usize, Change)>,
}

impl Tenant {
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            users: Vec::new(),
            user_at: HashMap::new(),
            groups: Vec::new(),
            group_at: HashMap::new(),
            round: 1,
            log: Vec::new(),
        }
    }

    /// Contoso: alice, bob and carol; Backup Operators (g-ops: alice, bob and the nested
    /// Europe) and Europe (g-eu: carol).
    pub fn contoso() -> Self {
        let mut tenant = Self::new("tenant-1", "Contoso");
        for (id, upn) in [("u1", "alice"), ("u2", "bob"), ("u3", "carol")] {
            tenant.add_user(ServerUser {
                id: id.into(),
                upn: format!("{upn}@contoso.com"),
                display_name: upn.into(),
                guest: false,
                enabled: true,
                mfa: false,
            });
        }
        let group = |id: &str, name: &str, members: Vec<(Kind, String)>| ServerGroup {
            id: id.into(),
            display_name: name.into(),
            security_enabled: true,
            mail_enabled: false,
            group_types: Vec::new(),
            membership_rule: None,
            members,
        };
        tenant.add_group(group(
            "g-ops",
            "Backup Operators",
            vec![
                (Kind::User, "u1".into()),
                (Kind::User, "u2".into()),
                (Kind::Group, "g-eu".into()),
            ],
        ));
        tenant.add_group(group("g-eu", "Europe", vec![(Kind::User, "u3".into())]));
        tenant
    }

    /// The directory's first organization, with Graph-like ids for its users.
    pub fn from_directory(directory: &Directory) -> Self {
        let organization = &directory.organizations[0];
        let mut tenant = Self::new(&organization.id, &organization.name);
        let mut id_of_upn = HashMap::new();
        for (n, user) in organization.users.iter().enumerate() {
            let id = user_id(n);
            id_of_upn.insert(user.upn.to_lowercase(), id.clone());
            tenant.add_user(ServerUser {
                id,
                upn: user.upn.to_string(),
                display_name: user.display_name.clone(),
                guest: user.guest,
                enabled: user.enabled,
                mfa: user.mfa_enabled,
            });
        }
        for group in &organization.groups {
            let members = group
                .members
                .iter()
                .map(|m| match m {
                    Member::User(upn) => (Kind::User, id_of_upn[&upn.to_lowercase()].clone()),
                    Member::Group(id) => (Kind::Group, id.to_string()),
                })
                .collect();
            tenant.add_group(ServerGroup {
                id: group.id.to_string(),
                display_name: group.display_name.clone(),
                security_enabled: group.security_enabled,
                mail_enabled: group.mail_enabled,
                group_types: group.group_types.clone(),
                membership_rule: group.membership_rule.clone(),
                members,
            });
        }
        tenant.log.clear();
        tenant
    }

    pub fn users(&self) -> impl Iterator<Item = &ServerUser> {
        self.users.iter().flatten()
    }

    pub fn groups(&self) -> impl Iterator<Item = &ServerGroup> {
        self.groups.iter().flatten()
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&ServerUser> {
        self.users().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }

    pub fn group(&self, id: &str) -> Option<&ServerGroup> {
        self.groups[*self.group_at.get(id)?].as_ref()
    }

    pub fn add_user(&mut self, user: ServerUser) {
        self.log.push((self.round, Change::User(user.id.clone())));
        self.user_at.insert(user.id.clone(), self.users.len());
        self.users.push(Some(user));
    }

    pub fn rename_user(&mut self, id: &str, display_name: &str) {
        if let Some(user) = self.users[self.user_at[id]].as_mut() {
            user.display_name = display_name.to_owned();
            self.log.push((self.round, Change::User(id.to_owned())));
        }
    }

    pub fn disable_user(&mut self, id: &str) {
        if let Some(user) = self.users[self.user_at[id]].as_mut() {
            user.enabled = false;
            self.log.push((self.round, Change::User(id.to_owned())));
        }
    }

    /// Deletes the user and, as Graph does, takes it out of every group it was in.
    pub fn remove_user(&mut self, id: &str) {
        let groups: Vec<String> = self
            .groups()
            .filter(|g| g.members.iter().any(|(_, m)| m == id))
            .map(|g| g.id.clone())
            .collect();
        self.delete_user(id, &groups);
    }

    fn delete_user(&mut self, id: &str, groups: &[String]) {
        if let Some(at) = self.user_at.remove(id) {
            self.users[at] = None;
            self.log.push((self.round, Change::User(id.to_owned())));
            for group in groups {
                self.remove_member(group, id);
            }
        }
    }

    pub fn add_group(&mut self, group: ServerGroup) {
        self.log.push((self.round, Change::Group(group.id.clone())));
        for (kind, member) in &group.members {
            self.log.push((
                self.round,
                Change::Member {
                    group: group.id.clone(),
                    member: member.clone(),
                    kind: *kind,
                },
            ));
        }
        self.group_at.insert(group.id.clone(), self.groups.len());
        self.groups.push(Some(group));
    }

    pub fn add_member(&mut self, group: &str, kind: Kind, member: &str) {
        let at = self.group_at[group];
        let Some(g) = self.groups[at].as_mut() else {
            return;
        };
        if g.members.iter().any(|(_, m)| m == member) {
            return;
        }
        g.members.push((kind, member.to_owned()));
        self.log.push((
            self.round,
            Change::Member {
                group: group.to_owned(),
                member: member.to_owned(),
                kind,
            },
        ));
    }

    pub fn remove_member(&mut self, group: &str, member: &str) {
        let at = self.group_at[group];
        let Some(g) = self.groups[at].as_mut() else {
            return;
        };
        let Some(position) = g.members.iter().position(|(_, m)| m == member) else {
            return;
        };
        let (kind, _) = g.members.remove(position);
        self.log.push((
            self.round,
            Change::Member {
                group: group.to_owned(),
                member: member.to_owned(),
                kind,
            },
        ));
    }

    /// Starts a new round of changes: delta links handed out before it see them.
    pub fn next_round(&mut self) {
        self.round += 1;
    }

    /// Changes about `percent` % of the users and of the groups, the way a working week
    /// does: renames, a few deletions and new hires, members joining and leaving.
    pub fn churn(&mut self, percent: usize, seed: usize) {
        let live: Vec<String> = self.users().map(|u| u.id.clone()).collect();
        let users = live.len() * percent / 100;
        let step = (live.len() / users.max(1)).max(1);
        let mut groups_of: HashMap<String, Vec<String>> = HashMap::new();
        for group in self.groups() {
            for (_, member) in &group.members {
                groups_of
                    .entry(member.clone())
                    .or_default()
                    .push(group.id.clone());
            }
        }
        for (n, id) in live
            .iter()
            .skip(seed % step)
            .step_by(step)
            .take(users)
            .enumerate()
        {
            match n % 4 {
                0 => self.delete_user(id, groups_of.get(id).map_or(&[], Vec::as_slice)),
                1 => self.disable_user(id),
                _ => self.rename_user(id, &format!("Renamed {seed}-{n}")),
            }
        }
        for n in 0..users / 4 {
            let index = self.users.len();
            self.add_user(ServerUser {
                id: format!("new-{seed}-{n}"),
                upn: format!("hire{seed}-{n}@enterprise.example"),
                display_name: format!("New hire {n}"),
                guest: false,
                enabled: true,
                mfa: index.is_multiple_of(2),
            });
        }
        let groups: Vec<String> = self
            .groups()
            .filter(|g| g.membership_rule.is_none())
            .map(|g| g.id.clone())
            .collect();
        let count = self.groups().count() * percent / 100;
        let step = (groups.len() / count.max(1)).max(1);
        let live: Vec<String> = self.users().map(|u| u.id.clone()).collect();
        for (n, group) in groups
            .iter()
            .skip(seed % step)
            .step_by(step)
            .take(count)
            .enumerate()
        {
            let leaving = self
                .group(group)
                .and_then(|g| g.members.iter().find(|(k, _)| *k == Kind::User).cloned());
            if let Some((_, member)) = leaving {
                self.remove_member(group, &member);
            }
            let joining = &live[(n * 7919 + seed) % live.len()];
            self.add_member(group, Kind::User, joining);
        }
    }

    fn user_json(user: &ServerUser) -> Value {
        json!({
            "id": user.id,
            "userPrincipalName": user.upn,
            "displayName": user.display_name,
            "userType": if user.guest { "Guest" } else { "Member" },
            "accountEnabled": user.enabled,
        })
    }

    fn group_json(group: &ServerGroup) -> Value {
        json!({
            "id": group.id,
            "displayName": group.display_name,
            "securityEnabled": group.security_enabled,
            "mailEnabled": group.mail_enabled,
            "groupTypes": group.group_types,
            "membershipRule": group.membership_rule,
        })
    }

    /// The changes since round `since`, as `users/delta` lists them.
    fn user_changes(&self, since: usize) -> Vec<Value> {
        let mut seen = HashSet::new();
        self.log
            .iter()
            .filter(|(round, _)| *round > since)
            .filter_map(|(_, change)| match change {
                Change::User(id) if seen.insert(id.clone()) => Some(id),
                _ => None,
            })
            .map(
                |id| match self.user_at.get(id).and_then(|&at| self.users[at].as_ref()) {
                    Some(user) => Self::user_json(user),
                    None => json!({"id": id, "@removed": {"reason": "changed"}}),
                },
            )
            .collect()
    }

    /// The changes since round `since`, as `groups/delta` lists them, `members@delta` too.
    fn group_changes(&self, since: usize) -> Vec<Value> {
        let mut order = Vec::new();
        let mut members: HashMap<&str, Vec<(&str, Kind)>> = HashMap::new();
        for (_, change) in self.log.iter().filter(|(round, _)| *round > since) {
            let (group, member) = match change {
                Change::Group(id) => (id.as_str(), None),
                Change::Member {
                    group,
                    member,
                    kind,
                } => (group.as_str(), Some((member.as_str(), *kind))),
                Change::User(_) => continue,
            };
            let entry = members.entry(group).or_insert_with(|| {
                order.push(group);
                Vec::new()
            });
            if let Some(member) = member
                && !entry.contains(&member)
            {
                entry.push(member);
            }
        }
        order
            .into_iter()
            .map(|id| match self.group(id) {
                Some(group) => {
                    let mut object = Self::group_json(group);
                    let delta: Vec<Value> = members[id]
                        .iter()
                        .map(|(member, kind)| {
                            let mut entry = json!({"@odata.type": kind.odata_type(), "id": member});
                            if !group.members.iter().any(|(_, m)| m == member) {
                                entry["@removed"] = json!({"reason": "deleted"});
                            }
                            entry
                        })
                        .collect();
                    object["members@delta"] = Value::Array(delta);
                    object
                }
                None => json!({"id": id, "@removed": {"reason": "deleted"}}),
            })
            .collect()
    }
}

pub fn user_id(n: usize) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

/// Faults to serve, each used up as it is served.
#[derive(Debug, Default)]
pub struct Faults {
    /// 429 with `Retry-After: 1` for the second page of users, this many times.
    pub throttle_users_page: AtomicUsize,
    /// 503 without `Retry-After` for the first page of groups, this many times.
    pub unavailable_groups: AtomicUsize,
    /// A 429 with `Retry-After: 1` inside the next batches, for their first request.
    pub throttle_in_batch: AtomicUsize,
    /// The next Graph request finds its access token expired (401).
    pub expire_access_token: AtomicBool,
    /// The refresh token no longer works (`invalid_grant`).
    pub revoke_refresh_token: AtomicBool,
    /// Every delta link handed out so far is refused with 410.
    pub forget_delta_links: AtomicBool,
    /// The MFA report is refused (403), as without `AuditLog.Read.All`.
    pub refuse_mfa_report: AtomicBool,
    /// `authorization_pending` answers before the device code sign-in succeeds.
    pub pending_polls: AtomicUsize,
    /// The groups request fails (500).
    pub break_groups: AtomicBool,
    /// Every Graph answer waits this long, so a window can be read while a sync runs.
    pub delay_ms: AtomicUsize,
    /// The next Graph answer says the quota is spent until the next second
    /// (`RateLimit-Remaining: 0`, `RateLimit-Reset: 1`), without a 429.
    pub quota_spent: AtomicBool,
    /// Links of one kind ("users", "members" or "delta") point to this base instead of the
    /// server's own: a hostile or broken server.
    pub foreign_links: Mutex<Option<(&'static str, String)>>,
    /// Users pages carry, before their own `@odata.nextLink`, another one nested in an
    /// object (to `$skiptoken=1`): a decoy for a client that looks for the link in the bytes.
    pub decoy_next_link: AtomicBool,
}

#[derive(Debug, Default)]
struct Tokens {
    access: String,
    refresh: String,
    issued: usize,
    /// Delta links of rounds before this one are refused (410).
    forgotten_before: usize,
}

pub struct TenantServer {
    pub base: String,
    pub tenant: Arc<RwLock<Tenant>>,
    pub faults: Arc<Faults>,
    /// Every request, as "METHOD path", in the order received.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// When each of `requests` arrived, and the `User-Agent` it carried.
    pub arrivals: Arc<Mutex<Vec<(std::time::Instant, String)>>>,
    /// Requests being answered now, and the most there were at once.
    pub in_flight: Arc<(AtomicUsize, AtomicUsize)>,
    tokens: Arc<Mutex<Tokens>>,
}

/// The access token the server accepts before any sign-in or refresh.
pub const FIRST_ACCESS_TOKEN: &str = "access-0";

impl TenantServer {
    /// A Graph client for this server with the access token it accepts first, and no way to
    /// refresh it.
    pub fn client(&self) -> backup_accounts::store::graph::client::GraphClient {
        use backup_accounts::store::graph::client::{GraphClient, GraphError};
        GraphClient::new(
            &self.base,
            backup_accounts::model::Password::new(FIRST_ACCESS_TOKEN.into()),
            Box::new(|| Err(GraphError::SignInAgain)),
            Arc::default(),
        )
        .unwrap()
    }

    /// Serves `tenant` on a free port of 127.0.0.1, on `threads` threads.
    pub fn start(tenant: Tenant, threads: usize) -> Self {
        let server = Arc::new(tiny_http::Server::from_listener(no_delay_listener(), None).unwrap());
        let base = format!(
            "http://127.0.0.1:{}",
            server.server_addr().to_ip().unwrap().port()
        );
        let this = Self {
            base,
            tenant: Arc::new(RwLock::new(tenant)),
            faults: Arc::new(Faults {
                pending_polls: AtomicUsize::new(2),
                ..Faults::default()
            }),
            requests: Arc::default(),
            arrivals: Arc::default(),
            in_flight: Arc::default(),
            tokens: Arc::new(Mutex::new(Tokens {
                access: FIRST_ACCESS_TOKEN.to_owned(),
                refresh: "refresh-0".to_owned(),
                ..Tokens::default()
            })),
        };
        for n in 0..threads.max(1) {
            let handler = Handler {
                base: this.base.clone(),
                tenant: this.tenant.clone(),
                faults: this.faults.clone(),
                requests: this.requests.clone(),
                arrivals: this.arrivals.clone(),
                in_flight: this.in_flight.clone(),
                tokens: this.tokens.clone(),
            };
            let server = server.clone();
            std::thread::Builder::new()
                .name(format!("tenant-server-{n}"))
                .spawn(move || {
                    while let Ok(request) = server.recv() {
                        handler.handle(request);
                    }
                })
                .unwrap();
        }
        this
    }

    /// Changes the tenant in a new round.
    pub fn change(&self, change: impl FnOnce(&mut Tenant)) {
        let mut tenant = self.tenant.write().unwrap();
        tenant.next_round();
        change(&mut tenant);
    }

    /// Requests whose "METHOD path" contains `part`.
    pub fn count(&self, part: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.contains(part))
            .count()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn clear_requests(&self) {
        let mut requests = self.requests.lock().unwrap();
        requests.clear();
        self.arrivals.lock().unwrap().clear();
    }

    /// The refresh token the server would accept now.
    pub fn refresh_token(&self) -> String {
        self.tokens.lock().unwrap().refresh.clone()
    }

    /// From now on, delta links of earlier rounds get 410.
    pub fn forget_delta_links(&self) {
        let mut tenant = self.tenant.write().unwrap();
        tenant.next_round();
        self.tokens.lock().unwrap().forgotten_before = tenant.round;
    }
}

struct Handler {
    base: String,
    tenant: Arc<RwLock<Tenant>>,
    faults: Arc<Faults>,
    requests: Arc<Mutex<Vec<String>>>,
    arrivals: Arc<Mutex<Vec<(std::time::Instant, String)>>>,
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
    tokens: Arc<Mutex<Tokens>>,
}

/// A listener on a free port of 127.0.0.1 whose connections send at once (`TCP_NODELAY`,
/// inherited by accepted sockets on Linux), as a TLS server's single records do.
fn no_delay_listener() -> std::net::TcpListener {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_tcp_nodelay(true).unwrap();
    socket.set_reuse_address(true).unwrap();
    let address: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&address.into()).unwrap();
    socket.listen(128).unwrap();
    socket.into()
}

/// Takes one from a fault counter; true when there was one.
fn take(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}

/// A number after `name=` in a query.
fn query_number(path: &str, name: &str) -> Option<usize> {
    let start = path.find(&format!("{name}="))? + name.len() + 1;
    let digits: String = path[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<&'static str>,
}

fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        body,
        retry_after: None,
    }
}

fn error(status: u16, code: &str) -> Answer {
    Answer {
        status,
        body: json!({"error": {"code": code, "message": code}}),
        retry_after: None,
    }
}

impl Handler {
    /// The base of the links of `kind` this server hands out.
    fn link_base(&self, kind: &str) -> String {
        match &*self.faults.foreign_links.lock().unwrap() {
            Some((foreign_kind, base)) if *foreign_kind == kind => base.clone(),
            _ => self.base.clone(),
        }
    }

    fn handle(&self, request: tiny_http::Request) {
        let (now, most) = &*self.in_flight;
        most.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
        self.answer(request);
        now.fetch_sub(1, Ordering::SeqCst);
    }

    fn answer(&self, mut request: tiny_http::Request) {
        let path = request.url().to_owned();
        let method = request.method().to_string();
        let mut body = String::new();
        let _ = request.as_reader().read_to_string(&mut body);
        let agent = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("User-Agent"))
            .map(|h| h.value.to_string())
            .unwrap_or_default();
        {
            // One lock for both, so the two lists stay aligned.
            let mut requests = self.requests.lock().unwrap();
            requests.push(format!("{method} {path}"));
            self.arrivals
                .lock()
                .unwrap()
                .push((std::time::Instant::now(), agent));
        }
        let bearer = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.to_string())
            .unwrap_or_default();
        let eventual = request
            .headers()
            .iter()
            .any(|h| h.field.equiv("ConsistencyLevel") && h.value.as_str() == "eventual");
        let answer = if path.ends_with("/devicecode") {
            ok(json!({
                "device_code": "DEVICE-1", "user_code": "ABCD-EFGH",
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900, "interval": 1,
            }))
        } else if path.ends_with("/token") {
            self.token(&body)
        } else if let delay @ 1.. = self.faults.delay_ms.load(Ordering::Relaxed) {
            // As far away as Graph is: the wait comes before the answer, whatever it is.
            std::thread::sleep(std::time::Duration::from_millis(delay as u64));
            self.graph_answer(&bearer, &path, &body, eventual)
        } else {
            self.graph_answer(&bearer, &path, &body, eventual)
        };
        let mut response = tiny_http::Response::from_string(answer.body.to_string())
            .with_status_code(answer.status)
            .with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap(),
            );
        if let Some(seconds) = answer.retry_after {
            response = response
                .with_header(tiny_http::Header::from_bytes("Retry-After", seconds).unwrap());
        }
        if path.starts_with("/v1.0/") && self.faults.quota_spent.swap(false, Ordering::Relaxed) {
            for (name, value) in [
                ("RateLimit-Limit", "100"),
                ("RateLimit-Remaining", "0"),
                ("RateLimit-Reset", "1"),
            ] {
                response =
                    response.with_header(tiny_http::Header::from_bytes(name, value).unwrap());
            }
        }
        let _ = request.respond(response);
    }

    fn graph_answer(&self, bearer: &str, path: &str, body: &str, eventual: bool) -> Answer {
        if !self.authorized(bearer) {
            error(401, "InvalidAuthenticationToken")
        } else if let Some(resource) = path
            .strip_prefix("/v1.0/")
            .and_then(|p| p.strip_suffix("/$count"))
        {
            // As Graph: `$count` needs `ConsistencyLevel: eventual`, and answers a number.
            let tenant = self.tenant.read().unwrap();
            match (eventual, resource) {
                (false, _) => error(400, "Request_BadRequest"),
                (true, "users") => ok(json!(tenant.users().count())),
                (true, "groups") => ok(json!(tenant.groups().count())),
                _ => error(404, "Request_ResourceNotFound"),
            }
        } else if path == "/v1.0/$batch" {
            self.batch(body)
        } else {
            self.graph(path)
        }
    }

    fn authorized(&self, bearer: &str) -> bool {
        let mut tokens = self.tokens.lock().unwrap();
        if self
            .faults
            .expire_access_token
            .swap(false, Ordering::Relaxed)
        {
            tokens.access = format!("expired-{}", tokens.issued);
        }
        bearer.strip_prefix("Bearer ") == Some(tokens.access.as_str())
    }

    fn issue(tokens: &mut Tokens) -> Answer {
        tokens.issued += 1;
        tokens.access = format!("access-{}", tokens.issued);
        tokens.refresh = format!("refresh-{}", tokens.issued);
        ok(json!({
            "access_token": tokens.access, "refresh_token": tokens.refresh,
            "token_type": "Bearer", "expires_in": 3600,
        }))
    }

    fn token(&self, form: &str) -> Answer {
        let mut tokens = self.tokens.lock().unwrap();
        let field = |name: &str| {
            form.split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .unwrap_or_default()
                .to_owned()
        };
        if field("grant_type") == "refresh_token" {
            if self.faults.revoke_refresh_token.load(Ordering::Relaxed)
                || field("refresh_token") != tokens.refresh
            {
                return error(400, "invalid_grant");
            }
            return Self::issue(&mut tokens);
        }
        if take(&self.faults.pending_polls) {
            let mut answer = error(400, "authorization_pending");
            answer.body = json!({"error": "authorization_pending"});
            return answer;
        }
        Self::issue(&mut tokens)
    }

    fn graph(&self, path: &str) -> Answer {
        let tenant = self.tenant.read().unwrap();
        let base = &self.base;
        let (resource, query) = path.split_once('?').unwrap_or((path, ""));
        match resource {
            "/v1.0/organization" => {
                ok(json!({"value": [{"id": tenant.id, "displayName": tenant.name}]}))
            }
            "/v1.0/users" => {
                let start = query_number(query, "$skiptoken").unwrap_or(0);
                if start > 0 && take(&self.faults.throttle_users_page) {
                    return Answer {
                        retry_after: Some("1"),
                        ..error(429, "TooManyRequests")
                    };
                }
                let mut body = page(
                    &tenant.users,
                    start,
                    "/v1.0/users",
                    &self.link_base("users"),
                    Tenant::user_json,
                );
                if self.faults.decoy_next_link.load(Ordering::Relaxed) {
                    // Keys are written in order: "@odata.context" comes first.
                    body["@odata.context"] =
                        json!({"@odata.nextLink": format!("{base}/v1.0/users?$skiptoken=1")});
                }
                ok(body)
            }
            "/v1.0/groups" => {
                if self.faults.break_groups.load(Ordering::Relaxed) {
                    return error(500, "InternalServerError");
                }
                if take(&self.faults.unavailable_groups) {
                    return error(503, "ServiceUnavailable");
                }
                let start = query_number(query, "$skiptoken").unwrap_or(0);
                ok(page(
                    &tenant.groups,
                    start,
                    "/v1.0/groups",
                    base,
                    Tenant::group_json,
                ))
            }
            "/v1.0/reports/authenticationMethods/userRegistrationDetails" => {
                if self.faults.refuse_mfa_report.load(Ordering::Relaxed) {
                    return error(403, "Authorization_RequestDenied");
                }
                let start = query_number(query, "$skiptoken").unwrap_or(0);
                let mfa = |u: &ServerUser| json!({"id": u.id, "userPrincipalName": u.upn, "isMfaRegistered": u.mfa});
                ok(page(&tenant.users, start, resource, base, mfa))
            }
            "/v1.0/applications" => ok(json!({"value": []})),
            "/v1.0/users/delta" | "/v1.0/groups/delta" => self.delta(&tenant, resource, query),
            _ => match resource
                .strip_prefix("/v1.0/groups/")
                .and_then(|r| r.strip_suffix("/members"))
            {
                Some(id) => self.members(&tenant, id, query_number(query, "$skiptoken")),
                None => error(404, "Request_ResourceNotFound"),
            },
        }
    }

    fn members(&self, tenant: &Tenant, id: &str, start: Option<usize>) -> Answer {
        let Some(group) = tenant.group(id) else {
            return error(404, "Request_ResourceNotFound");
        };
        let start = start.unwrap_or(0);
        let value: Vec<Value> = group
            .members
            .iter()
            .skip(start)
            .take(PAGE)
            .map(|(kind, id)| json!({"@odata.type": kind.odata_type(), "id": id}))
            .collect();
        let mut body = json!({ "value": value });
        if start + PAGE < group.members.len() {
            body["@odata.nextLink"] = json!(format!(
                "{}/v1.0/groups/{id}/members?$skiptoken={}",
                self.link_base("members"),
                start + PAGE
            ));
        }
        ok(body)
    }

    /// A delta round: `$deltatoken=latest` gives only the link; `$deltatoken=R` the changes
    /// since round R; `$skiptoken=R-OFFSET` the next page of them.
    fn delta(&self, tenant: &Tenant, resource: &str, query: &str) -> Answer {
        let base = self.link_base("delta");
        let (since, offset) = if query.contains("$deltatoken=latest") {
            let link = format!("{base}{resource}?$deltatoken={}", tenant.round);
            return ok(json!({"value": [], "@odata.deltaLink": link}));
        } else if let Some(round) = query_number(query, "$deltatoken") {
            (round, 0)
        } else if let Some(skip) = query.split("$skiptoken=").nth(1) {
            let (round, offset) = skip.split_once('-').unwrap_or((skip, "0"));
            (round.parse().unwrap_or(0), offset.parse().unwrap_or(0))
        } else {
            // An initial round without a token: everything, as changes since the start.
            (0, 0)
        };
        let forgotten = self.tokens.lock().unwrap().forgotten_before;
        if self.faults.forget_delta_links.load(Ordering::Relaxed) || since < forgotten {
            return error(410, "syncStateNotFound");
        }
        let changes = if resource == "/v1.0/users/delta" {
            tenant.user_changes(since)
        } else {
            tenant.group_changes(since)
        };
        let end = (offset + PAGE).min(changes.len());
        let mut body = json!({ "value": changes[offset.min(end)..end] });
        if end < changes.len() {
            body["@odata.nextLink"] = json!(format!("{base}{resource}?$skiptoken={since}-{end}"));
        } else {
            body["@odata.deltaLink"] =
                json!(format!("{base}{resource}?$deltatoken={}", tenant.round));
        }
        ok(body)
    }

    fn batch(&self, body: &str) -> Answer {
        let request: Value = serde_json::from_str(body).unwrap_or_default();
        let throttle_first = take(&self.faults.throttle_in_batch);
        let tenant = self.tenant.read().unwrap();
        let responses: Vec<Value> = request["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(n, r)| {
                let id = r["id"].clone();
                if n == 0 && throttle_first {
                    return json!({"id": id, "status": 429, "headers": {"Retry-After": "1"},
                        "body": {"error": {"code": "TooManyRequests"}}});
                }
                let url = r["url"].as_str().unwrap_or_default();
                let group = url
                    .strip_prefix("/groups/")
                    .and_then(|u| u.split('/').next())
                    .unwrap_or_default();
                let answer = self.members(&tenant, group, None);
                json!({"id": id, "status": answer.status, "body": answer.body})
            })
            .collect();
        ok(json!({ "responses": responses }))
    }
}

/// One page of `items` from `start` (holes skipped), with a next link while more remain.
fn page<T>(
    items: &[Option<T>],
    start: usize,
    resource: &str,
    base: &str,
    json: impl Fn(&T) -> Value,
) -> Value {
    let mut value = Vec::with_capacity(PAGE);
    let mut at = start;
    while at < items.len() && value.len() < PAGE {
        if let Some(item) = &items[at] {
            value.push(json(item));
        }
        at += 1;
    }
    let mut body = json!({ "value": value });
    if items[at.min(items.len())..].iter().any(Option::is_some) {
        body["@odata.nextLink"] = json!(format!("{base}{resource}?$skiptoken={at}"));
    }
    body
}
