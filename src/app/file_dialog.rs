//! Native file dialogs on a worker thread, so the window keeps drawing while the
//! administrator chooses (a blocking dialog on the event loop makes desktops report the
//! window as not responding). The answer comes back as a worker event.

use std::path::PathBuf;

use super::event::{EventSender, FileRequest, WorkerEvent};
use super::job::Job;

/// Shows the dialog on a `file-dialog` [`Job`]; the answer comes back as a [`WorkerEvent`]
/// of its own (the job itself is not kept, nobody waits for its end: a dialog cannot be
/// cancelled and has no progress).
pub fn ask_on_worker(request: FileRequest, events: &EventSender) {
    let answers = events.clone();
    let spawned = Job::spawn("file-dialog", 0, events, move |_| {
        if let Some(event) = ask(request) {
            answers.send(event);
        }
    });
    if let Err(e) = spawned {
        events.send(WorkerEvent::FileDialogUnavailable(format!(
            "No file dialog could be opened ({e})."
        )));
    }
}

fn ask(request: FileRequest) -> Option<WorkerEvent> {
    if let Some(missing) = missing_backend() {
        return Some(WorkerEvent::FileDialogUnavailable(missing));
    }
    let dialog = rfd::AsyncFileDialog::new();
    let chosen: Option<PathBuf> = match &request {
        FileRequest::Snapshot => pollster::block_on(
            dialog
                .set_title("Open directory snapshot")
                .add_filter("Directory snapshot (RON)", &["ron"])
                .pick_file(),
        )
        .map(|file| file.path().to_path_buf()),
        FileRequest::GraphFolder => pollster::block_on(
            dialog
                .set_title("Import a folder of Microsoft Graph responses")
                .pick_folder(),
        )
        .map(|folder| folder.path().to_path_buf()),
        FileRequest::Certificate { key } => pollster::block_on(if *key {
            dialog
                .set_title("Choose the private key (PEM)")
                .add_filter("Private key (PEM)", &["pem", "key"])
                .pick_file()
        } else {
            dialog
                .set_title("Choose the certificate")
                .add_filter(
                    "Certificate (PKCS#12 or PEM)",
                    &["pfx", "p12", "pem", "crt", "cer"],
                )
                .pick_file()
        })
        .map(|file| file.path().to_path_buf()),
        FileRequest::SaveCsv { file_name, .. } => pollster::block_on(
            dialog
                .set_title("Export as CSV")
                .set_file_name(file_name)
                .add_filter("CSV", &["csv"])
                .save_file(),
        )
        .map(|file| file.path().to_path_buf()),
    };
    chosen.map(|path| WorkerEvent::FileChosen { request, path })
}

/// Why no native dialog can be shown here, if none can: on Linux rfd needs the desktop
/// portal (`xdg-desktop-portal` on the session bus) or, failing that, `zenity`. Without
/// either it returns nothing, exactly as if the administrator had cancelled.
#[cfg(target_os = "linux")]
fn missing_backend() -> Option<String> {
    if portal_on_session_bus() || program_on_path("zenity") {
        return None;
    }
    Some(
        "No file dialog can be shown: neither the desktop portal (xdg-desktop-portal) nor \
         zenity is installed. Install one of them (for example `sudo apt install \
         xdg-desktop-portal-gtk` or `sudo apt install zenity`), or start the app with \
         --directory PATH to use a snapshot file or a Graph export folder."
            .to_owned(),
    )
}

#[cfg(not(target_os = "linux"))]
fn missing_backend() -> Option<String> {
    None
}

#[cfg(target_os = "linux")]
fn portal_on_session_bus() -> bool {
    const PORTAL: &str = "org.freedesktop.portal.Desktop";
    let Ok(connection) = zbus::blocking::Connection::session() else {
        return false;
    };
    let Ok(bus) = zbus::blocking::fdo::DBusProxy::new(&connection) else {
        return false;
    };
    let Ok(name) = zbus::names::BusName::try_from(PORTAL) else {
        return false;
    };
    bus.name_has_owner(name).unwrap_or(false)
        || bus
            .list_activatable_names()
            .is_ok_and(|names| names.iter().any(|n| n.as_str() == PORTAL))
}

#[cfg(target_os = "linux")]
fn program_on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|folder| folder.join(program).is_file())
    })
}
