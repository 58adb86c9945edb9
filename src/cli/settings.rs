//! `settings`: what Microsoft Graph cannot say about an imported organization (how it was
//! added to the backup server), given without the window, through the same state call as the
//! Organization Settings dialog.

use super::{CliError, Exit, shown};
use crate::model::{AuthenticationMethod, OrganizationSettings};
use crate::state::{AppState, AwaitingSettings};

pub(super) fn settings(
    state: &mut AppState,
    org: &str,
    authentication: AuthenticationMethod,
    added_by: &str,
    application: Option<&str>,
) -> Result<String, CliError> {
    if let Some(reason) = state.read_only_reason() {
        return Err(CliError::new(Exit::Locked, reason.to_string()));
    }
    let names_it = |id: &str, name: &str| id == org || name.eq_ignore_ascii_case(org);
    // The tenant loading left waiting for its settings, or an imported one read again.
    let waiting = state
        .take_left_at_start()
        .and_then(|left| left.needs_settings)
        .filter(|awaiting| names_it(&awaiting.tenant().id, &awaiting.tenant().name));
    let awaiting = match waiting {
        Some(awaiting) => awaiting,
        None => imported(state, org, names_it)?,
    };
    if application.is_some() && authentication != AuthenticationMethod::ModernAppOnly {
        return Err(CliError::new(
            Exit::Usage,
            "--application is only for --authentication app-only organizations (R15).",
        ));
    }
    let tenant = awaiting.tenant();
    if !tenant
        .user_upns()
        .any(|upn| upn.eq_ignore_ascii_case(added_by.trim()))
    {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "{} is not a user of this organization; --added-by takes the UPN of the account \
                 the organization was added to the backup server with (R6).",
                shown(added_by.trim())
            ),
        ));
    }
    let settings = OrganizationSettings {
        authentication,
        added_by: added_by.trim().to_owned(),
        mfa_not_enabled: state
            .organization_settings(&tenant.id)
            .map(|s| s.mfa_not_enabled.clone())
            .unwrap_or_default(),
        added_with_application: application.map(str::to_owned),
    };
    let name = tenant.name.clone();
    let revoked = state.apply_settings(awaiting, settings)?.revocations;
    let mut text = format!(
        "{}: {}, added by {}.\n",
        shown(&name),
        authentication.label(),
        shown(added_by.trim())
    );
    for revocation in &revoked {
        text.push_str(&format!(
            "  waiting for consent (R14): {revocation}; run `backup-accounts apply --yes` or \
             open the window\n"
        ));
    }
    Ok(text)
}

/// The imported organization `org` names, its export read again so its settings can change.
fn imported(
    state: &AppState,
    org: &str,
    names_it: impl Fn(&str, &str) -> bool,
) -> Result<AwaitingSettings, CliError> {
    let imported = state
        .directory()
        .organizations
        .iter()
        .any(|o| names_it(&o.id, &o.name) && state.organization_settings(&o.id).is_some());
    let awaiting = if imported {
        state.edit_settings()?
    } else {
        None
    };
    awaiting.ok_or_else(|| {
        CliError::new(
            Exit::Usage,
            format!(
                "No imported Microsoft Graph organization has the id or name {:?}; settings \
                 apply to organizations of a Graph export (`backup-accounts --directory \
                 FOLDER orgs` lists them).",
                shown(org)
            ),
        )
    })
}
