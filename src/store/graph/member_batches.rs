//! The first sync's member lists: twenty groups per `$batch`, [`BATCHES_IN_FLIGHT`] batches
//! in flight on named threads, each list followed through its next links.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::client::{GraphClient, GraphError, retry_after_seconds};
use super::snapshot_folder::write_pages;
use super::sync_error::{SyncError, write_error};
use crate::store::private_files::create_private_folder_new;

/// Requests per `$batch`, Graph's limit.
pub const BATCH_SIZE: usize = 20;
/// `$batch` requests in flight at once: Graph throttles per application and tenant, so a
/// few parallel batches shorten a sync without inviting throttling.
pub const BATCHES_IN_FLIGHT: usize = 4;

/// The members of every group, [`BATCHES_IN_FLIGHT`] batches at a time on named threads;
/// the first failure stops the others at their next batch.
pub(super) fn read_all_members(
    client: &GraphClient,
    folder: &Path,
    ids: &[String],
) -> Result<(), SyncError> {
    create_private_folder_new(folder).map_err(write_error(folder))?;
    let batches: Vec<&[String]> = ids.chunks(BATCH_SIZE).collect();
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<SyncError>> = Mutex::new(None);
    let failed = || {
        failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    };
    let work = || {
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let Some(batch) = batches.get(n) else { break };
            if failed() {
                break;
            }
            if let Err(e) = read_members_batch(client, folder, batch) {
                failure
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_or_insert(e);
                break;
            }
        }
    };
    std::thread::scope(|scope| {
        let workers = BATCHES_IN_FLIGHT.min(batches.len());
        for n in 0..workers {
            let spawned = std::thread::Builder::new()
                .name(format!("graph-batch-{n}"))
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread to be had: this one reads what is left.
                work();
            }
        }
    });
    match failure
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(()),
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
                    client.wait_throttled(wait)?;
                }
                client.get(&first_url)?
            }
        };
        let pages = client.rest_of_pages(&first_url, first)?;
        write_pages(folder, &format!("{id}.json"), &pages)?;
    }
    Ok(())
}
