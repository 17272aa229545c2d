//! `bridge sync`, `bridge runs`, `bridge dead-letters`: two-way sync of each pair.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use bridge_core::{BridgeError, Clock, SystemClock};
use bridge_sync::pair::resolve_conflict;
use bridge_sync::plan::Side;
use bridge_sync::service::{self, Store, SyncRequest};

use crate::commands::connect::token_store;
use crate::output::{line, print_json};
use crate::Context;

pub struct SyncOptions {
    pub dry_run: bool,
    pub json: bool,
    pub pair: Option<String>,
    pub ghl: Option<String>,
    /// How many locations sync at once.
    pub parallel: usize,
    /// Percent of a pair's records one sync may overwrite on a side; `None`: the window's
    /// setting.
    pub max_overwrite: Option<f64>,
    /// How long to wait for another sync of the database to end.
    pub wait: std::time::Duration,
}

pub async fn sync(context: &Context, options: SyncOptions) -> Result<(), BridgeError> {
    let max_overwrite = match options.max_overwrite {
        Some(percent) if !(0.0..=100.0).contains(&percent) => {
            return Err(BridgeError::invalid_input(format!(
                "--max-overwrite {percent}: must be a percentage from 0 to 100"
            )));
        }
        Some(percent) => percent,
        None => bridge_sync::settings::read(&context.data_dir())?.max_overwrite_percent,
    };
    let mut store = Store::open(&context.db_path)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let request = SyncRequest {
        dry_run: options.dry_run,
        pair: options.pair,
        ghl: options.ghl.clone(),
        parallel: options.parallel,
        max_overwrite_share: max_overwrite / 100.0,
        lease_wait: options.wait,
        ..SyncRequest::default()
    };
    let mut report = service::sync_report(
        &mut store,
        token_store(context),
        clock,
        &request,
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .await?;
    if !options.dry_run {
        prune_quietly(context, &mut store);
    }
    if options.json {
        print_json(&report.outcomes)?;
    } else {
        for outcome in &report.outcomes {
            summary(&outcome.ghl_name, outcome)?;
        }
    }
    // Each failed pair is named with its location; the exit status says that one failed.
    let pairs = report.outcomes.len() + report.failures.len();
    if report.failures.is_empty() {
        return Ok(());
    }
    if pairs == 1 {
        // The one pair's error as it is (its code tells the caller what to do).
        return Err(report.failures.remove(0).error);
    }
    for failure in &report.failures {
        eprintln!(
            "failed: {}{}: {}",
            if failure.ghl.is_empty() {
                String::new()
            } else {
                format!("{} ↔ ", failure.ghl)
            },
            failure.pair,
            failure.error.message
        );
    }
    Err(report.error(pairs))
}

/// `bridge prune`: the retention policy, now.
pub fn prune(context: &Context, json: bool) -> Result<(), BridgeError> {
    let retention = bridge_sync::settings::retention(&context.data_dir())?;
    let mut store = Store::open(&context.db_path)?;
    let report = bridge_sync::retention::prune(&mut store, &retention, SystemClock.now())?;
    if json {
        return print_json(&report);
    }
    line(&format!(
        "Deleted {} finished journal rows (older than {} days) and {} timeline events (recorded more than {} days ago).",
        report.operations,
        retention.keep_done_operations_days,
        report.timeline_events,
        retention.keep_timeline_days
    ))
}

/// After a sync: the retention policy. A failure is logged, never the sync's.
fn prune_quietly(context: &Context, store: &mut Store) {
    let pruned = bridge_sync::settings::retention(&context.data_dir())
        .and_then(|retention| bridge_sync::retention::prune(store, &retention, SystemClock.now()));
    match pruned {
        Ok(report) => tracing::debug!(?report, "retention applied"),
        Err(e) => tracing::warn!("the retention policy was not applied: {}", e.message),
    }
}

fn summary(ghl: &str, outcome: &bridge_sync::pair::SyncOutcome) -> Result<(), BridgeError> {
    let app = &outcome.pair_name;
    line(&format!(
        "{ghl} ↔ {app}{}",
        if outcome.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    ))?;
    // The plan's exact counts (a large plan is never held whole; `--json` shows its first
    // operations and these counts).
    use bridge_sync::plan::{Action, Side};
    let planned = &outcome.planned;
    if planned.operations() == 0 {
        line("  plan: nothing to change")?;
    }
    for (side, action) in [
        (Side::App, Action::Create),
        (Side::App, Action::Update),
        (Side::Ghl, Action::Create),
        (Side::Ghl, Action::Update),
    ] {
        let count = planned.of(side, action);
        if count > 0 {
            let kind = format!("{side:?} {action:?}").to_lowercase();
            line(&format!("  plan: {count} × {kind}"))?;
        }
    }
    let mut children = std::collections::BTreeMap::<String, u64>::new();
    for op in &outcome.children {
        let mut key =
            format!("{:?} {:?} {}", op.target, op.action, op.kind.as_str()).to_lowercase();
        if let Some(rule) = op.rule {
            key.push_str(&format!(" by rule: {}", rule.label()));
        }
        *children.entry(key).or_default() += 1;
    }
    for (kind, count) in children {
        line(&format!("  tasks and notes: {count} × {kind}"))?;
    }
    if !outcome.pushes.is_empty() {
        line(&format!(
            "  GHL activities to send as events: {}",
            outcome.pushes.len()
        ))?;
    }
    if let Some(applied) = &outcome.pushes_applied {
        line(&format!(
            "  events sent: {} done, {} unconfirmed, {} dead letters",
            applied.done, applied.unconfirmed, applied.dead
        ))?;
    }
    if let Some(applied) = &outcome.children_applied {
        line(&format!(
            "  tasks and notes applied: {} done, {} already done, {} unconfirmed, {} dead letters",
            applied.done, applied.already_done, applied.unconfirmed, applied.dead
        ))?;
    }
    for refused in &outcome.refused {
        line(&format!("  refused: {refused}"))?;
    }
    for waiting in &outcome.waiting {
        line(&format!("  waiting: {waiting}"))?;
    }
    if outcome.not_in_ghl > 0 {
        line(&format!(
            "  not in GHL: {} {} records name no GHL contact (left as they are)",
            outcome.not_in_ghl,
            outcome.app_system.display_name()
        ))?;
    }
    if let Some(labels) = &outcome.labels {
        line(&format!(
            "  {} ↔ tags: {} tags added and {} removed in GHL, {} added and {} removed in {}, {} dead letters",
            if outcome.app_system == bridge_core::System::Novi { "committees" } else { "labels" },
            labels.tags_added_in_ghl,
            labels.tags_removed_in_ghl,
            labels.added_in_app,
            labels.removed_in_app,
            outcome.app_system.display_name(),
            labels.dead
        ))?;
    }
    if let Some(deletes) = outcome.contact_deletes {
        contact_deletes(&deletes)?;
    }
    if !outcome.plan.problems.is_empty() {
        line(&format!(
            "  values that cannot be synced: {} (listed by `bridge problems`; those fields wait, the rest synced)",
            outcome.plan.problems.len()
        ))?;
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
        outcome.duration_ms as f64 / 1000.0
    ))
}

/// The approved contact deletes the sync carried; nothing when it had none to carry (most
/// syncs), so the line appears only when a delete the operator approved was acted on.
fn contact_deletes(deletes: &bridge_sync::contact_deletes::CarryReport) -> Result<(), BridgeError> {
    if *deletes == Default::default() {
        return Ok(());
    }
    line(&format!(
        "  approved contact deletes: {} carried, {} already gone, {} unconfirmed (sent again by the next sync), {} dead letters, {} withdrawn (no longer true)",
        deletes.carried, deletes.already_gone, deletes.unconfirmed, deletes.dead, deletes.withdrawn
    ))
}

pub async fn undo(context: &Context, run_id: &str, json: bool) -> Result<(), BridgeError> {
    let mut store = Store::open(&context.db_path)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let total = service::undo(&mut store, token_store(context), clock, run_id).await?;
    if json {
        return print_json(&total);
    }
    let deleted = match total.deleted_kept {
        0 => String::new(),
        n => format!(" {n} records it deleted (as approved) stay deleted."),
    };
    line(&format!(
        "Restored {} records the run overwrote; {} records it created and {} tasks, notes or events it wrote were kept.{deleted} The next sync carries the restored values to the other side.",
        total.restored, total.created_kept, total.activities_kept
    ))?;
    for conflict in &total.conflicts {
        line(&format!(
            "  not restored: {} of contact {} in {} holds {} now (the run wrote {})",
            conflict.field, conflict.contact_id, conflict.system, conflict.now, conflict.written
        ))?;
    }
    if total.unconfirmed > 0 {
        line(&format!(
            "  {} restores not confirmed: the next undo or sync sends them again.",
            total.unconfirmed
        ))?;
    }
    Ok(())
}

pub fn runs(context: &Context, json: bool) -> Result<(), BridgeError> {
    let store = Store::open(&context.db_path)?;
    let runs = service::recent_runs(&store, 50)?;
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
    let mut store = Store::open(&context.db_path)?;
    let dead = service::dead_letters(&store)?.len();
    // Queued again and synced under one lease, so no other sync sees them half-way.
    let outcomes = service::retry_dead_letters(
        &mut store,
        token_store(context),
        Arc::new(SystemClock),
        &AtomicBool::new(false),
        &mut |_, _| {},
    )
    .await?;
    if json {
        return print_json(&outcomes);
    }
    line(&format!("{dead} dead letters queued again."))?;
    for outcome in &outcomes {
        summary(&outcome.ghl_name, outcome)?;
    }
    let left = service::dead_letters(&store)?.len();
    line(&format!("{left} dead letters left."))
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
    let open = service::open_conflicts(&store)?;
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
    let dead = service::dead_letters(&store)?;
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

pub fn reviews(
    context: &Context,
    json: bool,
    resolve: Option<(i64, service::ReviewResolution)>,
) -> Result<(), BridgeError> {
    let mut store = Store::open(&context.db_path)?;
    if let Some((id, decision)) = resolve {
        let review = service::resolve_review(&mut store, id, &decision, &SystemClock)?;
        return line(&match decision {
            service::ReviewResolution::Link { contact } => format!(
                "Review {id} settled: record {} is linked to {contact}; the next sync syncs them.",
                review.remote_id
            ),
            service::ReviewResolution::Create => format!(
                "Review {id} settled: record {} becomes a contact of its own, created in GHL by the next sync.",
                review.remote_id
            ),
            service::ReviewResolution::Ignore => format!(
                "Review {id} settled: {} {} is left as it is.",
                review.object_kind, review.remote_id
            ),
        });
    }
    let open = service::open_reviews(&store)?;
    if json {
        return print_json(&open);
    }
    if open.is_empty() {
        return line("No reviews waiting.");
    }
    for review in open {
        let candidates = if review.candidates.is_empty() {
            String::new()
        } else {
            format!(" (candidates: {})", review.candidates.join(", "))
        };
        line(&format!(
            "{}  {}  {} {}: {}{candidates}",
            review.id, review.reason, review.object_kind, review.remote_id, review.summary,
        ))?;
    }
    Ok(())
}
