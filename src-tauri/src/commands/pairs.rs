//! Which GHL location each app connection syncs with: the location select on each app
//! connection's card (the engine's service does the work, as `bridge pair` does).

use bridge_core::{BridgeError, System};
use bridge_sync::service::{self, PairMoved, PairView};
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::AppState;

/// A GHL location an app connection can be paired with.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LocationOption {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PairsView {
    /// Every app connection with its location (`ghlId` null while the operator must choose).
    pub pairs: Vec<PairView>,
    pub locations: Vec<LocationOption>,
}

/// Every app connection with its GHL location, and the locations to choose from.
#[tauri::command]
#[specta::specta]
pub fn list_pairs(state: State<'_, AppState>) -> Result<PairsView, BridgeError> {
    let store = state.store()?;
    Ok(PairsView {
        pairs: service::pairs(&store, state.clock.now())?,
        locations: service::connections(&store)?
            .into_iter()
            .filter(|c| c.system == System::Ghl)
            .map(|c| LocationOption {
                id: c.id,
                name: c.name,
            })
            .collect(),
    })
}

/// Pairs an app connection with a GHL location. A pair with links moves only when
/// `forgetLinks` is set; without it the error says what moving would drop.
#[tauri::command]
#[specta::specta]
pub fn set_pair(
    state: State<'_, AppState>,
    app_name: String,
    ghl_name: String,
    forget_links: bool,
) -> Result<PairMoved, BridgeError> {
    let mut store = state.store()?;
    let moved = service::set_pair(
        &mut store,
        &app_name,
        &ghl_name,
        forget_links,
        state.clock.now(),
    )?;
    tracing::info!(app = %app_name, ghl = %ghl_name, forget_links, "pair set");
    Ok(moved)
}
