//! `bridge`: the same core as the desktop app, headless.

use std::path::PathBuf;
use std::process::ExitCode;

use bridge_core::{paths, BridgeError};
use bridge_store::Store;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "bridge",
    version,
    about = "Contact Bridge: keep GoHighLevel contacts and their activity in step with your other apps"
)]
struct Cli {
    /// The database file. Default: the one the desktop app uses.
    #[arg(long, global = true, env = "BRIDGE_DB")]
    db: Option<PathBuf>,

    /// Where the rotating log files go. Default: the desktop app's log folder.
    #[arg(long, global = true, env = "BRIDGE_LOG_DIR")]
    log_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Version, database path and schema version.
    Info {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_dir = cli.log_dir.clone().unwrap_or_else(paths::log_dir);
    let _log_guard = match bridge_core::logging::init(&log_dir, "warn") {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("warning: logging to files is off: {}", e.message);
            None
        }
    };
    match run(cli, &log_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(code = %e.code, "{}", e.message);
            eprintln!("error ({}): {}", e.code, e.message);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, log_dir: &std::path::Path) -> Result<(), BridgeError> {
    let db_path = cli.db.unwrap_or_else(paths::default_database_path);
    match cli.command {
        Command::Info { json } => {
            let store = Store::open(&db_path)?;
            let info = bridge_store::app_info(&store, log_dir)?;
            if json {
                print_json(&info)?;
            } else {
                println!("Contact Bridge {}", info.version);
                println!("database:       {}", info.database_path);
                println!("schema version: {}", info.schema_version);
                println!("logs:           {}", info.log_directory);
            }
        }
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), BridgeError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| BridgeError::internal(format!("cannot print JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
