//! `server connect`: the password from standard input or a prompt, the certificate shown and
//! pinned after a question at the terminal (or `--pin` without one), the server saved through
//! the state like the window's Connect dialog does.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use super::commands::to_json;
use super::{CliError, Exit, shown};
use crate::model::Password;
use crate::state::AppState;
use crate::store::vb365::{self, Fingerprint, ServerCertificate, ServerError};

pub(super) fn connect(
    state: &mut AppState,
    address: &str,
    user: &str,
    pin: Option<&str>,
    json: bool,
) -> Result<String, CliError> {
    if let Some(reason) = state.read_only_reason() {
        return Err(CliError::new(Exit::Locked, reason.to_string()));
    }
    let pin = pin
        .map(|text| {
            Fingerprint::parse(text).ok_or_else(|| {
                CliError::new(
                    Exit::Usage,
                    "--pin takes the certificate's SHA-256 fingerprint: 64 hexadecimal digits, \
                     with or without colons.",
                )
            })
        })
        .transpose()?;
    let password = read_password(user)?;
    let secrets = state.server_secrets()?;
    let settings = match vb365::connect(address, user, &password, pin, secrets.clone()) {
        Err(ServerError::UntrustedCertificate { certificate, .. }) if pin.is_none() => {
            if !confirm_pin(&certificate)? {
                return Err(CliError::new(
                    Exit::Server,
                    "The certificate was not pinned; nothing was sent to the server.",
                ));
            }
            vb365::connect(
                address,
                user,
                &password,
                Some(certificate.fingerprint),
                secrets,
            )?
        }
        other => other?,
    };
    if let Some(old) = state
        .backup_server()
        .filter(|old| old.address != settings.address)
        && let Ok(client) = state.backup_server_client()
    {
        // Another server's session is ended, so its refresh token does not linger.
        let _ = client.disconnect();
        log::info!("disconnected from {}", old.address);
    }
    state.save_backup_server(Some(settings.clone()))?;
    if json {
        return Ok(to_json(&settings));
    }
    Ok(format!(
        "Connected to {} as {}{}.\n",
        settings.address,
        shown(&settings.user),
        settings
            .pinned_certificate
            .as_ref()
            .map_or_else(String::new, |pin| format!(", certificate pinned ({pin})"))
    ))
}

/// One line from standard input when it is not a terminal, else a prompt without echo.
fn read_password(user: &str) -> Result<Password, CliError> {
    let failed = |e: std::io::Error| {
        CliError::new(Exit::Failure, format!("Could not read the password: {e}"))
    };
    if std::io::stdin().is_terminal() {
        let typed =
            rpassword::prompt_password(format!("Password of {}: ", shown(user))).map_err(failed)?;
        return Ok(Password::new(typed));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(failed)?;
    let trimmed = line.trim_end_matches(['\r', '\n']).to_owned();
    zeroize::Zeroize::zeroize(&mut line);
    if trimmed.is_empty() {
        return Err(CliError::new(
            Exit::Usage,
            "No password on standard input; give it on one line, or run at a terminal.",
        ));
    }
    Ok(Password::new(trimmed))
}

/// Shows the certificate and asks whether to pin it; refuses without a terminal.
fn confirm_pin(certificate: &ServerCertificate) -> Result<bool, CliError> {
    let described = format!(
        "SHA-256 fingerprint {}\n  subject {}\n  {}",
        certificate.fingerprint,
        shown(&certificate.subject),
        certificate.validity()
    );
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            Exit::Server,
            format!(
                "The server's certificate does not chain to this computer's roots:\n  {described}\n\
                 Check the fingerprint on the server (Veeam Backup for Microsoft 365 console > \
                 General Options > REST API), then run again with --pin {}.",
                certificate.fingerprint
            ),
        ));
    }
    eprint!(
        "The server's certificate does not chain to this computer's roots:\n  {described}\n\
         Compare the fingerprint with the server's certificate before you trust it.\n\
         Pin this certificate? [y/N] "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
