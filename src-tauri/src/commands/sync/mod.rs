//! Sync page and the window-wide sync indicator: preview (a plan stored under a plan id),
//! apply of that plan with progress and cancel, and what is running now.
//!
//! Plan = apply, as simply as it can be true: the engine plans from what it reads at the
//! moment it writes, so "apply exactly the preview" means "apply only when a fresh plan
//! equals the preview". Apply first plans again without writing and compares each write's
//! fingerprint (what it writes where) with the preview's; when any differ the operator is
//! told how many ("12 changes differ") and chooses to review again or apply anyway. When
//! none differ the sync writes: the plan it makes then is the previewed one, except for
//! what could not be planned before (tasks and notes of contacts the apply itself creates),
//! which the result lists as "not in the preview". The result counts each app and kind of
//! write the same way as the preview (see `bridge_sync::service::breakdown`).

mod views;

pub use views::*;
use views::{count, outcome_view};

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bridge_core::{BridgeError, ErrorCode};
use bridge_sync::service::{self, Step, SyncRequest, Trigger};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::events::{SyncFinished, SyncProgress};
use crate::state::{with_own_store, AppState, Preview, Running};

/// Progress events at most this often (plus the last one).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Turns the engine's steps into throttled progress events. The total is known from the
/// plan: the preview's writes per pair, raised where a pair plans more; done and total never
/// go down.
fn progress_reporter(
    app: AppHandle,
    work: &'static str,
    planned: BTreeMap<String, u64>,
) -> impl FnMut(&Step) + Send {
    let mut started: Option<Instant> = None;
    let mut last_sent: Option<Instant> = None;
    let (mut shown_done, mut shown_total) = (0u64, 0u64);
    move |step: &Step| {
        let now = Instant::now();
        let start = *started.get_or_insert(now);
        let later: u64 = planned
            .iter()
            .filter(|(name, _)| **name != step.pair_name)
            .map(|(_, n)| *n)
            .sum::<u64>()
            .saturating_sub(step.done_before.min(planned.values().sum()));
        let this = planned
            .get(&step.pair_name)
            .copied()
            .unwrap_or(0)
            .max(step.total);
        shown_done = shown_done.max(step.done_before + step.done);
        shown_total = shown_total
            .max(step.done_before + this + later)
            .max(shown_done);
        let finished = step.pair == step.pairs && step.done >= step.total;
        if !finished && last_sent.is_some_and(|t| now.duration_since(t) < PROGRESS_EVERY) {
            return;
        }
        last_sent = Some(now);
        let elapsed = now.duration_since(start).as_secs_f64();
        let rate = if elapsed > 0.0 {
            shown_done as f64 / elapsed
        } else {
            0.0
        };
        let eta = (rate > 0.0).then(|| shown_total.saturating_sub(shown_done) as f64 / rate);
        let progress = SyncProgress {
            work: work.into(),
            done: count(shown_done),
            total: count(shown_total),
            rate_per_second: rate,
            eta_seconds: eta,
            pair: count(step.pair as u64),
            pairs: count(step.pairs as u64),
            pair_name: step.pair_name.clone(),
            phase: step.phase.into(),
            pair_done: count(step.done),
            pair_total: count(step.total),
        };
        if let Ok(mut running) = app.state::<AppState>().running.lock() {
            if let Some(running) = running.as_mut() {
                running.progress = Some(progress.clone());
            }
        }
        let _ = progress.emit(&app);
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
    /// One dead letter, by its journal id: its pair syncs.
    RetryOne(u32),
}

impl Work {
    fn name(self, trigger: Trigger) -> &'static str {
        match (self, trigger) {
            (Work::Apply, Trigger::Schedule) => "scheduled",
            (Work::Plan, _) => "preview",
            (Work::Apply, _) => "apply",
            (Work::RetryDeadLetters | Work::RetryOne(_), _) => "retry",
        }
    }
}

/// Runs one sync (all pairs) with its own database handle; one at a time. Visible to every
/// page while it runs (`sync_status`, `SyncProgress`, `SyncFinished`).
async fn run(
    app: AppHandle,
    state: &AppState,
    work: Work,
    trigger: Trigger,
    planned: BTreeMap<String, u64>,
) -> Result<(Vec<PairOutcome>, Vec<String>), BridgeError> {
    let _one_at_a_time = state.sync_lock.try_lock().map_err(|_| {
        BridgeError::new(
            ErrorCode::Conflict,
            "a sync is already running: wait for it or cancel it",
        )
    })?;
    state.cancel.store(false, Ordering::SeqCst);
    let name = work.name(trigger);
    state.set_running(Some(Running::new(name)));
    let started = SyncProgress::started(name, count(planned.values().sum::<u64>()));
    if let Ok(mut running) = state.running.lock() {
        if let Some(running) = running.as_mut() {
            running.progress = Some(started.clone());
        }
    }
    let _ = started.emit(&app);
    let settings = super::settings::load(&app)?;
    let request = SyncRequest {
        dry_run: work == Work::Plan,
        max_overwrite_share: settings.max_overwrite_percent / 100.0,
        trigger,
        ..SyncRequest::default()
    };
    let tokens = state.tokens.clone();
    let clock = state.clock.clone();
    let cancel = state.cancel.clone();
    tracing::info!(work = name, "sync started");
    let reporter_app = app.clone();
    let result = with_own_store(&state.db_path, move |mut store| async move {
        let mut progress = progress_reporter(reporter_app, name, planned);
        let outcomes = match work {
            Work::RetryDeadLetters => {
                let mut plain = |done: u64, total: u64| {
                    progress(&Step {
                        pair: 1,
                        pairs: 1,
                        pair_name: String::new(),
                        phase: "contacts",
                        done,
                        total,
                        done_before: 0,
                    })
                };
                service::retry_dead_letters(&mut store, tokens, clock, &cancel, &mut plain).await?
            }
            Work::RetryOne(id) => {
                let mut plain = |done: u64, total: u64| {
                    progress(&Step {
                        pair: 1,
                        pairs: 1,
                        pair_name: String::new(),
                        phase: "contacts",
                        done,
                        total,
                        done_before: 0,
                    })
                };
                service::retry_dead_letter(
                    &mut store,
                    tokens,
                    clock,
                    i64::from(id),
                    &cancel,
                    &mut plain,
                )
                .await?
            }
            Work::Plan | Work::Apply => {
                service::sync_observed(&mut store, tokens, clock, &request, &cancel, &mut progress)
                    .await?
            }
        };
        let prints = outcomes.iter().flat_map(service::fingerprints).collect();
        let views = outcomes
            .iter()
            .map(|o| outcome_view(&store, o))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((views, prints))
    })
    .await;
    state.set_running(None);
    let finished = match &result {
        Ok((pairs, _)) => {
            tracing::info!(work = name, pairs = pairs.len(), "sync finished");
            SyncFinished::of(name, pairs)
        }
        Err(e) => {
            tracing::error!(work = name, code = %e.code, "sync failed: {}", e.message);
            note_reconnect(state, e);
            SyncFinished::failed(name, e)
        }
    };
    let _ = finished.emit(&app);
    let scheduled =
        (trigger == Trigger::Schedule).then(|| result.as_ref().err().map(|e| e.message.clone()));
    state.notify_changes(&app, scheduled);
    result
}

/// Each pair's planned writes (for the progress total).
fn planned_per_pair(pairs: &[PairOutcome]) -> BTreeMap<String, u64> {
    pairs
        .iter()
        .map(|p| {
            let n = p
                .breakdown
                .iter()
                .filter(|l| l.kind != "tags" && l.kind != "deletes")
                .map(|l| u64::from(l.planned))
                .sum();
            (p.pair_name.clone(), n)
        })
        .collect()
}

/// Stores a plan as the preview Apply may name, and returns it with its id.
fn remember(state: &AppState, pairs: Vec<PairOutcome>, prints: Vec<String>) -> PlanView {
    let plan_id = format!(
        "plan-{}-{}",
        state.clock.now().format("%Y%m%d%H%M%S"),
        state.next_plan_number()
    );
    if let Ok(mut preview) = state.preview.lock() {
        *preview = Some(Preview {
            plan_id: plan_id.clone(),
            fingerprints: prints,
            planned: planned_per_pair(&pairs),
        });
    }
    PlanView { plan_id, pairs }
}

/// Plans every pair without writing, and the fingerprints of its writes.
async fn plan_now(
    app: AppHandle,
    state: &AppState,
) -> Result<(Vec<PairOutcome>, Vec<String>), BridgeError> {
    run(app, state, Work::Plan, Trigger::Manual, BTreeMap::new()).await
}

/// Preview: reads both sides and plans every pair, writing nothing; the plan is kept under
/// the returned plan id for Apply.
#[tauri::command]
#[specta::specta]
pub async fn plan_sync(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<PlanView, BridgeError> {
    let (pairs, prints) = plan_now(app, &state).await?;
    Ok(remember(&state, pairs, prints))
}

/// Apply the previewed plan `plan_id`. Unless `anyway`, it first plans again and, when the
/// plan changed since the preview, writes nothing and returns the new plan with how many
/// writes differ. Progress arrives as `SyncProgress` events.
#[tauri::command]
#[specta::specta]
pub async fn apply_sync(
    app: AppHandle,
    state: State<'_, AppState>,
    plan_id: String,
    anyway: bool,
) -> Result<ApplyView, BridgeError> {
    let preview = state
        .preview
        .lock()
        .map_err(|_| BridgeError::internal("the preview was lost"))?
        .clone()
        .filter(|p| p.plan_id == plan_id)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                "this preview is no longer the latest: preview again before applying",
            )
        })?;
    if !anyway {
        let (pairs, prints) = plan_now(app.clone(), &state).await?;
        let differ = service::differences(&preview.fingerprints, &prints);
        if differ > 0 {
            tracing::info!(differ, "the plan changed since the preview");
            return Ok(ApplyView {
                status: "changed".into(),
                differ: count(differ as u64),
                pairs: Vec::new(),
                plan: Some(remember(&state, pairs, prints)),
                not_in_preview: 0,
            });
        }
    }
    let (pairs, written) = run(
        app,
        &state,
        Work::Apply,
        Trigger::Manual,
        preview.planned.clone(),
    )
    .await?;
    let not_in_preview = service::only_in_second(&preview.fingerprints, &written);
    if let Ok(mut kept) = state.preview.lock() {
        *kept = None;
    }
    Ok(ApplyView {
        status: "applied".into(),
        differ: count(service::differences(&preview.fingerprints, &written) as u64),
        pairs,
        plan: None,
        not_in_preview: count(not_in_preview as u64),
    })
}

/// Stops the running sync after the operation in flight; what was done stays journaled.
#[tauri::command]
#[specta::specta]
pub fn cancel_sync(state: State<'_, AppState>) -> Result<(), BridgeError> {
    state.cancel.store(true, Ordering::SeqCst);
    tracing::info!("sync cancel requested");
    Ok(())
}

/// What runs now (a preview, an apply, a retry or the scheduled sync), with its last progress.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    pub running: Option<String>,
    pub started_at: Option<String>,
    pub progress: Option<SyncProgress>,
    pub cancel_requested: bool,
}

#[tauri::command]
#[specta::specta]
pub fn sync_status(state: State<'_, AppState>) -> Result<SyncStatusView, BridgeError> {
    let running = state.running.lock().map(|r| r.clone()).unwrap_or(None);
    Ok(SyncStatusView {
        running: running.as_ref().map(|r| r.work.to_string()),
        started_at: running.as_ref().map(|r| r.started_at.clone()),
        progress: running.and_then(|r| r.progress),
        cancel_requested: state.cancel.load(Ordering::SeqCst),
    })
}

/// Queues every dead letter again and syncs.
#[tauri::command]
#[specta::specta]
pub async fn retry_dead_letters(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<PairOutcome>, BridgeError> {
    run(
        app,
        &state,
        Work::RetryDeadLetters,
        Trigger::Manual,
        BTreeMap::new(),
    )
    .await
    .map(|(pairs, _)| pairs)
}

/// Queues one dead letter again ("retry this") and syncs its pair.
#[tauri::command]
#[specta::specta]
pub async fn retry_dead_letter(
    app: AppHandle,
    state: State<'_, AppState>,
    operation_id: u32,
) -> Result<Vec<PairOutcome>, BridgeError> {
    run(
        app,
        &state,
        Work::RetryOne(operation_id),
        Trigger::Manual,
        BTreeMap::new(),
    )
    .await
    .map(|(pairs, _)| pairs)
}

/// The scheduled sync (Settings → every N minutes), run by the app's timer.
pub async fn scheduled(app: AppHandle) -> Result<Vec<PairOutcome>, BridgeError> {
    let state = app.state::<AppState>();
    run(
        app.clone(),
        &state,
        Work::Apply,
        Trigger::Schedule,
        BTreeMap::new(),
    )
    .await
    .map(|(pairs, _)| pairs)
}
