//! Passwords for `apply`: from standard input (`UPN<TAB>password` lines) or, on a terminal,
//! a prompt per account without echo. Never from an argument or an environment variable.

use std::io::IsTerminal as _;

use zeroize::Zeroizing;

use super::{CliError, Exit};
use crate::model::{ManagerDraft, Password, same_upn};

/// Gives the draft a password for every checked account that needs one (R7, R8): lines on
/// standard input with `--password-stdin` (which may also replace stored ones), otherwise a
/// prompt per account on a terminal.
pub(super) fn collect_passwords(
    draft: &mut ManagerDraft,
    password_stdin: bool,
) -> Result<(), CliError> {
    if password_stdin {
        for (upn, password) in read_lines(std::io::stdin().lock())? {
            set(draft, &upn, password)?;
        }
    } else {
        let needed = draft.accounts_missing_password();
        if !needed.is_empty() && !std::io::stdin().is_terminal() {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "{} need a password and standard input is not a terminal; pipe \
                     `UPN<TAB>password` lines and pass --password-stdin.",
                    needed.join(", ")
                ),
            ));
        }
        for upn in needed {
            let prompt = draft.password_prompt(&upn)?;
            let question = if prompt.app_password_required {
                format!("App password for {upn} (MFA is enabled): ")
            } else {
                format!("Password for {upn}: ")
            };
            let typed = rpassword::prompt_password(question)
                .map_err(|e| CliError::new(Exit::Failure, format!("Could not read: {e}")))?;
            set(draft, &upn, Password::new(typed))?;
        }
    }
    // R7: every checked account has a password now, or the commit names the ones without.
    let missing = draft.accounts_missing_password();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Refused,
            format!(
                "R7: {} {} no password; add a `UPN<TAB>password` line for each.",
                missing.join(", "),
                if missing.len() == 1 { "has" } else { "have" }
            ),
        ))
    }
}

fn set(draft: &mut ManagerDraft, upn: &str, password: Password) -> Result<(), CliError> {
    let users = &draft.organization().users;
    let selected = draft
        .rows()
        .iter()
        .any(|r| r.checked && same_upn(&users[r.user_index].upn, upn));
    if !selected {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "Standard input has a password for {upn}, which this command does not select; \
                 add --account {upn}."
            ),
        ));
    }
    draft
        .set_password(upn, password)
        .map_err(|e| CliError::new(Exit::Refused, format!("{upn}: {e}")))
}

/// `UPN<TAB>password` lines; the password is everything after the first tab, without the
/// line ending. Blank lines are skipped.
fn read_lines(reader: impl std::io::BufRead) -> Result<Vec<(String, Password)>, CliError> {
    let mut passwords = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let line = Zeroizing::new(
            line.map_err(|e| CliError::new(Exit::Failure, format!("Could not read: {e}")))?,
        );
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((upn, password)) = line.split_once('\t') else {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "Line {} of standard input has no tab; write `UPN<TAB>password`.",
                    number + 1
                ),
            ));
        };
        passwords.push((upn.trim().to_owned(), Password::new(password.to_owned())));
    }
    Ok(passwords)
}
