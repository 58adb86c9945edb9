//! The native window: its id, icon, remembered geometry, and starting eframe.

use std::sync::Arc;

use crate::state::StartupOptions;
use crate::store::private_files::ensure_private_file;
use crate::store::{ConfigFile, InstanceLock, KeyringSecrets, SecretStore};

use super::BackupAccountsApp;

/// The application id: the window's Wayland app id and X11 `WM_CLASS`, the desktop entry's
/// and the `AppStream` component's name, so the desktop associates the window with them.
pub const APP_ID: &str = "io.github.backupaccounts.BackupAccounts";

/// The window icon, from `assets/icon.png` (embedded, so an installed binary needs no file)
/// at 128 pixels.
pub fn window_icon() -> Option<egui::IconData> {
    let image = image::load_from_memory(include_bytes!("../../assets/icon.png"))
        .map_err(|e| log::warn!("the window icon could not be decoded: {e}"))
        .ok()?
        .resize_exact(128, 128, image::imageops::FilterType::Lanczos3)
        .into_rgba8();
    let (width, height) = image.dimensions();
    Some(egui::IconData {
        rgba: image.into_raw(),
        width,
        height,
    })
}

/// Where eframe may keep the window's size and position: `window.ron`, private like the
/// configuration, in a folder this instance can lock. A read-only second instance writes
/// nothing, so it gets none.
fn window_geometry_file(folder: &std::path::Path) -> Option<std::path::PathBuf> {
    // Taken and released at once: the state takes the lock for good a moment later.
    if let Err(e) = InstanceLock::acquire(folder) {
        log::info!("the window geometry is not saved: {e}");
        return None;
    }
    let path = folder.join("window.ron");
    // An empty map is what eframe reads as "nothing remembered yet".
    match ensure_private_file(&path, "{}") {
        Ok(()) => Some(path),
        Err(e) => {
            log::warn!("the window geometry is not saved: {}: {e}", path.display());
            None
        }
    }
}

/// Opens the main window with the platform keyring.
pub fn run(options: StartupOptions) -> eframe::Result {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Backup Accounts")
        .with_app_id(APP_ID)
        .with_inner_size([1000.0, 680.0])
        .with_min_inner_size([720.0, 480.0]);
    if let Some(icon) = window_icon() {
        viewport = viewport.with_icon(icon);
    }
    // Window geometry lives beside config.ron, so --config-dir keeps runs apart.
    let persistence_path = options
        .config_dir
        .clone()
        .or_else(ConfigFile::default_folder)
        .and_then(|folder| window_geometry_file(&folder));
    let native_options = eframe::NativeOptions {
        viewport,
        // Without a file nothing is written: not even eframe's default storage folder.
        persist_window: persistence_path.is_some(),
        persistence_path,
        ..Default::default()
    };
    eframe::run_native(
        "Backup Accounts",
        native_options,
        Box::new(move |_cc| {
            let secrets = KeyringSecrets::platform().map(|k| Arc::new(k) as Arc<dyn SecretStore>);
            Ok(Box::new(BackupAccountsApp::new(&options, secrets)))
        }),
    )
}
