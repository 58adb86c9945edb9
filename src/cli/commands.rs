//! The subcommands that read or change the selection, over the shared state.

use std::fmt::Write as _;
use std::sync::atomic::AtomicUsize;

use serde::Serialize;

use super::args::Selection;
use super::passwords::collect_passwords;
use super::{CliError, Exit};
use crate::model::rules::{check_can_manage_backup_accounts, is_listed_in_group_picker};
use crate::model::{CommitSummary, Group, ManagerDraft, Organization, same_upn};
use crate::state::AppState;

/// The organization named by id or, without regard to case, by name.
pub(super) fn find_organization<'a>(
    state: &'a AppState,
    query: &str,
) -> Result<&'a Organization, CliError> {
    let organizations = &state.directory().organizations;
    if let Some(organization) = organizations.iter().find(|o| o.id == query) {
        return Ok(organization);
    }
    let named: Vec<&Organization> = organizations
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case(query))
        .collect();
    match named.as_slice() {
        [organization] => Ok(organization),
        [] => Err(CliError::new(
            Exit::Usage,
            format!(
                "No organization has the id or name {query:?}; `backup-accounts orgs` lists them."
            ),
        )),
        several => Err(CliError::new(
            Exit::Usage,
            format!(
                "{query:?} names {} organizations ({}); give the id instead.",
                several.len(),
                several
                    .iter()
                    .map(|o| o.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The group named by id or, without regard to case, by display name.
fn find_group<'a>(organization: &'a Organization, query: &str) -> Result<&'a Group, CliError> {
    if let Some(group) = organization.group(query) {
        return Ok(group);
    }
    let named: Vec<&Group> = organization
        .groups
        .iter()
        .filter(|g| g.display_name.eq_ignore_ascii_case(query))
        .collect();
    match named.as_slice() {
        [group] => Ok(group),
        [] => Err(CliError::new(
            Exit::Usage,
            format!(
                "{} has no group with the id or name {query:?}; `backup-accounts groups {}` \
                 lists them.",
                organization.name, organization.id
            ),
        )),
        several => Err(CliError::new(
            Exit::Usage,
            format!(
                "{query:?} names {} groups of {} ({}); give the id instead.",
                several.len(),
                organization.name,
                several
                    .iter()
                    .map(|g| g.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn to_json(value: &impl Serialize) -> String {
    // Plain strings, numbers and lists always serialize.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

#[derive(Serialize)]
struct OrganizationRow<'a> {
    id: &'a str,
    name: &'a str,
    authentication: &'static str,
    backup_accounts_apply: bool,
    reason: Option<String>,
    group: Option<&'a str>,
    accounts: usize,
}

/// `orgs`: every organization, its method, whether backup accounts apply (R1), its choice.
pub(super) fn orgs(state: &AppState, json: bool) -> String {
    let rows: Vec<OrganizationRow<'_>> = state
        .directory()
        .organizations
        .iter()
        .map(|o| {
            let selection = state.config().organizations.get(&o.id);
            OrganizationRow {
                id: &o.id,
                name: &o.name,
                authentication: o.authentication.label(),
                backup_accounts_apply: check_can_manage_backup_accounts(o).is_ok(),
                reason: check_can_manage_backup_accounts(o)
                    .err()
                    .map(|e| e.to_string()),
                group: selection.map(|s| s.group_name.as_str()),
                accounts: selection.map_or(0, |s| s.accounts.len()),
            }
        })
        .collect();
    if json {
        return to_json(&rows);
    }
    let mut text = String::new();
    for row in &rows {
        let _ = writeln!(text, "{}  {}  ({})", row.id, row.name, row.authentication);
        match (&row.reason, row.group) {
            (Some(reason), _) => {
                let _ = writeln!(text, "    R1: {reason}");
            }
            (None, Some(group)) => {
                let _ = writeln!(text, "    group {group}, {} accounts", row.accounts);
            }
            (None, None) => {
                let _ = writeln!(text, "    no backup accounts configured");
            }
        }
    }
    text
}

#[derive(Serialize)]
struct GroupRow<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    members: usize,
    eligible: bool,
    rule: Option<&'static str>,
    reason: Option<String>,
}

/// `groups`: the security groups with member counts, refused ones with rule and reason.
pub(super) fn groups(
    state: &AppState,
    org: &str,
    filter: Option<&str>,
    json: bool,
) -> Result<String, CliError> {
    let organization = find_organization(state, org)?;
    let draft = state.open_manager(&organization.id)?;
    let filter = filter.map(str::to_lowercase);
    let mut rows = Vec::new();
    for group in organization
        .groups
        .iter()
        .filter(|g| is_listed_in_group_picker(g))
    {
        if let Some(filter) = &filter
            && !group.display_name.to_lowercase().contains(filter)
        {
            continue;
        }
        let preview = draft.preview_group(&group.id)?;
        rows.push(GroupRow {
            id: &group.id,
            name: &group.display_name,
            kind: group.kind().label(),
            members: preview.member_count,
            eligible: preview.refusal.is_none(),
            rule: preview.refusal.as_ref().map(|r| r.rule()),
            reason: preview.refusal.map(|r| r.to_string()),
        });
    }
    if json {
        return Ok(to_json(&rows));
    }
    let mut text = String::new();
    for row in &rows {
        let _ = writeln!(
            text,
            "{}  {}  ({}, {} users)",
            row.id, row.name, row.kind, row.members
        );
        if let (Some(rule), Some(reason)) = (row.rule, &row.reason) {
            let _ = writeln!(text, "    {rule}: {reason}");
        }
    }
    Ok(text)
}

#[derive(Serialize)]
struct ConfiguredAccount<'a> {
    upn: &'a str,
    password: &'static str,
}

#[derive(Serialize)]
struct MemberRow<'a> {
    upn: &'a str,
    display_name: &'a str,
    configured: bool,
    eligible: bool,
    rule: Option<&'static str>,
    reason: Option<String>,
}

#[derive(Serialize)]
struct AccountsReport<'a> {
    organization: &'a str,
    group: Option<&'a str>,
    configured: Vec<ConfiguredAccount<'a>>,
    members: Vec<MemberRow<'a>>,
}

/// `accounts`: the configured accounts with their keyring state, and the group's members.
pub(super) fn accounts(state: &AppState, org: &str, json: bool) -> Result<String, CliError> {
    let organization = find_organization(state, org)?;
    let draft = state.open_manager(&organization.id)?;
    let selection = state.config().organizations.get(&organization.id);
    let mut configured = Vec::new();
    for upn in selection.iter().flat_map(|s| &s.accounts) {
        let stored = state
            .secret_is_stored(&organization.id, upn)
            .map_err(|e| CliError::new(Exit::Keyring, e.to_string()))?;
        configured.push(ConfiguredAccount {
            upn,
            password: if stored { "configured" } else { "missing" },
        });
    }
    let members = draft
        .rows()
        .iter()
        .map(|row| {
            let user = &organization.users[row.user_index];
            MemberRow {
                upn: &user.upn,
                display_name: &user.display_name,
                configured: row.checked,
                eligible: row.refusal.is_none(),
                rule: row.refusal.as_ref().map(|r| r.rule()),
                reason: row.refusal.as_ref().map(ToString::to_string),
            }
        })
        .collect();
    let report = AccountsReport {
        organization: &organization.name,
        group: selection.map(|s| s.group_name.as_str()),
        configured,
        members,
    };
    if json {
        return Ok(to_json(&report));
    }
    let mut text = format!(
        "{}: group {}\n",
        report.organization,
        report.group.unwrap_or("(none chosen)")
    );
    for account in &report.configured {
        let _ = writeln!(
            text,
            "  configured  {}  password {}",
            account.upn, account.password
        );
    }
    for member in report.members.iter().filter(|m| !m.configured) {
        match (member.rule, &member.reason) {
            (Some(rule), Some(reason)) => {
                let _ = writeln!(text, "  refused     {}  {rule}: {reason}", member.upn);
            }
            _ => {
                let _ = writeln!(text, "  can add     {}", member.upn);
            }
        }
    }
    Ok(text)
}

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
            .map(|r| organization.users[r.user_index].upn.clone())
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
        report.organization,
        report.group.unwrap_or("(none)")
    );
    if let Some(previous) = report.previous_group {
        let _ = write!(text, " (was {previous})");
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
            let _ = writeln!(text, "  {label}: {upn}");
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
        .get(&organization.id)
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
