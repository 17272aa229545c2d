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
use bridge_store::table::operations::OperationRow;
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
    /// The whole record as the remote answered the write of `remote_id`, for remotes that
    /// answer so (GHL): stored as read, the next pull finds it unchanged. Taken once.
    fn answer(&self, _remote_id: &str) -> Option<bridge_core::Contact> {
        None
    }
    /// Records one request may write (apps that take arrays of records); 1: each alone.
    fn batch(&self) -> usize {
        1
    }
    /// The most one batch's values may weigh as JSON (apps capping a request's body).
    fn batch_bytes(&self) -> usize {
        usize::MAX
    }
    /// Creates these records in one request (only called when [`Self::batch`] > 1): each
    /// record's new id in order, or why that record alone was refused before anything was sent.
    /// An error is the whole request's.
    fn create_many<'a>(&'a self, _values: &'a [Values]) -> BoxFuture<'a, BatchAnswer<String>> {
        Box::pin(async {
            Err(BridgeError::internal(
                "this writer writes one record at a time",
            ))
        })
    }
    /// Updates these records (remote id, changes) in one request, as [`Self::create_many`].
    fn update_many<'a>(
        &'a self,
        _records: &'a [(&'a str, Values)],
    ) -> BoxFuture<'a, BatchAnswer<()>> {
        Box::pin(async {
            Err(BridgeError::internal(
                "this writer writes one record at a time",
            ))
        })
    }
    /// [`Self::find_created`] for several lost creates (a batch whose answer was lost): by
    /// default one lookup each; a remote that can only scan for them finds them all in one.
    fn find_created_many<'a>(
        &'a self,
        values: &'a [Values],
    ) -> BoxFuture<'a, Result<Vec<Option<String>>, BridgeError>> {
        Box::pin(async move {
            let mut found = Vec::with_capacity(values.len());
            for v in values {
                found.push(self.find_created(v).await?);
            }
            Ok(found)
        })
    }
    /// After a create whose answer was lost: the record it made, if it made one (found by the
    /// values' match keys). Reads only.
    fn find_created<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<String>, BridgeError>>;
    /// The record [`Self::find_created`] finds, and how it differs from the values we sent:
    /// a lookup that may find another person sharing a key (GHL's duplicate search, by email
    /// or phone) confirms the candidate. By default the lookup's own key is its confirmation.
    fn find_created_confirmed<'a>(
        &'a self,
        values: &'a Values,
    ) -> BoxFuture<'a, Result<Option<Found>, BridgeError>> {
        Box::pin(async move {
            Ok(self.find_created(values).await?.map(|id| Found {
                id,
                differs: Vec::new(),
            }))
        })
    }
    /// Deletes one contact record (an approved delete carried from the other side,
    /// [`crate::contact_deletes`]). "Not found" means it is gone already. Refused by default:
    /// only writers whose API documents a delete implement it.
    fn delete<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<(), BridgeError>> {
        Box::pin(async move {
            Err(BridgeError::invalid_input(format!(
                "{}: its API documents no delete of a contact, so record {remote_id} is not deleted",
                self.system()
            )))
        })
    }
}

/// A batch write's answer: per record, in the order sent.
pub type BatchAnswer<T> = Result<Vec<Result<T, BridgeError>>, BridgeError>;

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
    /// Lost creates whose lookup found a record with other values: not linked, each waits
    /// in a review (reason `mismatch`).
    #[serde(default)]
    pub in_review: u64,
    pub cancelled: bool,
}

impl ApplyReport {
    /// Adds what another part of the same apply did (a plan applied a chunk at a time).
    pub fn add(&mut self, other: ApplyReport) {
        self.done += other.done;
        self.already_done += other.already_done;
        self.unconfirmed += other.unconfirmed;
        self.dead += other.dead;
        self.in_review += other.in_review;
        self.cancelled |= other.cancelled;
    }
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

/// The state of the newest journaled write of `op`'s intent.
pub(crate) fn state_of(
    store: &bridge_store::Connection,
    targets: &Targets<'_>,
    op: &Operation,
) -> Result<Option<String>, BridgeError> {
    journal::state_of(store, &intent(targets, op))
}

/// Operations journaled and sent together. Each chunk's journal rows are written in one
/// transaction just before its writes go, so no transaction holds SQLite's one write lock for
/// a whole plan (the sync lease's renewal needs it; at 100,000 contacts one transaction for
/// every operation held it for minutes). A run that dies during chunk k leaves chunks before
/// it done, chunk k's writes journaled (recovered by id on the rerun) and the later ones not
/// journaled at all: their bases were never settled, so the rerun plans them again.
pub(crate) const APPLY_CHUNK: usize = 1_000;

pub async fn apply(
    store: &mut Store,
    run_id: &str,
    plan: &Plan,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<ApplyReport, BridgeError> {
    let total = plan.operations.len() as u64;
    let mut report = ApplyReport::default();
    let mut finished = 0;
    for chunk in plan.operations.chunks(APPLY_CHUNK) {
        // Journaled before the cancel is looked at: a cancelled chunk's unsent writes are
        // resumed by the next sync, as they were planned.
        let now = clock.now();
        let journaled = store.with_tx(|tx| {
            chunk
                .iter()
                .map(|op| {
                    journal::record(tx, run_id, &intent(targets, op), journal_entry(op)?, now)
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let limit = BatchLimit::of(targets.app);
        for group in batch::groups(chunk, &journaled, limit) {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break;
            }
            let Group { action, members } = group;
            let ops: Vec<(Payload, Journaled)> = members
                .iter()
                .map(|&i| (Payload::of(&chunk[i]), journaled[i].clone()))
                .collect();
            match action {
                Some(action) => {
                    send_batch(store, run_id, action, ops, targets, clock, &mut report).await?;
                }
                None => {
                    for (payload, mut journaled) in ops {
                        send(
                            store,
                            run_id,
                            &payload,
                            &mut journaled,
                            targets,
                            clock,
                            &mut report,
                        )
                        .await?;
                    }
                }
            }
            finished += members.len() as u64;
            progress(finished, total);
        }
        if report.cancelled {
            break;
        }
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
    send_looked_up(store, run_id, payload, op, targets, clock, report, false).await
}

/// [`send`], told whether a lost create was already looked up (and not found).
#[allow(clippy::too_many_arguments)]
async fn send_looked_up(
    store: &mut Store,
    run_id: &str,
    payload: &Payload,
    op: &mut Journaled,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
    looked_up: bool,
) -> Result<(), BridgeError> {
    let writer = targets.writer(payload.target);
    let values = payload.values();
    let may_exist = op.may_exist() && !looked_up;
    journal::begin(store.conn(), op, run_id, clock.now())?;
    let outcome = match (payload.action, &payload.remote_id) {
        (Action::Create, _) => {
            match create_or_resume(store.conn(), op, writer, &values, may_exist, clock).await {
                Ok(Resumed::Made(id)) => Ok(Some(id)),
                Ok(Resumed::Mismatch(found)) => {
                    let message = review_mismatch(store, payload, &found, targets, clock)?;
                    journal::gone(store.conn(), op, run_id, &message, clock.now())?;
                    report.in_review += 1;
                    return Ok(());
                }
                Err(e) => Err(e),
            }
        }
        (Action::Update, Some(remote_id)) => writer.update(remote_id, &values).await.map(|()| None),
        (Action::Update, None) => Err(BridgeError::internal("an update without a remote id")),
    };
    settle(store, run_id, payload, op, outcome, targets, clock, report)
}

/// Records how one write ended: what its answer settled, or its failure in the journal.
/// Stops (an error) when the target's connection must be authorized again.
#[allow(clippy::too_many_arguments)]
fn settle(
    store: &mut Store,
    run_id: &str,
    payload: &Payload,
    op: &mut Journaled,
    outcome: Result<Option<String>, BridgeError>,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let writer = targets.writer(payload.target);
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

mod batch;
mod hold_back;
mod resume;
mod settle;
#[cfg(test)]
mod tests;

use batch::{send_batch, BatchLimit, Group};
pub(crate) use hold_back::hold_back_refused;
use resume::{create_or_resume, review_mismatch, Resumed};
pub use resume::{recover, Found};
use settle::{finish, journal_entry};
pub(crate) use settle::{reconnect, reconnected};
