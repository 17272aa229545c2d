//! Settings → "Real-time hints from GHL webhooks": the window's switch for the receiver the CLI
//! runs with `bridge webhooks serve`. While on, GHL's signed events are verified and stored as
//! hints on 127.0.0.1:PORT (forwarded there by a tunnel or reverse proxy); the next sync, by
//! the schedule or by hand, reads the records they name. The port is saved with the other
//! settings, so the receiver starts again with the app.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bridge_core::{AppSettings, BridgeError};
use bridge_sync::service;
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;

/// The receiver as Settings shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebhookStatusView {
    pub running: bool,
    /// Where GHL's events must reach (through the tunnel or proxy).
    pub url: Option<String>,
    /// Events stored so far, and those the next sync has still to read.
    pub received: u32,
    pub waiting: u32,
}

fn status(state: &AppState, url: Option<String>) -> Result<WebhookStatusView, BridgeError> {
    let events = service::webhook_events(&*state.store()?)?;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(WebhookStatusView {
        running: url.is_some(),
        url,
        received: count(events.len()),
        waiting: count(events.iter().filter(|e| e.read_at.is_none()).count()),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn webhook_status(state: State<'_, AppState>) -> Result<WebhookStatusView, BridgeError> {
    let url = state.webhooks.lock().await.as_ref().map(|r| r.url.clone());
    status(&state, url)
}

/// Starts the receiver on `port` (loopback only), or stops it; saves the choice.
#[tauri::command]
#[specta::specta]
pub async fn set_webhooks(
    app: AppHandle,
    state: State<'_, AppState>,
    port: Option<u16>,
) -> Result<WebhookStatusView, BridgeError> {
    let url = switch(&state, port).await?;
    let settings = AppSettings {
        webhook_port: port,
        ..super::settings::load(&app)?
    };
    super::settings::save(&app, &settings)?;
    status(&state, url)
}

async fn switch(state: &AppState, port: Option<u16>) -> Result<Option<String>, BridgeError> {
    let mut running = state.webhooks.lock().await;
    if let Some(old) = running.take() {
        old.stop();
        tracing::info!("webhook receiver stopped");
    }
    let Some(port) = port else { return Ok(None) };
    let keys = service::webhook_keys(&[], true)?;
    let receiver = service::start_receiver(
        &state.db_path,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
        keys,
        state.clock.clone(),
    )
    .await?;
    tracing::info!(url = %receiver.url, "webhook receiver listening");
    let url = receiver.url.clone();
    *running = Some(receiver);
    Ok(Some(url))
}

/// At start: the receiver again, when Settings left it on.
pub async fn resume(app: AppHandle) {
    let port = match super::settings::load(&app) {
        Ok(settings) => settings.webhook_port,
        Err(_) => None,
    };
    if port.is_none() {
        return;
    }
    let state = app.state::<AppState>();
    if let Err(e) = switch(&state, port).await {
        tracing::warn!("the webhook receiver did not start again: {}", e.message);
    }
}
