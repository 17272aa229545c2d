//! Connections page: list (each with what syncs which way), add (GHL by token or OAuth,
//! Novi AMS, Ninox, Connectif, NiftyImages, Nifty by OAuth) and the sandbox.

use std::collections::BTreeMap;

use bridge_auth::{LoopbackOptions, Sensitive};
use bridge_core::{BridgeError, ErrorCode, System};
use bridge_sync::app::{capabilities, Flow};
use bridge_sync::connections::{
    connect_connectif as engine_connect_connectif, connect_ghl_oauth as engine_connect_ghl_oauth,
    connect_ghl_token as engine_connect_ghl_token,
    connect_niftyimages as engine_connect_niftyimages, connect_ninox as engine_connect_ninox,
    connect_novi as engine_connect_novi, ConnectifConnect, GhlOauthConnect, GhlTokenConnect,
    NiftyImagesConnect, NinoxConnect, NinoxTarget, NoviConnect, GHL_SCOPES,
};
use bridge_sync::nifty::{connect_nifty_oauth as engine_connect_nifty_oauth, NiftyOauthConnect};
use bridge_sync::service::{self, default_urls, AuthKind, ConnectionRow, Store};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::events::OauthLink;
use crate::sandbox::{Sandbox, SandboxInfo, CONNECTIF_TAGS_FIELD};
use crate::state::{with_own_store, AppState};

/// The apps' public API roots, used when the form leaves the address empty.
const CONNECTIF_API_URL: &str = default_urls::CONNECTIF;
const NIFTYIMAGES_API_URL: &str = default_urls::NIFTYIMAGES;
const NIFTY_API_URL: &str = default_urls::NIFTY;

/// One connection as the Connections page shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub id: String,
    pub system: System,
    pub system_name: String,
    pub name: String,
    pub base_url: String,
    pub account_id: String,
    /// oauth, private_token or api_key.
    pub auth_kind: String,
    /// connected, or reconnect_required when its refresh failed for good.
    pub status: String,
    pub needs_reconnect: bool,
    pub scopes: Vec<String>,
    /// When its last sync started, and how it ended.
    pub last_sync_at: Option<String>,
    pub last_sync_status: Option<String>,
    /// Requests left of the app's daily allowance, counted from today's syncs.
    pub daily_budget_left: Option<u32>,
    pub daily_budget: Option<u32>,
    /// What syncs which way with this app, and what its API cannot hold.
    pub capabilities: Vec<CapabilityView>,
}

/// Which way one kind of record syncs between GHL and the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum CapabilityFlow {
    Both,
    /// From GHL into the app only.
    ToApp,
    /// From the app into GHL only.
    ToGhl,
    /// The app's API cannot hold it.
    None,
}

/// One kind of record (contacts, tasks, notes, tags, appointments) and how it syncs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityView {
    pub object: String,
    pub flow: CapabilityFlow,
    /// How, or why not, in the operator's words.
    pub note: String,
}

fn capability_views(system: System) -> Vec<CapabilityView> {
    capabilities(system)
        .into_iter()
        .map(|c| CapabilityView {
            object: c.object.to_string(),
            flow: match c.flow {
                Flow::Both => CapabilityFlow::Both,
                Flow::ToApp => CapabilityFlow::ToApp,
                Flow::ToGhl => CapabilityFlow::ToGhl,
                Flow::None => CapabilityFlow::None,
            },
            note: c.note.to_string(),
        })
        .collect()
}

/// The app's daily request allowance per account, where the app publishes one.
fn daily_budget(system: System) -> Option<u32> {
    match system {
        System::Ghl => Some(200_000),
        System::Novi => Some(100_000),
        _ => None,
    }
}

fn scopes(row: &ConnectionRow) -> Vec<String> {
    match row.auth_kind {
        AuthKind::Oauth => row.settings["scopes"]
            .as_str()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .or_else(|| {
                row.settings["scopes"].as_array().map(|items| {
                    items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
            })
            .unwrap_or_default(),
        AuthKind::PrivateToken => GHL_SCOPES.iter().map(|s| s.to_string()).collect(),
        AuthKind::ApiKey => Vec::new(),
    }
}

/// Builds the views from the rows and the recent runs (each run names its pair's app
/// connection; every run also spends the GHL connection's budget).
pub fn views(store: &Store) -> Result<Vec<ConnectionView>, BridgeError> {
    let rows = service::connections(store)?;
    let runs = service::recent_runs(store, 500)?;
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let mut spent_today: BTreeMap<String, u64> = BTreeMap::new();
    for run in runs.iter().filter(|r| r.started_at.starts_with(&today)) {
        let pair = run.summary["pair"].as_str().unwrap_or_default().to_string();
        let app = run.summary["appRequests"].as_u64().unwrap_or(0);
        let ghl = run.summary["ghlRequests"]
            .as_u64()
            .unwrap_or_else(|| run.requests_spent.saturating_sub(app));
        *spent_today.entry(pair).or_default() += app;
        *spent_today.entry("ghl".into()).or_default() += ghl;
    }
    Ok(rows
        .iter()
        .map(|row| {
            let last = runs.iter().find(|run| {
                row.system == System::Ghl || run.summary["pair"].as_str() == Some(&row.id)
            });
            let spent_key = if row.system == System::Ghl {
                "ghl".to_string()
            } else {
                row.id.clone()
            };
            let spent = spent_today.get(&spent_key).copied().unwrap_or(0);
            let budget = daily_budget(row.system);
            ConnectionView {
                id: row.id.clone(),
                system: row.system,
                system_name: row.system.display_name().to_string(),
                name: row.name.clone(),
                base_url: row.base_url.clone(),
                account_id: row.account_id.clone(),
                auth_kind: row.auth_kind.as_str().to_string(),
                status: row.status.clone(),
                needs_reconnect: row.status == "reconnect_required",
                scopes: scopes(row),
                last_sync_at: last.map(|r| r.started_at.clone()),
                last_sync_status: last.map(|r| r.status.clone()),
                daily_budget_left: budget
                    .map(|b| u32::try_from(u64::from(b).saturating_sub(spent)).unwrap_or(0)),
                daily_budget: budget,
                capabilities: capability_views(row.system),
            }
        })
        .collect())
}

fn view_of(store: &Store, id: &str) -> Result<ConnectionView, BridgeError> {
    views(store)?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| BridgeError::new(ErrorCode::NotFound, format!("no connection {id}")))
}

#[tauri::command]
#[specta::specta]
pub fn list_connections(state: State<'_, AppState>) -> Result<Vec<ConnectionView>, BridgeError> {
    views(&*state.store()?)
}

/// One capability's check, as the connection card shows it after Test.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    pub capability: String,
    pub ok: bool,
    /// What was proven, or one sentence saying what to do in the app.
    pub message: String,
}

/// Test: one cheap request per capability of the connection (the same checks as
/// `bridge doctor --connection NAME`); the results are stored for the next sync.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    connection_id: String,
) -> Result<Vec<CheckView>, BridgeError> {
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    with_own_store(&state.db_path, move |store| async move {
        let name = service::connection(&store, &connection_id)?.name;
        let reports = service::doctor(&store, tokens, clock, Some(&name), false).await?;
        Ok(reports
            .into_iter()
            .flat_map(|report| report.checks)
            .map(|check| CheckView {
                capability: check.capability,
                ok: check.ok,
                message: check.message,
            })
            .collect())
    })
    .await
}

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

async fn add_ghl_oauth(
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
fn show_sign_in(app: &AppHandle, who: &str, url: &url::Url) -> Result<(), BridgeError> {
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

async fn add_novi(state: &AppState, request: NoviConnect) -> Result<ConnectionView, BridgeError> {
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

async fn add_ninox(state: &AppState, request: NinoxConnect) -> Result<ConnectionView, BridgeError> {
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

async fn add_connectif(
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

async fn add_niftyimages(
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

async fn add_nifty_oauth(
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

fn blank_to_none(name: Option<String>) -> Option<String> {
    name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty())
}

/// The running sandbox, if "Try the sandbox" started it.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_status(
    state: State<'_, AppState>,
) -> Result<Option<SandboxInfo>, BridgeError> {
    Ok(state.sandbox.lock().await.as_ref().map(Sandbox::info))
}

/// Starts the fakes in this process (once; later calls return the running ones).
#[tauri::command]
#[specta::specta]
pub async fn start_sandbox(state: State<'_, AppState>) -> Result<SandboxInfo, BridgeError> {
    let mut sandbox = state.sandbox.lock().await;
    if sandbox.is_none() {
        *sandbox = Some(Sandbox::start().await?);
    }
    sandbox
        .as_ref()
        .map(Sandbox::info)
        .ok_or_else(|| BridgeError::internal("the sandbox did not start"))
}

fn not_started() -> BridgeError {
    BridgeError::new(
        ErrorCode::NotFound,
        "the sandbox is not running: press \"Try the sandbox\" first",
    )
}

/// Sandbox controls: takes a scope off the sandbox Connectif key (as editing the key in
/// Connectif does), or gives it back, so Test can be seen naming what is missing. Only the
/// scopes Connectif's documentation lists for the sync are accepted.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_connectif_scope(
    state: State<'_, AppState>,
    scope: String,
    granted: bool,
) -> Result<(), BridgeError> {
    if !["contacts:write", "exports", "custom-events:write"].contains(&scope.as_str()) {
        return Err(BridgeError::invalid_input(format!(
            "the sandbox has no Connectif scope \"{scope}\" to change"
        )));
    }
    let sandbox = state.sandbox.lock().await;
    let connectif = &sandbox.as_ref().ok_or_else(not_started)?.connectif;
    if granted {
        connectif.grant_scope(&scope);
    } else {
        connectif.revoke_scope(&scope);
    }
    tracing::info!(scope = %scope, granted, "sandbox Connectif scope changed");
    Ok(())
}

/// Connects the sandbox's GHL location through its OAuth page, as a real account would be.
#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_ghl(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ConnectionView, BridgeError> {
    let request = {
        let sandbox = state.sandbox.lock().await;
        let ghl = &sandbox.as_ref().ok_or_else(not_started)?.ghl;
        let (client_id, client_secret) = ghl.oauth_client();
        GhlOauthConnect {
            name: Some("Sandbox GHL".into()),
            base_url: ghl.base_url(),
            auth_url: ghl.base_url(),
            client_id,
            client_secret: Sensitive::new(client_secret),
            loopback: LoopbackOptions::default(),
        }
    };
    add_ghl_oauth(app, &state, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_novi(
    state: State<'_, AppState>,
) -> Result<ConnectionView, BridgeError> {
    let request = {
        let sandbox = state.sandbox.lock().await;
        let novi = &sandbox.as_ref().ok_or_else(not_started)?.novi;
        NoviConnect {
            name: Some("Sandbox Novi".into()),
            base_url: novi.base_url(),
            api_key: Sensitive::new(novi.api_key()),
            requests_per_second: None,
        }
    };
    add_novi(&state, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_ninox(
    state: State<'_, AppState>,
) -> Result<ConnectionView, BridgeError> {
    let request = {
        let sandbox = state.sandbox.lock().await;
        let ninox = &sandbox.as_ref().ok_or_else(not_started)?.ninox;
        NinoxConnect {
            name: Some("Sandbox Ninox".into()),
            api_key: Sensitive::new(ninox.api_key()),
            target: NinoxTarget::V3 {
                base_url: ninox.base_url_v3(),
                team: ninox.team_id(),
                database: ninox.database_id(),
                table: ninox.table_id(),
            },
        }
    };
    add_ninox(&state, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_connectif(
    state: State<'_, AppState>,
) -> Result<ConnectionView, BridgeError> {
    let request = {
        let sandbox = state.sandbox.lock().await;
        let connectif = &sandbox.as_ref().ok_or_else(not_started)?.connectif;
        ConnectifConnect {
            name: Some("Sandbox Connectif".into()),
            base_url: connectif.base_url(),
            api_key: Sensitive::new(connectif.api_key()),
            tags_field: Some(CONNECTIF_TAGS_FIELD.into()),
            // The fake finishes an export after a few polls: no need to wait seconds.
            export_poll_ms: Some(50),
        }
    };
    add_connectif(&state, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_niftyimages(
    state: State<'_, AppState>,
) -> Result<ConnectionView, BridgeError> {
    let request = {
        let sandbox = state.sandbox.lock().await;
        let niftyimages = &sandbox.as_ref().ok_or_else(not_started)?.niftyimages;
        NiftyImagesConnect {
            name: Some("Sandbox NiftyImages".into()),
            base_url: niftyimages.base_url(),
            api_key: Sensitive::new(niftyimages.api_key()),
        }
    };
    add_niftyimages(&state, request).await
}

/// Connects the sandbox's Nifty workspace through its consent page, as a real one would be,
/// to its "Client follow-ups" project.
#[tauri::command]
#[specta::specta]
pub async fn connect_sandbox_nifty(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ConnectionView, BridgeError> {
    let request = {
        let sandbox = state.sandbox.lock().await;
        let sandbox = sandbox.as_ref().ok_or_else(not_started)?;
        let nifty = &sandbox.nifty;
        let (project_id, _) = sandbox
            .nifty_project()
            .ok_or_else(|| BridgeError::internal("the Nifty sandbox has no project"))?;
        let (client_id, client_secret) = nifty.oauth_client();
        NiftyOauthConnect {
            name: Some("Sandbox Nifty".into()),
            base_url: nifty.base_url(),
            auth_url: nifty.authorize_url(),
            token_url: nifty.token_url(),
            client_id,
            client_secret: Sensitive::new(client_secret),
            project_id,
            task_group_id: None,
            // The fake has no limit of its own.
            requests_per_second: Some(100),
            // The redirect URL the fake's app registers by default (as a real one must).
            loopback: LoopbackOptions {
                port: bridge_sync::nifty::NIFTY_REDIRECT_PORT,
                ..LoopbackOptions::default()
            },
        }
    };
    add_nifty_oauth(app, &state, request).await
}

#[cfg(test)]
mod tests {
    use bridge_core::System;

    use super::{capability_views, CapabilityFlow};

    #[test]
    fn every_app_shows_the_engines_capabilities() {
        for system in System::ALL {
            let views = capability_views(system);
            let engine = bridge_sync::app::capabilities(system);
            assert_eq!(views.len(), engine.len());
            let arrows: Vec<String> = views
                .iter()
                .map(|v| {
                    let arrow = match v.flow {
                        CapabilityFlow::Both => "↔",
                        CapabilityFlow::ToApp => "→",
                        CapabilityFlow::ToGhl => "←",
                        CapabilityFlow::None => "✕",
                    };
                    format!("{} {arrow}", v.object)
                })
                .collect();
            assert_eq!(
                arrows.join(" · "),
                bridge_sync::app::capability_line(system),
                "{system:?}"
            );
        }
    }
}
