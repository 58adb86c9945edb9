//! The Health view: what needs attention, worst first, each with its fix; a chart of password
//! ages; and who holds the Site Collection Administrator role through each group.

use egui::{Button, RichText};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::a11y;
use super::action::{Action, ActionSender, HealthAction, MainAction};
use super::tokens;
use crate::model::Organization;
use crate::model::health::{
    Finding, FindingAction, HealthList, HealthReport, OrganizationHealth, PasswordAges, Severity,
};

/// What the view draws, gathered by the app's Health session.
#[derive(Debug)]
pub struct HealthViewData<'a> {
    /// The report, once computed.
    pub report: Option<&'a HealthReport>,
    /// Secrets read so far and in all, while the keyring check runs.
    pub checking: Option<(usize, usize)>,
    /// The last check in words, and whether it failed.
    pub check_status: Option<(&'a str, bool)>,
    /// When the last check ended (shown on hover, so the view itself does not change with
    /// the clock).
    pub checked_at: Option<String>,
    /// The password-age threshold in days.
    pub max_age_days: u32,
}

/// Draws the view; `organization` finds an organization of the directory by id.
pub fn health_ui<'a>(
    ui: &mut egui::Ui,
    data: &HealthViewData<'_>,
    organization: impl Fn(&str) -> Option<&'a Organization>,
    sender: &ActionSender,
) {
    toolbar_ui(ui, data, sender);
    let Some(report) = data.report else {
        ui.label("Preparing the report...");
        return;
    };
    ui.separator();
    password_age_chart_ui(ui, report);
    ui.separator();
    findings_table_ui(ui, report, sender);
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("footprints")
        .show(ui, |ui| {
            for health in &report.organizations {
                if let Some(organization) = organization(&health.organization_id) {
                    footprint_ui(ui, health, organization, sender);
                }
            }
        });
}

fn toolbar_ui(ui: &mut egui::Ui, data: &HealthViewData<'_>, sender: &ActionSender) {
    ui.horizontal(|ui| {
        let checking = data.checking.is_some();
        if ui
            .add_enabled(!checking, Button::new("Check now"))
            .on_hover_text("Reads every saved password from the keyring to see that it is there.")
            .clicked()
        {
            sender.send(HealthAction::CheckNow);
        }
        match (data.checking, data.check_status) {
            (Some((done, total)), _) => {
                let progress = ui.add(
                    egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                        .desired_width(160.0)
                        .text(format!("Checking the keyring: {done} of {total}")),
                );
                a11y::progress(&progress, done, total);
            }
            (None, Some((text, is_error))) => {
                let text = if is_error {
                    super::error_text(ui, text)
                } else {
                    RichText::new(text)
                };
                let status = ui.label(text);
                if let Some(at) = &data.checked_at {
                    status.on_hover_text(format!("Checked at {at}"));
                }
            }
            (None, None) => {}
        }
    });
    ui.horizontal(|ui| {
        ui.label("Report passwords older than");
        let mut days = data.max_age_days;
        let field = ui
            .add(
                egui::DragValue::new(&mut days)
                    .range(1..=3650)
                    .suffix(" days"),
            )
            .accessible_name("Report passwords older than, in days");
        // Saved once the value settles, not at every step of a drag.
        if (field.lost_focus() || field.drag_stopped() || !field.dragged())
            && days != data.max_age_days
        {
            sender.send(HealthAction::SetMaxAge(days));
        }
    });
}

/// A bar of the chart: its name, colour, and how many passwords of an organization it counts.
type AgeBucket = (&'static str, egui::Color32, fn(&PasswordAges) -> usize);

/// The chart's bars, bottom to top.
const AGE_BUCKETS: [AgeBucket; 4] = [
    ("Set within 30 days", tokens::CHART_RECENT, |a| a.recent),
    ("Older than 30 days", tokens::CHART_OLDER, |a| a.older),
    ("Older than the threshold", tokens::CHART_OVERDUE, |a| {
        a.beyond_threshold
    }),
    ("Age unknown", egui::Color32::GRAY, |a| a.unknown),
];

/// Password ages per organization, stacked: recent, older, beyond the threshold (counted
/// with the report) and unknown.
fn password_age_chart_ui(ui: &mut egui::Ui, report: &HealthReport) {
    let with_accounts: Vec<&OrganizationHealth> = report
        .organizations
        .iter()
        .filter(|h| !h.ages.is_empty())
        .collect();
    if with_accounts.is_empty() {
        return;
    }
    let mut charts: Vec<BarChart> = Vec::new();
    let mut description = Vec::new();
    for (name, color, count) in AGE_BUCKETS {
        let bars = with_accounts
            .iter()
            .enumerate()
            .map(|(x, h)| {
                let n = count(&h.ages);
                description.push(format!("{}: {n} {}", h.name, name.to_lowercase()));
                Bar::new(x as f64, n as f64).width(0.6).name(&h.name)
            })
            .collect();
        let chart = BarChart::new(name, bars).color(color);
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = chart.stack_on(&below);
        charts.push(chart);
    }
    let names: Vec<String> = with_accounts.iter().map(|h| h.name.clone()).collect();
    let response = Plot::new("password_ages")
        .height(140.0)
        .legend(Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .show_grid([false, true])
        .y_axis_label("Passwords")
        .x_axis_formatter(move |mark, _| {
            let index = mark.value.round();
            if (mark.value - index).abs() > 0.01 || index < 0.0 {
                return String::new();
            }
            names.get(index as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot| {
            for chart in charts {
                plot.bar_chart(chart);
            }
        })
        .response;
    // A screen reader reads the chart's numbers; the picture alone says nothing to it.
    let summary = format!("Password ages: {}", description.join("; "));
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &summary));
}

fn severity_text(ui: &egui::Ui, severity: Severity) -> RichText {
    let text = RichText::new(severity.label()).strong();
    match severity {
        Severity::Critical => text.color(ui.visuals().error_fg_color),
        Severity::Warning => text.color(ui.visuals().warn_fg_color),
        Severity::Notice => text.weak(),
    }
}

/// Every finding, one row each, virtualized: a tenant can have thousands.
fn findings_table_ui(ui: &mut egui::Ui, report: &HealthReport, sender: &ActionSender) {
    let rows: Vec<(&OrganizationHealth, &Finding)> = report
        .organizations
        .iter()
        .flat_map(|o| o.findings.iter().map(move |f| (o, f)))
        .collect();
    if rows.is_empty() {
        ui.label("Nothing needs attention.");
        return;
    }
    ui.label(format!("{} findings, the most urgent first:", rows.len()));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) * 3.0 + 8.0;
    // Most of the room goes to the findings; the footprints below scroll on their own.
    let table_height = (ui.available_height() * 0.6).max(160.0);
    a11y::table(ui, "Findings", rows.len(), 3, |ui| {
        TableBuilder::new(ui)
            .id_salt("findings")
            .striped(true)
            .max_scroll_height(table_height)
            .auto_shrink([false, true])
            .column(Column::exact(70.0))
            .column(Column::remainder().at_least(300.0).clip(true))
            .column(Column::exact(110.0))
            .header(20.0, |mut header| {
                for (column, name) in ["Severity", "Finding", "Fix"].into_iter().enumerate() {
                    header.col(|ui| {
                        a11y::column_header(ui, name, column);
                        ui.strong(name);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, rows.len(), |mut row| {
                    let index = row.index();
                    let (organization, finding) = rows[index];
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 0, "Severity");
                        ui.label(severity_text(ui, finding.severity));
                    });
                    let text = format!("{}: {}", organization.name, finding.describe());
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 1, "Finding");
                        ui.add(egui::Label::new(&text).wrap()).on_hover_text(&text);
                    });
                    row.col(|ui| {
                        a11y::table_cell(ui, index, 2, "Fix");
                        fix_button_ui(ui, organization, finding, sender);
                    });
                });
            });
    });
}

fn fix_button_ui(
    ui: &mut egui::Ui,
    organization: &OrganizationHealth,
    finding: &Finding,
    sender: &ActionSender,
) {
    let subject = finding.account().unwrap_or(&organization.name);
    let id = &organization.organization_id;
    let (label, action): (&str, Option<Action>) = match finding.action() {
        FindingAction::SetPassword => (
            "Set password",
            finding.account().map(|upn| {
                HealthAction::SetPassword {
                    organization_id: id.clone(),
                    upn: upn.to_owned(),
                }
                .into()
            }),
        ),
        FindingAction::Review => ("Review", Some(HealthAction::Review(id.clone()).into())),
        FindingAction::ReviewApplications => (
            "Review",
            Some(HealthAction::ReviewApplications(id.clone()).into()),
        ),
        FindingAction::Export => (
            "Export...",
            finding.list().map(|list| {
                HealthAction::Export {
                    organization_id: id.clone(),
                    list,
                }
                .into()
            }),
        ),
        FindingAction::ApplyToServer => (
            "Apply to backup server...",
            Some(MainAction::ApplyToServer(id.clone()).into()),
        ),
        FindingAction::ConnectToServer => (
            "Connect to backup server...",
            Some(MainAction::ConnectServer.into()),
        ),
        FindingAction::EditSettings => (
            "Organization settings...",
            Some(MainAction::EditSettings.into()),
        ),
        FindingAction::RemoveServerApplications => (
            "Remove the others from the server...",
            Some(MainAction::RemoveServerApplications(id.clone()).into()),
        ),
    };
    // One account can have several findings: the name says which one this fixes.
    let name = format!("{label} for {subject}: {}", finding.title());
    // The legacy-authentication notice of an app-only organization has nothing to review.
    let enabled = action.is_some();
    let button = ui
        .add_enabled(enabled, Button::new(label))
        .accessible_name(name);
    if button.clicked()
        && let Some(action) = action
    {
        sender.send(action);
    }
}

/// Who holds the role through the organization's group, with the path to each (virtualized).
fn footprint_ui(
    ui: &mut egui::Ui,
    health: &OrganizationHealth,
    organization: &Organization,
    sender: &ActionSender,
) {
    let holders = &health.footprint.holders;
    if holders.is_empty() {
        return;
    }
    let title = format!(
        "Site Collection Administrators of {} ({})",
        health.name,
        holders.len()
    );
    egui::CollapsingHeader::new(&title)
        .id_salt(("footprint", &health.organization_id))
        .show(ui, |ui| {
            let export = ui.button("Export...").accessible_name(format!(
                "Export Site Collection Administrators of {}",
                health.name
            ));
            if export.clicked() {
                sender.send(HealthAction::Export {
                    organization_id: health.organization_id.clone(),
                    list: HealthList::Footprint,
                });
            }
            let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
            egui::ScrollArea::vertical()
                .id_salt(("footprint_rows", &health.organization_id))
                .max_height(200.0)
                .show_rows(ui, row_height, holders.len(), |ui, rows| {
                    for &holder in &holders[rows] {
                        let user = &organization.users[holder.user_index];
                        let mut text = health.footprint.path(organization, holder);
                        if user.guest {
                            text.push_str("  (guest)");
                        }
                        if !user.enabled {
                            text.push_str("  (disabled)");
                        }
                        ui.label(text);
                    }
                });
        });
}
