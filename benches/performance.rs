//! Performance on generated enterprise tenants. Each result comes with a baseline measured
//! in the same run, so the ratio holds on a noisy machine. `cargo bench` uses the XL tenant
//! (1,000,000 users, 100,000 groups) and L for loading; `cargo test` runs each benchmark once
//! on a small tenant to keep it compiling and working.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::generate::{BIG_GROUP_ID, ORGANIZATION_ID, TenantSize, tenant_ron};
use backup_accounts::model::{Directory, OrganizationSelection, Password};
use backup_accounts::state::StartupOptions;
use backup_accounts::store::{Config, ConfigFile, SecretError, SecretKey, SecretStore};
use backup_accounts::ui::group_picker::GroupPickerView;
use criterion::{Criterion, criterion_group};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

/// `cargo bench` passes `--bench`; `cargo test` does not, and gets the small tenant.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn sizes() -> (TenantSize, TenantSize) {
    if measuring() {
        (TenantSize::L, TenantSize::XL)
    } else {
        (TenantSize::S, TenantSize::S)
    }
}

/// A keyring that is never reached in these benchmarks.
#[derive(Debug)]
struct NoKeyring;

impl SecretStore for NoKeyring {
    fn read(&self, _: &SecretKey) -> Result<Option<Password>, SecretError> {
        Ok(None)
    }
    fn write(&self, _: &SecretKey, _: &Password) -> Result<(), SecretError> {
        Ok(())
    }
    fn delete(&self, _: &SecretKey) -> Result<(), SecretError> {
        Ok(())
    }
}

struct Tenant {
    _folder: tempfile::TempDir,
    snapshot: PathBuf,
    config_dir: PathBuf,
}

fn write_tenant(size: TenantSize) -> Tenant {
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    std::fs::write(&snapshot, tenant_ron(size)).unwrap();
    let config_dir = folder.path().join("config");
    Tenant {
        _folder: folder,
        snapshot,
        config_dir,
    }
}

fn app_harness(tenant: &Tenant) -> Harness<'static, BackupAccountsApp> {
    let options = StartupOptions {
        config_dir: Some(tenant.config_dir.clone()),
        directory: Some(tenant.snapshot.clone()),
        ..Default::default()
    };
    let mut harness = Harness::builder()
        .with_size([1000.0, 680.0])
        .with_step_dt(0.05)
        .with_max_steps(40)
        .build_eframe(move |_cc| BackupAccountsApp::new(&options, Ok(Arc::new(NoKeyring))));
    harness.run();
    harness
}

fn click(harness: &mut Harness<'_, BackupAccountsApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run();
}

/// A line of `/proc/self/status` in megabytes, e.g. `VmRSS` (resident now) or `VmHWM` (peak).
fn status_megabytes(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

const MEASURE_MEMORY: &str = "BACKUP_ACCOUNTS_MEASURE_MEMORY_OF";

/// In a fresh process, so nothing else the benchmarks allocated is counted: load the tenant
/// to the first frame and print the resident memory.
fn measure_memory_in_child(snapshot: &std::path::Path) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(MEASURE_MEMORY, snapshot)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn frames(c: &mut Criterion) {
    let (_, xl) = sizes();
    let tenant = write_tenant(xl);
    let mut group = c.benchmark_group("frame");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));

    let mut empty = Harness::builder()
        .with_size([1000.0, 680.0])
        .build_ui(|_ui| {});
    group.bench_function("empty egui frame (baseline)", |b| b.iter(|| empty.step()));

    let mut harness = app_harness(&tenant);
    group.bench_function("Organizations view", |b| b.iter(|| harness.step()));

    harness
        .get_by_label("Enterprise Example (Modern authentication (legacy protocols allowed))")
        .click_secondary();
    harness.run();
    click(&mut harness, "Manage backup accounts...");
    click(&mut harness, "Select...");
    group.bench_function("Select Security Group (all groups)", |b| {
        b.iter(|| harness.step())
    });

    harness
        .get_by_label("Search groups")
        .type_text("SharePoint Backup Accounts");
    harness.run();
    click(&mut harness, "SharePoint Backup Accounts (50k)");
    click(&mut harness, "Add");
    group.bench_function("Backup Accounts Manager (50,000 members)", |b| {
        b.iter(|| harness.step())
    });

    let first_link = harness
        .query_all_by_label_contains(": Not configured")
        .next()
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .expect("an account that can be used");
    click(&mut harness, &first_link);
    group.bench_function("Add Password", |b| b.iter(|| harness.step()));
    group.finish();
}

fn search(c: &mut Criterion) {
    let (_, xl) = sizes();
    let directory = Directory {
        organizations: backup_accounts::generate::tenant(xl).organizations,
    };
    let draft =
        backup_accounts::model::ManagerDraft::open(Arc::new(directory), ORGANIZATION_ID, None)
            .unwrap();
    let organization = draft.organization();
    let names: Vec<String> = organization
        .groups
        .iter()
        .map(|g| g.display_name.to_lowercase())
        .collect();
    let query = "finance team 1";
    let mut group = c.benchmark_group("search, per keystroke");
    group.sample_size(30);
    group.bench_function("plain substring scan (baseline)", |b| {
        b.iter(|| {
            let mut matches = 0;
            for end in 1..=query.len() {
                let prefix = &query[..end];
                matches += names.iter().filter(|n| n.contains(prefix)).count();
            }
            matches
        })
    });
    group.bench_function("Select Security Group filter", |b| {
        b.iter(|| {
            let mut picker = GroupPickerView::new(organization, None);
            let mut matches = 0;
            for end in 1..=query.len() {
                picker.set_search(&query[..end]);
                matches += picker.match_count();
            }
            matches
        })
    });
    group.finish();
}

fn loading(c: &mut Criterion) {
    let (l, xl) = sizes();
    let mut group = c.benchmark_group("load to first frame");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (name, size) in [("L", l), ("XL", xl)] {
        let tenant = write_tenant(size);
        group.bench_function(format!("read the {name} snapshot bytes (baseline)"), |b| {
            b.iter(|| std::fs::read(&tenant.snapshot).unwrap().len())
        });
        group.bench_function(format!("{name} snapshot and configuration"), |b| {
            b.iter(|| {
                let mut harness = app_harness(&tenant);
                harness.step();
            })
        });
        if measuring() {
            eprintln!(
                "memory with the {name} tenant loaded: {}",
                measure_memory_in_child(&tenant.snapshot)
            );
        }
    }
    group.finish();
}

fn saving(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let mut config = Config::default();
    config.organizations.insert(
        ORGANIZATION_ID.to_owned(),
        OrganizationSelection {
            group_id: BIG_GROUP_ID.to_owned(),
            group_name: "SharePoint Backup Accounts (50k)".to_owned(),
            accounts: (0..10_000)
                .map(|i| format!("user{i:07}@enterprise.example"))
                .collect(),
        },
    );
    let text = backup_accounts::store::config::to_ron(&config);
    let raw = folder.path().join("raw.ron");
    let mut group = c.benchmark_group("save 10,000 checked accounts");
    group.sample_size(30);
    group.bench_function("write and fsync the same bytes (baseline)", |b| {
        b.iter(|| {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&raw).unwrap();
            f.write_all(text.as_bytes()).unwrap();
            f.sync_all().unwrap();
        })
    });
    group.bench_function("atomic configuration save", |b| {
        b.iter(|| file.save(&config).unwrap())
    });
    group.finish();
}

fn resolution(c: &mut Criterion) {
    let (_, xl) = sizes();
    let directory = backup_accounts::generate::tenant(xl);
    let organization = &directory.organizations[0];
    let flat: Vec<usize> = organization.resolve_user_members(BIG_GROUP_ID);
    let mut group = c.benchmark_group("member resolution, 50,000 users in 50 nested groups");
    group.sample_size(20);
    group.bench_function("sort the same users, already flat (baseline)", |b| {
        b.iter(|| {
            let mut users = flat.clone();
            users.sort_by_cached_key(|&u| {
                let user = &organization.users[u];
                (user.display_name.to_lowercase(), user.upn.to_lowercase())
            });
            users.len()
        })
    });
    group.bench_function("resolve nested membership", |b| {
        b.iter(|| organization.resolve_user_members(BIG_GROUP_ID).len())
    });
    group.finish();
}

criterion_group!(benches, frames, search, loading, saving, resolution);

fn main() {
    if let Some(snapshot) = std::env::var_os(MEASURE_MEMORY) {
        let folder = tempfile::tempdir().unwrap();
        let tenant = Tenant {
            snapshot: PathBuf::from(snapshot),
            config_dir: folder.path().join("config"),
            _folder: folder,
        };
        let baseline = status_megabytes("VmRSS");
        let mut harness = app_harness(&tenant);
        harness.step();
        println!(
            "{:.0} MB resident after the first frame, {:.0} MB at the peak, {baseline:.0} MB \
             before loading",
            status_megabytes("VmRSS"),
            status_megabytes("VmHWM")
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
