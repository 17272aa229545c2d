//! Apply: a plan's contact writes, sent through the [`crate::journal`] so nothing is lost or
//! written twice.
//!
//! 1. Every operation is journaled first under its intent (pair, target, contact, action),
//!    its payload in the row.
//! 2. Before planning, [`recover`] resolves the pair's unfinished contact writes by id: a
//!    create whose answer was lost is looked up by its match keys (never changing the
//!    record) and, when found, finished as an update of that record; other writes are sent
//!    again from their payload. The planner never sees a half-made record as new.
//! 3. The answer is stored in one transaction: the link to the remote id, the agreed base
//!    values, the mirror, the timeline event and the `done` mark.
//! 4. A failure is classified by the journal: transient → `failed` (the next sync sends it
//!    again), a connection needing authorization → its work stops, a refusal → dead letter
//!    naming the system, the record and the remote's own message.

use std::sync::atomic::{AtomicBool, Ordering};

use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::table::operations::{self, OperationRow};
use bridge_store::Store;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::journal::{self, Entry, Failure, Intent, Journaled};
use crate::plan::{Action, FieldChange, Operation, Plan, Side, Values};

/// One side's records, as apply writes them. Values are in that side's field names.
pub trait RecordWriter: Send + Sync {
    /// How operators know the system ("GHL", "Novi AMS"), for messages and the timeline.
    fn system(&self) -> &str;
    /// Creates a record and returns its remote id.
    fn create<'a>(&'a self, values: &'a Values) -> BoxFuture<'a, Result<String, BridgeError>>;
    fn update<'a>(
        &'a self,
        remote_id: &'a str,
        changes: &'a Values,
    ) -> BoxFuture<'a, Result<(), BridgeError>>;
    /// After a create whose answer was lost: the record it made, if it made one (found by the
    /// values' match keys). Reads only.
    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>>;
}

/// The two sides of the pair being applied.
pub struct Targets<'a> {
    pub ghl: &'a dyn RecordWriter,
    pub ghl_connection_id: &'a str,
    pub app: &'a dyn RecordWriter,
    pub app_connection_id: &'a str,
    /// The app's system, as the timeline names it.
    pub app_system: bridge_core::System,
}

impl Targets<'_> {
    fn connection_id(&self, side: Side) -> &str {
        match side {
            Side::Ghl => self.ghl_connection_id,
            Side::App => self.app_connection_id,
        }
    }

    fn writer(&self, side: Side) -> &dyn RecordWriter {
        match side {
            Side::Ghl => self.ghl,
            Side::App => self.app,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    pub done: u64,
    /// Unfinished writes of an earlier, interrupted run, finished before planning.
    pub already_done: u64,
    /// Not confirmed (no answer, 5xx, 429 after retries): `failed`, sent again by the next
    /// sync.
    pub unconfirmed: u64,
    pub dead: u64,
    pub cancelled: bool,
}

/// Progress after each operation: (finished, total).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

/// What the journal keeps of a contact write: enough to send it again by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Payload {
    pub target: Side,
    pub action: Action,
    pub local_id: String,
    pub remote_id: Option<String>,
    pub changes: Vec<FieldChange>,
    pub reason: String,
    pub settles: Values,
}

impl Payload {
    fn of(op: &Operation) -> Self {
        Self {
            target: op.target,
            action: op.action,
            local_id: op.local_id.clone(),
            remote_id: op.remote_id.clone(),
            changes: op.changes.clone(),
            reason: op.reason.clone(),
            settles: op.settles.clone(),
        }
    }

    fn values(&self) -> Values {
        self.changes
            .iter()
            .map(|change| (change.field.clone(), change.after.clone()))
            .collect()
    }
}

/// Whether a journaled contact write carries one of `fields` (in its target's names).
pub(crate) fn writes_any(row: &OperationRow, fields: &[String]) -> bool {
    journal::payload::<Payload>(row)
        .is_ok_and(|p| p.changes.iter().any(|c| fields.contains(&c.field)))
}

/// The intent of a contact write.
pub(crate) fn intent<'a>(targets: &'a Targets<'_>, op: &'a Operation) -> Intent<'a> {
    Intent {
        pair: targets.app_connection_id,
        target: targets.connection_id(op.target),
        kind: "contact",
        local: &op.local_id,
        action: action_name(op.action),
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
    }
}

/// Leaves out of the plan each field value the target refused for good (the newest write of
/// the same intent is a dead letter carrying that field with that value): sending it again
/// would meet the same refusal, one more dead letter per sync. The field waits, its base kept,
/// until its value changes or the operator retries the dead letter; the record's other fields
/// go on.
pub(crate) fn hold_back_refused(
    store: &bridge_store::Connection,
    targets: &Targets<'_>,
    mapping: &bridge_core::mapping::Mapping,
    plan: &mut Plan,
) -> Result<(), BridgeError> {
    let mut kept = Vec::with_capacity(plan.operations.len());
    for mut op in std::mem::take(&mut plan.operations) {
        let refused = match operations::latest_by_intent(store, &intent(targets, &op).key())? {
            Some(row) if row.state == "dead" => journal::payload::<Payload>(&row)
                .map(|dead| dead.changes)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        op.changes.retain(|change| {
            let held = refused
                .iter()
                .any(|r| r.field == change.field && r.after == change.after);
            if held {
                // The field in app terms (a GHL write names GHL's field).
                let app_field = match op.target {
                    Side::App => Some(change.field.clone()),
                    Side::Ghl => mapping
                        .fields
                        .iter()
                        .find(|l| l.ghl == change.field)
                        .map(|l| l.app.clone()),
                };
                if let Some(field) = app_field {
                    op.settles.remove(&field);
                    plan.held_back
                        .entry(op.local_id.clone())
                        .or_default()
                        .insert(field);
                }
            }
            !held
        });
        if !op.changes.is_empty() {
            kept.push(op);
        }
    }
    plan.operations = kept;
    Ok(())
}

/// The state of the newest journaled write of `op`'s intent.
pub(crate) fn state_of(
    store: &bridge_store::Connection,
    targets: &Targets<'_>,
    op: &Operation,
) -> Result<Option<String>, BridgeError> {
    journal::state_of(store, &intent(targets, op))
}

/// Resolves the pair's unfinished contact writes by id, before anything is planned; those
/// `waits` holds (a refused capability's) are left as they are.
pub async fn recover(
    store: &mut Store,
    run_id: &str,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    waits: journal::Waits<'_>,
) -> Result<ApplyReport, BridgeError> {
    let mut report = ApplyReport::default();
    let open = journal::open_for_pair(
        store.conn(),
        targets.app_connection_id,
        &["contact"],
        waits,
        clock.now(),
    )?;
    for row in open {
        let mut op = Journaled::from(&row);
        let payload: Payload = journal::payload(&row)?;
        let before = report.done;
        send(
            store,
            run_id,
            &payload,
            &mut op,
            targets,
            clock,
            &mut report,
        )
        .await?;
        if report.done > before {
            report.done -= 1;
            report.already_done += 1;
        }
    }
    Ok(report)
}

pub async fn apply(
    store: &mut Store,
    run_id: &str,
    plan: &Plan,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<ApplyReport, BridgeError> {
    let now = clock.now();
    let mut journaled = store.with_tx(|tx| {
        plan.operations
            .iter()
            .map(|op| journal::record(tx, run_id, &intent(targets, op), journal_entry(op)?, now))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let total = plan.operations.len() as u64;
    let mut report = ApplyReport::default();
    for (finished, (op, journaled)) in plan.operations.iter().zip(&mut journaled).enumerate() {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        let payload = Payload::of(op);
        send(
            store,
            run_id,
            &payload,
            journaled,
            targets,
            clock,
            &mut report,
        )
        .await?;
        progress(finished as u64 + 1, total);
    }
    Ok(report)
}

/// Sends one write and records how it ended. A create that may already have happened is
/// looked up first, and a found record is updated instead of created again. Stops (an error)
/// when the target's connection must be authorized again.
async fn send(
    store: &mut Store,
    run_id: &str,
    payload: &Payload,
    op: &mut Journaled,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let writer = targets.writer(payload.target);
    let values = payload.values();
    let may_exist = op.may_exist();
    journal::begin(store.conn(), op, run_id, clock.now())?;
    let outcome = match (payload.action, &payload.remote_id) {
        (Action::Create, _) => {
            create_or_resume(store.conn(), op, writer, &values, may_exist, clock).await
        }
        (Action::Update, Some(remote_id)) => writer.update(remote_id, &values).await.map(|()| None),
        (Action::Update, None) => Err(BridgeError::internal("an update without a remote id")),
    };
    // A link that would re-point another record's is refused by the store: the operation
    // becomes a dead letter naming both records, and the run goes on.
    let outcome = match outcome {
        Ok(created) => {
            match finish(
                store,
                run_id,
                payload,
                op,
                created.as_deref(),
                targets,
                clock,
            ) {
                Ok(()) => Ok(()),
                Err(e) if e.code == ErrorCode::Conflict => Err(e),
                Err(e) => return Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            report.done += 1;
            Ok(())
        }
        Err(e) => {
            let message = format!(
                "{} {} of contact {}: {}",
                writer.system(),
                action_name(payload.action),
                payload.remote_id.as_deref().unwrap_or(&payload.local_id),
                e.message
            );
            match journal::fail(store.conn(), op, run_id, &e, &message, clock.now())? {
                Failure::Retry => report.unconfirmed += 1,
                Failure::Refused => report.dead += 1,
                Failure::Reconnect => {
                    let target = targets.connection_id(payload.target);
                    return Err(reconnect(
                        store.conn(),
                        target,
                        writer.system(),
                        &e,
                        clock.now(),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// A create, or the update of the record an earlier attempt made (its id stored in the
/// journal, or found by the values' match keys).
async fn create_or_resume(
    conn: &bridge_store::Connection,
    op: &mut Journaled,
    writer: &dyn RecordWriter,
    values: &Values,
    may_exist: bool,
    clock: &dyn Clock,
) -> Result<Option<String>, BridgeError> {
    let known = match &op.remote_id {
        Some(id) => Some(id.clone()),
        None if may_exist => writer.find_created(values).await?,
        None => None,
    };
    match known {
        Some(id) => {
            writer.update(&id, values).await?;
            Ok(Some(id))
        }
        None => {
            let id = writer.create(values).await?;
            journal::created(conn, op, &id, clock.now())?;
            Ok(Some(id))
        }
    }
}

/// Journals one write outside a plan (an undo's restore) under `intent` and sends it. True
/// when it is done.
pub(crate) async fn journal_and_send(
    store: &mut Store,
    run_id: &str,
    intent: &Intent<'_>,
    payload: &Payload,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<bool, BridgeError> {
    let entry = Entry {
        contact_id: Some(payload.local_id.clone()),
        remote_id: payload.remote_id.clone(),
        before: Some(journal::json(
            &payload
                .changes
                .iter()
                .map(|c| (&c.field, &c.before))
                .collect::<Vec<_>>(),
        )?),
        after: Some(journal::json(
            &payload
                .changes
                .iter()
                .map(|c| (&c.field, &c.after))
                .collect::<Vec<_>>(),
        )?),
        reason: payload.reason.clone(),
        payload: journal::json(payload)?,
    };
    let mut op = journal::record(store.conn(), run_id, intent, entry, clock.now())?;
    let mut report = ApplyReport::default();
    send(store, run_id, payload, &mut op, targets, clock, &mut report).await?;
    Ok(report.done == 1)
}

mod settle;
#[cfg(test)]
mod tests;

use settle::{finish, journal_entry};
pub(crate) use settle::{reconnect, reconnected};
