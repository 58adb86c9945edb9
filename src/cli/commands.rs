//! The subcommands that read or change the selection, over the shared state.

use std::fmt::Write as _;

use serde::Serialize;

use super::lookup::find_organization;
use super::{CliError, Exit, shown};
use crate::model::rules::{check_can_manage_backup_accounts, is_listed_in_group_picker};
use crate::state::{AppState, AwaitingSettings};

pub(super) fn to_json(value: &impl Serialize) -> String {
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
    /// An imported organization that waits for `settings` before it can be used.
    waiting_for_settings: bool,
}

/// `orgs`: every organization, its method, whether backup accounts apply (R1), its choice.
pub(super) fn orgs(state: &AppState, json: bool) -> String {
    let mut rows: Vec<OrganizationRow<'_>> = state
        .directory()
        .organizations
        .iter()
        .map(|o| {
            let selection = state.config().organizations.get(o.id.as_str());
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
                waiting_for_settings: false,
            }
        })
        .collect();
    let waiting = state
        .left_at_start()
        .and_then(|left| left.needs_settings.as_ref());
    if let Some(tenant) = waiting.map(AwaitingSettings::tenant) {
        rows.push(OrganizationRow {
            id: &tenant.id,
            name: &tenant.name,
            authentication: "unknown until its settings are given",
            backup_accounts_apply: false,
            reason: Some(format!(
                "waiting for settings: say how it was added to the backup server with \
                 `backup-accounts settings {} --authentication basic|modern-legacy|app-only \
                 --added-by UPN`",
                tenant.id
            )),
            group: None,
            accounts: 0,
            waiting_for_settings: true,
        });
    }
    if json {
        return to_json(&rows);
    }
    let mut text = String::new();
    for row in &rows {
        let _ = writeln!(
            text,
            "{}  {}  ({})",
            row.id,
            shown(row.name),
            row.authentication
        );
        match (&row.reason, row.group) {
            (Some(reason), _) if row.waiting_for_settings => {
                let _ = writeln!(text, "    {reason}");
            }
            (Some(reason), _) => {
                let _ = writeln!(text, "    R1: {reason}");
            }
            (None, Some(group)) => {
                let _ = writeln!(
                    text,
                    "    group {}, {} accounts",
                    shown(group),
                    row.accounts
                );
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
            row.id,
            shown(row.name),
            row.kind,
            row.members
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
    let selection = state.config().organizations.get(organization.id.as_str());
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
        shown(report.organization),
        shown(report.group.unwrap_or("(none chosen)"))
    );
    for account in &report.configured {
        let _ = writeln!(
            text,
            "  configured  {}  password {}",
            shown(account.upn),
            account.password
        );
    }
    for member in report.members.iter().filter(|m| !m.configured) {
        match (member.rule, &member.reason) {
            (Some(rule), Some(reason)) => {
                let upn = shown(member.upn);
                let _ = writeln!(text, "  refused     {upn}  {rule}: {reason}");
            }
            _ => {
                let _ = writeln!(text, "  can add     {}", shown(member.upn));
            }
        }
    }
    Ok(text)
}
