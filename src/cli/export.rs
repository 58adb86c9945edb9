//! `export --format powershell`: a script for the Veeam Backup for Microsoft 365 server that
//! sets the organization's whole pool of backup accounts at once, asking each password with
//! `Read-Host -AsSecureString`. The file holds no secret.
//!
//! The organization, group and account names come from the tenant, where a group owner who
//! is no administrator can name a group `x’; Remove-Item ...; ’`. So tenant text appears only
//! inside single-quoted literals, with every kind of single quote PowerShell knows doubled;
//! messages are built with `-f` and single-quoted format strings (never inside double
//! quotes, where `$(...)` and backticks run); no tenant text stands in a comment; and text
//! with control characters is refused, since a line break ends a comment or a statement.

use super::args::ExportFormat;
use super::lookup::find_organization;
use super::{CliError, Exit};
use crate::model::text::is_acting_character;
use crate::state::AppState;

/// The characters PowerShell ends a single-quoted string with: the ASCII apostrophe and the
/// typographic single quotes U+2018-U+201B. Inside a literal, each is escaped by doubling.
pub const POWERSHELL_SINGLE_QUOTES: [char; 5] =
    ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Tenant text the script cannot hold safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The {what} {shown:?} contains a control character, which a PowerShell script cannot hold \
     safely, so no script was written. Rename it in Microsoft 365 (or in the snapshot) and \
     sync again."
)]
pub struct UnsafeText {
    /// "organization name", "group name", "account".
    pub what: &'static str,
    /// The text with its control characters escaped.
    pub shown: String,
}

/// The script for the organization's saved selection.
pub(super) fn export(
    state: &AppState,
    org: &str,
    format: ExportFormat,
) -> Result<String, CliError> {
    let ExportFormat::Powershell = format;
    let organization = find_organization(state, org)?;
    let Some(selection) = state.config().organizations.get(organization.id.as_str()) else {
        return Err(CliError::new(
            Exit::Refused,
            format!(
                "{} has no backup accounts configured; choose them with `backup-accounts apply` \
                 or in the window first.",
                organization.name
            ),
        ));
    };
    powershell_script(
        &organization.name,
        &selection.group_name,
        &selection.accounts,
    )
    .map_err(|e| CliError::new(Exit::Refused, e.to_string()))
}

/// The script that gives `organization` the backup accounts `accounts` of `group`.
pub fn powershell_script(
    organization: &str,
    group: &str,
    accounts: &[String],
) -> Result<String, UnsafeText> {
    let organization = literal("organization name", organization)?;
    let group = literal("group name", group)?;
    let accounts = accounts
        .iter()
        .map(|upn| literal("account", upn).map(|upn| format!("    {upn}")))
        .collect::<Result<Vec<_>, _>>()?
        .join(",\n");
    Ok(format!(
        r#"# Sets the auxiliary backup accounts of one organization on this Veeam Backup for
# Microsoft 365 server, written by backup-accounts. No password is stored in this file: each
# is asked for. Set-VBOOrganization -BackupAccounts replaces the whole pool, so every account
# below is set at once, the ones already configured included; none is dropped by mistake.
$ErrorActionPreference = 'Stop'

$organizationName = {organization}
$groupName = {group}
$organization = Get-VBOOrganization -Name $organizationName
$group = Get-VBOOrganizationGroup -Organization $organization |
    Where-Object {{ $_.DisplayName -eq $groupName }}
if (-not $group) {{ throw ('The security group ''{{0}}'' was not found in {{1}}.' -f $groupName, $organizationName) }}
$members = Get-VBOOrganizationGroupMember -Group $group

$upns = @(
{accounts}
)
$backupAccounts = foreach ($upn in $upns) {{
    $member = $members | Where-Object {{ $_.Login -eq $upn }}
    if (-not $member) {{ throw ('{{0}} is not a member of ''{{1}}''.' -f $upn, $groupName) }}
    $password = Read-Host -AsSecureString -Prompt ('Password (an app password if MFA is enabled) for {{0}}' -f $upn)
    New-VBOBackupAccount -SecurityGroupMember $member -Password $password
}}
Set-VBOOrganization -Organization $organization -BackupAccounts $backupAccounts
Write-Host ('{{0}} backup accounts set for {{1}}.' -f $backupAccounts.Count, $organizationName)
"#
    ))
}

/// `text` as a PowerShell single-quoted literal, quotes included; refused when it holds a
/// control character.
fn literal(what: &'static str, text: &str) -> Result<String, UnsafeText> {
    if text.chars().any(is_acting_character) {
        return Err(UnsafeText {
            what,
            shown: crate::model::text::escape_controls(text).into_owned(),
        });
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if POWERSHELL_SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}
