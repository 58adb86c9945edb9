//! `export --format powershell`: a script for the Veeam Backup for Microsoft 365 server that
//! sets the organization's whole pool of backup accounts at once, asking each password with
//! `Read-Host -AsSecureString`. The file holds no secret.

use super::args::ExportFormat;
use super::lookup::find_organization;
use super::{CliError, Exit};
use crate::state::AppState;

/// The script for the organization's saved selection.
pub(super) fn export(
    state: &AppState,
    org: &str,
    format: ExportFormat,
) -> Result<String, CliError> {
    let ExportFormat::Powershell = format;
    let organization = find_organization(state, org)?;
    let Some(selection) = state.config().organizations.get(&organization.id) else {
        return Err(CliError::new(
            Exit::Refused,
            format!(
                "{} has no backup accounts configured; choose them with `backup-accounts apply` \
                 or in the window first.",
                organization.name
            ),
        ));
    };
    let accounts = selection
        .accounts
        .iter()
        .map(|upn| format!("    '{}'", quote(upn)))
        .collect::<Vec<_>>()
        .join(",\n");
    Ok(format!(
        r#"# Sets the auxiliary backup accounts of {name} on this Veeam Backup for Microsoft 365
# server, written by backup-accounts. No password is stored in this file: each is asked for.
# Set-VBOOrganization -BackupAccounts replaces the whole pool, so every account below is set
# at once, the ones already configured included; none is dropped by mistake.
$ErrorActionPreference = 'Stop'

$organization = Get-VBOOrganization -Name '{name_quoted}'
$group = Get-VBOOrganizationGroup -Organization $organization |
    Where-Object {{ $_.DisplayName -eq '{group}' }}
if (-not $group) {{ throw "The security group '{group}' was not found in {name_quoted}." }}
$members = Get-VBOOrganizationGroupMember -Group $group

$upns = @(
{accounts}
)
$backupAccounts = foreach ($upn in $upns) {{
    $member = $members | Where-Object {{ $_.Login -eq $upn }}
    if (-not $member) {{ throw "$upn is not a member of '{group}'." }}
    $password = Read-Host -AsSecureString -Prompt "Password (an app password if MFA is enabled) for $upn"
    New-VBOBackupAccount -SecurityGroupMember $member -Password $password
}}
Set-VBOOrganization -Organization $organization -BackupAccounts $backupAccounts
Write-Host "{count} backup accounts set for {name_quoted}."
"#,
        name = organization.name,
        name_quoted = quote(&organization.name),
        group = quote(&selection.group_name),
        count = selection.accounts.len(),
    ))
}

/// Text inside a PowerShell single-quoted string: a quote is doubled.
fn quote(text: &str) -> String {
    text.replace('\'', "''")
}
