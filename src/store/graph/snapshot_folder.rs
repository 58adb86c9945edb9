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
/// fails, and removed after.
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
        // What is left of it is removed at the next sync if this fails.
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
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
