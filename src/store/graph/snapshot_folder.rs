//! A synced snapshot changes only as a whole: it is written into a temporary folder beside it
//! and moved into place when complete; what an interrupted sync leaves is put back or removed
//! at the next one.

use std::path::{Path, PathBuf};

use super::delta::{MemberLists, adopt_members, forget_replaced_members, restore_members};
use super::sync_error::{SyncError, write_error};
use crate::store::private_files::{create_private_folder_new, write_private};

/// Runs `fill` on a new temporary folder and, when it succeeds, moves the folder to
/// `<tenants_folder>/<tenant_id>` and returns what `fill` gave and that folder; on failure the folder is removed and nothing else
/// changes. A delta sync's `fill` also gives the changed member lists: the previous
/// snapshot (`previous`) has its member lists moved into the new folder with those changes
/// just before the new folder takes its place, and moved back if that fails.
pub(super) fn in_partial_folder<T>(
    tenants_folder: &Path,
    tenant_id: &str,
    previous: Option<&Path>,
    fill: impl FnOnce(&Path) -> Result<(T, Option<MemberLists>), SyncError>,
) -> Result<(T, PathBuf), SyncError> {
    remove_leftovers(tenants_folder, tenant_id);
    let partial =
        tempfile_folder(tenants_folder, tenant_id).map_err(write_error(tenants_folder))?;
    let filled = fill(&partial).and_then(|(summary, member_lists)| {
        if let (Some(previous), Some(lists)) = (previous, &member_lists) {
            adopt_members(previous, &partial, lists)?;
        }
        Ok(summary)
    });
    let summary = match filled {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let folder = tenants_folder.join(tenant_id);
    if let Err(e) = replace_folder(&partial, &folder) {
        if let Some(previous) = previous {
            restore_members(previous, &partial);
        }
        let _ = std::fs::remove_dir_all(&partial);
        return Err(write_error(&folder)(e));
    }
    if let Err(e) = forget_replaced_members(&folder) {
        log::warn!(
            "could not remove the replaced member lists in {}: {e}",
            folder.display()
        );
    }
    Ok((summary, folder))
}

/// The pages as the import reads them: one JSON array of pages, in a private file.
pub(super) fn write_pages(
    folder: &Path,
    name: &str,
    pages: &[serde_json::Value],
) -> Result<(), SyncError> {
    let path = folder.join(name);
    let text = serde_json::to_string(pages).unwrap_or_default();
    write_private(&path, text.as_bytes()).map_err(|source| SyncError::Write { path, source })
}

/// A new folder beside the snapshot, named so that it is never taken for one.
fn tempfile_folder(parent: &Path, tenant_id: &str) -> std::io::Result<PathBuf> {
    let folder = parent.join(format!(".{tenant_id}.partial-{}", unique_suffix()));
    create_private_folder_new(&folder)?;
    Ok(folder)
}

/// Moves `new` to `target`: the old snapshot is renamed aside first, put back if the move
/// fails, and removed after, on a worker: deleting tens of thousands of member lists is not
/// the sync's to wait for. What a stop leaves of it is removed at the next start or sync.
fn replace_folder(new: &Path, target: &Path) -> std::io::Result<()> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("tenant");
    let parent = target.parent().unwrap_or(Path::new("."));
    let old = parent.join(format!(".{name}.previous-{}", unique_suffix()));
    let had_old = match std::fs::rename(target, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    if let Err(e) = std::fs::rename(new, target) {
        if had_old {
            let _ = std::fs::rename(&old, target);
        }
        return Err(e);
    }
    if had_old {
        remove_in_background(&old);
    }
    Ok(())
}

/// Removes `folder` on a `snapshot-cleanup` worker (here, when no thread can be had).
fn remove_in_background(folder: &Path) -> Option<std::thread::JoinHandle<()>> {
    let remove = |folder: &Path| {
        if let Err(e) = std::fs::remove_dir_all(folder) {
            log::warn!("could not remove {} yet: {e}", folder.display());
        }
    };
    let moved = folder.to_path_buf();
    match std::thread::Builder::new()
        .name("snapshot-cleanup".to_owned())
        .spawn(move || remove(&moved))
    {
        Ok(worker) => Some(worker),
        Err(_) => {
            remove(folder);
            None
        }
    }
}

/// At start-up: removes, on a worker, the snapshots a sync set aside and did not get to
/// delete (their replacement is in place). A set-aside snapshot whose replacement is missing
/// is left for the next sync, which puts it back.
pub fn remove_replaced_snapshots(tenants_folder: &Path) -> Vec<std::thread::JoinHandle<()>> {
    let Ok(entries) = std::fs::read_dir(tenants_folder) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let tenant = name
                .strip_prefix('.')?
                .split_once(".previous-")?
                .0
                .to_owned();
            tenants_folder
                .join(tenant)
                .is_dir()
                .then(|| remove_in_background(&entry.path()))
                .flatten()
        })
        .collect()
}

/// Removes what an interrupted sync of `tenant_id` left beside the snapshots, first putting
/// back what a sync stopped between its renames had moved: the snapshot set aside, and the
/// member lists a delta sync had taken over.
fn remove_leftovers(tenants_folder: &Path, tenant_id: &str) {
    let prefix = format!(".{tenant_id}.");
    let Ok(entries) = std::fs::read_dir(tenants_folder) else {
        return;
    };
    let mut leftovers: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    let target = tenants_folder.join(tenant_id);
    let set_aside = format!("{prefix}previous-");
    let is_set_aside = |path: &Path| {
        path.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&set_aside))
    };
    if !target.exists()
        && let Some(previous) = leftovers.iter().find(|p| is_set_aside(p))
    {
        let _ = std::fs::rename(previous, &target);
    }
    leftovers.retain(|p| p.exists());
    for leftover in &leftovers {
        if !is_set_aside(leftover) {
            restore_members(&target, leftover);
        }
        let _ = std::fs::remove_dir_all(leftover);
    }
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}
