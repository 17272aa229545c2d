//! The built-in sandbox: start it, connect each fake as a real account would be, and take a
//! prerequisite away so Test can be seen failing.

use bridge_auth::{LoopbackOptions, Sensitive};
use bridge_core::{BridgeError, ErrorCode};
use bridge_sync::connections::{
    ConnectifConnect, GhlOauthConnect, NiftyImagesConnect, NinoxConnect, NinoxTarget, NoviConnect,
};
use bridge_sync::nifty::NiftyOauthConnect;
use tauri::{AppHandle, State};

use super::add::{
    add_connectif, add_ghl_oauth, add_nifty_oauth, add_niftyimages, add_ninox, add_novi,
};
use super::ConnectionView;
use crate::sandbox::{Sandbox, SandboxInfo, CONNECTIF_TAGS_FIELD};
use crate::state::AppState;

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
