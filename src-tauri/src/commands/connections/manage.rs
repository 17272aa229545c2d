//! A connection after it is added: rename, reconnect in place (same card: its mappings, links
//! and history stay), remove after saying what stops, and leave the sandbox in one step.

use bridge_auth::Sensitive;
use bridge_core::BridgeError;
use bridge_sync::service;
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};

use super::add::show_sign_in;
use super::{check_views, view_of, CheckView, ConnectionView};
use crate::state::{with_own_store, AppState};

/// Gives a connection another name; everything keyed by it stays.
#[tauri::command]
#[specta::specta]
pub fn rename_connection(
    state: State<'_, AppState>,
    connection_id: String,
    name: String,
) -> Result<ConnectionView, BridgeError> {
    let store = state.store()?;
    service::rename(&store, state.clock.as_ref(), &connection_id, &name)?;
    tracing::info!(connection = %connection_id, "connection renamed");
    view_of(&store, &connection_id)
}

/// What removing a connection stops and forgets, for the confirmation.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RemovalView {
    pub connection: String,
    pub system_name: String,
    /// The pairs that stop syncing, by their app connection's name.
    pub pairs: Vec<String>,
    pub mappings: u32,
    pub links: u32,
    /// Contacts of a GHL location kept in this app's database (GHL keeps its own).
    pub contacts: u32,
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[tauri::command]
#[specta::specta]
pub fn removal_impact(
    state: State<'_, AppState>,
    connection_id: String,
) -> Result<RemovalView, BridgeError> {
    let impact = service::removal_impact(&*state.store()?, &connection_id)?;
    Ok(RemovalView {
        connection: impact.connection,
        system_name: impact.system.display_name().to_string(),
        pairs: impact.pairs,
        mappings: count(impact.mappings),
        links: count(impact.links),
        contacts: count(impact.contacts),
    })
}

/// Removes a connection, what this database keeps for it, and its secrets. Refused while a
/// sync runs.
#[tauri::command]
#[specta::specta]
pub fn remove_connection(
    state: State<'_, AppState>,
    connection_id: String,
) -> Result<(), BridgeError> {
    service::remove(&*state.store()?, state.tokens.as_ref(), &connection_id)?;
    tracing::info!(connection = %connection_id, "connection removed");
    Ok(())
}

/// Removes every sandbox connection and its data, and stops the sandbox; returns the names.
#[tauri::command]
#[specta::specta]
pub async fn leave_sandbox(state: State<'_, AppState>) -> Result<Vec<String>, BridgeError> {
    let removed = service::leave_sandbox(&*state.store()?, state.tokens.as_ref())?;
    *state.sandbox.lock().await = None;
    tracing::info!(removed = removed.len(), "left the sandbox");
    Ok(removed)
}

/// Reconnects in place: with `secret` a key or token connection takes the new one (kept only
/// when a check passes with it); without, an OAuth connection signs in again in the browser.
/// Returns the checks run afterwards.
#[tauri::command]
#[specta::specta]
pub async fn reconnect_connection(
    app: AppHandle,
    state: State<'_, AppState>,
    connection_id: String,
    secret: Option<String>,
) -> Result<Vec<CheckView>, BridgeError> {
    let app_handle = app.clone();
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let id = connection_id.clone();
    let checks = with_own_store(&state.db_path, move |store| async move {
        match secret {
            Some(secret) => {
                service::reconnect_with_secret(&store, tokens, clock, &id, Sensitive::new(secret))
                    .await
            }
            None => {
                service::reconnect_oauth(&store, tokens, clock, &id, move |url| {
                    show_sign_in(&app, "the app", url)
                })
                .await
            }
        }
    })
    .await?;
    tracing::info!(connection = %connection_id, "connection reconnected in place");
    state.notify_changes(&app_handle, None);
    Ok(check_views(checks))
}
