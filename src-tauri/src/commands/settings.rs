//! Settings page commands. The settings live in tauri-plugin-store's file beside the
//! database; `bridge_sync::settings` is the one reader of its entries (the CLI reads it too).

use bridge_core::{AppInfo, AppSettings, BridgeError};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_store::StoreExt;

use crate::state::AppState;

/// Version, database path, schema version and log folder of this installation.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, BridgeError> {
    let store = state.store()?;
    bridge_sync::service::app_info(&store, &state.log_dir)
}

/// The desktop's settings: schedule and circuit breaker.
#[tauri::command]
#[specta::specta]
pub fn get_settings(app: AppHandle) -> Result<AppSettings, BridgeError> {
    load(&app)
}

/// Validates (each problem names its setting) and saves; the schedule follows at once.
#[tauri::command]
#[specta::specta]
pub fn save_settings(app: AppHandle, settings: AppSettings) -> Result<AppSettings, BridgeError> {
    save(&app, &settings)?;
    tracing::info!(
        schedule_minutes = ?settings.schedule_minutes,
        max_overwrite_percent = settings.max_overwrite_percent,
        "settings saved"
    );
    Ok(settings)
}

/// A folder of this installation the operator may want to open.
#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    /// Where the database and the settings are.
    Data,
    /// Where the log files are.
    Logs,
}

/// Opens the data or the log folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub fn open_folder(state: State<'_, AppState>, folder: Folder) -> Result<(), BridgeError> {
    let path = match folder {
        Folder::Data => state.data_dir(),
        Folder::Logs => state.log_dir.clone(),
    };
    open::that_detached(&path).map_err(|e| {
        BridgeError::internal(format!(
            "the file manager could not open {}: {e}",
            path.display()
        ))
    })
}

/// Writes every setting to the settings store.
pub(crate) fn save<R: Runtime>(
    app: &AppHandle<R>,
    settings: &AppSettings,
) -> Result<(), BridgeError> {
    let entries = bridge_sync::settings::to_entries(settings)?;
    let store = settings_store(app)?;
    for (key, value) in entries {
        store.set(key, value);
    }
    store
        .save()
        .map_err(|e| BridgeError::storage(format!("the settings could not be saved: {e}")))
}

/// The saved settings, or the defaults when none were saved.
pub(crate) fn load<R: Runtime>(app: &AppHandle<R>) -> Result<AppSettings, BridgeError> {
    let store = settings_store(app)?;
    bridge_sync::settings::from_entries(store.entries().into_iter().collect())
}

fn settings_store<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<std::sync::Arc<tauri_plugin_store::Store<R>>, BridgeError> {
    let path = bridge_sync::settings::settings_path(&app.state::<AppState>().data_dir());
    app.store(&path)
        .map_err(|e| BridgeError::storage(format!("{} could not be opened: {e}", path.display())))
}
