//! History: each run with its operations, dead letters, conflicts with choose-a-side, undo.

use bridge_core::{BridgeError, ErrorCode};
use bridge_sync::pair::resolve_conflict as engine_resolve_conflict;
use bridge_sync::plan::Side;
use bridge_sync::service::{self, contact_name, OperationRow, Store};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::state::{with_own_store, AppState};

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub id: String,
    pub trigger: String,
    pub dry_run: bool,
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub requests_spent: u32,
    pub rate_limited: u32,
    pub pair: String,
    pub error: Option<String>,
    /// From start to end (`None` while it runs).
    pub duration_ms: Option<u32>,
    /// Writes its plan held, and what became of them (from its journal rows).
    pub planned: u32,
    pub written: u32,
    pub failed: u32,
    pub skipped: u32,
}

fn duration_ms(started: &str, finished: Option<&str>) -> Option<u32> {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    let (start, end) = (parse(started)?, parse(finished?)?);
    u32::try_from((end - start).num_milliseconds().max(0)).ok()
}

#[tauri::command]
#[specta::specta]
pub fn list_runs(state: State<'_, AppState>) -> Result<Vec<RunView>, BridgeError> {
    let store = state.store()?;
    let names: Vec<(String, String)> = service::connections(&store)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    service::recent_runs(&store, 200)?
        .into_iter()
        .map(|r| {
            let counts = service::run_counts(&store, &r)?;
            let pair_id = r.summary["pair"].as_str().unwrap_or_default();
            Ok(RunView {
                duration_ms: duration_ms(&r.started_at, r.finished_at.as_deref()),
                planned: count(counts.planned),
                written: count(counts.written),
                failed: count(counts.failed),
                skipped: count(counts.skipped),
                pair: names
                    .iter()
                    .find(|(id, _)| id == pair_id)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_else(|| pair_id.to_string()),
                id: r.id,
                trigger: r.trigger,
                dry_run: r.dry_run,
                status: r.status,
                started_at: r.started_at,
                finished_at: r.finished_at,
                requests_spent: count(r.requests_spent),
                rate_limited: count(r.rate_limited),
                error: r.error,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    pub id: u32,
    pub run_id: String,
    /// The pair (its app connection) the write belongs to.
    pub pair_id: String,
    pub connection_id: String,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    pub object_kind: String,
    pub action: String,
    pub remote_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: String,
    /// pending, sent, done, dead, …
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
}

fn operation_view(store: &Store, row: OperationRow) -> OperationView {
    OperationView {
        id: u32::try_from(row.id).unwrap_or(u32::MAX),
        contact_name: row
            .op
            .contact_id
            .as_deref()
            .map(|id| contact_name(store, id)),
        run_id: row.op.run_id,
        pair_id: row
            .op
            .pair_id
            .unwrap_or_else(|| row.op.connection_id.clone()),
        connection_id: row.op.connection_id,
        contact_id: row.op.contact_id,
        object_kind: row.op.object_kind,
        action: row.op.action,
        remote_id: row.op.remote_id,
        before: row.op.before_value,
        after: row.op.after_value,
        reason: row.op.reason,
        state: row.state,
        attempts: row.attempts,
        last_error: row.last_error,
    }
}

/// The operations one run journaled.
#[tauri::command]
#[specta::specta]
pub fn run_operations(
    state: State<'_, AppState>,
    run_id: String,
) -> Result<Vec<OperationView>, BridgeError> {
    let store = state.store()?;
    Ok(service::run_operations(&store, &run_id)?
        .into_iter()
        .map(|row| operation_view(&store, row))
        .collect())
}

/// Writes an app refused, each with the app's own message.
#[tauri::command]
#[specta::specta]
pub fn dead_letters(state: State<'_, AppState>) -> Result<Vec<OperationView>, BridgeError> {
    let store = state.store()?;
    Ok(service::dead_letters(&store)?
        .into_iter()
        .map(|row| operation_view(&store, row))
        .collect())
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    pub id: u32,
    pub connection_id: String,
    pub contact_id: String,
    pub contact_name: String,
    pub field: String,
    pub base: Option<String>,
    pub ghl: Option<String>,
    pub app: Option<String>,
}

/// Fields both sides changed under a manual-review line.
#[tauri::command]
#[specta::specta]
pub fn list_conflicts(state: State<'_, AppState>) -> Result<Vec<ConflictView>, BridgeError> {
    let store = state.store()?;
    Ok(service::open_conflicts(&store)?
        .into_iter()
        .map(|c| ConflictView {
            contact_name: contact_name(&store, &c.contact_id),
            id: u32::try_from(c.id).unwrap_or(u32::MAX),
            connection_id: c.connection_id,
            contact_id: c.contact_id,
            field: c.field,
            base: c.base_value,
            ghl: c.ghl_value,
            app: c.app_value,
        })
        .collect())
}

#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    Ghl,
    App,
}

/// Settles a conflict: the next sync writes the kept side's value to the other side.
#[tauri::command]
#[specta::specta]
pub fn resolve_conflict(
    state: State<'_, AppState>,
    id: u32,
    keep: Keep,
) -> Result<(), BridgeError> {
    let mut store = state.store()?;
    let side = match keep {
        Keep::Ghl => Side::Ghl,
        Keep::App => Side::App,
    };
    engine_resolve_conflict(&mut store, i64::from(id), side, state.clock.as_ref())?;
    tracing::info!(conflict = id, keep = ?keep, "conflict resolved");
    Ok(())
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UndoView {
    pub restored: u32,
    pub created_kept: u32,
    /// Records the run deleted as approved: they stay deleted.
    pub deleted_kept: u32,
}

/// Writes back what a run overwrote, on both sides.
#[tauri::command]
#[specta::specta]
pub async fn undo_run(state: State<'_, AppState>, run_id: String) -> Result<UndoView, BridgeError> {
    let _one_at_a_time = state.sync_lock.try_lock().map_err(|_| {
        BridgeError::new(ErrorCode::Conflict, "a sync is running: undo after it ends")
    })?;
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let id = run_id.clone();
    let report = with_own_store(&state.db_path, move |mut store| async move {
        service::undo(&mut store, tokens, clock, &id).await
    })
    .await?;
    tracing::info!(run = %run_id, restored = report.restored, "run undone");
    Ok(UndoView {
        restored: count(report.restored),
        created_kept: count(report.created_kept),
        deleted_kept: count(report.deleted_kept),
    })
}
