//! `server connect|status|diff|apply|disconnect`: the backup server through the same state,
//! keyring items, lock and calls as the window.

use std::fmt::Write as _;

use serde::Serialize;

use super::args::ServerAction;
use super::commands::to_json;
use super::lookup::find_organization;
use super::{CliError, Exit, shown};
use crate::model::progress::JobProgress;
use crate::model::rules::check_can_manage_backup_accounts;
use crate::model::server_pool::{PoolComparison, ServerStanding};
use crate::state::{AppState, SavedPoolOf};
use crate::store::vb365::{BackupServer, ServerError, ServerPool, apply_pool};

pub(super) fn run(
    state: &mut AppState,
    action: &ServerAction,
    json: bool,
) -> Result<String, CliError> {
    match action {
        ServerAction::Connect { address, user, pin } => {
            super::server_connect::connect(state, address, user, pin.as_deref(), json)
        }
        ServerAction::Status => status(state, json),
        ServerAction::Diff { org } => diff(state, org, json),
        ServerAction::Apply { org, yes } => apply(state, org, *yes, json),
        ServerAction::Disconnect => disconnect(state),
    }
}

fn disconnect(state: &mut AppState) -> Result<String, CliError> {
    let Some(settings) = state.backup_server().cloned() else {
        return Ok("No backup server was connected.\n".to_owned());
    };
    if let Some(reason) = state.read_only_reason() {
        return Err(CliError::new(Exit::Locked, reason.to_string()));
    }
    state.backup_server_client()?.disconnect()?;
    state.save_backup_server(None)?;
    Ok(format!(
        "Disconnected from {}; its session was forgotten.\n",
        settings.address
    ))
}

#[derive(Serialize)]
struct OrganizationStatus {
    id: String,
    name: String,
    on_server: bool,
    authentication_on_server: Option<&'static str>,
    pool: Option<PoolReport>,
    reason: Option<String>,
}

#[derive(Serialize, Default)]
struct PoolReport {
    matches: bool,
    keep: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    other_groups: Vec<String>,
    group: String,
}

impl PoolReport {
    fn of(saved: &SavedPoolOf, comparison: PoolComparison) -> Self {
        Self {
            matches: comparison.matches(),
            keep: comparison.on_both,
            add: comparison.only_saved,
            remove: comparison.only_on_server,
            other_groups: comparison.other_groups,
            group: saved.group_name.clone(),
        }
    }
}

fn status(state: &AppState, json: bool) -> Result<String, CliError> {
    // The window's survey: one read of the server's organizations, each one's pool.
    let standings = state
        .survey_with(state.backup_server_client()?)
        .standings(&JobProgress::default())?;
    let mut rows = Vec::new();
    for organization in &state.directory().organizations {
        let standing = standings.get(&organization.id);
        let mut row = OrganizationStatus {
            id: organization.id.to_string(),
            name: organization.name.clone(),
            on_server: !matches!(standing, None | Some(ServerStanding::NotOnServer)),
            authentication_on_server: None,
            pool: None,
            reason: None,
        };
        match standing {
            Some(ServerStanding::AppOnly { .. }) => {
                row.authentication_on_server = Some("Modern app-only authentication");
                row.reason =
                    Some("R1: app-only on the server; backup accounts are never sent to it".into());
            }
            Some(ServerStanding::Pool { comparison, .. }) => {
                row.authentication_on_server = Some("Backup accounts apply (not app-only)");
                let saved = state.saved_pool(organization);
                row.pool = Some(PoolReport::of(&saved, comparison.clone()));
            }
            None | Some(ServerStanding::NotOnServer) => {
                row.reason = Some("not on the backup server".into());
            }
        }
        rows.push(row);
    }
    if json {
        return Ok(to_json(&rows));
    }
    let settings = state.backup_server().ok_or(ServerError::NotConnected)?;
    let mut text = format!(
        "Backup server {} (signed in as {}{})\n",
        settings.address,
        shown(&settings.user),
        if settings.pinned_certificate.is_some() {
            ", pinned certificate"
        } else {
            ""
        }
    );
    for row in &rows {
        let _ = writeln!(text, "{}  {}", row.id, shown(&row.name));
        if let Some(reason) = &row.reason {
            let _ = writeln!(text, "    {reason}");
        }
        if let Some(pool) = &row.pool {
            let _ = writeln!(text, "    {}", describe(pool));
        }
    }
    Ok(text)
}

fn describe(pool: &PoolReport) -> String {
    if pool.matches {
        return format!(
            "the server's pool matches the saved selection ({} accounts)",
            pool.keep.len()
        );
    }
    let mut parts = Vec::new();
    let list = |upns: &[String]| {
        upns.iter()
            .map(|u| shown(u).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !pool.remove.is_empty() {
        parts.push(format!("only on the server: {}", list(&pool.remove)));
    }
    if !pool.add.is_empty() {
        parts.push(format!("only saved: {}", list(&pool.add)));
    }
    if !pool.other_groups.is_empty() {
        parts.push(format!(
            "the server uses another group: {}",
            list(&pool.other_groups)
        ));
    }
    format!("differs: {}", parts.join("; "))
}

/// The saved pool of `org` and the server's, after R1 on both sides.
fn compare(
    state: &AppState,
    client: &BackupServer,
    org: &str,
) -> Result<(SavedPoolOf, ServerPool), CliError> {
    let organization = find_organization(state, org)?;
    check_can_manage_backup_accounts(organization)
        .map_err(|e| CliError::new(Exit::Refused, format!("R1: {e}")))?;
    let saved = state.saved_pool(organization);
    let pool = saved.read_from(client)?;
    Ok((saved, pool))
}

fn diff(state: &AppState, org: &str, json: bool) -> Result<String, CliError> {
    let client = state.backup_server_client()?;
    let (saved, pool) = compare(state, &client, org)?;
    let report = PoolReport::of(&saved, saved.compare(&pool));
    if json {
        return Ok(to_json(&report));
    }
    Ok(plan_text(&saved, &report))
}

fn plan_text(saved: &SavedPoolOf, report: &PoolReport) -> String {
    let mut text = format!(
        "{}: group {}\n",
        shown(&saved.organization_name),
        shown(if saved.group_name.is_empty() {
            "(none chosen)"
        } else {
            &saved.group_name
        })
    );
    for (label, upns) in [
        ("add", &report.add),
        ("remove", &report.remove),
        ("keep", &report.keep),
    ] {
        for upn in upns {
            let _ = writeln!(text, "  {label:<7}{}", shown(upn));
        }
    }
    if !report.other_groups.is_empty() {
        let _ = writeln!(
            text,
            "  the server's pool uses another group: {}",
            report
                .other_groups
                .iter()
                .map(|g| shown(g).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if report.matches {
        text.push_str("  the server's pool matches the saved selection\n");
    }
    text
}

fn apply(state: &AppState, org: &str, yes: bool, json: bool) -> Result<String, CliError> {
    let client = state.backup_server_client()?;
    let (saved, pool) = compare(state, &client, org)?;
    let report = PoolReport::of(&saved, saved.compare(&pool));
    if !report.remove.is_empty() && !yes {
        return Err(CliError::new(
            Exit::Refused,
            format!(
                "The apply would remove {} from the backup server's pool; run again with --yes \
                 to consent (as R14). Nothing was sent.",
                report
                    .remove
                    .iter()
                    .map(|u| shown(u).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let secrets = state.server_secrets()?;
    let progress = JobProgress::default();
    let kept = apply_pool(&client, secrets.as_ref(), &saved.as_saved(), &progress)?;
    let after = PoolReport::of(&saved, saved.compare(&kept));
    if json {
        return Ok(to_json(&after));
    }
    Ok(format!(
        "{}Applied: the server's pool is the saved one ({} accounts; {} added, {} removed).\n",
        plan_text(&saved, &report),
        after.keep.len(),
        report.add.len(),
        report.remove.len()
    ))
}
