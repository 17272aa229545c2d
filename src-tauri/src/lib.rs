//! The desktop shell. Thin by rule: each command parses its input, calls the core crates and
//! maps the error to `{code, message}`. Nothing here holds business logic.

mod commands;
mod events;
mod sandbox;
mod schedule;
mod settings_file;
mod state;

use std::path::PathBuf;

use bridge_core::paths;
use tauri::Manager;

pub use commands::specta_builder;

/// Overrides the database file (the e2e suite runs against a scratch database).
const DB_ENV: &str = "BRIDGE_DB";
/// Overrides the log folder.
const LOG_DIR_ENV: &str = "BRIDGE_LOG_DIR";

pub fn run() {
    let log_dir = std::env::var_os(LOG_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(paths::log_dir);
    let _log_guard = match bridge_core::logging::init(&log_dir, "info") {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("warning: logging to files is off: {}", e.message);
            None
        }
    };
    let db_path = std::env::var_os(DB_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(paths::default_database_path);

    let builder = specta_builder();
    let result = tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = state::AppState::open(&db_path, log_dir)?;
            tracing::info!(database = %db_path.display(), "Contact Bridge started");
            app.manage(state);
            tauri::async_runtime::spawn(schedule::run(app.handle().clone()));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the window could not run: {e}");
        eprintln!("Contact Bridge could not start: {e}");
        std::process::exit(1);
    }
}
