//! Adding real accounts: GHL by Private Integration Token or OAuth, Novi AMS, Ninox,
//! Connectif, NiftyImages, Nifty by OAuth.

use bridge_auth::{LoopbackOptions, Sensitive};
use bridge_core::BridgeError;
use bridge_sync::connections::{
    connect_connectif as engine_connect_connectif, connect_ghl_oauth as engine_connect_ghl_oauth,
    connect_ghl_token as engine_connect_ghl_token,
    connect_niftyimages as engine_connect_niftyimages, connect_ninox as engine_connect_ninox,
    connect_novi as engine_connect_novi, ConnectifConnect, GhlOauthConnect, GhlTokenConnect,
    NiftyImagesConnect, NinoxConnect, NinoxTarget, NoviConnect,
};
use bridge_sync::nifty::{connect_nifty_oauth as engine_connect_nifty_oauth, NiftyOauthConnect};
use bridge_sync::service::default_urls;
use serde::Deserialize;
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::{view_of, ConnectionView};
use crate::events::OauthLink;
use crate::state::{with_own_store, AppState};

/// The apps' public API roots, used when the form leaves the address empty.
const CONNECTIF_API_URL: &str = default_urls::CONNECTIF;
const NIFTYIMAGES_API_URL: &str = default_urls::NIFTYIMAGES;
const NIFTY_API_URL: &str = default_urls::NIFTY;

#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GhlTokenInput {
    pub name: Option<String>,
    pub location_id: String,
    pub token: String,
    /// Default: GHL's API host.
    pub base_url: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn connect_ghl_token(
    state: State<'_, AppState>,
    input: GhlTokenInput,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_ghl_token(
            &store,
            tokens,
            clock.as_ref(),
            GhlTokenConnect {
                name: blank_to_none(input.name),
                location_id: input.location_id,
                base_url: input
                    .base_url
                    .filter(|u| !u.trim().is_empty())
                    .unwrap_or_else(|| bridge_auth::ghl_oauth::GHL_API_URL.to_string()),
                token: Sensitive::new(input.token),
            },
        )
        .await
    })
    .await?;
    tracing::info!(connection = %row.id, "GHL connected by Private Integration Token");
    view_of(&*state.store()?, &row.id)
}

#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GhlOauthInput {
    pub name: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub base_url: Option<String>,
    pub auth_url: Option<String>,
}

/// Signs in through the system browser (the window shows the link too), then saves the
/// connection. Resolves once the loopback callback completes (or after 5 minutes).
#[tauri::command]
#[specta::specta]
pub async fn connect_ghl_oauth(
    app: AppHandle,
    state: State<'_, AppState>,
    input: GhlOauthInput,
) -> Result<ConnectionView, BridgeError> {
    let request = GhlOauthConnect {
        name: blank_to_none(input.name),
        base_url: input
            .base_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| bridge_auth::ghl_oauth::GHL_API_URL.to_string()),
        auth_url: input
            .auth_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| bridge_auth::ghl_oauth::GHL_MARKETPLACE_URL.to_string()),
        client_id: input.client_id,
        client_secret: Sensitive::new(input.client_secret),
        loopback: LoopbackOptions::default(),
    };
    add_ghl_oauth(app, &state, request).await
}

pub(super) async fn add_ghl_oauth(
    app: AppHandle,
    state: &AppState,
    request: GhlOauthConnect,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_ghl_oauth(&store, tokens, clock, request, move |url| {
            show_sign_in(&app, "GHL", url)
        })
        .await
    })
    .await?;
    tracing::info!(connection = %row.id, "GHL connected by OAuth");
    view_of(&*state.store()?, &row.id)
}

/// Opens the sign-in page in the system browser and shows its link in the window too.
pub(super) fn show_sign_in(app: &AppHandle, who: &str, url: &url::Url) -> Result<(), BridgeError> {
    let browser_error = open::that_detached(url.as_str())
        .err()
        .map(|e| format!("the system browser did not open: {e}"));
    tracing::info!(opened = browser_error.is_none(), "{who} sign-in page ready");
    OauthLink {
        url: url.to_string(),
        browser_error,
    }
    .emit(app)
    .map_err(|e| BridgeError::internal(format!("cannot show the sign-in link: {e}")))
}

#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NoviInput {
    pub name: Option<String>,
    pub base_url: String,
    pub api_key: String,
    pub rate_per_second: Option<u32>,
}

#[tauri::command]
#[specta::specta]
pub async fn connect_novi(
    state: State<'_, AppState>,
    input: NoviInput,
) -> Result<ConnectionView, BridgeError> {
    add_novi(
        &state,
        NoviConnect {
            name: blank_to_none(input.name),
            base_url: input.base_url,
            api_key: Sensitive::new(input.api_key),
            requests_per_second: input.rate_per_second,
        },
    )
    .await
}

pub(super) async fn add_novi(
    state: &AppState,
    request: NoviConnect,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_novi(&store, tokens, clock.as_ref(), request).await
    })
    .await?;
    tracing::info!(connection = %row.id, "Novi AMS connected");
    view_of(&*state.store()?, &row.id)
}

/// A Ninox table: the cloud API (v3: team, database, table) or the workspace API (v4).
#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NinoxInput {
    pub name: Option<String>,
    pub api_key: String,
    /// v3 or v4.
    pub api: String,
    pub base_url: String,
    /// v3: team id; v4: workspace id.
    pub team: String,
    /// v3: database id; v4: module name.
    pub database: String,
    pub table: String,
}

#[tauri::command]
#[specta::specta]
pub async fn connect_ninox(
    state: State<'_, AppState>,
    input: NinoxInput,
) -> Result<ConnectionView, BridgeError> {
    let target = match input.api.as_str() {
        "v3" => NinoxTarget::V3 {
            base_url: input.base_url,
            team: input.team,
            database: input.database,
            table: input.table,
        },
        "v4" => NinoxTarget::V4 {
            base_url: input.base_url,
            workspace: input.team,
            module: input.database,
            table: input.table,
        },
        other => {
            return Err(BridgeError::invalid_input(format!(
                "Ninox API '{other}': choose v3 (team, database, table) or v4 (workspace, module, table)"
            )))
        }
    };
    add_ninox(
        &state,
        NinoxConnect {
            name: blank_to_none(input.name),
            api_key: Sensitive::new(input.api_key),
            target,
        },
    )
    .await
}

pub(super) async fn add_ninox(
    state: &AppState,
    request: NinoxConnect,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_ninox(&store, tokens, clock.as_ref(), request).await
    })
    .await?;
    tracing::info!(connection = %row.id, "Ninox connected");
    view_of(&*state.store()?, &row.id)
}

/// A Connectif account by its API key.
#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectifInput {
    pub name: Option<String>,
    /// `keyId:keySecret`.
    pub api_key: String,
    /// Default: Connectif's API host.
    pub base_url: Option<String>,
    /// The id of the checkbox custom field GHL's tags go to; tags stay out when absent.
    pub tags_field: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn connect_connectif(
    state: State<'_, AppState>,
    input: ConnectifInput,
) -> Result<ConnectionView, BridgeError> {
    add_connectif(
        &state,
        ConnectifConnect {
            name: blank_to_none(input.name),
            base_url: blank_to_none(input.base_url)
                .unwrap_or_else(|| CONNECTIF_API_URL.to_string()),
            api_key: Sensitive::new(input.api_key),
            tags_field: blank_to_none(input.tags_field),
            export_poll_ms: None,
        },
    )
    .await
}

pub(super) async fn add_connectif(
    state: &AppState,
    request: ConnectifConnect,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_connectif(&store, tokens, clock.as_ref(), request).await
    })
    .await?;
    tracing::info!(connection = %row.id, "Connectif connected");
    view_of(&*state.store()?, &row.id)
}

/// A NiftyImages Custom Data Store by its API key.
#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NiftyImagesInput {
    pub name: Option<String>,
    /// The data store's API key.
    pub api_key: String,
    /// Default: NiftyImages' API root.
    pub base_url: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn connect_niftyimages(
    state: State<'_, AppState>,
    input: NiftyImagesInput,
) -> Result<ConnectionView, BridgeError> {
    add_niftyimages(
        &state,
        NiftyImagesConnect {
            name: blank_to_none(input.name),
            base_url: blank_to_none(input.base_url)
                .unwrap_or_else(|| NIFTYIMAGES_API_URL.to_string()),
            api_key: Sensitive::new(input.api_key),
        },
    )
    .await
}

pub(super) async fn add_niftyimages(
    state: &AppState,
    request: NiftyImagesConnect,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_niftyimages(&store, tokens, clock.as_ref(), request).await
    })
    .await?;
    tracing::info!(connection = %row.id, "NiftyImages connected");
    view_of(&*state.store()?, &row.id)
}

/// A Nifty project by OAuth (the operator's own Nifty app).
#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NiftyOauthInput {
    pub name: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    /// The project whose tasks sync with GHL.
    pub project_id: String,
    /// Where new tasks go; the project's first task group when absent.
    pub task_group_id: Option<String>,
    /// Defaults: Nifty's API root, consent page and token endpoint.
    pub base_url: Option<String>,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    /// The loopback port registered as the redirect URL in the operator's Nifty app
    /// (http://127.0.0.1:PORT/callback); the README's default when absent.
    pub redirect_port: Option<u16>,
}

/// Signs in to Nifty through the system browser (the window shows the link too), checks the
/// project, then saves the connection. Resolves once the callback completes (or after 5 minutes).
#[tauri::command]
#[specta::specta]
pub async fn connect_nifty_oauth(
    app: AppHandle,
    state: State<'_, AppState>,
    input: NiftyOauthInput,
) -> Result<ConnectionView, BridgeError> {
    let request = NiftyOauthConnect {
        name: blank_to_none(input.name),
        base_url: blank_to_none(input.base_url).unwrap_or_else(|| NIFTY_API_URL.to_string()),
        auth_url: blank_to_none(input.auth_url)
            .unwrap_or_else(|| bridge_auth::nifty_oauth::NIFTY_AUTHORIZE_URL.to_string()),
        token_url: blank_to_none(input.token_url)
            .unwrap_or_else(|| bridge_auth::nifty_oauth::NIFTY_TOKEN_URL.to_string()),
        client_id: input.client_id.trim().to_string(),
        client_secret: Sensitive::new(input.client_secret),
        project_id: input.project_id,
        task_group_id: blank_to_none(input.task_group_id),
        requests_per_second: None,
        // Nifty accepts only registered redirect URLs: the fixed port the README names, or
        // the one the operator registered.
        loopback: LoopbackOptions {
            port: input
                .redirect_port
                .unwrap_or(bridge_sync::nifty::NIFTY_REDIRECT_PORT),
            ..LoopbackOptions::default()
        },
    };
    add_nifty_oauth(app, &state, request).await
}

pub(super) async fn add_nifty_oauth(
    app: AppHandle,
    state: &AppState,
    request: NiftyOauthConnect,
) -> Result<ConnectionView, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let row = with_own_store(&state.db_path, move |store| async move {
        engine_connect_nifty_oauth(&store, tokens, clock, request, move |url| {
            show_sign_in(&app, "Nifty", url)
        })
        .await
    })
    .await?;
    tracing::info!(connection = %row.id, "Nifty connected by OAuth");
    view_of(&*state.store()?, &row.id)
}

pub(super) fn blank_to_none(name: Option<String>) -> Option<String> {
    name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())
}
