//! `bridge`: the same core as the desktop app, headless.

mod commands;
mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bridge_core::{paths, BridgeError};
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
    /// Local fakes of GHL and the other apps, for trying Contact Bridge offline.
    #[command(subcommand)]
    Sandbox(commands::sandbox::SandboxCommand),
    /// Connect an account.
    #[command(subcommand)]
    Connect(commands::connect::ConnectCommand),
    /// Read an app's changed records into the local database.
    #[command(subcommand)]
    Pull(commands::pull::PullCommand),
    /// List the contacts in the local database.
    Contacts {
        #[arg(long)]
        json: bool,
    },
    /// Which GHL location each app connection syncs with: `bridge pair list`,
    /// `bridge pair set APP --ghl NAME [--forget-links]`.
    #[command(subcommand)]
    Pair(commands::pair::PairCommand),
    /// Two-way sync of every pair (GHL ↔ each app) of every location: pull, plan, then apply.
    Sync {
        /// Print the plan and write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
        /// Only the pair of this app connection.
        #[arg(long)]
        pair: Option<String>,
        /// Only the pairs of this GHL location (connection name); every location by default.
        #[arg(long)]
        ghl: Option<String>,
        /// Sync up to N locations at once (each location's pairs one after another), all
        /// under the one lease; a location that fails is reported and the others finish.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        parallel: u16,
        /// Share of the pair's records one sync may overwrite on a side before it stops and
        /// asks (the circuit breaker), in percent. Default: the window's setting (saved beside
        /// the database), else 20.
        #[arg(long)]
        max_overwrite: Option<f64>,
        /// Seconds to wait for another sync of the same database to end; after that this one
        /// stops with an error naming it.
        #[arg(long, value_name = "SECS", default_value_t = bridge_sync::lease::DEFAULT_WAIT.as_secs())]
        wait: u64,
    },
    /// The history of syncs.
    Runs {
        #[arg(long)]
        json: bool,
    },
    /// Writes the remote apps refused, with their own messages.
    DeadLetters {
        #[arg(long)]
        json: bool,
        /// Queue them again and sync, sending them once more.
        #[arg(long)]
        retry: bool,
    },
    /// Fields both sides changed under a manual-review line; `--resolve ID --keep ghl|app`
    /// settles one (the next sync writes the kept value to the other side).
    Conflicts {
        #[arg(long)]
        json: bool,
        #[arg(long, requires = "keep")]
        resolve: Option<i64>,
        #[arg(long, value_parser = ["ghl", "app"], requires = "resolve")]
        keep: Option<String>,
    },
    /// Records waiting for the operator: an app record whose match was uncertain (an email or
    /// phone shared by several contacts), the surviving copy of a record deleted on the other
    /// side, a write that met "not found", a lost create whose lookup found other values.
    /// `--resolve ID` with `--link CONTACT` (local id, GHL id or email), `--create` (a new
    /// contact) or `--ignore` settles one; the next sync carries the decision out.
    Reviews {
        #[arg(long)]
        json: bool,
        #[arg(long, requires = "decision")]
        resolve: Option<i64>,
        #[arg(long, group = "decision", requires = "resolve")]
        link: Option<String>,
        #[arg(long, group = "decision", requires = "resolve")]
        create: bool,
        #[arg(long, group = "decision", requires = "resolve")]
        ignore: bool,
    },
    /// Values that cannot be synced, by record (name, email, ids), field, value and reason:
    /// that field of that record waits until the value is fixed; everything else syncs.
    Problems {
        #[arg(long)]
        json: bool,
    },
    /// Applies the retention policy now (every `bridge sync` does after it ran): finished
    /// contact writes older than `keepDoneOperationsDays` (90) and timeline events recorded
    /// more than `keepTimelineDays` (730) ago are deleted; entries of the settings file, 0
    /// keeps forever. Unfinished writes are never deleted.
    Prune {
        #[arg(long)]
        json: bool,
    },
    /// Deletes waiting for approval before a sync carries them to the other side.
    #[command(subcommand)]
    Deletes(commands::deletes::DeletesCommand),
    /// The pairs' rules (welcome note and starter tasks, summary note), each off until
    /// switched on; their writes are in the plan like any other.
    #[command(subcommand)]
    Rules(commands::rules::RulesCommand),
    /// Writes back the values a sync run overwrote, on both sides.
    Undo {
        run_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Show, export or import an app connection's field mapping.
    #[command(subcommand)]
    Mapping(commands::mapping::MappingCommand),
    /// Proves each connection's capabilities (scopes, fields, options, event types) with one
    /// cheap request each; a failure says in one sentence what to fix in the app. Exits
    /// non-zero when a check fails.
    Doctor {
        /// Only the connection of this name.
        #[arg(long)]
        connection: Option<String>,
        /// Create what the app's API can create (Connectif's custom event types).
        #[arg(long)]
        fix: bool,
        #[arg(long)]
        json: bool,
    },
    /// GHL webhooks as real-time hints: `bridge webhooks serve [--port P]`.
    #[command(subcommand)]
    Webhooks(commands::webhooks::WebhooksCommand),
    /// One contact's timeline across every connected app (local id or GHL contact id).
    Timeline {
        contact_id: String,
        #[arg(long)]
        json: bool,
    },
}

/// What every command gets: where the database and logs are.
pub struct Context {
    pub db_path: PathBuf,
    pub log_dir: PathBuf,
}

impl Context {
    /// The database's folder, where the window keeps its settings too.
    pub fn data_dir(&self) -> PathBuf {
        self.db_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
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
    let context = Context {
        db_path: cli.db.clone().unwrap_or_else(paths::default_database_path),
        log_dir,
    };
    match run(cli.command, &context) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.message == output::STDOUT_CLOSED => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(code = %e.code, "{}", e.message);
            eprintln!("error ({}): {}", e.code, e.message);
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, context: &Context) -> Result<(), BridgeError> {
    match command {
        Command::Info { json } => commands::info::run(context, json),
        Command::Sandbox(command) => block_on(commands::sandbox::run(command)),
        Command::Connect(command) => block_on(commands::connect::run(context, command)),
        Command::Pull(command) => block_on(commands::pull::run(context, command)),
        Command::Contacts { json } => commands::contacts::list(context, json),
        Command::Pair(command) => commands::pair::run(context, command),
        Command::Sync {
            dry_run,
            json,
            pair,
            ghl,
            parallel,
            max_overwrite,
            wait,
        } => block_on(commands::sync::sync(
            context,
            commands::sync::SyncOptions {
                dry_run,
                json,
                pair,
                ghl,
                parallel: usize::from(parallel),
                max_overwrite,
                wait: std::time::Duration::from_secs(wait),
            },
        )),
        Command::Runs { json } => commands::sync::runs(context, json),
        Command::DeadLetters { json, retry: false } => commands::sync::dead_letters(context, json),
        Command::DeadLetters { json, retry: true } => {
            block_on(commands::sync::retry_dead_letters(context, json))
        }
        Command::Mapping(command) => block_on(commands::mapping::run(context, command)),
        Command::Undo { run_id, json } => block_on(commands::sync::undo(context, &run_id, json)),
        Command::Conflicts {
            json,
            resolve,
            keep,
        } => commands::sync::conflicts(context, json, resolve, keep.as_deref()),
        Command::Doctor {
            connection,
            fix,
            json,
        } => block_on(commands::doctor::run(context, connection, fix, json)),
        Command::Reviews {
            json,
            resolve,
            link,
            create,
            ignore,
        } => {
            let decision = match (link, create, ignore) {
                (Some(contact), _, _) => {
                    Some(bridge_sync::service::ReviewResolution::Link { contact })
                }
                (None, true, _) => Some(bridge_sync::service::ReviewResolution::Create),
                (None, false, true) => Some(bridge_sync::service::ReviewResolution::Ignore),
                (None, false, false) => None,
            };
            commands::sync::reviews(context, json, resolve.zip(decision))
        }
        Command::Problems { json } => commands::problems::list(context, json),
        Command::Prune { json } => commands::sync::prune(context, json),
        Command::Deletes(command) => commands::deletes::run(context, command),
        Command::Rules(command) => commands::rules::run(context, command),
        Command::Webhooks(command) => block_on(commands::webhooks::run(context, command)),
        Command::Timeline { contact_id, json } => {
            commands::contacts::timeline(context, &contact_id, json)
        }
    }
}

fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, BridgeError>>,
) -> Result<T, BridgeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| BridgeError::internal(format!("cannot start the async runtime: {e}")))?
        .block_on(work)
}

/// The folder of the database, where the CLI's secrets file lives when no keychain is reachable.
pub fn db_dir(context: &Context) -> &Path {
    context
        .db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
