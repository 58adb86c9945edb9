//! `settings`: what Microsoft Graph cannot say about an imported organization (how it was
//! added to the backup server), given without the window, through the same state call as the
//! Organization Settings dialog.

use super::{CliError, Exit, shown};
use crate::model::{AuthenticationMethod, OrganizationSettings};
use crate::state::AppState;

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
    let waiting = state
        .awaiting_settings()
        .is_some_and(|tenant| names_it(&tenant.id, &tenant.name));
    if !waiting {
        let imported = state
            .directory()
            .organizations
            .iter()
            .find(|o| names_it(&o.id, &o.name))
            .filter(|o| state.organization_settings(&o.id).is_some());
        if imported.is_none() {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "No imported Microsoft Graph organization has the id or name {:?}; settings \
                     apply to organizations of a Graph export (`backup-accounts --directory \
                     FOLDER orgs` lists them).",
                    shown(org)
                ),
            ));
        }
        state.edit_settings()?;
    }
    if application.is_some() && authentication != AuthenticationMethod::ModernAppOnly {
        return Err(CliError::new(
            Exit::Usage,
            "--application is only for --authentication app-only organizations (R15).",
        ));
    }
    let known = state.awaiting_settings().is_some_and(|tenant| {
        tenant
            .user_upns()
            .any(|upn| upn.eq_ignore_ascii_case(added_by.trim()))
    });
    if !known {
        state.cancel_settings();
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "{} is not a user of this organization; --added-by takes the UPN of the account                  the organization was added to the backup server with (R6).",
                shown(added_by.trim())
            ),
        ));
    }
    let settings = OrganizationSettings {
        authentication,
        added_by: added_by.trim().to_owned(),
        mfa_not_enabled: state
            .awaiting_settings()
            .and_then(|tenant| state.organization_settings(&tenant.id))
            .map(|s| s.mfa_not_enabled.clone())
            .unwrap_or_default(),
        added_with_application: application.map(str::to_owned),
    };
    let name = state
        .awaiting_settings()
        .map(|tenant| tenant.name.clone())
        .unwrap_or_default();
    let revoked = state.apply_settings(settings)?;
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
