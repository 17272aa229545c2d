//! The desktop shell. Thin by rule: each command parses its input, calls the core crates and
//! maps the error to `{code, message}`. Nothing here holds business logic.

mod commands;
mod events;
mod notify;
mod sandbox;
mod schedule;
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
    let setup_db_path = db_path.clone();
    let result = tauri::Builder::default()
        // A second start on the same database brings the open window forward instead of a
        // second app (registered first, as the plugin asks). Keyed by the database, so a
        // scratch database (BRIDGE_DB) runs beside the operator's.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(single_instance_id(&db_path))
                .callback(|app, _args, _cwd| {
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                })
                .build(),
        )
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_window_state::Builder::new().build())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = state::AppState::open(&setup_db_path, log_dir)?;
            tracing::info!(database = %setup_db_path.display(), "Contact Bridge started");
            app.manage(state);
            tauri::async_runtime::spawn(schedule::run(app.handle().clone()));
            tauri::async_runtime::spawn(commands::webhooks::resume(app.handle().clone()));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the window could not run: {e}");
        eprintln!("Contact Bridge could not start: {e}");
        std::process::exit(1);
    }
}

/// The single-instance name of a database: the app's identifier and a digest of the path
/// (D-Bus name elements take letters, digits and `_` and must not start with a digit).
fn single_instance_id(db_path: &std::path::Path) -> String {
    let digest = bridge_core::hash::content_hash(&db_path.to_string_lossy());
    let short: String = digest
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    format!("app.contactbridge.desktop.db_{short}")
}
