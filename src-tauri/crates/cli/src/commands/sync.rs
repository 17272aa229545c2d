//! `bridge sync`, `bridge runs`, `bridge dead-letters`: two-way sync of each pair.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use bridge_core::{BridgeError, Clock, ErrorCode, System, SystemClock};
use bridge_store::table::connections::{self, ConnectionRow};
use bridge_store::table::{operations, sync_runs};
use bridge_store::Store;
use bridge_sync::connections::{ghl_client, novi_client};
use bridge_sync::pair::{contact_mapping, resolve_conflict, NoviPair};
use bridge_sync::plan::{Breaker, Side};

use crate::commands::connect::token_store;
use crate::output::{line, print_json};
use crate::Context;

/// The one GHL connection every app is paired with (`--ghl NAME` picks one of several).
pub fn hub(store: &Store, name: Option<&str>) -> Result<ConnectionRow, BridgeError> {
    let ghl: Vec<ConnectionRow> = connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Ghl && name.is_none_or(|n| c.name == n))
        .collect();
    match ghl.len() {
        1 => Ok(ghl.into_iter().next().unwrap_or_else(|| unreachable!())),
        0 => Err(BridgeError::new(
            ErrorCode::NotFound,
            "no GHL connection: add one with `bridge connect ghl`",
        )),
        _ => Err(BridgeError::invalid_input(
            "several GHL connections: name one with --ghl NAME",
        )),
    }
}

pub struct SyncOptions {
    pub dry_run: bool,
    pub json: bool,
    pub pair: Option<String>,
    pub ghl: Option<String>,
    /// Percent of a pair's records one sync may overwrite on a side.
    pub max_overwrite: f64,
}

pub async fn sync(context: &Context, options: SyncOptions) -> Result<(), BridgeError> {
    let SyncOptions {
        dry_run,
        json,
        pair,
        ghl: ghl_name,
        max_overwrite,
    } = options;
    if !(0.0..=100.0).contains(&max_overwrite) {
        return Err(BridgeError::invalid_input(format!(
            "--max-overwrite {max_overwrite}: must be a percentage from 0 to 100"
        )));
    }
    let mut store = Store::open(&context.db_path)?;
    let tokens = token_store(context);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ghl_connection = hub(&store, ghl_name.as_deref())?;
    let apps: Vec<ConnectionRow> = connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Novi && pair.as_deref().is_none_or(|p| c.name == p))
        .collect();
    if apps.is_empty() {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            "nothing to sync: connect an app with `bridge connect novi` (Novi AMS pairs sync contacts today)",
        ));
    }
    let ghl = ghl_client(&ghl_connection, tokens.clone(), clock.clone())?;
    let mut outcomes = Vec::new();
    for app_connection in &apps {
        let started = Instant::now();
        let novi = novi_client(app_connection, tokens.clone())?;
        let mapping = contact_mapping(&store, &app_connection.id)?;
        let pair = NoviPair {
            ghl_connection: &ghl_connection,
            app_connection,
            ghl: &ghl,
            novi: &novi,
            mapping: &mapping,
            breaker: Breaker {
                max_overwrite_share: max_overwrite / 100.0,
                ..Breaker::default()
            },
        };
        let cancel = AtomicBool::new(false);
        let outcome = pair
            .sync(&mut store, clock.as_ref(), dry_run, &cancel, &mut |_, _| {})
            .await?;
        if !json {
            summary(
                &ghl_connection.name,
                &app_connection.name,
                &outcome,
                started.elapsed(),
            )?;
        }
        outcomes.push(outcome);
    }
    if json {
        print_json(&outcomes)?;
    }
    Ok(())
}

fn summary(
    ghl: &str,
    app: &str,
    outcome: &bridge_sync::pair::SyncOutcome,
    took: std::time::Duration,
) -> Result<(), BridgeError> {
    line(&format!(
        "{ghl} ↔ {app}{}",
        if outcome.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    ))?;
    let mut by_kind = std::collections::BTreeMap::<String, u64>::new();
    for op in &outcome.plan.operations {
        let key = format!("{:?} {:?}", op.target, op.action).to_lowercase();
        *by_kind.entry(key).or_default() += 1;
    }
    if by_kind.is_empty() {
        line("  plan: nothing to change")?;
    }
    for (kind, count) in by_kind {
        line(&format!("  plan: {count} × {kind}"))?;
    }
    if !outcome.plan.conflicts.is_empty() {
        line(&format!(
            "  conflicts left for review: {}",
            outcome.plan.conflicts.len()
        ))?;
    }
    if let Some(applied) = &outcome.applied {
        line(&format!(
            "  applied: {} done, {} already done, {} unconfirmed, {} dead letters",
            applied.done, applied.already_done, applied.unconfirmed, applied.dead
        ))?;
    }
    line(&format!(
        "  requests: {} to GHL, {} to the app; 429s met: {}; {:.1} s",
        outcome.ghl_requests,
        outcome.app_requests,
        outcome.rate_limited,
        took.as_secs_f64()
    ))
}

pub async fn undo(context: &Context, run_id: &str, json: bool) -> Result<(), BridgeError> {
    let mut store = Store::open(&context.db_path)?;
    let tokens = token_store(context);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ghl_connection = hub(&store, None)?;
    let ghl = ghl_client(&ghl_connection, tokens.clone(), clock.clone())?;
    let run = sync_runs::get(store.conn(), run_id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("no sync run has the id {run_id}"),
        )
    })?;
    let pair_id = run.summary["pair"].as_str().unwrap_or_default().to_string();
    let mut total = bridge_sync::pair::UndoReport::default();
    for app_connection in connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Novi && c.id == pair_id)
    {
        let novi = novi_client(&app_connection, tokens.clone())?;
        let mapping = contact_mapping(&store, &app_connection.id)?;
        let pair = NoviPair {
            ghl_connection: &ghl_connection,
            app_connection: &app_connection,
            ghl: &ghl,
            novi: &novi,
            mapping: &mapping,
            breaker: Breaker::default(),
        };
        let report = pair.undo(&mut store, run_id, clock.as_ref()).await?;
        total.restored += report.restored;
        total.created_kept += report.created_kept;
    }
    if json {
        return print_json(&total);
    }
    line(&format!(
        "Restored {} records the run overwrote; {} records it created were kept. The next sync carries the restored values to the other side.",
        total.restored, total.created_kept
    ))
}

pub fn runs(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let runs = sync_runs::recent(store.conn(), 50)?;
    if json {
        return print_json(&runs);
    }
    for run in runs {
        line(&format!(
            "{}  {}  {:<9} {} requests, {} × 429  {}",
            run.started_at, run.id, run.status, run.requests_spent, run.rate_limited, run.summary
        ))?;
    }
    Ok(())
}

/// Queues every dead letter again and syncs, so each is sent once more (with current values).
pub async fn retry_dead_letters(context: &Context, json: bool) -> Result<(), BridgeError> {
    let requeued = {
        let store = Store::open(&context.db_path)?;
        operations::retry_dead(store.conn(), SystemClock.now())?
    };
    if !json {
        line(&format!("{requeued} dead letters queued again."))?;
    }
    sync(
        context,
        SyncOptions {
            dry_run: false,
            json,
            pair: None,
            ghl: None,
            max_overwrite: 20.0,
        },
    )
    .await?;
    let store = Store::open(&context.db_path)?;
    let left = operations::dead_letters(store.conn())?.len();
    if !json {
        line(&format!("{left} dead letters left."))?;
    }
    Ok(())
}

pub fn conflicts(
    context: &Context,
    json: bool,
    resolve: Option<i64>,
    keep: Option<&str>,
) -> Result<(), BridgeError> {
    let mut store = Store::open(&context.db_path)?;
    if let (Some(id), Some(keep)) = (resolve, keep) {
        let side = if keep == "ghl" { Side::Ghl } else { Side::App };
        resolve_conflict(&mut store, id, side, &SystemClock)?;
        return line(&format!(
            "Conflict {id} settled: the next sync writes {}'s value to the other side.",
            if keep == "ghl" { "GHL" } else { "the app" }
        ));
    }
    let open = bridge_store::table::conflicts::list_open(store.conn())?;
    if json {
        return print_json(&open);
    }
    if open.is_empty() {
        return line("No conflicts.");
    }
    for c in open {
        line(&format!(
            "{}  contact {}  {}: GHL {} | app {} (was {})",
            c.id,
            c.contact_id,
            c.field,
            c.ghl_value.as_deref().unwrap_or("(empty)"),
            c.app_value.as_deref().unwrap_or("(empty)"),
            c.base_value.as_deref().unwrap_or("(empty)")
        ))?;
    }
    Ok(())
}

pub fn dead_letters(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let dead = operations::dead_letters(store.conn())?;
    if json {
        return print_json(&dead);
    }
    if dead.is_empty() {
        return line("No dead letters.");
    }
    for op in dead {
        line(&format!(
            "{} {} {} — {}",
            op.op.action,
            op.op.object_kind,
            op.op.remote_id.as_deref().unwrap_or("(new)"),
            op.last_error.as_deref().unwrap_or("")
        ))?;
    }
    Ok(())
}
