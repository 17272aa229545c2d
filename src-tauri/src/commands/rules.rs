//! The Rules tab of a pair: its switchable workflows, each off until switched on, with their
//! settings (JSON in the rule's own terms, checked by the engine).

use bridge_core::BridgeError;
use bridge_sync::service::{self, RuleView};
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RuleDto {
    /// `welcome` or `summary`: what the commands name it by.
    pub name: String,
    /// How the plan names its writes ("by rule: welcome note").
    pub label: String,
    pub description: String,
    pub enabled: bool,
    pub enabled_at: Option<String>,
    /// The settings, as JSON text.
    pub settings: String,
}

fn dto(rule: RuleView) -> RuleDto {
    RuleDto {
        name: rule.name.as_str().to_string(),
        label: rule.label,
        description: rule.description,
        enabled: rule.enabled,
        enabled_at: rule.enabled_at,
        settings: serde_json::to_string_pretty(&rule.config).unwrap_or_default(),
    }
}

/// The rules of the pair of app connection `app_id`.
#[tauri::command]
#[specta::specta]
pub fn list_rules(state: State<'_, AppState>, app_id: String) -> Result<Vec<RuleDto>, BridgeError> {
    let store = state.store()?;
    let pair = service::connection(&store, &app_id)?;
    Ok(service::rules(&store, &pair.name)?
        .into_iter()
        .map(dto)
        .collect())
}

/// Switches one rule of the pair on or off.
#[tauri::command]
#[specta::specta]
pub fn switch_rule(
    state: State<'_, AppState>,
    app_id: String,
    rule: String,
    on: bool,
) -> Result<RuleDto, BridgeError> {
    let store = state.store()?;
    let pair = service::connection(&store, &app_id)?;
    let view = service::switch_rule(&store, &pair.name, &rule, on, state.clock.as_ref())?;
    tracing::info!(pair = %pair.name, rule, on, "rule switched");
    Ok(dto(view))
}

/// Replaces one rule's settings (refused, naming the field or placeholder, when they do not
/// read).
#[tauri::command]
#[specta::specta]
pub fn set_rule(
    state: State<'_, AppState>,
    app_id: String,
    rule: String,
    settings: String,
) -> Result<RuleDto, BridgeError> {
    let store = state.store()?;
    let pair = service::connection(&store, &app_id)?;
    let view = service::set_rule(&store, &pair.name, &rule, &settings, state.clock.as_ref())?;
    tracing::info!(pair = %pair.name, rule, "rule settings saved");
    Ok(dto(view))
}
