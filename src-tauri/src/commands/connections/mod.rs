//! Connections page: the list (each with what syncs which way) and Test here; adding real
//! accounts in `add`, the sandbox in `sandbox`, rename/reconnect/remove in `manage`.

pub mod add;
pub mod manage;
pub mod sandbox;

use std::collections::BTreeMap;

use bridge_core::{BridgeError, ErrorCode, System};
use bridge_sync::app::{capabilities, Flow};
use bridge_sync::connections::GHL_SCOPES;
use bridge_sync::service::{self, AuthKind, ConnectionRow, Store};
use chrono::Utc;
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::{with_own_store, AppState};

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
    /// oauth, private_token or api_key (for the window's logic; show `signed_in_by`).
    pub auth_kind: String,
    /// How it signs in, in the operator's words.
    pub signed_in_by: String,
    /// It points at the built-in sandbox.
    pub sandbox: bool,
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

fn signed_in_by(kind: AuthKind) -> &'static str {
    match kind {
        AuthKind::Oauth => "OAuth sign-in in the browser",
        AuthKind::PrivateToken => "Private Integration Token",
        AuthKind::ApiKey => "API key",
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
                signed_in_by: signed_in_by(row.auth_kind).to_string(),
                sandbox: service::is_sandbox(row),
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

pub(crate) fn view_of(store: &Store, id: &str) -> Result<ConnectionView, BridgeError> {
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

pub(crate) fn check_views(checks: Vec<service::Check>) -> Vec<CheckView> {
    checks
        .into_iter()
        .map(|check| CheckView {
            capability: check.capability,
            ok: check.ok,
            message: check.message,
        })
        .collect()
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
        Ok(check_views(
            reports
                .into_iter()
                .flat_map(|report| report.checks)
                .collect(),
        ))
    })
    .await
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
