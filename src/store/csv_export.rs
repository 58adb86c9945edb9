//! The Site Collection Administrator footprint (or one finding's accounts) as CSV, written
//! atomically so a failed export never leaves half a file where the administrator chose.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;

use crate::model::health::RoleFootprint;
use crate::model::{Organization, OrganizationSelection};

use super::private_files::create_temporary_beside;

/// The header line's columns.
pub const CSV_COLUMNS: [&str; 6] = [
    "User principal name",
    "Display name",
    "Guest",
    "Enabled",
    "Backup account",
    "Path",
];

/// The CSV text: one row per role holder, or only those in `only` (compared without case).
pub fn role_holders_csv(
    organization: &Organization,
    footprint: &RoleFootprint,
    selection: Option<&OrganizationSelection>,
    only: Option<&[String]>,
) -> String {
    let lower = |upns: &[String]| {
        upns.iter()
            .map(|u| u.to_lowercase())
            .collect::<HashSet<_>>()
    };
    let only = only.map(lower);
    let used = lower(selection.map_or(&[][..], |s| s.accounts.as_slice()));
    let mut text = csv_line(CSV_COLUMNS.iter().map(|c| (*c).to_owned()));
    for &holder in &footprint.holders {
        let user = &organization.users[holder.user_index];
        let key = user.upn.to_lowercase();
        if only.as_ref().is_some_and(|only| !only.contains(&key)) {
            continue;
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        text += &csv_line(
            [
                user.upn.to_string(),
                user.display_name.clone(),
                yes_no(user.guest),
                yes_no(user.enabled),
                yes_no(used.contains(&key)),
                footprint.path(organization, holder),
            ]
            .into_iter(),
        );
    }
    text
}

/// Characters that make a spreadsheet read a cell as a formula when it starts with one
/// (OWASP's list: a tab or carriage return first lets `=` follow unseen).
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One RFC 4180 line. A field a spreadsheet would run as a formula (see [`FORMULA_STARTS`])
/// gets a leading apostrophe: display names come from the tenant, not from the administrator.
pub fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let fields: Vec<String> = fields
        .map(|mut field| {
            if field.starts_with(FORMULA_STARTS) {
                field.insert(0, '\'');
            }
            if field.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                field
            }
        })
        .collect();
    fields.join(",") + "\r\n"
}

/// Writes `text` to `path` through a temporary file beside it.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let (temporary, mut file) = create_temporary_beside(path)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(())
}
