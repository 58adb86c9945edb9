//! Organizations and groups as the administrator names them: an id, or a name without
//! regard to case; an ambiguous name is refused with the candidates.

use super::{CliError, Exit};
use crate::model::{Group, Organization};
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
pub(super) fn find_group<'a>(
    organization: &'a Organization,
    query: &str,
) -> Result<&'a Group, CliError> {
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
