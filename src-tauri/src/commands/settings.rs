//! Settings page commands.

use bridge_core::{AppInfo, BridgeError};
use tauri::State;

use crate::settings_file::{self, AppSettings};
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
pub fn get_settings(state: State<'_, AppState>) -> Result<AppSettings, BridgeError> {
    settings_file::load(&state.data_dir())
}

/// Validates (each problem names its setting) and saves; the schedule follows at once.
#[tauri::command]
#[specta::specta]
pub fn save_settings(
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<AppSettings, BridgeError> {
    settings_file::save(&state.data_dir(), &settings)?;
    tracing::info!(
        schedule_minutes = ?settings.schedule_minutes,
        max_overwrite_percent = settings.max_overwrite_percent,
        "settings saved"
    );
    Ok(settings)
}
