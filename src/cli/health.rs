//! `backup-accounts check`: the Health view's report for a scheduler.

use std::fmt::Write as _;
use std::sync::atomic::AtomicUsize;

use serde::Serialize;

use super::commands::to_json;
use super::{CliError, Exit};
use crate::model::health::HealthReport;
use crate::state::AppState;

#[derive(Serialize)]
struct FindingRow<'a> {
    severity: &'static str,
    organization_id: &'a str,
    organization: &'a str,
    account: Option<&'a str>,
    accounts: &'a [String],
    finding: String,
}

/// Checks every saved secret in the keyring, then prints the report; [`Exit::Attention`]
/// when a critical or warning finding exists.
pub(super) fn check(
    state: &mut AppState,
    max_age_days: Option<u32>,
    json: bool,
) -> Result<(String, Exit), CliError> {
    let keyring_error = |e: crate::store::SecretError| {
        CliError::new(
            Exit::Keyring,
            format!("Could not check the saved passwords: {e}"),
        )
    };
    let saved = state
        .config()
        .organizations
        .values()
        .any(|s| !s.accounts.is_empty());
    // Without saved accounts there is nothing to read, and no keyring is needed.
    let missing = if saved {
        state
            .secret_check()
            .map_err(keyring_error)?
            .run(&AtomicUsize::new(0))
            .map_err(keyring_error)?
    } else {
        Default::default()
    };
    // A connected backup server is read once; if it cannot be, that is a finding.
    let server = state.server_survey().map(|survey| match survey {
        Ok(survey) => survey.run(&crate::model::progress::JobProgress::default()),
        Err(unreadable) => unreadable,
    });
    let report = state.health_job(max_age_days).compute(
        Some(&missing),
        server.as_ref(),
        jiff::Timestamp::now(),
    );
    let text = if json {
        report_json(&report)
    } else {
        report_text(&report)
    };
    let exit = if report.needs_attention() {
        Exit::Attention
    } else {
        Exit::Success
    };
    Ok((text, exit))
}

fn report_json(report: &HealthReport) -> String {
    let rows: Vec<FindingRow<'_>> = report
        .organizations
        .iter()
        .flat_map(|o| o.findings.iter().map(move |f| (o, f)))
        .map(|(o, f)| FindingRow {
            severity: f.severity.label(),
            organization_id: &o.organization_id,
            organization: &o.name,
            account: f.account(),
            accounts: f.accounts(),
            finding: f.describe(),
        })
        .collect();
    to_json(&rows)
}

fn report_text(report: &HealthReport) -> String {
    let mut text = String::new();
    for organization in &report.organizations {
        let _ = writeln!(
            text,
            "{} ({}): {} holders of the Site Collection Administrator role",
            super::shown(&organization.name),
            organization.organization_id,
            organization.footprint.holders.len()
        );
        for finding in &organization.findings {
            let _ = writeln!(
                text,
                "    {}: {}",
                finding.severity.label(),
                finding.describe()
            );
        }
    }
    if !report.needs_attention() {
        text.push_str("Nothing needs attention.\n");
    }
    text
}
