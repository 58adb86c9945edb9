//! `plan`, `apply` and `remove`: what a selection changes, and committing it through the
//! window's commit path.

use std::fmt::Write as _;
use std::sync::atomic::AtomicUsize;

use serde::Serialize;

use super::args::Selection;
use super::commands::to_json;
use super::lookup::{find_group, find_organization};
use super::passwords::collect_passwords;
use super::{CliError, Exit, shown};
use crate::model::{CommitSummary, ManagerDraft, same_upn};
use crate::state::AppState;

#[derive(Serialize)]
struct PlanReport<'a> {
    organization: &'a str,
    group: Option<&'a str>,
    previous_group: Option<&'a str>,
    role_holders: usize,
    added: &'a [String],
    kept: &'a [String],
    removed: &'a [String],
    passwords_needed: &'a [String],
    applied: bool,
}

/// The draft a `plan` or `apply` describes: the group chosen (R2, R3), accounts kept, the
/// named ones (or every eligible member) checked (R6, R12).
fn draft_for(state: &AppState, selection: &Selection) -> Result<ManagerDraft, CliError> {
    let organization = find_organization(state, &selection.org)?;
    let group = find_group(organization, &selection.group)?;
    let mut draft = state.open_manager(&organization.id)?;
    if draft.group().map(|g| g.id.as_str()) != Some(group.id.as_str()) {
        draft.choose_group(&group.id)?;
    }
    for upn in &selection.accounts {
        if organization.user(upn).is_none() {
            return Err(CliError::new(
                Exit::Usage,
                format!("{upn} is not a user of {}.", organization.name),
            ));
        }
        draft.set_checked(upn, true)?;
    }
    if selection.all_eligible {
        let eligible: Vec<String> = draft
            .rows()
            .iter()
            .filter(|r| r.refusal.is_none())
            .map(|r| organization.users[r.user_index].upn.to_string())
            .collect();
        for upn in &eligible {
            draft.set_checked(upn, true)?;
        }
    }
    Ok(draft)
}

fn plan_text(report: &PlanReport<'_>) -> String {
    let mut text = format!(
        "{}: group {}",
        shown(report.organization),
        shown(report.group.unwrap_or("(none)"))
    );
    if let Some(previous) = report.previous_group {
        let _ = write!(text, " (was {})", shown(previous));
    }
    let _ = writeln!(
        text,
        "\n  {} users get the Site Collection Administrator role through the group (R4)",
        report.role_holders
    );
    for (label, list) in [
        ("add", report.added),
        ("keep", report.kept),
        ("remove (password deleted)", report.removed),
        ("password needed", report.passwords_needed),
    ] {
        for upn in list {
            let _ = writeln!(text, "  {label}: {}", shown(upn));
        }
    }
    let _ = writeln!(
        text,
        "{}",
        if report.applied {
            "Applied."
        } else {
            "Nothing was changed."
        }
    );
    text
}

fn report<'a>(
    summary: &'a CommitSummary,
    passwords_needed: &'a [String],
    applied: bool,
) -> PlanReport<'a> {
    PlanReport {
        organization: &summary.organization,
        group: summary.group.as_deref(),
        previous_group: summary.previous_group.as_deref(),
        role_holders: summary.role_holders,
        added: &summary.added,
        kept: &summary.kept,
        removed: &summary.removed,
        passwords_needed,
        applied,
    }
}

/// `plan`: what `apply` with the same arguments would change; changes nothing.
pub(super) fn plan(
    state: &AppState,
    selection: &Selection,
    json: bool,
) -> Result<String, CliError> {
    let draft = draft_for(state, selection)?;
    let summary = draft.summary();
    let needed = draft.accounts_missing_password();
    let report = report(&summary, &needed, false);
    Ok(if json {
        to_json(&report)
    } else {
        plan_text(&report)
    })
}

/// `apply`: the plan, committed as one step with the passwords given (R7, R8, R9); removals
/// need `--yes` (R14).
pub(super) fn apply(
    state: &mut AppState,
    selection: &Selection,
    password_stdin: bool,
    yes: bool,
    json: bool,
) -> Result<String, CliError> {
    let mut draft = draft_for(state, selection)?;
    let summary = draft.summary();
    if summary.needs_consent() && !yes {
        return Err(CliError::new(
            Exit::Refused,
            format!(
                "This removes {} accounts and deletes their passwords{}; run `backup-accounts \
                 plan` with the same arguments to see them, then add --yes to consent (R14).",
                summary.removed.len(),
                if summary.previous_group.is_some() {
                    " and changes the group"
                } else {
                    ""
                }
            ),
        ));
    }
    collect_passwords(&mut draft, password_stdin)?;
    commit(state, &draft)?;
    let report = report(&summary, &[], true);
    Ok(if json {
        to_json(&report)
    } else {
        plan_text(&report)
    })
}

fn commit(state: &mut AppState, draft: &ManagerDraft) -> Result<(), CliError> {
    let pending = state.begin_commit(draft)?;
    let config = pending
        .run(&AtomicUsize::new(0))
        .map_err(crate::state::CommitFailure::from)?;
    state.finish_commit(config);
    Ok(())
}

#[derive(Serialize)]
struct RemoveReport<'a> {
    organization: &'a str,
    removed: &'a [String],
}

/// `remove`: unchecks the accounts and deletes their passwords, as one step.
pub(super) fn remove(
    state: &mut AppState,
    org: &str,
    accounts: &[String],
    json: bool,
) -> Result<String, CliError> {
    let organization = find_organization(state, org)?;
    let organization_name = organization.name.clone();
    let mut draft = state.open_manager(&organization.id)?;
    let configured = state
        .config()
        .organizations
        .get(organization.id.as_str())
        .map(|s| s.accounts.clone())
        .unwrap_or_default();
    for upn in accounts {
        if !configured.iter().any(|c| same_upn(c, upn)) {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "{upn} is not a configured backup account of {organization_name}; \
                     `backup-accounts accounts {org}` lists them."
                ),
            ));
        }
        // An account no longer in the group is unchecked already.
        if draft.is_member(upn) {
            draft.set_checked(upn, false)?;
        }
    }
    commit(state, &draft)?;
    let report = RemoveReport {
        organization: &organization_name,
        removed: accounts,
    };
    if json {
        return Ok(to_json(&report));
    }
    Ok(accounts
        .iter()
        .map(|upn| format!("{organization_name}: removed {upn}; its password was deleted.\n"))
        .collect())
}
