//! The command line: the same state, rules, folder lock and commit path as the window,
//! without a window. Every command prints text, or JSON with `--json`; errors go to stderr
//! in one sentence with what to do, and the exit code says what kind of failure it was.

pub mod args;
mod commands;
pub mod export;
mod health;
mod lookup;
mod passwords;
mod plan;
mod server;
mod server_connect;
mod settings;
mod sync;

use std::sync::Arc;

pub use args::{Arguments, Command};

use crate::model::DraftError;
use crate::state::{AppState, CommitFailure, ReloadError, StartupError, StartupOptions};
use crate::store::vb365::{ApplyError, ServerError};
use crate::store::{CommitError, KeyringSecrets, SecretStore};

/// How a command ended, as its process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Success = 0,
    /// 1: anything else (an I/O error, no configuration folder).
    Failure = 1,
    /// 2: bad usage: an unknown or ambiguous organization, group or account.
    Usage = 2,
    /// 3: refused by a rule (R1-R14); the message names the rule's reason and the account.
    Refused = 3,
    /// 4: the keyring failed or is unavailable; nothing changed.
    Keyring = 4,
    /// 5: another window holds the configuration folder; writing commands refuse.
    Locked = 5,
    /// 6: a broken configuration, snapshot or export file; nothing changed.
    BrokenFile = 6,
    /// 7: `check` found something that needs attention (a critical or warning finding).
    Attention = 7,
    /// 8: the backup server could not be reached, was not trusted, or refused.
    Server = 8,
    /// 9: `sync`: Microsoft 365 (Graph or the identity platform) could not be reached,
    /// refused, or the sync was stopped; the previous snapshot is unchanged.
    Graph = 9,
}

/// A command's failure: what kind, and one sentence for the administrator.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// What went wrong and what to do.
    pub message: String,
}

impl CliError {
    fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }
}

impl From<DraftError> for CliError {
    fn from(error: DraftError) -> Self {
        let exit = match error {
            DraftError::UnknownOrganization(_) | DraftError::UnknownGroup(_) => Exit::Usage,
            _ => Exit::Refused,
        };
        Self::new(exit, error.to_string())
    }
}

impl From<CommitFailure> for CliError {
    fn from(error: CommitFailure) -> Self {
        let exit = match &error {
            CommitFailure::Invalid(_) => Exit::Refused,
            CommitFailure::ReadOnly(_) => Exit::Locked,
            CommitFailure::Keyring(_)
            | CommitFailure::Write(CommitError::Secret(_) | CommitError::RestoreFailed { .. }) => {
                Exit::Keyring
            }
            CommitFailure::Write(CommitError::Config(_)) | CommitFailure::NotStarted(_) => {
                Exit::Failure
            }
        };
        Self::new(exit, error.to_string())
    }
}

impl From<StartupError> for CliError {
    fn from(error: StartupError) -> Self {
        let exit = match &error {
            StartupError::Config(_) | StartupError::Directory { .. } => Exit::BrokenFile,
            StartupError::NoConfigFolder | StartupError::Lock(_) => Exit::Failure,
        };
        Self::new(exit, error.to_string())
    }
}

impl From<ReloadError> for CliError {
    fn from(error: ReloadError) -> Self {
        match error {
            ReloadError::Load(error) => error.into(),
            ReloadError::Save(error) => error.into(),
        }
    }
}

impl From<ServerError> for CliError {
    fn from(error: ServerError) -> Self {
        let exit = match &error {
            ServerError::Address { .. } | ServerError::NotConnected => Exit::Usage,
            ServerError::Keyring(_) => Exit::Keyring,
            ServerError::Cancelled => Exit::Failure,
            _ => Exit::Server,
        };
        Self::new(exit, error.to_string())
    }
}

impl From<ApplyError> for CliError {
    fn from(error: ApplyError) -> Self {
        match error {
            ApplyError::Server(error) => error.into(),
            ApplyError::AppOnly { .. } => Self::new(Exit::Refused, error.to_string()),
            ApplyError::SecretMissing { .. } => Self::new(Exit::Keyring, error.to_string()),
            _ => Self::new(Exit::Server, error.to_string()),
        }
    }
}

/// Runs a subcommand; returns the exit code after printing its output or its error.
pub fn run(arguments: &Arguments, command: &Command) -> Exit {
    match run_command(arguments, command) {
        Ok((text, exit)) => {
            print!("{}", terminal_safe(&text, arguments.json));
            exit
        }
        Err(error) => {
            eprintln!("backup-accounts: {}", terminal_safe(&error.message, false));
            error.exit
        }
    }
}

/// Output as a terminal may receive it: tenant text can hold ANSI sequences, C1 controls or
/// bidirectional overrides, which a terminal would act on. Each is escaped (`\u{1b}` in text,
/// `\u001b` inside JSON strings, where it means the same character); the program's own line
/// breaks and tabs stay. Names in listings are escaped on their own too (see [`shown`]), so
/// a line break in a display name cannot forge a line either.
pub fn terminal_safe(text: &str, json: bool) -> std::borrow::Cow<'_, str> {
    use crate::model::text::is_acting_character;
    let acts = |c: char| is_acting_character(c) && c != '\n' && c != '\t';
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match (acts(c), json) {
            (false, _) => out.push(c),
            (true, true) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            (true, false) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Tenant text inside a line of text output, every control character escaped (line breaks
/// included).
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    crate::model::text::escape_controls(text)
}

fn run_command(arguments: &Arguments, command: &Command) -> Result<(String, Exit), CliError> {
    let text = match command {
        Command::Completions { shell } => args::completions(*shell),
        Command::Man => args::man_page()?,
        _ => return run_on_state(arguments, command),
    };
    Ok((text, Exit::Success))
}

fn run_on_state(arguments: &Arguments, command: &Command) -> Result<(String, Exit), CliError> {
    let options = StartupOptions {
        config_dir: arguments.config_dir.clone(),
        directory: arguments.directory.clone(),
        ..Default::default()
    };
    let secrets = KeyringSecrets::platform().map(|k| Arc::new(k) as Arc<dyn SecretStore>);
    let mut state = AppState::load(&options, secrets)?;
    let json = arguments.json;
    let text = match command {
        Command::Check { max_age_days } => return health::check(&mut state, *max_age_days, json),
        Command::Orgs => Ok(commands::orgs(&state, json)),
        Command::Groups { org, filter } => commands::groups(&state, org, filter.as_deref(), json),
        Command::Accounts { org } => commands::accounts(&state, org, json),
        Command::Plan(selection) => plan::plan(&state, selection, json),
        Command::Apply {
            selection,
            password_stdin,
            yes,
        } => plan::apply(&mut state, selection, *password_stdin, *yes, json),
        Command::Remove { org, accounts } => plan::remove(&mut state, org, accounts, json),
        Command::Export { org, format } => export::export(&state, org, *format),
        Command::Settings {
            org,
            authentication,
            added_by,
            application,
        } => settings::settings(
            &mut state,
            org,
            (*authentication).into(),
            added_by,
            application.as_deref(),
        ),
        Command::Server { action } => server::run(&mut state, action, json),
        Command::Sync { org, sign_in } => sync::sync(&mut state, org.as_deref(), *sign_in, json),
        Command::Completions { .. } | Command::Man => Ok(String::new()),
    }?;
    Ok((text, Exit::Success))
}
