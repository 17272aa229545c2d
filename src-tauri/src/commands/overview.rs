//! Overview, the health home: one row per pair with its figures (from the engine's service,
//! the same the CLI lists) and when the schedule runs next.

use bridge_core::{BridgeError, System};
use bridge_sync::service;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::state::AppState;

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PairHealthView {
    pub pair_id: String,
    pub pair_name: String,
    /// The GHL location it syncs with (none while the operator must choose one).
    pub ghl_name: Option<String>,
    pub system: System,
    pub system_name: String,
    pub reconnect: bool,
    pub in_sync: u32,
    pub dead_letters: u32,
    pub failed_for_now: u32,
    pub conflicts: u32,
    pub reviews: u32,
    pub deletes_waiting: u32,
    pub only_in_app: u32,
    pub last_success_at: Option<String>,
    pub last_run_at: Option<String>,
    pub last_run_status: Option<String>,
    pub last_run_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OverviewView {
    pub pairs: Vec<PairHealthView>,
    /// When the schedule syncs next (none when no schedule is set).
    pub next_scheduled_at: Option<String>,
    /// preview, apply, retry or scheduled, while one runs.
    pub running: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub fn overview(state: State<'_, AppState>) -> Result<OverviewView, BridgeError> {
    let store = state.store()?;
    let pairs = service::overview(&store)?
        .into_iter()
        .map(|p| PairHealthView {
            system_name: p.system.display_name().to_string(),
            pair_id: p.pair_id,
            pair_name: p.pair_name,
            ghl_name: p.ghl_name,
            system: p.system,
            reconnect: p.reconnect,
            in_sync: count(p.in_sync),
            dead_letters: count(p.dead_letters),
            failed_for_now: count(p.failed_for_now),
            conflicts: count(p.conflicts),
            reviews: count(p.reviews),
            deletes_waiting: count(p.deletes_waiting),
            only_in_app: count(p.only_in_app),
            last_success_at: p.last_success_at,
            last_run_at: p.last_run_at,
            last_run_status: p.last_run_status,
            last_run_error: p.last_run_error,
        })
        .collect();
    Ok(OverviewView {
        pairs,
        next_scheduled_at: state.next_scheduled_at.lock().ok().and_then(|n| n.clone()),
        running: state
            .running
            .lock()
            .ok()
            .and_then(|r| r.as_ref().map(|r| r.work.to_string())),
    })
}

/// A record waiting for the operator: an uncertain match, or a record deleted or gone on one
/// side (the same list as `bridge reviews`).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    pub id: u32,
    pub pair_id: String,
    pub object_kind: String,
    pub remote_id: String,
    /// ambiguous, deleted, not_found or mismatch.
    pub reason: String,
    pub match_key: String,
    /// The contacts it could be, by name, and their local ids (the same order).
    pub candidates: Vec<String>,
    pub candidate_ids: Vec<String>,
    /// How the operator knows the record and what happened.
    pub summary: String,
    /// It can be linked to a contact or made a new one (else only left as it is).
    pub placeable: bool,
}

#[tauri::command]
#[specta::specta]
pub fn list_reviews(state: State<'_, AppState>) -> Result<Vec<ReviewView>, BridgeError> {
    let store = state.store()?;
    Ok(service::open_reviews(&store)?
        .into_iter()
        .map(|r| ReviewView {
            id: u32::try_from(r.id).unwrap_or(u32::MAX),
            placeable: r.object_kind == "contact"
                && (r.reason == "ambiguous" || r.reason == "mismatch"),
            pair_id: r.connection_id,
            object_kind: r.object_kind,
            remote_id: r.remote_id,
            reason: r.reason,
            match_key: r.match_key,
            candidates: r
                .candidates
                .iter()
                .map(|id| service::contact_name(&store, id))
                .collect(),
            candidate_ids: r.candidates,
            summary: r.summary,
        })
        .collect())
}

/// What the operator decides about a review.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The record is this contact (its local id).
    Link { contact: String },
    /// The record is a person of its own: created in GHL by the next sync.
    Create,
    /// Leave it as it is.
    Ignore,
}

/// Settles a review (`bridge reviews --resolve`); refused while a sync runs.
#[tauri::command]
#[specta::specta]
pub fn resolve_review(
    state: State<'_, AppState>,
    id: u32,
    decision: ReviewDecision,
) -> Result<(), BridgeError> {
    let resolution = match decision {
        ReviewDecision::Link { contact } => service::ReviewResolution::Link { contact },
        ReviewDecision::Create => service::ReviewResolution::Create,
        ReviewDecision::Ignore => service::ReviewResolution::Ignore,
    };
    let mut store = state.store()?;
    service::resolve_review(&mut store, i64::from(id), &resolution, state.clock.as_ref())?;
    tracing::info!(review = id, "review resolved");
    Ok(())
}

/// A delete waiting for approval (the same list as `bridge deletes list`).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeleteView {
    pub id: u32,
    pub pair_id: String,
    pub pair_name: String,
    pub object_kind: String,
    /// The app it was deleted in, and the one it would be deleted from.
    pub deleted_in: String,
    pub target_system: String,
    pub summary: String,
    pub state: String,
}

#[tauri::command]
#[specta::specta]
pub fn list_deletes(state: State<'_, AppState>) -> Result<Vec<DeleteView>, BridgeError> {
    let store = state.store()?;
    Ok(bridge_sync::deletes::list(&store)?
        .into_iter()
        .map(|d| DeleteView {
            id: u32::try_from(d.delete.id).unwrap_or(u32::MAX),
            pair_id: d.delete.pair_id,
            pair_name: d.pair_name,
            object_kind: d.delete.object_kind,
            deleted_in: d.delete.deleted_in,
            target_system: d.target_system,
            summary: d.delete.summary,
            state: d.delete.state,
        })
        .collect())
}

/// Approves (the next sync of its pair carries it) or rejects (the counterpart stays) a delete.
#[tauri::command]
#[specta::specta]
pub fn decide_delete(
    state: State<'_, AppState>,
    id: u32,
    approve: bool,
) -> Result<(), BridgeError> {
    let store = state.store()?;
    if approve {
        bridge_sync::deletes::approve(&store, i64::from(id), state.clock.as_ref())?;
    } else {
        bridge_sync::deletes::reject(&store, i64::from(id), state.clock.as_ref())?;
    }
    tracing::info!(delete = id, approve, "delete decided");
    Ok(())
}
