//! Settings page commands.

use bridge_core::{AppInfo, BridgeError};
use tauri::State;

use crate::state::AppState;

/// Version, database path, schema version and log folder of this installation.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, BridgeError> {
    let store = state.store()?;
    bridge_store::app_info(&store, &state.log_dir)
}
