//! What the start benchmarks share: a tenant and its configuration on disk, the app started
//! on them to its first frame, and its memory measured in a fresh process.

use std::path::PathBuf;
use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::generate::{BIG_GROUP_ID, ORGANIZATION_ID};
use backup_accounts::model::{OrganizationSelection, Password, PasswordRecord};
use backup_accounts::state::StartupOptions;
use backup_accounts::store::{Config, SecretError, SecretKey, SecretStore};
use egui_kittest::Harness;

/// A keyring that holds every secret asked for (the Health view's check reads them) and
/// writes nothing.
#[derive(Debug)]
pub struct NoKeyring;

impl SecretStore for NoKeyring {
    fn read(&self, _: &SecretKey) -> Result<Option<Password>, SecretError> {
        Ok(Some(Password::new("stored".to_owned())))
    }
    fn write(&self, _: &SecretKey, _: &Password) -> Result<(), SecretError> {
        Ok(())
    }
    fn delete(&self, _: &SecretKey) -> Result<(), SecretError> {
        Ok(())
    }
}

/// A directory (a snapshot file or a Graph export folder) and a configuration folder.
pub struct Tenant {
    pub _folder: Option<tempfile::TempDir>,
    pub snapshot: PathBuf,
    pub config_dir: PathBuf,
}

/// The app started on `tenant` with a keyring that holds every secret, run until it settles.
pub fn app_harness(tenant: &Tenant) -> Harness<'static, BackupAccountsApp> {
    app_harness_with(tenant, Arc::new(NoKeyring))
}

/// The app started on `tenant` with `secrets`, run until it settles.
pub fn app_harness_with(
    tenant: &Tenant,
    secrets: Arc<dyn SecretStore>,
) -> Harness<'static, BackupAccountsApp> {
    let options = StartupOptions {
        config_dir: Some(tenant.config_dir.clone()),
        directory: Some(tenant.snapshot.clone()),
        ..Default::default()
    };
    let mut harness = Harness::builder()
        .with_size([1000.0, 680.0])
        .with_step_dt(0.05)
        .with_max_steps(40)
        .build_eframe(move |_cc| BackupAccountsApp::new(&options, Ok(secrets)));
    harness.run();
    harness
}

/// A line of `/proc/self/status` in megabytes, e.g. `VmRSS` (resident now) or `VmHWM` (peak).
pub fn status_megabytes(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

const MEASURE_MEMORY: &str = "BACKUP_ACCOUNTS_MEASURE_MEMORY_OF";
const MEASURE_MEMORY_CONFIG: &str = "BACKUP_ACCOUNTS_MEASURE_MEMORY_CONFIG";

/// In a fresh process, so nothing else the benchmarks allocated is counted: load the tenant
/// to the first frame and print the resident memory (see [`measure_memory_if_asked`]).
pub fn measure_memory_in_child(tenant: &Tenant) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(MEASURE_MEMORY, &tenant.snapshot)
        .env(MEASURE_MEMORY_CONFIG, &tenant.config_dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// In the child [`measure_memory_in_child`] started: loads its tenant to the first frame and
/// prints resident MB, peak MB, MB before loading and milliseconds; true when it did.
pub fn measure_memory_if_asked() -> bool {
    let Some(snapshot) = std::env::var_os(MEASURE_MEMORY) else {
        return false;
    };
    let tenant = Tenant {
        _folder: None,
        snapshot: PathBuf::from(snapshot),
        config_dir: PathBuf::from(std::env::var_os(MEASURE_MEMORY_CONFIG).unwrap()),
    };
    let baseline = status_megabytes("VmRSS");
    let started = std::time::Instant::now();
    let mut harness = app_harness(&tenant);
    harness.step();
    println!(
        "{:.0} {:.0} {baseline:.0} {:.0}",
        status_megabytes("VmRSS"),
        status_megabytes("VmHWM"),
        started.elapsed().as_secs_f64() * 1000.0
    );
    true
}

/// A configuration naming 10,000 accounts of the big group, as a large customer has.
pub fn configuration_with_10000_accounts() -> Config {
    let now = jiff::Timestamp::now();
    let accounts: Vec<String> = (0..10_000)
        .map(|i| format!("user{i:07}@enterprise.example"))
        .collect();
    let mut config = Config::default();
    config.organizations.insert(
        ORGANIZATION_ID.into(),
        OrganizationSelection {
            group_id: BIG_GROUP_ID.into(),
            group_name: "SharePoint Backup Accounts (50k)".to_owned(),
            accounts: accounts.clone(),
            // Password ages spread over 400 days, every third an app password, a tenth
            // never recorded: every finding of the Health view has work to do.
            passwords: accounts
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 10 != 0)
                .map(|(i, upn)| {
                    let days = i64::try_from(i % 400).unwrap();
                    let set = now - jiff::SignedDuration::from_hours(24 * days);
                    let app_password = i % 3 == 0;
                    (upn.clone(), PasswordRecord { set, app_password })
                })
                .collect(),
        },
    );
    config
}

/// Where criterion writes its results; `scripts/bench` reads them there.
pub fn criterion_folder() -> String {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned());
    let folder = format!("{target}/criterion");
    let _ = std::fs::create_dir_all(&folder);
    folder
}
