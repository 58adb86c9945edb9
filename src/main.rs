//! Backup Accounts: the window, or a subcommand of the command line.

use clap::Parser as _;

use backup_accounts::cli::{Arguments, Exit};

fn main() -> std::process::ExitCode {
    let arguments = Arguments::parse();
    // Quiet by default: the window logs warnings from other crates (D-Bus, wgpu, winit) and
    // information from ours; a command prints its output and nothing else unless asked.
    let default_filter = match arguments.command {
        Some(_) => "warn",
        None => "warn,backup_accounts=info",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter))
        .init();
    match &arguments.command {
        Some(command) => {
            std::process::ExitCode::from(backup_accounts::cli::run(&arguments, command) as u8)
        }
        None => {
            let options = backup_accounts::state::StartupOptions {
                config_dir: arguments.config_dir.clone(),
                directory: arguments.directory.clone(),
                ..Default::default()
            };
            match backup_accounts::app::run(options) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("backup-accounts: the window could not open: {e}");
                    std::process::ExitCode::from(Exit::Failure as u8)
                }
            }
        }
    }
}
