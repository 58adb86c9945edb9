//! The command line, as clap parses it. The man page and shell completions are generated
//! from these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Choose auxiliary backup accounts for Microsoft 365 organizations; passwords go to the
/// system keyring, the selection to a RON configuration file. Without a subcommand the window
/// opens.
#[derive(Parser, Debug)]
#[command(name = "backup-accounts", version, about, after_help = EXIT_CODES)]
pub struct Arguments {
    /// Folder holding config.ron (default: the platform's configuration folder).
    #[arg(long, value_name = "DIR", global = true)]
    pub config_dir: Option<PathBuf>,
    /// Directory snapshot (RON file) or Microsoft Graph export (folder) to use instead of the
    /// configured one or the built-in demo.
    #[arg(long, value_name = "PATH", global = true)]
    pub directory: Option<PathBuf>,
    /// Print machine-readable JSON (documented in docs/cli.md) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do; the window opens when none is given.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The exit codes, as `--help` lists them.
pub const EXIT_CODES: &str = "Exit codes: 0 success, 1 other failure, 2 bad usage, \
3 refused by a rule, 4 keyring failure, 5 configuration locked by another window, 6 broken file, \
7 check found something that needs attention, 8 the backup server could not be reached, was \
not trusted, or refused, 9 Microsoft 365 could not be reached or refused a sync.";

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List organizations, their authentication method and backup-account choice.
    Orgs,
    /// List an organization's security groups with member counts and refusals (R2, R3).
    Groups {
        /// Organization id or name.
        org: String,
        /// Only groups whose name contains this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
    },
    /// List the configured accounts with their password state, and the members that could be
    /// added (or why not: R6, R12).
    Accounts {
        /// Organization id or name.
        org: String,
    },
    /// Show what `apply` would change, without changing anything.
    Plan(Selection),
    /// Commit a selection as one step (R9); passwords come from standard input or a prompt.
    Apply {
        /// What to select.
        #[command(flatten)]
        selection: Selection,
        /// Read passwords from standard input, one `UPN<TAB>password` line per account.
        #[arg(long)]
        password_stdin: bool,
        /// Consent to removing accounts and deleting their passwords (R14), when the plan
        /// removes any.
        #[arg(long)]
        yes: bool,
    },
    /// Uncheck accounts and delete their passwords from the keyring.
    Remove {
        /// Organization id or name.
        org: String,
        /// The accounts to remove.
        #[arg(required = true, value_name = "UPN")]
        accounts: Vec<String>,
    },
    /// Write a script for the backup server that sets the organization's backup accounts.
    Export {
        /// Organization id or name.
        org: String,
        /// The script's language.
        #[arg(long, value_enum, default_value_t = ExportFormat::Powershell)]
        format: ExportFormat,
    },
    /// Report what needs attention (the Health view): missing secrets, old passwords, MFA
    /// without an app password, accounts pending review, who holds the Site Collection
    /// Administrator role. Exits with 7 when a critical or warning finding exists.
    Check {
        /// Report passwords older than this many days (default: the configuration's, 90).
        #[arg(long, value_name = "DAYS")]
        max_age_days: Option<u32>,
    },
    /// Say how an imported organization was added to the backup server (what Microsoft Graph
    /// cannot say): its authentication method and the account, or application, it was added
    /// with. `orgs` lists the organizations waiting for this.
    Settings {
        /// Organization (tenant) id or name.
        org: String,
        /// How the organization was added to the backup server (R1).
        #[arg(long, value_enum)]
        authentication: AuthenticationArg,
        /// The account it was added with (R6); a user of the tenant.
        #[arg(long, value_name = "UPN")]
        added_by: String,
        /// App-only organizations: the application (client) id it was added with (R15).
        #[arg(long, value_name = "ID")]
        application: Option<String>,
    },
    /// Sync the tenant synced before from Microsoft 365 (only what changed, with the saved
    /// refresh token), or with `--sign-in` sign in anew at this terminal (a device code) and
    /// read the whole tenant. With `--json`, a progress line every half second, then the
    /// result. Exits with 9 when Microsoft 365 could not be reached or refused.
    Sync {
        /// The synced tenant's id or name (optional: there is one).
        org: Option<String>,
        /// Sign in anew (device code shown on standard error) and read everything.
        #[arg(long)]
        sign_in: bool,
    },
    /// Connect to the backup server (Veeam Backup for Microsoft 365 v8 REST API), compare
    /// its pools with the saved ones and apply the saved pool with the saved passwords.
    Server {
        /// What to do.
        #[command(subcommand)]
        action: ServerAction,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// The `server` subcommands.
#[derive(Subcommand, Debug)]
pub enum ServerAction {
    /// Sign in to the backup server's REST API and save it; the password is read from
    /// standard input (one line) or asked at a prompt, and never kept. A certificate that
    /// does not chain to the system roots is shown and pinned after a question at the
    /// terminal, or with `--pin` (required without a terminal).
    Connect {
        /// `host`, `host:port` or `https://host:port` (port 4443 unless given).
        address: String,
        /// A Windows account of the server or its domain, marked as a service account.
        #[arg(long, value_name = "USER")]
        user: String,
        /// The SHA-256 fingerprint of the server's certificate to trust (`AB:CD:...`).
        #[arg(long, value_name = "SHA256")]
        pin: Option<String>,
    },
    /// The connected server, and per organization: on the server or not, its authentication
    /// there, and whether the server's pool matches the saved one.
    Status,
    /// What an apply would change on the server for an organization.
    Diff {
        /// Organization id or name.
        org: String,
    },
    /// Apply the saved pool to the server, with the passwords from the keyring.
    Apply {
        /// Organization id or name.
        org: String,
        /// Consent to removing the accounts only the server has (as R14).
        #[arg(long)]
        yes: bool,
    },
    /// Sign out and forget the session (the keyring's refresh token) and the server.
    Disconnect,
}

/// Authentication methods as the command line spells them.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthenticationArg {
    /// Basic authentication.
    Basic,
    /// Modern authentication with legacy protocols allowed.
    ModernLegacy,
    /// Modern app-only authentication.
    AppOnly,
}

impl From<AuthenticationArg> for crate::model::AuthenticationMethod {
    fn from(value: AuthenticationArg) -> Self {
        match value {
            AuthenticationArg::Basic => Self::Basic,
            AuthenticationArg::ModernLegacy => Self::ModernWithLegacyProtocols,
            AuthenticationArg::AppOnly => Self::ModernAppOnly,
        }
    }
}

/// Which group and accounts a `plan` or `apply` selects.
#[derive(Args, Debug)]
pub struct Selection {
    /// Organization id or name.
    pub org: String,
    /// Security group id or display name.
    #[arg(long, value_name = "GROUP")]
    pub group: String,
    /// An account to add (repeatable); accounts already configured and still in the group
    /// are kept.
    #[arg(long = "account", value_name = "UPN")]
    pub accounts: Vec<String>,
    /// Add every member of the group that can be a backup account.
    #[arg(long)]
    pub all_eligible: bool,
}

/// Export formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Veeam Backup for Microsoft 365 PowerShell.
    Powershell,
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    use clap::CommandFactory as _;
    let mut command = Arguments::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "backup-accounts", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// The man page, in roff.
pub fn man_page() -> Result<String, super::CliError> {
    use clap::CommandFactory as _;
    let mut page = Vec::new();
    clap_mangen::Man::new(Arguments::command())
        .render(&mut page)
        .map_err(|e| super::CliError::new(super::Exit::Failure, e.to_string()))?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}
