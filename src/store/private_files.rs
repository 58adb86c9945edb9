//! Files only their owner may read: the configuration folder is created 0700, and every file
//! the app writes in it (configuration, its temporary file, the lock, the window geometry)
//! is 0600. Nothing in them is secret, but which accounts are backup accounts is nobody
//! else's business on a shared machine.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Creates `folder` (and missing parents) readable by its owner only; an existing folder is
/// left as it is.
pub fn create_private_folder(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// Options that create files readable and writable by their owner only.
pub fn private_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

/// Creates a new file beside `target`, named `.<target name>.<random>.tmp`: `create_new`
/// never opens an existing file and never follows a symbolic link planted under that name.
pub fn create_temporary_beside(target: &Path) -> io::Result<(PathBuf, File)> {
    let folder = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let mut last_error = None;
    for _ in 0..16 {
        let path = folder.join(format!(".{name}.{:016x}.tmp", random_u64()));
        match private_file_options()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Makes an existing file private, or creates it private holding `initial`, so a program
/// that later rewrites it in place (eframe's `window.ron`) keeps it private.
pub fn ensure_private_file(path: &Path, initial: &str) -> io::Result<()> {
    use std::io::Write as _;
    let mut file = private_file_options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    if file.metadata()?.len() == 0 {
        file.write_all(initial.as_bytes())?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// A random number, different in every call: std's hasher keys are random per process, and a
/// counter and the clock vary within one.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// Writes `bytes` to a new or existing file at `path`, which ends up readable by its owner
/// only whatever mode it had.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut file = private_file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    file.write_all(bytes)?;
    tighten(path, 0o600)
}

/// Creates the folder `folder` (its parent must exist) readable by its owner only.
pub fn create_private_folder_new(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// Sets `path`'s permission bits to `mode` (0600 for files, 0700 for folders) on Unix.
pub fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if std::fs::symlink_metadata(path)?.permissions().mode() & 0o7777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Makes `folder` a private folder to keep files in: created 0700 when missing; when it
/// exists, refused if it is not a folder of this user or if others may write in it (they
/// could have planted links or files there), and tightened to 0700 otherwise.
pub fn ensure_private_folder(folder: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(folder) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return create_private_folder(folder),
        Err(e) => return Err(e),
        Ok(metadata) => check_folder_is_ours(folder, &metadata)?,
    }
    tighten(folder, 0o700)
}

#[cfg(unix)]
fn check_folder_is_ours(folder: &Path, metadata: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let refuse = |why: String| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} {why}; the app keeps only private files there. Remove it (or, if it is \
                 yours, make it private with chmod 700) and try again",
                folder.display()
            ),
        ))
    };
    if !metadata.is_dir() {
        return refuse("is not a folder (a link or a file is in its place)".to_owned());
    }
    if current_user().is_some_and(|me| metadata.uid() != me) {
        return refuse(format!("belongs to another user (uid {})", metadata.uid()));
    }
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return refuse(format!("can be written by other users (mode {mode:04o})"));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_folder_is_ours(_: &Path, _: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

/// This process's effective user id, as Linux gives it to `/proc/self` (no `unsafe` call
/// needed); `None` where there is no `/proc`, and the owner is then not compared.
#[cfg(unix)]
fn current_user() -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}
