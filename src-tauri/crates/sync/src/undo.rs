//! Undo of one sync run, through the journal.
//!
//! For each contact field the run overwrote, the value it replaced is written back, but only
//! where the record still holds what the run wrote (both sides are read just before): a value
//! changed since is someone's newer work, listed as a conflict and left alone. Each restore is
//! a journaled operation of its own (intent: the contact and the undone run), so an undo that
//! dies halfway is finished by the next undo or sync, and a restore is never sent twice. The
//! undo is a run of its own: `bridge runs` lists its operations under it.

use bridge_core::mapping::{Flow, Mapping};
use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::operations::OperationRow;
use bridge_store::table::{contacts, operations, remote_records, sync_runs};
use bridge_store::Store;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::apply::{self, Payload, Targets};
use crate::journal::{self, Intent};
use crate::plan::{Action, FieldChange, Side, Values};

/// What `undo` did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoReport {
    /// The undo's own run.
    pub run_id: String,
    /// Records whose overwritten values were written back.
    pub restored: u64,
    /// Records the run created: left in place (undo restores values, it deletes nothing).
    pub created_kept: u64,
    /// Records the run deleted, as the operator approved: they stay deleted (undo restores
    /// values, it re-creates nothing).
    pub deleted_kept: u64,
    /// Tasks, notes and events the run wrote: left as they are (undo restores contact fields).
    pub activities_kept: u64,
    /// Fields changed since the run: not restored.
    pub conflicts: Vec<UndoConflict>,
    /// Restores not confirmed (sent again by the next undo or sync).
    pub unconfirmed: u64,
}

/// A field the run wrote that holds another value now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoConflict {
    pub contact_id: String,
    /// `ghl` or the app's system.
    pub system: String,
    pub field: String,
    pub written: Value,
    pub now: Value,
}

/// The pair being undone.
pub(crate) struct UndoTarget<'a> {
    pub targets: Targets<'a>,
    pub mapping: &'a Mapping,
    pub trigger: &'a str,
}

/// Undoes run `undone` of the pair.
pub(crate) async fn undo(
    store: &mut Store,
    undone: &str,
    pair: &UndoTarget<'_>,
    clock: &dyn Clock,
) -> Result<UndoReport, BridgeError> {
    if sync_runs::get(store.conn(), undone)?.is_none() {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            format!("no sync run has the id {undone}"),
        ));
    }
    let run_id = sync_runs::start(store.conn(), pair.trigger, false, clock.now())?;
    let result = restore_all(store, &run_id, undone, pair, clock).await;
    let summary = serde_json::json!({
        "pair": pair.targets.app_connection_id,
        "undo": undone,
    });
    sync_runs::finish(
        store.conn(),
        &run_id,
        &sync_runs::RunOutcome {
            status: if result.is_ok() {
                "succeeded"
            } else {
                "failed"
            },
            requests_spent: 0,
            rate_limited: 0,
            summary: &summary,
            error: result.as_ref().err().map(|e| e.message.as_str()),
        },
        clock.now(),
    )?;
    let mut report = result?;
    report.run_id = run_id;
    Ok(report)
}

async fn restore_all(
    store: &mut Store,
    run_id: &str,
    undone: &str,
    pair: &UndoTarget<'_>,
    clock: &dyn Clock,
) -> Result<UndoReport, BridgeError> {
    // Restores an interrupted undo left unfinished are finished first.
    apply::recover(
        store,
        run_id,
        &pair.targets,
        clock,
        &crate::journal::none_wait,
    )
    .await?;
    let mut report = UndoReport::default();
    let written = operations::for_run(store.conn(), undone)?;
    for op in written.iter().rev().filter(|op| op.state == "done") {
        if op.op.object_kind != "contact" {
            report.activities_kept += 1;
            continue;
        }
        match op.op.action.as_str() {
            "update" => {}
            "delete" => {
                report.deleted_kept += 1;
                continue;
            }
            _ => {
                report.created_kept += 1;
                continue;
            }
        }
        restore_one(store, run_id, undone, op, pair, clock, &mut report).await?;
    }
    Ok(report)
}

/// (field, value) pairs as the journal row keeps them.
fn field_values(
    op: &OperationRow,
    text: &Option<String>,
) -> Result<Vec<(String, Value)>, BridgeError> {
    serde_json::from_str(text.as_deref().unwrap_or("[]"))
        .map_err(|e| BridgeError::storage(format!("operation {}: unreadable values: {e}", op.id)))
}

async fn restore_one(
    store: &mut Store,
    run_id: &str,
    undone: &str,
    op: &OperationRow,
    pair: &UndoTarget<'_>,
    clock: &dyn Clock,
    report: &mut UndoReport,
) -> Result<(), BridgeError> {
    let (Some(contact_id), Some(remote_id)) = (&op.op.contact_id, &op.op.remote_id) else {
        return Ok(());
    };
    let targets = &pair.targets;
    let to_ghl = op.op.connection_id == targets.ghl_connection_id;
    let local = format!("{contact_id} undo {undone}");
    let intent = Intent {
        pair: targets.app_connection_id,
        target: &op.op.connection_id,
        kind: "contact",
        local: &local,
        action: "update",
    };
    if journal::state_of(store.conn(), &intent)?.as_deref() == Some("done") {
        report.restored += 1;
        return Ok(());
    }
    let before = field_values(op, &op.op.before_value)?;
    let after = field_values(op, &op.op.after_value)?;
    let now = current_values(store, targets, to_ghl, contact_id, remote_id)?;
    let mut changes = Vec::new();
    for ((field, old), (_, wrote)) in before.iter().zip(&after) {
        let holds = now.get(field).cloned().unwrap_or(Value::Null);
        if holds != *wrote {
            report.conflicts.push(UndoConflict {
                contact_id: contact_id.clone(),
                system: if to_ghl {
                    "ghl".into()
                } else {
                    targets.app_system.as_str().into()
                },
                field: field.clone(),
                written: wrote.clone(),
                now: holds,
            });
            continue;
        }
        changes.push(FieldChange {
            field: field.clone(),
            before: Some(wrote.clone()),
            after: old.clone(),
        });
    }
    if changes.is_empty() {
        return Ok(());
    }
    let payload = Payload {
        target: if to_ghl { Side::Ghl } else { Side::App },
        action: Action::Update,
        local_id: contact_id.clone(),
        remote_id: Some(remote_id.clone()),
        settles: run_result(pair.mapping, to_ghl, &changes),
        changes,
        reason: format!("undo of sync run {undone}"),
    };
    if apply::journal_and_send(store, run_id, &intent, &payload, targets, clock).await? {
        // The restored side now differs from the base (the run's result): the next sync
        // carries the restored value to the other side.
        remote_records::mark_dirty(store.conn(), targets.app_connection_id, contact_id)?;
        report.restored += 1;
    } else {
        report.unconfirmed += 1;
    }
    Ok(())
}

/// What the target holds now, as the read just before the undo stored it.
fn current_values(
    store: &Store,
    targets: &Targets<'_>,
    to_ghl: bool,
    contact_id: &str,
    remote_id: &str,
) -> Result<Values, BridgeError> {
    if to_ghl {
        return Ok(contacts::get(store.conn(), contact_id)?
            .map(|row| crate::pair::ghl_contact_values(&row.contact))
            .unwrap_or_default());
    }
    Ok(remote_records::get(
        store.conn(),
        targets.app_connection_id,
        "contact",
        remote_id,
    )?
    .map(|record| record.values.into_iter().collect())
    .unwrap_or_default())
}

/// The run's result in the app's terms: the base the restored values differ from.
fn run_result(mapping: &Mapping, to_ghl: bool, changes: &[FieldChange]) -> Values {
    let mut settled = Map::new();
    for change in changes {
        let wrote = change.before.clone().unwrap_or(Value::Null);
        if !to_ghl {
            settled.insert(change.field.clone(), wrote);
            continue;
        }
        if let Some(line) = mapping.fields.iter().find(|l| l.ghl == change.field) {
            let app_value = bridge_core::mapping::apply(&line.transforms, &wrote, Flow::GhlToApp)
                .unwrap_or_else(|_| wrote.clone());
            settled.insert(line.app.clone(), app_value);
        }
    }
    settled.into_iter().collect()
}
