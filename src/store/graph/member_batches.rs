//! The first sync's member lists: twenty groups per `$batch`, each list followed through its
//! next links. Batches start as soon as the first page of groups has arrived: the groups'
//! ids come through a [`GroupQueue`] while the groups are still being paged, and as many
//! workers as the client lets requests fly take them twenty at a time.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::client::{GraphClient, GraphError, retry_after_seconds};
use super::snapshot_folder::write_pages;
use super::sync_error::SyncError;

/// Requests per `$batch`, Graph's limit.
pub const BATCH_SIZE: usize = 20;
/// Requests in flight at once by default, over every phase of a sync (member batches,
/// users, groups, the MFA report): Graph throttles per application and tenant, so a few
/// requests side by side shorten a sync without inviting throttling.
pub const BATCHES_IN_FLIGHT: usize = super::pacer::DEFAULT_IN_FLIGHT;

/// Group ids waiting for their member batches, filled while the groups are paged.
#[derive(Debug, Default)]
pub(super) struct GroupQueue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    ids: VecDeque<String>,
    /// Every group has been queued.
    closed: bool,
    /// Something failed: the workers leave.
    stopped: bool,
    /// The first failure of a worker.
    failure: Option<SyncError>,
}

impl GroupQueue {
    fn state(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues the ids of one page of groups (already checked: they name files).
    pub(super) fn push(&self, ids: impl IntoIterator<Item = String>) {
        self.state().ids.extend(ids);
        self.ready.notify_all();
    }

    /// Every group is queued: the last, shorter batch may go.
    pub(super) fn close(&self) {
        self.state().closed = true;
        self.ready.notify_all();
    }

    /// Reading the groups failed: the workers stop at their next batch.
    pub(super) fn stop(&self) {
        self.state().stopped = true;
        self.ready.notify_all();
    }

    /// The next twenty ids (fewer at the end), waiting for them; `None` when all are done
    /// or the reading stopped.
    fn next_batch(&self) -> Option<Vec<String>> {
        let mut state = self.state();
        loop {
            if state.stopped {
                return None;
            }
            if state.ids.len() >= BATCH_SIZE || (state.closed && !state.ids.is_empty()) {
                let take = state.ids.len().min(BATCH_SIZE);
                return Some(state.ids.drain(..take).collect());
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn fail(&self, error: SyncError) {
        let mut state = self.state();
        state.failure.get_or_insert(error);
        state.stopped = true;
        self.ready.notify_all();
    }
}

/// Reads the member lists of the groups `queue` hands out into `folder`, with as many
/// workers as requests may fly; the first failure stops the others at their next batch.
pub(super) fn read_queued_members(
    client: &GraphClient,
    folder: &Path,
    queue: &GroupQueue,
) -> Result<(), SyncError> {
    let work = || {
        super::pacer::as_batches(|| {
            while let Some(batch) = queue.next_batch() {
                if let Err(e) = read_members_batch(client, folder, &batch) {
                    queue.fail(e);
                }
            }
        });
    };
    std::thread::scope(|scope| {
        for n in 0..client.pacer.limit() {
            let spawned = std::thread::Builder::new()
                .name(format!("graph-batch-{n}"))
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread to be had: this one reads what is left.
                work();
            }
        }
    });
    match queue.state().failure.take() {
        Some(e) => Err(e),
        None => {
            client.stats.member_lists.finish();
            Ok(())
        }
    }
}

/// The first page of each group's members in one `$batch`; further pages by their
/// `@odata.nextLink`; a request the batch answered with 429 or 5xx is read on its own after
/// the `Retry-After` the batch gave for it (then with the client's own retries).
fn read_members_batch(
    client: &GraphClient,
    folder: &Path,
    ids: &[String],
) -> Result<(), SyncError> {
    let url = |id: &str| format!("/groups/{id}/members?$select=id&$top=999");
    let requests = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            client.check_batch_url(&url(id))?;
            Ok(serde_json::json!({"id": n.to_string(), "method": "GET", "url": url(id)}))
        })
        .collect::<Result<Vec<_>, GraphError>>()?;
    let answer = client.post("/v1.0/$batch", &serde_json::json!({ "requests": requests }))?;
    let responses = answer["responses"]
        .as_array()
        .ok_or_else(|| SyncError::Unexpected("the batch's responses".to_owned()))?;
    for (n, id) in ids.iter().enumerate() {
        let response = responses
            .iter()
            .find(|r| r["id"].as_str() == Some(&n.to_string()))
            .ok_or_else(|| SyncError::Unexpected(format!("the batch's answer for group {id}")))?;
        let first_url = format!("{}/v1.0{}", client.graph_base(), url(id));
        let first = match response["status"].as_u64() {
            Some(200) => response["body"].clone(),
            Some(403) => return Err(GraphError::Forbidden { path: url(id) }.into()),
            // Throttled or failed inside the batch: read on its own, with retries.
            _ => {
                if let Some(wait) = response["headers"]["Retry-After"]
                    .as_str()
                    .and_then(retry_after_seconds)
                {
                    client.wait_throttled(wait);
                }
                client.get(&first_url)?
            }
        };
        let pages = client.rest_of_pages(&first_url, first)?;
        write_pages(folder, &format!("{id}.json"), &pages)?;
        client.stats.member_lists.add(1);
    }
    Ok(())
}
