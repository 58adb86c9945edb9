//! Backup Accounts: arguments, logging, and the window.

use std::path::PathBuf;

use clap::Parser;

/// Choose auxiliary backup accounts for Microsoft 365 organizations; passwords go to the
/// system keyring, the selection to a RON configuration file.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Arguments {
    /// Folder holding config.ron (default: the platform's configuration folder).
    #[arg(long, value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// Directory snapshot (RON) to use instead of the configured one or the built-in demo.
    #[arg(long, value_name = "PATH")]
    directory: Option<PathBuf>,
}

fn main() -> eframe::Result {
    // Quiet by default: warnings from other crates (D-Bus, wgpu, winit), information from ours.
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("warn,backup_accounts=info"),
    )
    .init();
    let arguments = Arguments::parse();
    backup_accounts::app::run(backup_accounts::state::StartupOptions {
        config_dir: arguments.config_dir,
        directory: arguments.directory,
        ..Default::default()
    })
}
