//! Performance on generated enterprise tenants. Each result comes with a baseline measured
//! in the same run, so the ratio holds on a noisy machine. `cargo bench` uses the XL tenant
//! (1,000,000 users, 100,000 groups) and L for loading; `cargo test` runs each benchmark once
//! on a small tenant to keep it compiling and working.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::generate::{BIG_GROUP_ID, ORGANIZATION_ID, TenantSize, tenant_ron};
use backup_accounts::model::Directory;
use backup_accounts::state::StartupOptions;
use backup_accounts::store::ConfigFile;
use backup_accounts::ui::group_picker::GroupPickerView;
use criterion::{Criterion, criterion_group};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use common::{
    NoKeyring, app_harness, configuration_with_10000_accounts, criterion_folder,
    measure_memory_in_child,
};

/// A generated tenant as a RON snapshot file, with an empty configuration folder beside it.
fn write_tenant(size: TenantSize) -> common::Tenant {
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    std::fs::write(&snapshot, tenant_ron(size)).unwrap();
    let config_dir = folder.path().join("config");
    common::Tenant {
        _folder: Some(folder),
        snapshot,
        config_dir,
    }
}

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

fn click(harness: &mut Harness<'_, BackupAccountsApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run();
}

/// How many widgets of each kind a window shows this frame, and the containers around them,
/// read from its accessibility tree.
#[derive(Clone, Copy, Debug, Default)]
struct WidgetCounts {
    labels: usize,
    check_boxes: usize,
    links: usize,
    buttons: usize,
    options: usize,
    text_fields: usize,
    /// Open dialogs, each a modal layer over the previous one.
    dialogs: usize,
    /// Rows drawn and columns of the window's table, if it has one.
    table: Option<(usize, usize)>,
}

/// `list_columns`: the window draws its list box as a table of that many columns, one
/// option per row (Select Security Group), rather than a table with column headers.
fn widget_counts(harness: &Harness<'_, BackupAccountsApp>, list_columns: usize) -> WidgetCounts {
    use egui::accesskit::Role;
    let count = |role| harness.query_all_by_role(role).count();
    let columns = count(Role::ColumnHeader);
    let table = match count(Role::Cell).checked_div(columns) {
        Some(rows) => Some((rows, columns)),
        None => (list_columns > 0).then(|| (count(Role::ListBoxOption), list_columns)),
    };
    WidgetCounts {
        labels: count(Role::Label),
        check_boxes: count(Role::CheckBox),
        links: count(Role::Link),
        buttons: count(Role::Button),
        options: count(Role::ListBoxOption),
        text_fields: count(Role::TextInput) + count(Role::PasswordInput),
        dialogs: count(Role::Dialog),
        table,
    }
}

/// Plain widgets of each kind, handed out one at a time to whichever cell or area draws next.
struct PlainWidgets {
    left: WidgetCounts,
    text: String,
}

impl PlainWidgets {
    /// Draws the next widget, options, check boxes and links first (what rows start with);
    /// false when none is left.
    fn add_next(&mut self, ui: &mut egui::Ui) -> bool {
        let left = &mut self.left;
        let take = |n: &mut usize| (*n > 0).then(|| *n -= 1).is_some();
        if take(&mut left.options) {
            let _ = ui.selectable_label(left.options == 0, format!("Option {}", left.options));
        } else if take(&mut left.check_boxes) {
            let mut checked = left.check_boxes.is_multiple_of(2);
            ui.checkbox(&mut checked, format!("Check box {}", left.check_boxes));
        } else if take(&mut left.links) {
            let _ = ui.link(format!("Link {}", left.links));
        } else if take(&mut left.labels) {
            ui.label(format!("Label {}", left.labels));
        } else if take(&mut left.buttons) {
            let _ = ui.button(format!("Button {}", left.buttons));
        } else if take(&mut left.text_fields) {
            ui.add(egui::TextEdit::singleline(&mut self.text))
                .accessible_name(format!("Field {}", left.text_fields));
        } else {
            return false;
        }
        true
    }

    /// A table of as many rows and columns as the window's, one widget per cell.
    fn table_ui(&mut self, ui: &mut egui::Ui, rows: usize, columns: usize) {
        let mut table = egui_extras::TableBuilder::new(ui).striped(true);
        for _ in 0..columns {
            table = table.column(egui_extras::Column::auto());
        }
        table
            .header(20.0, |mut header| {
                for column in 0..columns {
                    header.col(|ui| {
                        ui.strong(format!("Column {column}"));
                    });
                }
            })
            .body(|body| {
                body.rows(36.0, rows, |mut row| {
                    for _ in 0..columns {
                        row.col(|ui| {
                            self.add_next(ui);
                        });
                    }
                });
            });
    }

    /// What is left, in a scroll area.
    fn rest_ui(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| while self.add_next(ui) {});
    }
}

/// The fair floor for a window's frame: the same number of plain egui widgets of the same
/// kinds, inside the same containers (the main window's three panels, one modal layer per
/// open dialog, a table of the same size), with AccessKit on as in the window's harness.
/// What is left is the cost of the app's own work: look-ups, texts, accessibility details.
fn reference_harness(counts: WidgetCounts) -> Harness<'static, ()> {
    Harness::builder()
        .with_size([1000.0, 680.0])
        .build_ui(move |ui| {
            let mut widgets = PlainWidgets {
                left: counts,
                text: String::from("reference"),
            };
            egui::Panel::top("reference_menu").show(ui, |ui| ui.label("Menu"));
            egui::Panel::left("reference_list").show(ui, |ui| ui.label("List"));
            egui::CentralPanel::default().show(ui, |ui| {
                if counts.dialogs == 0 {
                    if let Some((rows, columns)) = counts.table {
                        widgets.table_ui(ui, rows, columns);
                    }
                    widgets.rest_ui(ui);
                }
            });
            for dialog in 0..counts.dialogs {
                let innermost = dialog + 1 == counts.dialogs;
                let id = egui::Id::unique(("reference_dialog", dialog));
                egui::Modal::new(id).show(ui.ctx(), |ui| {
                    // The table belongs to the first dialog (the manager under Add Password).
                    if let (0, Some((rows, columns))) = (dialog, counts.table) {
                        widgets.table_ui(ui, rows, columns);
                    }
                    if innermost {
                        widgets.rest_ui(ui);
                    }
                });
            }
        })
}

/// Benchmarks the window the harness shows now, and its reference frame beside it.
fn bench_window(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    harness: &mut Harness<'_, BackupAccountsApp>,
    list_columns: usize,
) {
    let mut reference = reference_harness(widget_counts(harness, list_columns));
    reference.run();
    group.bench_function(format!("{id}-reference"), |b| b.iter(|| reference.step()));
    group.bench_function(id, |b| b.iter(|| harness.step()));
}

fn frames(c: &mut Criterion) {
    let (_, xl) = sizes();
    let tenant = write_tenant(xl);
    let mut group = c.benchmark_group("frame");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));

    let mut harness = app_harness(&tenant);
    bench_window(&mut group, "organizations", &mut harness, 0);

    harness
        .get_by_label("Enterprise Example (Modern authentication (legacy protocols allowed))")
        .click_secondary();
    harness.run();
    click(&mut harness, "Manage backup accounts...");
    click(&mut harness, "Select...");
    bench_window(&mut group, "select-security-group", &mut harness, 3);

    harness
        .get_by_label("Search groups")
        .type_text("SharePoint Backup Accounts");
    harness.run();
    click(&mut harness, "SharePoint Backup Accounts (50k)");
    click(&mut harness, "Add");
    bench_window(&mut group, "manager", &mut harness, 0);

    let first_link = harness
        .query_all_by_label_contains(": Not configured")
        .next()
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .expect("an account that can be used");
    click(&mut harness, &first_link);
    bench_window(&mut group, "add-password", &mut harness, 0);
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
    let query = "finance team 1";
    let mut group = c.benchmark_group("search");
    group.sample_size(30);
    // The same work by hand: lower-case the names the picker lists, then narrow the
    // previous matches as each keystroke extends the query.
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let names: Vec<String> = organization
                .groups
                .iter()
                .filter(|g| backup_accounts::model::rules::is_listed_in_group_picker(g))
                .map(|g| g.display_name.to_lowercase())
                .collect();
            let mut matches: Vec<usize> = (0..names.len()).collect();
            let mut total = 0;
            for end in 1..=query.len() {
                let prefix = query[..end].to_lowercase();
                matches.retain(|&i| names[i].contains(&prefix));
                total += matches.len();
            }
            total
        })
    });
    group.bench_function("picker", |b| {
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
    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (name, size) in [("L", l), ("XL", xl)] {
        let tenant = write_tenant(size);
        ConfigFile::in_folder(&tenant.config_dir)
            .save(&configuration_with_10000_accounts())
            .unwrap();
        group.bench_function(format!("{name}-read-bytes"), |b| {
            b.iter(|| std::fs::read(&tenant.snapshot).unwrap().len())
        });
        // The first load parses the text and keeps a parsed copy; the timed ones use it, as
        // every start after the first does.
        group.bench_function(format!("{name}-first-frame"), |b| {
            b.iter(|| {
                let mut harness = app_harness(&tenant);
                harness.step();
            })
        });
        if measuring() {
            // Fresh processes: the usual start with the parsed copy, and the very first one
            // that parses the text (resident MB, peak MB, MB before loading, milliseconds).
            for (kind, cold) in [("warm", false), ("cold", true)] {
                if cold {
                    let _ = std::fs::remove_dir_all(tenant.config_dir.join("cache"));
                }
                let memory = measure_memory_in_child(&tenant);
                eprintln!("{name} {kind} start: {memory}");
                let _ = std::fs::write(
                    std::path::Path::new(&criterion_folder())
                        .join(format!("memory-{name}-{kind}.txt")),
                    memory,
                );
            }
        }
    }
    group.finish();
}

fn saving(c: &mut Criterion) {
    // On the disk that holds configurations, not a tmpfs: under the target folder.
    let root = std::path::Path::new(&criterion_folder()).join("save-folder");
    let _ = std::fs::remove_dir_all(&root);
    let file = ConfigFile::in_folder(&root);
    let config = configuration_with_10000_accounts();
    let text = backup_accounts::store::config::to_ron(&config);
    std::fs::create_dir_all(&root).unwrap();
    let mut group = c.benchmark_group("save");
    group.sample_size(30);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            use std::io::Write as _;
            let temporary = root.join("raw.tmp");
            let mut f = std::fs::File::create(&temporary).unwrap();
            f.write_all(text.as_bytes()).unwrap();
            f.sync_all().unwrap();
            std::fs::rename(&temporary, root.join("raw.ron")).unwrap();
        })
    });
    group.bench_function("configuration", |b| b.iter(|| file.save(&config).unwrap()));
    group.finish();
}

fn resolution(c: &mut Criterion) {
    // Reported, not targeted: how nesting costs compared with a flat list.
    let (_, xl) = sizes();
    let directory = backup_accounts::generate::tenant(xl);
    let organization = &directory.organizations[0];
    let flat: Vec<usize> = organization.resolve_user_members(BIG_GROUP_ID);
    let mut group = c.benchmark_group("resolution");
    group.sample_size(20);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut users = flat.clone();
            users.sort_by_cached_key(|&u| {
                let user = &organization.users[u];
                (user.display_name.to_lowercase(), user.upn.to_lowercase())
            });
            users.len()
        })
    });
    group.bench_function("nested", |b| {
        b.iter(|| organization.resolve_user_members(BIG_GROUP_ID).len())
    });
    group.finish();
}

/// The Health report on the XL tenant with 10,000 configured accounts, and drawing the view
/// next to drawing the Organizations view of the same app.
fn health(c: &mut Criterion) {
    let (_, xl) = sizes();
    let tenant = write_tenant(xl);
    ConfigFile::in_folder(&tenant.config_dir)
        .save(&configuration_with_10000_accounts())
        .unwrap();
    let mut group = c.benchmark_group("health");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    let options = StartupOptions {
        config_dir: Some(tenant.config_dir.clone()),
        directory: Some(tenant.snapshot.clone()),
        ..Default::default()
    };
    let state = backup_accounts::state::AppState::load(&options, Ok(Arc::new(NoKeyring))).unwrap();
    let job = state.health_job(None);
    let none_missing = std::collections::BTreeSet::new();
    let now = jiff::Timestamp::now();
    group.bench_function("report", |b| {
        b.iter(|| {
            job.compute(Some(&none_missing), None, now)
                .organizations
                .len()
        })
    });
    drop(state);

    let mut harness = app_harness(&tenant);
    // The small tenant of `cargo test` lacks most of the accounts: keep them, unrevoked.
    if harness.query_by_label("Keep them for now").is_some() {
        click(&mut harness, "Keep them for now");
    }
    group.bench_function("organizations-frame", |b| b.iter(|| harness.step()));
    click(&mut harness, "Health");
    let started = std::time::Instant::now();
    while harness
        .query_all_by_label_contains("findings, the most urgent first")
        .next()
        .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no Health report"
        );
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    harness.run();
    group.bench_function("view-frame", |b| b.iter(|| harness.step()));
    group.finish();
}

criterion_group!(benches, frames, search, loading, saving, resolution, health);

fn main() {
    if common::measure_memory_if_asked() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
