//! What the Sync page is sent: the plan and the result, per pair and per app and kind of write,
//! counted the same way (see `bridge_sync::service::breakdown`).

use bridge_core::{BridgeError, System};
use bridge_sync::pair::SyncOutcome;
use bridge_sync::plan::{Action, Side};
use bridge_sync::preview::display;
use bridge_sync::service::{self, contact_name, KindLine, Store};
use serde::Serialize;
use specta::Type;

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

/// One kind of write to one app: planned, and (after an apply) what happened to each.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KindView {
    /// ghl, or the app's system.
    pub system: String,
    /// contacts, tags, tasks, notes, appointments, events, labels, deletes.
    pub kind: String,
    pub creates: u32,
    pub planned: u32,
    pub written: u32,
    pub failed: u32,
    /// Planned and not sent (cancelled, held back, or waiting for approval).
    pub skipped: u32,
    /// Written by this run without being in its plan (earlier runs' unfinished writes, labels).
    pub unplanned: u32,
}

/// One pair's sync: its plan by app and kind, and what applying it did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PairOutcome {
    pub run_id: String,
    pub pair_name: String,
    pub app_system: System,
    pub app_system_name: String,
    pub dry_run: bool,
    pub cancelled: bool,
    pub duration_ms: u32,
    pub contacts_pulled: u32,
    pub app_records_pulled: u32,
    /// Every kind of write per app; the same lines before and after the apply.
    pub breakdown: Vec<KindView>,
    /// The contact writes, each with its field changes (tasks and notes are counted above).
    pub operations: Vec<PlannedOperation>,
    pub conflicts: Vec<PlannedConflict>,
    pub ghl_requests: u32,
    pub app_requests: u32,
    pub rate_limited: u32,
}

/// A preview: the plan id apply names, and the plan.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    pub plan_id: String,
    pub pairs: Vec<PairOutcome>,
}

/// What Apply did: wrote the plan, or found that it changed since the preview.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApplyView {
    /// `applied`, or `changed`: nothing written; `plan` is the new preview.
    pub status: String,
    /// Writes in the preview or the fresh plan but not both.
    pub differ: u32,
    /// Applied: each pair's result. Changed: empty.
    pub pairs: Vec<PairOutcome>,
    /// Changed: the fresh plan, previewed under a new id.
    pub plan: Option<PlanView>,
    /// Applied: writes made that the preview did not hold (see the module comment).
    pub not_in_preview: u32,
}

pub(super) fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn kind_view(line: &KindLine) -> KindView {
    KindView {
        system: line.system.clone(),
        kind: line.kind.clone(),
        creates: count(line.creates),
        planned: count(line.planned),
        written: count(line.written),
        failed: count(line.failed),
        skipped: count(line.skipped),
        unplanned: count(line.unplanned),
    }
}

/// The deletes of a pair waiting for the operator's approval, as a breakdown line (nothing is
/// written until approved: all skipped).
fn deletes_line(store: &Store, pair_name: &str) -> Option<KindView> {
    let waiting = bridge_sync::deletes::list(store)
        .ok()?
        .into_iter()
        .filter(|d| d.pair_name == pair_name && d.delete.state == "waiting")
        .count() as u64;
    (waiting > 0).then(|| KindView {
        system: "any".into(),
        kind: "deletes".into(),
        creates: 0,
        planned: count(waiting),
        written: 0,
        failed: 0,
        skipped: count(waiting),
        unplanned: 0,
    })
}

pub(super) fn outcome_view(
    store: &Store,
    outcome: &SyncOutcome,
) -> Result<PairOutcome, BridgeError> {
    let app_system = outcome.app_system.as_str().to_string();
    let mut breakdown: Vec<KindView> = service::breakdown(store, outcome)?
        .iter()
        .map(kind_view)
        .collect();
    breakdown.extend(deletes_line(store, &outcome.pair_name));
    Ok(PairOutcome {
        run_id: outcome.run_id.clone(),
        pair_name: outcome.pair_name.clone(),
        app_system: outcome.app_system,
        app_system_name: outcome.app_system.display_name().to_string(),
        dry_run: outcome.dry_run,
        cancelled: outcome.applied.is_some_and(|a| a.cancelled)
            || outcome.children_applied.is_some_and(|a| a.cancelled)
            || outcome.pushes_applied.is_some_and(|a| a.cancelled),
        duration_ms: count(outcome.duration_ms),
        contacts_pulled: count(outcome.ghl_pull.contacts_changed),
        app_records_pulled: count(outcome.app_records_pulled),
        breakdown,
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
        ghl_requests: count(outcome.ghl_requests),
        app_requests: count(outcome.app_requests),
        rate_limited: count(outcome.rate_limited),
    })
}
