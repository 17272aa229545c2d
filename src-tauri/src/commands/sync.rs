//! Sync page: plan (dry run), apply with progress and cancel, history with each run's
//! operations, dead letters with retry, conflicts with choose-a-side, undo of a run.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bridge_core::{BridgeError, ErrorCode, System};
use bridge_sync::pair::{resolve_conflict as engine_resolve_conflict, SyncOutcome};
use bridge_sync::plan::{Action, Side};
use bridge_sync::preview::display;
use bridge_sync::service::{self, contact_name, OperationRow, Store, SyncRequest, Trigger};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::events::SyncProgress;
use crate::settings_file;
use crate::state::{with_own_store, AppState};

/// Progress events at most this often (plus the last one).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeView {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedOperation {
    /// ghl, or the app's system (novi, ninox, …).
    pub system: String,
    /// create or update.
    pub action: String,
    pub contact_id: String,
    pub contact_name: String,
    pub remote_id: Option<String>,
    pub reason: String,
    pub changes: Vec<ChangeView>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedConflict {
    pub contact_id: String,
    pub contact_name: String,
    pub field: String,
    pub base: Option<String>,
    pub ghl: Option<String>,
    pub app: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppliedView {
    pub done: u32,
    pub already_done: u32,
    pub unconfirmed: u32,
    pub dead: u32,
    pub cancelled: bool,
}

/// One pair's sync: its plan, and what applying it did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PairOutcome {
    pub run_id: String,
    pub pair_name: String,
    pub app_system: System,
    pub app_system_name: String,
    pub dry_run: bool,
    pub duration_ms: u32,
    pub contacts_pulled: u32,
    pub app_records_pulled: u32,
    pub operations: Vec<PlannedOperation>,
    pub conflicts: Vec<PlannedConflict>,
    pub applied: Option<AppliedView>,
    pub ghl_requests: u32,
    pub app_requests: u32,
    pub rate_limited: u32,
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn outcome_view(store: &Store, outcome: &SyncOutcome) -> PairOutcome {
    let app_system = outcome.app_system.as_str().to_string();
    PairOutcome {
        run_id: outcome.run_id.clone(),
        pair_name: outcome.pair_name.clone(),
        app_system: outcome.app_system,
        app_system_name: outcome.app_system.display_name().to_string(),
        dry_run: outcome.dry_run,
        duration_ms: count(outcome.duration_ms),
        contacts_pulled: count(outcome.ghl_pull.contacts_changed),
        app_records_pulled: count(outcome.app_records_pulled),
        operations: outcome
            .plan
            .operations
            .iter()
            .map(|op| PlannedOperation {
                system: match op.target {
                    Side::Ghl => "ghl".to_string(),
                    Side::App => app_system.clone(),
                },
                action: match op.action {
                    Action::Create => "create",
                    Action::Update => "update",
                }
                .to_string(),
                contact_id: op.local_id.clone(),
                contact_name: contact_name(store, &op.local_id),
                remote_id: op.remote_id.clone(),
                reason: op.reason.clone(),
                changes: op
                    .changes
                    .iter()
                    .map(|c| ChangeView {
                        field: c.field.clone(),
                        before: c.before.as_ref().and_then(display),
                        after: display(&c.after),
                    })
                    .collect(),
            })
            .collect(),
        conflicts: outcome
            .plan
            .conflicts
            .iter()
            .map(|c| PlannedConflict {
                contact_id: c.local_id.clone(),
                contact_name: contact_name(store, &c.local_id),
                field: c.field.clone(),
                base: c.base.as_ref().and_then(display),
                ghl: c.ghl.as_ref().and_then(display),
                app: c.app.as_ref().and_then(display),
            })
            .collect(),
        applied: outcome.applied.as_ref().map(|a| AppliedView {
            done: count(a.done),
            already_done: count(a.already_done),
            unconfirmed: count(a.unconfirmed),
            dead: count(a.dead),
            cancelled: a.cancelled,
        }),
        ghl_requests: count(outcome.ghl_requests),
        app_requests: count(outcome.app_requests),
        rate_limited: count(outcome.rate_limited),
    }
}

/// Turns the engine's (done, total) calls into throttled progress events with rate and ETA.
fn progress_reporter(app: AppHandle) -> impl FnMut(u64, u64) + Send {
    let mut started: Option<Instant> = None;
    let mut last_sent: Option<Instant> = None;
    move |done, total| {
        let now = Instant::now();
        let start = *started.get_or_insert(now);
        let finished = done >= total;
        if !finished && last_sent.is_some_and(|t| now.duration_since(t) < PROGRESS_EVERY) {
            return;
        }
        last_sent = Some(now);
        let elapsed = now.duration_since(start).as_secs_f64();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        let eta = (rate > 0.0).then(|| total.saturating_sub(done) as f64 / rate);
        let _ = SyncProgress {
            done: count(done),
            total: count(total),
            rate_per_second: rate,
            eta_seconds: eta,
        }
        .emit(&app);
    }
}

/// Marks the GHL connection "reconnect" when its sign-in could not be refreshed.
fn note_reconnect(state: &AppState, error: &BridgeError) {
    if error.code != ErrorCode::ReconnectRequired {
        return;
    }
    if let Ok(store) = state.store() {
        if let Ok(hub) = service::hub(&store, None) {
            let _ = service::mark_reconnect_required(&store, &hub.id, state.clock.now());
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Plan,
    Apply,
    RetryDeadLetters,
}

/// Runs one sync (all pairs) with its own database handle; one at a time.
async fn run(
    app: AppHandle,
    state: &AppState,
    work: Work,
) -> Result<Vec<PairOutcome>, BridgeError> {
    let _one_at_a_time = state.sync_lock.try_lock().map_err(|_| {
        BridgeError::new(
            ErrorCode::Conflict,
            "a sync is already running: wait for it or cancel it",
        )
    })?;
    state.cancel.store(false, Ordering::SeqCst);
    let settings = settings_file::load(&state.data_dir())?;
    let request = SyncRequest {
        dry_run: work == Work::Plan,
        max_overwrite_share: settings.max_overwrite_percent / 100.0,
        trigger: Trigger::Manual,
        ..SyncRequest::default()
    };
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let cancel = state.cancel.clone();
    tracing::info!(work = ?work, "sync started");
    let result = with_own_store(&state.db_path, move |mut store| async move {
        let mut progress = progress_reporter(app);
        let outcomes = match work {
            Work::RetryDeadLetters => {
                service::retry_dead_letters(&mut store, tokens, clock, &cancel, &mut progress)
                    .await?
            }
            Work::Plan | Work::Apply => {
                service::sync(&mut store, tokens, clock, &request, &cancel, &mut progress).await?
            }
        };
        Ok(outcomes
            .iter()
            .map(|o| outcome_view(&store, o))
            .collect::<Vec<_>>())
    })
    .await;
    match &result {
        Ok(pairs) => tracing::info!(work = ?work, pairs = pairs.len(), "sync finished"),
        Err(e) => {
            tracing::error!(work = ?work, code = %e.code, "sync failed: {}", e.message);
            note_reconnect(state, e);
        }
    }
    result
}

/// "Sync now": pulls both sides and plans every pair, writing nothing.
#[tauri::command]
#[specta::specta]
pub async fn plan_sync(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<PairOutcome>, BridgeError> {
    run(app, &state, Work::Plan).await
}

/// "Apply": the same sync, written. Progress arrives as `SyncProgress` events.
#[tauri::command]
#[specta::specta]
pub async fn apply_sync(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<PairOutcome>, BridgeError> {
    run(app, &state, Work::Apply).await
}

/// Stops the running sync after the operation in flight; what was done stays journaled.
#[tauri::command]
#[specta::specta]
pub fn cancel_sync(state: State<'_, AppState>) -> Result<(), BridgeError> {
    state.cancel.store(true, Ordering::SeqCst);
    tracing::info!("sync cancel requested");
    Ok(())
}

/// Queues every dead letter again and syncs.
#[tauri::command]
#[specta::specta]
pub async fn retry_dead_letters(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<PairOutcome>, BridgeError> {
    run(app, &state, Work::RetryDeadLetters).await
}

/// The scheduled sync (Settings → every N minutes), run by the app's timer.
pub async fn scheduled(app: AppHandle) -> Result<(), BridgeError> {
    let state = app.state::<AppState>();
    run(app.clone(), &state, Work::Apply).await.map(|_| ())
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
}

#[tauri::command]
#[specta::specta]
pub fn list_runs(state: State<'_, AppState>) -> Result<Vec<RunView>, BridgeError> {
    let store = state.store()?;
    let names: Vec<(String, String)> = service::connections(&store)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(service::recent_runs(&store, 50)?
        .into_iter()
        .map(|r| {
            let pair_id = r.summary["pair"].as_str().unwrap_or_default();
            RunView {
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
            }
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OperationView {
    pub id: u32,
    pub run_id: String,
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
    })
}
