//! What the CLI and the desktop both call: sync every pair, undo a run, retry dead letters,
//! read and save mappings. One path for both, so the window and `bridge` behave alike.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use bridge_auth::TokenStore;
use bridge_core::mapping::Mapping;
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections;
use bridge_store::table::{cursors, mappings, sync_runs};
use chrono::{DateTime, Utc};

use crate::app::{app_side, syncs_contacts};
use crate::apply::Progress;
use crate::connections::ghl_client;
use crate::lease::{Lease, DEFAULT_WAIT};
use crate::pair::{
    contact_mapping, ghl_contact_fields, unwritable_lines, LocationRead, Pair, SyncOutcome,
    UndoReport,
};
use crate::plan::Breaker;

pub use crate::deletes::{
    approve as approve_delete, list as list_deletes, reject as reject_delete, set_carry_deletes,
    DeleteView,
};
pub use crate::doctor::{doctor, Check, ConnectionReport};
pub use crate::manage::{
    is_sandbox, leave_sandbox, reconnect_oauth, reconnect_with_secret, removal_impact, remove,
    rename, sandbox_connections, RemovalImpact,
};
pub use crate::pairs::{list as pairs, set as set_pair, ForgottenView, PairMoved, PairView};
pub use crate::problems::{list as problems, ProblemView};
pub use crate::reviews::{resolve_review, Resolution as ReviewResolution};

mod breakdown;
mod data;
mod fingerprints;
mod locations;
mod overview;
mod rules;
mod webhooks;
pub use breakdown::{breakdown, Breakdown, KindLine};
pub use data::*;
pub use fingerprints::{differences, fingerprints, only_in_second};
pub use locations::{PairFailure, SyncReport};
pub use overview::{overview, PairHealth};
pub use rules::{rules, set_rule, switch_rule, RuleName, RuleView};
pub use webhooks::{start_receiver, webhook_events, webhook_keys, RunningReceiver, WebhookEvent};

/// Where a running sync is, for a progress line ("pair 3 of 5 · Ninox · contacts 34/98").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// 1-based.
    pub pair: usize,
    pub pairs: usize,
    pub pair_name: String,
    /// `contacts`, then `tasks, notes and appointments` (the pair's second phase); `tasks`
    /// for a Nifty pair.
    pub phase: &'static str,
    /// Of this pair's writes.
    pub done: u64,
    pub total: u64,
    /// Writes of the pairs finished before this one (their totals).
    pub done_before: u64,
}

/// Receives each [`Step`] of a sync.
pub type Observer<'a> = &'a mut (dyn FnMut(&Step) + Send);

/// Which pairs to sync, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRequest {
    /// Plan only: nothing is written to GHL or the apps (the pulls still update the local
    /// mirror and their cursors).
    pub dry_run: bool,
    /// One app connection by name; every pair when `None`.
    pub pair: Option<String>,
    /// One GHL location by name; every location when `None`.
    pub ghl: Option<String>,
    /// How many locations sync at once (each location's pairs still one after another); 1:
    /// one location after another.
    pub parallel: usize,
    /// Share (0..=1) of a pair's records one sync may overwrite on a side.
    pub max_overwrite_share: f64,
    /// Who started it, for the run history.
    pub trigger: Trigger,
    /// How long to wait for another sync of the same database to end before giving up.
    pub lease_wait: Duration,
}

/// Who started a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trigger {
    #[default]
    Cli,
    /// An operator in the window.
    Manual,
    /// The window's schedule.
    Schedule,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Manual => "manual",
            Self::Schedule => "schedule",
        }
    }
}

impl Default for SyncRequest {
    fn default() -> Self {
        Self {
            dry_run: false,
            pair: None,
            ghl: None,
            parallel: 1,
            max_overwrite_share: Breaker::default().max_overwrite_share,
            trigger: Trigger::Cli,
            lease_wait: DEFAULT_WAIT,
        }
    }
}

/// The GHL connection named `name`, or the only one when `name` is `None` (several: the
/// operator names one). For commands about one location; a pair's location is
/// [`crate::pairs::location_of`].
pub fn hub(store: &Store, name: Option<&str>) -> Result<ConnectionRow, BridgeError> {
    let mut ghl: Vec<ConnectionRow> = connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Ghl && name.is_none_or(|n| c.name == n))
        .collect();
    match (ghl.pop(), ghl.is_empty()) {
        (Some(only), true) => Ok(only),
        (None, _) => Err(BridgeError::new(
            ErrorCode::NotFound,
            match name {
                Some(n) => format!("no GHL connection is named \"{n}\""),
                None => "no GHL connection: add one with `bridge connect ghl`".into(),
            },
        )),
        (Some(_), false) => Err(BridgeError::invalid_input(
            "several GHL connections: name one with --ghl NAME",
        )),
    }
}

/// The GHL location an app connection is paired with.
pub fn location_of(store: &Store, app: &ConnectionRow) -> Result<ConnectionRow, BridgeError> {
    crate::pairs::location_of(store, app)
}

/// The app connections that pair with GHL, `name` picking one.
pub fn app_connections(
    store: &Store,
    name: Option<&str>,
) -> Result<Vec<ConnectionRow>, BridgeError> {
    Ok(connections::list(store.conn())?
        .into_iter()
        .filter(|c| syncs_contacts(c.system) && name.is_none_or(|n| c.name == n))
        .collect())
}

/// The Nifty connections (task-only pairs with GHL), `name` picking one.
pub fn task_connections(
    store: &Store,
    name: Option<&str>,
) -> Result<Vec<ConnectionRow>, BridgeError> {
    Ok(connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Nifty && name.is_none_or(|n| c.name == n))
        .collect())
}

/// Syncs every pair of every location (or those named); a dry run plans without writing (to
/// the apps: its pulls still update the mirror). One sync per database at a time: this waits
/// up to `request.lease_wait` for another to end.
pub async fn sync(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: &SyncRequest,
    cancel: &AtomicBool,
    progress: Progress<'_>,
) -> Result<Vec<SyncOutcome>, BridgeError> {
    sync_observed(store, tokens, clock, request, cancel, &mut |step: &Step| {
        progress(step.done_before + step.done, step.done_before + step.total)
    })
    .await
}

/// [`sync`], reporting each pair's steps (which pair, which phase, how far).
pub async fn sync_observed(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: &SyncRequest,
    cancel: &AtomicBool,
    observer: Observer<'_>,
) -> Result<Vec<SyncOutcome>, BridgeError> {
    sync_report(store, tokens, clock, request, cancel, observer)
        .await?
        .into_result()
}

/// [`sync_observed`], keeping what the pairs that synced did beside the failures of the others
/// (the CLI prints both). `Err` only when nothing could start (a bad request, the lease, nothing
/// to sync).
pub async fn sync_report(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: &SyncRequest,
    cancel: &AtomicBool,
    observer: Observer<'_>,
) -> Result<SyncReport, BridgeError> {
    if !(0.0..=1.0).contains(&request.max_overwrite_share) {
        return Err(BridgeError::invalid_input(format!(
            "the overwrite limit {} must be a share from 0 to 1",
            request.max_overwrite_share
        )));
    }
    let lease = Lease::take(store, request.trigger.as_str(), request.lease_wait).await?;
    let report =
        locations::sync_locations(store, tokens, clock, request, cancel, observer, &lease).await;
    lease.release_after(store, report)
}

/// Whether the last checks (`bridge doctor`, Test) of a pair's connections refuse it: a failed
/// sign-in or contacts check stops the pair, naming the check, until the check passes again.
fn refused_by_checks(
    store: &Store,
    connections: &[&ConnectionRow],
) -> Result<Option<BridgeError>, BridgeError> {
    for connection in connections {
        let refused = crate::doctor::refused_capabilities(store, connection)?;
        if let Some(check) = refused
            .iter()
            .find(|c| c.capability == "sign-in" || c.capability.starts_with("contacts"))
        {
            return Ok(Some(BridgeError::new(
                ErrorCode::InvalidInput,
                format!(
                    "not synced: the {} check of \"{}\" failed: {} (run `bridge doctor --connection \"{}\"` once it is fixed)",
                    check.capability, connection.name, check.message, connection.name
                ),
            )));
        }
    }
    Ok(None)
}

/// Writes back, on both sides, the values run `run_id` overwrote (holding the sync lease).
pub async fn undo(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    run_id: &str,
) -> Result<UndoReport, BridgeError> {
    let lease = Lease::take(store, "undo", DEFAULT_WAIT).await?;
    let report = undo_run(store, tokens, clock, run_id).await;
    lease.release_after(store, report)
}

async fn undo_run(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    run_id: &str,
) -> Result<UndoReport, BridgeError> {
    let run = sync_runs::get(store.conn(), run_id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("no sync run has the id {run_id}"),
        )
    })?;
    let pair_id = run.summary["pair"].as_str().unwrap_or_default().to_string();
    let app_connection = connections::get(store.conn(), &pair_id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("sync run {run_id} belongs to no connection that still exists"),
        )
    })?;
    let ghl_connection = crate::pairs::location_of(store, &app_connection)?;
    same_location(store, &run, &app_connection, &ghl_connection)?;
    let ghl = ghl_client(&ghl_connection, tokens.clone(), clock.clone())?;
    let app = app_side(&app_connection, tokens, clock.clone())?;
    let mapping = contact_mapping(store, &app_connection)?;
    let pair = Pair {
        ghl_connection: &ghl_connection,
        ghl: &ghl,
        app: app.as_ref(),
        mapping: &mapping,
        breaker: Breaker::default(),
        location: &LocationRead::default(),
        trigger: Trigger::Cli,
        capabilities: &crate::doctor::Capabilities::default(),
    };
    pair.undo(store, run_id, clock.as_ref()).await
}

/// Refuses to undo a run made while the pair synced with another location: its writes were
/// to that location's contacts, and restoring them through the pair now would cross.
fn same_location(
    store: &Store,
    run: &sync_runs::RunRow,
    app: &ConnectionRow,
    ghl: &ConnectionRow,
) -> Result<(), BridgeError> {
    let ran_with = run.summary["ghl"].as_str();
    let moved_since = bridge_store::table::pairs::get(store.conn(), &app.id)?
        .is_some_and(|p| p.updated_at != p.created_at && p.updated_at > run.started_at);
    if ran_with.is_some_and(|id| id != ghl.id) || (ran_with.is_none() && moved_since) {
        return Err(BridgeError::invalid_input(format!(
            "run {} was not undone: it synced \"{}\" with another GHL location than \"{}\", which it syncs with now",
            run.id, app.name, ghl.name
        )));
    }
    Ok(())
}

/// Queues every dead letter again and syncs every pair, so each is sent once more (with the
/// current values).
pub async fn retry_dead_letters(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    cancel: &AtomicBool,
    progress: Progress<'_>,
) -> Result<Vec<SyncOutcome>, BridgeError> {
    requeue_then_sync(
        store,
        tokens,
        clock,
        SyncRequest::default(),
        cancel,
        progress,
        |store, now| crate::journal::retry_dead(store.conn(), now).map(|_| ()),
    )
    .await
}

/// Under the lease: puts dead letters back in the queue (`requeue`), then syncs what `request`
/// names so they are sent once more. Nothing is synced when the requeue fails.
async fn requeue_then_sync(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: SyncRequest,
    cancel: &AtomicBool,
    progress: Progress<'_>,
    requeue: impl FnOnce(&Store, DateTime<Utc>) -> Result<(), BridgeError>,
) -> Result<Vec<SyncOutcome>, BridgeError> {
    let lease = Lease::take(store, request.trigger.as_str(), request.lease_wait).await?;
    let outcomes = match requeue(store, clock.now()) {
        Ok(()) => locations::sync_locations(
            store,
            tokens,
            clock,
            &request,
            cancel,
            &mut |step: &Step| {
                progress(step.done_before + step.done, step.done_before + step.total)
            },
            &lease,
        )
        .await
        .and_then(SyncReport::into_result),
        Err(e) => Err(e),
    };
    lease.release_after(store, outcomes)
}

/// Queues one dead letter again and syncs its pair only, so it is sent once more (with the
/// current values).
pub async fn retry_dead_letter(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    operation_id: i64,
    cancel: &AtomicBool,
    progress: Progress<'_>,
) -> Result<Vec<SyncOutcome>, BridgeError> {
    let row =
        bridge_store::table::operations::get(store.conn(), operation_id)?.ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no journal operation has the id {operation_id}"),
            )
        })?;
    let pair_id = row
        .op
        .pair_id
        .clone()
        .unwrap_or(row.op.connection_id.clone());
    let pair = connections::get(store.conn(), &pair_id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("journal operation {operation_id} belongs to no pair that still exists"),
        )
    })?;
    let request = SyncRequest {
        pair: Some(pair.name),
        ..SyncRequest::default()
    };
    requeue_then_sync(
        store,
        tokens,
        clock,
        request,
        cancel,
        progress,
        |store, now| crate::journal::retry_dead_one(store.conn(), operation_id, now),
    )
    .await
}

/// The field names the app side of a mapping can use (the live schema, where the app has one).
pub async fn app_fields(
    tokens: Arc<dyn TokenStore>,
    app: &ConnectionRow,
) -> Result<Vec<String>, BridgeError> {
    // Fields are read without signing in again: the clock only dates a token refresh.
    app_side(app, tokens, Arc::new(bridge_core::SystemClock))?
        .fields()
        .await
}

/// The mapping in use: the stored one, or the app's default.
pub fn mapping(store: &Store, app: &ConnectionRow) -> Result<Mapping, BridgeError> {
    contact_mapping(store, app)
}

/// Every problem of `mapping` for this pair, each naming its line and field; empty when it can
/// be saved.
pub async fn check_mapping(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    app: &ConnectionRow,
    mapping: &Mapping,
) -> Result<Vec<String>, BridgeError> {
    let ghl = crate::pairs::location_of(store, app)?;
    let app_fields = app_fields(tokens, app).await?.into_iter().collect();
    let mut problems: Vec<String> = mapping
        .validate(&ghl_contact_fields(store, &ghl.id)?, &app_fields)
        .into_iter()
        .map(|p| p.message)
        .collect();
    problems.extend(unwritable_lines(mapping));
    Ok(problems)
}

/// Validates and stores the mapping. The pair's cursors are reset, so the next sync reads the
/// app's records again and plans every contact under the new lines. Waits for a running sync,
/// which would otherwise move the cursors past the reset.
pub async fn save_mapping(
    store: &Store,
    tokens: Arc<dyn TokenStore>,
    clock: &dyn Clock,
    app: &ConnectionRow,
    mapping: &Mapping,
) -> Result<(), BridgeError> {
    let problems = check_mapping(store, tokens, app, mapping).await?;
    if !problems.is_empty() {
        return Err(BridgeError::invalid_input(format!(
            "the mapping was not saved:\n  {}",
            problems.join("\n  ")
        )));
    }
    let spec = serde_json::to_value(mapping).map_err(|e| BridgeError::internal(e.to_string()))?;
    let lease = Lease::take(store, "mapping", DEFAULT_WAIT).await?;
    let now = clock.now();
    let saved = mappings::save(store.conn(), &app.id, "contact", &spec, now)
        .and_then(|()| cursors::clear(store.conn(), &app.id, crate::pair::APP_CURSOR))
        .and_then(|()| cursors::clear(store.conn(), &app.id, crate::pair::GHL_PLANNED_CURSOR));
    lease.release_after(store, saved)
}
