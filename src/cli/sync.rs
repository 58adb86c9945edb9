//! `sync [ORG] [--sign-in]`: the window's *Sync now* (or *Sign in to Microsoft 365...*) from
//! the command line, with the same job, keyring item and snapshot folder; with `--json`, one
//! progress line per half second (a JSON object each) and the result last.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::lookup::find_organization;
use super::{CliError, Exit, shown};
use crate::state::{AppState, SyncedTenant};
use crate::store::graph::client::{Counter, GraphStats, SyncPhase};
use crate::store::graph::sync::SyncKind;

/// How often a progress line is printed.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

#[derive(Serialize)]
struct PhaseLine {
    done: usize,
    total: Option<usize>,
    finished: bool,
}

impl PhaseLine {
    fn of(counter: &Counter) -> Self {
        Self {
            done: counter.done(),
            total: counter.total(),
            finished: counter.is_finished(),
        }
    }
}

#[derive(Serialize)]
struct ProgressLine {
    event: &'static str,
    phase: &'static str,
    users: PhaseLine,
    groups: PhaseLine,
    member_lists: PhaseLine,
    mfa_report: PhaseLine,
    requests: usize,
    in_flight: usize,
    throttling_waits: usize,
    seconds_left: Option<u64>,
}

impl ProgressLine {
    fn of(stats: &GraphStats) -> Self {
        let count = |n: &std::sync::atomic::AtomicUsize| n.load(Ordering::Relaxed);
        Self {
            event: "progress",
            phase: match stats.phase() {
                SyncPhase::SigningIn => "signing_in",
                SyncPhase::Full => "full",
                SyncPhase::Delta => "delta",
                SyncPhase::FullAfterDeltaRefused => "full_after_delta_refused",
            },
            users: PhaseLine::of(&stats.users),
            groups: PhaseLine::of(&stats.groups),
            member_lists: PhaseLine::of(&stats.member_lists),
            mfa_report: PhaseLine::of(&stats.mfa),
            requests: count(&stats.requests),
            in_flight: count(&stats.in_flight),
            throttling_waits: count(&stats.throttled),
            seconds_left: stats.time_left().map(|d| d.as_secs()),
        }
    }
}

#[derive(Serialize)]
struct DoneLine<'a> {
    event: &'static str,
    tenant: &'a str,
    kind: &'static str,
    changed_objects: usize,
    mfa_report: bool,
    folder: String,
    waiting_for_settings: bool,
    pending_revocations: usize,
}

/// Syncs the synced tenant (`org`, when given, must be it); `sign_in` asks for a new
/// device-code sign-in first, its code printed on standard error.
pub(super) fn sync(
    state: &mut AppState,
    org: Option<&str>,
    sign_in: bool,
    json: bool,
) -> Result<String, CliError> {
    let synced = state.synced_tenant();
    match (&synced, org, sign_in) {
        (None, _, false) => {
            return Err(CliError::new(
                Exit::Usage,
                "No tenant was synced from Microsoft 365 yet: run `backup-accounts sync \
                 --sign-in` (a device-code sign-in at this terminal) first."
                    .to_owned(),
            ));
        }
        (Some(tenant), Some(org), false)
            if tenant != org && find_organization(state, org)?.id != *tenant =>
        {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "{} is not the synced tenant ({tenant}); only it can be synced.",
                    shown(org)
                ),
            ));
        }
        _ => {}
    }
    if let Some(reason) = state.read_only_reason() {
        return Err(CliError::new(Exit::Locked, reason.to_string()));
    }
    let job = state.sync_job(sign_in)?;
    let stats: Arc<GraphStats> = Arc::default();
    let cancel = Arc::new(AtomicBool::new(false));
    let prompt = |prompt: crate::state::DeviceCodePrompt| {
        eprintln!(
            "Open {} in a browser and enter the code {} (valid for {} minutes).",
            prompt.verification_uri,
            prompt.user_code,
            prompt.expires_in.as_secs() / 60
        );
    };
    let synced = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("graph-sync".to_owned())
            .spawn_scoped(scope, || job.run(&prompt, stats.clone(), &cancel))
            .map_err(|e| CliError::new(Exit::Failure, format!("Could not start the sync: {e}")))?;
        while !worker.is_finished() {
            std::thread::sleep(PROGRESS_EVERY);
            if json && !worker.is_finished() {
                println!(
                    "{}",
                    serde_json::to_string(&ProgressLine::of(&stats)).unwrap_or_default()
                );
            }
        }
        worker
            .join()
            .map_err(|_| CliError::new(Exit::Graph, "the sync stopped unexpectedly"))?
            .map_err(|failure| CliError::new(Exit::Graph, failure.to_string()))
    })?;
    finish(state, synced, json)
}

/// Opens the synced snapshot, as the window does after a sync, and says what follows.
fn finish(state: &mut AppState, synced: SyncedTenant, json: bool) -> Result<String, CliError> {
    let summary = synced.summary.clone();
    let change = state.import_synced(synced)?;
    let waiting = change.needs_settings.is_some();
    let pending = change.revocations;
    let kind = match summary.kind {
        SyncKind::Full => "full",
        SyncKind::Delta => "delta",
        SyncKind::FullAfterDeltaRefused => "full_after_delta_refused",
    };
    if json {
        let done = DoneLine {
            event: "done",
            tenant: &summary.tenant_id,
            kind,
            changed_objects: summary.changed_objects,
            mfa_report: summary.mfa_report,
            folder: summary.folder.display().to_string(),
            waiting_for_settings: waiting,
            pending_revocations: pending.len(),
        };
        return Ok(format!(
            "{}\n",
            serde_json::to_string(&done).unwrap_or_default()
        ));
    }
    let mut text = format!(
        "Synced tenant {} ({kind} sync, {} objects{}) into {}.\n",
        summary.tenant_id,
        summary.changed_objects,
        if summary.mfa_report {
            ""
        } else {
            "; the MFA report was refused"
        },
        summary.folder.display()
    );
    if waiting {
        text.push_str(&format!(
            "It is new here: give its settings with `backup-accounts --directory {} settings {} \
             --authentication ... --added-by UPN`.\n",
            summary.folder.display(),
            summary.tenant_id
        ));
    }
    if !pending.is_empty() {
        text.push_str(&format!(
            "{} saved accounts are no longer allowed by the directory (R14); they stay until \
             you consent in the window, or `remove` them.\n",
            pending.len()
        ));
    }
    Ok(text)
}
