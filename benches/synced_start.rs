//! A synced tenant: the Graph export folder a full sync from the local Graph server
//! (`tests/common/tenant_server.rs`) writes, with 10,000 backup accounts saved. Start to first
//! frame and memory for L and XL, each start a fresh process as a real start is (this one
//! holds the served tenant and what the sync allocated, which slowed starts made in it by
//! up to 2x); then,
//! for L, the time from a finished sync (its `graph-sync` worker gone) to the frame that
//! shows the new directory, next to opening the same snapshot from its parsed copy, which is
//! what the window did before the worker handed its directory over. `cargo test` runs it
//! once on the small tenant; `scripts/bench` checks the targets from what it writes.
// A panic is how a benchmark set-up reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/common/tenant_server.rs"]
mod tenant_server;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backup_accounts::generate::{ORGANIZATION_ID, TenantSize, tenant};
use backup_accounts::model::{OrganizationSettings, Password};
use backup_accounts::state::{AppState, StartupOptions};
use backup_accounts::store::config::GraphSettings;
use backup_accounts::store::graph::sync::sync;
use backup_accounts::store::{ConfigFile, DirectorySource, SecretError, SecretKey, SecretStore};

use common::{
    app_harness, app_harness_with, configuration_with_10000_accounts, criterion_folder,
    measure_memory_in_child,
};

/// Starts in fresh processes: the median milliseconds to the first frame, and the largest
/// resident and peak megabytes (`resident peak milliseconds`).
fn fresh_starts(tenant: &common::Tenant, runs: usize) -> String {
    let starts: Vec<Vec<f64>> = (0..runs)
        .map(|_| {
            let line = measure_memory_in_child(tenant);
            line.split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect()
        })
        .collect();
    let largest = |column: usize| starts.iter().map(|s| s[column]).fold(0.0, f64::max);
    let milliseconds = median(starts.iter().map(|s| s[3]).collect());
    format!("{} {} {milliseconds}", largest(0), largest(1))
}
use tenant_server::{TenantServer, user_id};

/// A generated tenant served as Microsoft Graph, synced in full into `tenants/` beside a
/// configuration that saves 10,000 accounts of its big group and its settings.
fn synced_tenant(size: TenantSize) -> (common::Tenant, TenantServer) {
    let generated = tenant(size);
    let server = TenantServer::start(tenant_server::Tenant::from_directory(&generated), 4);
    // Under target/, on the disk, as a real configuration folder is.
    let root = tempfile::tempdir_in(criterion_folder()).unwrap();
    let config_dir = root.path().join("config");
    let summary = sync(&server.client(), &config_dir.join("tenants"), None).unwrap();
    let organization = &generated.organizations[0];
    let mut config = configuration_with_10000_accounts();
    config.directory = DirectorySource::GraphExport(summary.folder.clone());
    config.organization_settings.insert(
        ORGANIZATION_ID.into(),
        OrganizationSettings {
            authentication: organization.authentication,
            added_by: organization.added_by.to_string(),
            mfa_not_enabled: Default::default(),
            added_with_application: None,
        },
    );
    config.graph = GraphSettings {
        login_url: Some(server.base.clone()),
        graph_url: Some(server.base.clone()),
        ..GraphSettings::default()
    };
    let file = ConfigFile::in_folder(&config_dir);
    file.save(&config).unwrap();
    // Only accounts the directory allows: an account it revoked would open the consent
    // dialog (R14) at every start and after every sync.
    let options = StartupOptions {
        config_dir: Some(config_dir.clone()),
        ..Default::default()
    };
    let state = AppState::load(&options, Ok(Arc::new(common::NoKeyring))).unwrap();
    let revoked: Vec<String> = state
        .left_at_start()
        .map(|left| left.revocations.iter().map(|r| r.upn.to_string()).collect())
        .unwrap_or_default();
    drop(state);
    eprintln!(
        "{} of the saved accounts are not usable members; left out",
        revoked.len()
    );
    let selection = config.organizations.get_mut(ORGANIZATION_ID).unwrap();
    selection.accounts.retain(|upn| !revoked.contains(upn));
    selection.passwords.retain(|upn, _| !revoked.contains(upn));
    file.save(&config).unwrap();
    let tenant = common::Tenant {
        _folder: Some(root),
        snapshot: summary.folder,
        config_dir,
    };
    (tenant, server)
}

/// A keyring holding the tenant's refresh token (rotated by every sync) and a password for
/// every account.
#[derive(Debug, Default)]
struct TokenKeyring {
    written: Mutex<HashMap<String, String>>,
}

impl SecretStore for TokenKeyring {
    fn read(&self, key: &SecretKey) -> Result<Option<Password>, SecretError> {
        let written = self.written.lock().unwrap().get(&key.to_string()).cloned();
        Ok(Some(Password::new(
            written.unwrap_or_else(|| "stored".to_owned()),
        )))
    }
    fn write(&self, key: &SecretKey, secret: &Password) -> Result<(), SecretError> {
        let mut written = self.written.lock().unwrap();
        written.insert(key.to_string(), secret.expose().to_owned());
        Ok(())
    }
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        self.written.lock().unwrap().remove(&key.to_string());
        Ok(())
    }
}

/// Whether a thread of this process has that name.
fn thread_running(name: &str) -> bool {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .any(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
}

/// `runs` times: 100 users renamed in the tenant, *Sync now* (Shift+F5), and the time from
/// the step in which the sync's worker ended to the frame after the directory was replaced
/// (the whole step counted in which it ended, and the frame that shows it).
fn sync_finished_to_directory_shown(
    tenant: &common::Tenant,
    server: &TenantServer,
    runs: usize,
) -> Vec<f64> {
    let keyring = TokenKeyring::default();
    keyring
        .write(
            &SecretKey::graph_refresh_token(ORGANIZATION_ID),
            &Password::new(server.refresh_token()),
        )
        .unwrap();
    let mut harness = app_harness_with(tenant, Arc::new(keyring));
    let revision = |h: &egui_kittest::Harness<'_, _>| {
        let app: &backup_accounts::app::BackupAccountsApp = h.state();
        app.state().unwrap().revision()
    };
    let mut times = Vec::new();
    for run in 0..runs {
        server.change(|t| {
            let users = t.users().count();
            for n in 0..100 {
                t.rename_user(&user_id(n * 997 % users), &format!("Renamed {run}.{n}"));
            }
        });
        let before = revision(&harness);
        harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F5);
        let started = Instant::now();
        let mut seen = false;
        let last_step = loop {
            let step = Instant::now();
            harness.step();
            let took = step.elapsed();
            let running = thread_running("graph-sync");
            seen |= running;
            if seen && !running {
                break took;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no sync: {:?}",
                harness.state().banner_text()
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        let ended = Instant::now();
        while revision(&harness) == before {
            harness.step();
            assert!(
                ended.elapsed() < Duration::from_secs(10),
                "no new directory"
            );
        }
        harness.step();
        times.push((last_step + ended.elapsed()).as_secs_f64());
        let banner = harness.state().banner_text().unwrap_or_default();
        assert!(banner.contains("changed since the last sync"), "{banner}");
    }
    times
}

/// Opening the synced snapshot from its parsed copy, as the window did after a sync before
/// the worker handed its directory over: `runs` times.
fn opened_from_the_cache(tenant: &common::Tenant, runs: usize) -> Vec<f64> {
    let options = StartupOptions {
        config_dir: Some(tenant.config_dir.clone()),
        ..Default::default()
    };
    let mut state = AppState::load(&options, Ok(Arc::new(common::NoKeyring))).unwrap();
    let folder = tenant.snapshot.clone();
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            state.import_graph_folder(&folder).unwrap();
            started.elapsed().as_secs_f64()
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    if common::measure_memory_if_asked() {
        return;
    }
    let measuring = std::env::args().any(|a| a == "--bench");
    let (sizes, runs) = if measuring {
        ([("L", TenantSize::L), ("XL", TenantSize::XL)], 7)
    } else {
        ([("L", TenantSize::S), ("XL", TenantSize::S)], 1)
    };
    let folder = std::path::Path::new(&criterion_folder()).to_path_buf();
    for (name, size) in sizes {
        let (tenant, server) = synced_tenant(size);
        // The first start builds the directory and keeps its parsed copy, as a sync's
        // worker does; the measured ones use it.
        app_harness(&tenant).step();
        let starts = fresh_starts(&tenant, runs);
        eprintln!("synced {name} start (resident MB, peak MB, ms): {starts}");
        std::fs::write(folder.join(format!("synced-start-{name}.txt")), starts).unwrap();
        if name == "L" {
            let shown = median(sync_finished_to_directory_shown(&tenant, &server, runs));
            let cached = median(opened_from_the_cache(&tenant, runs));
            eprintln!(
                "sync finished -> directory shown: {:.1} ms; opened from the parsed copy: \
                 {:.1} ms",
                shown * 1000.0,
                cached * 1000.0
            );
            std::fs::write(
                folder.join("sync-handover.txt"),
                format!("{shown} {cached}\n"),
            )
            .unwrap();
        }
    }
}
