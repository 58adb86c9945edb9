//! The network side under fuzzing: Graph answers (pages, `$batch` answers, delta rounds)
//! made from the fuzzer's bytes, served by an in-memory transport to a real sync (a full one,
//! then a delta round on what it wrote). Whatever the answers, the sync ends with a snapshot
//! or an error, sends nothing to another server, and writes nothing outside its folder.

// A fuzz check reports a broken invariant by panicking.
#![allow(clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::model::Password;
use crate::store::graph::client::{
    GraphClient, GraphError, HttpAnswer, HttpRequest, Transport, TransportError,
};
use crate::store::graph::sync::sync;

/// The fake Graph's address; every request must go there.
const FAKE_GRAPH: &str = "https://graph.fuzz.example";

/// Requests answered before the fake starts failing every request, so that an input whose
/// links never end still ends quickly (the client's own limits are far higher).
const REQUEST_BUDGET: usize = 300;

/// The answers, in the order of the parts of the input split at NUL bytes; a part not
/// given is a valid small answer, so fuzzing an early part still reaches the later ones.
const DEFAULT_ANSWERS: [&str; 8] = [
    r##"{"value":[{"id":"fuzz-tenant","displayName":"Fuzz"}]}"##,
    r##"{"value":[{"id":"u1","userPrincipalName":"a@fuzz.example","displayName":"A","userType":"Member","accountEnabled":true}]}"##,
    r##"{"value":[{"id":"g1","displayName":"G","securityEnabled":true,"mailEnabled":false,"groupTypes":[]}]}"##,
    r##"{"responses":[{"id":"0","status":200,"body":{"value":[{"@odata.type":"#microsoft.graph.user","id":"u1"}]}}]}"##,
    r##"{"value":[]}"##,
    r##"{"value":[{"id":"u2","userPrincipalName":"b@fuzz.example"}],"@odata.deltaLink":"https://graph.fuzz.example/v1.0/users/delta?$deltatoken=2"}"##,
    r##"{"value":[{"id":"g1","members@delta":[{"@odata.type":"#microsoft.graph.user","id":"u2"}]}],"@odata.deltaLink":"https://graph.fuzz.example/v1.0/groups/delta?$deltatoken=2"}"##,
    r##"{"value":[]}"##,
];

/// Serves the parts by request; statuses as a part's `NNN ` prefix says.
struct FakeGraph {
    answers: Vec<Vec<u8>>,
    requests: AtomicUsize,
}

impl FakeGraph {
    fn answer_for(&self, request: &HttpRequest<'_>) -> usize {
        let path = request.url.path();
        let query = request.url.query().unwrap_or_default();
        match path {
            "/v1.0/organization" => 0,
            "/v1.0/users" => 1,
            "/v1.0/groups" => 2,
            "/v1.0/$batch" => 3,
            "/v1.0/users/delta" if !query.contains("latest") => 5,
            "/v1.0/groups/delta" if !query.contains("latest") => 6,
            "/v1.0/users/delta" | "/v1.0/groups/delta" => usize::MAX,
            _ if path.ends_with("/members") => 4,
            _ => 7,
        }
    }
}

impl Transport for FakeGraph {
    fn send(&self, request: &HttpRequest<'_>) -> Result<HttpAnswer, TransportError> {
        let expected = url::Url::parse(FAKE_GRAPH).expect("the fake's own address");
        assert_eq!(
            request.url.origin(),
            expected.origin(),
            "a request left the configured Graph: {}",
            request.url
        );
        if self.requests.fetch_add(1, Ordering::Relaxed) >= REQUEST_BUDGET {
            return Ok(answer(500, b"{}".to_vec()));
        }
        let part = self.answer_for(request);
        if part == usize::MAX {
            let resource = request.url.path();
            let latest = format!(
                r#"{{"value":[],"@odata.deltaLink":"{FAKE_GRAPH}{resource}?$deltatoken=1"}}"#
            );
            return Ok(answer(200, latest.into_bytes()));
        }
        let bytes = &self.answers[part];
        let (status, body) = match bytes.get(..4).map(|p| (std::str::from_utf8(&p[..3]), p[3])) {
            Some((Ok(digits), b' ')) => match digits.parse::<u16>() {
                // Throttling would only make the fuzzer wait.
                Ok(429 | 503 | 504) => (500, &bytes[4..]),
                Ok(status) => (status, &bytes[4..]),
                Err(_) => (200, &bytes[..]),
            },
            _ => (200, &bytes[..]),
        };
        Ok(answer(status, body.to_vec()))
    }
}

fn answer(status: u16, body: Vec<u8>) -> HttpAnswer {
    HttpAnswer {
        status,
        retry_after: None,
        rate_limit: None,
        body,
    }
}

/// Runs a full sync and then a delta round against answers made from `data`, in a fresh
/// folder; panics if a request leaves the fake Graph, if anything but the tenants folder
/// appears in the folder, or if a snapshot's name is not a Graph id.
pub fn check_graph_sync_bytes(data: &[u8]) {
    let mut answers: Vec<Vec<u8>> = data.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    for (n, default) in DEFAULT_ANSWERS.iter().enumerate() {
        if answers.len() <= n {
            answers.push(default.as_bytes().to_vec());
        }
    }
    let Ok(root) = super::tempfile_folder() else {
        return;
    };
    let cancel = Arc::new(AtomicBool::new(false));
    // A `$batch` answer may ask for a wait of minutes: cancelled after two seconds instead.
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = {
        let cancel = cancel.clone();
        std::thread::Builder::new()
            .name("fuzz-watchdog".to_owned())
            .spawn(move || {
                if finished
                    .recv_timeout(std::time::Duration::from_secs(2))
                    .is_err()
                {
                    cancel.store(true, Ordering::Relaxed);
                }
            })
    };
    let client = GraphClient::with_transport(
        FAKE_GRAPH,
        Box::new(FakeGraph {
            answers,
            requests: AtomicUsize::new(0),
        }),
        Password::new("fuzz-token".to_owned()),
        Box::new(|| Err(GraphError::SignInAgain)),
        cancel,
    )
    .expect("the fake's address is https");
    let tenants = root.join("tenants");
    if let Ok(summary) = sync(&client, &tenants, None) {
        check_folder(&root, &tenants);
        let delta = sync(&client, &tenants, Some(&summary.tenant_id));
        check_folder(&root, &tenants);
        if let Ok(summary) = delta {
            let _ = crate::store::graph::import_folder(&summary.folder);
        }
    } else {
        check_folder(&root, &tenants);
    }
    drop(done);
    if let Ok(watchdog) = watchdog {
        let _ = watchdog.join();
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Nothing but `tenants/` in `root`, and nothing in it but snapshots named by a tenant id
/// (once the replaced snapshot the sync deletes on a worker is gone).
fn check_folder(root: &Path, tenants: &Path) {
    let names = |folder: &Path| -> Vec<String> {
        std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for name in names(root) {
        assert_eq!(name, "tenants", "the sync wrote outside its folder");
    }
    // The snapshot a sync replaced is deleted on a worker after the sync returns.
    let started = std::time::Instant::now();
    while names(tenants).iter().any(|n| n.contains(".previous-"))
        && started.elapsed() < std::time::Duration::from_secs(10)
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for name in names(tenants) {
        assert!(
            crate::store::graph::is_graph_id(&name),
            "a snapshot or leftover named {name:?}"
        );
    }
}
