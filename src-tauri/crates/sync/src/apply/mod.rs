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
    let mut rows = Vec::with_capacity(open.len());
    // A contact's delete is resumed by its own step (`crate::contact_deletes`).
    for row in open
        .iter()
        .filter(|r| r.op.action != crate::contact_deletes::DELETE)
    {
        rows.push((
            Journaled::from(row),
            journal::payload::<Payload>(row)?,
            false,
        ));
    }
    look_up_lost_batch(store.conn(), &mut rows, targets, clock).await?;
    for (mut op, payload, looked_up) in rows {
        let before = report.done;
        send_looked_up(
            store,
            run_id,
            &payload,
            &mut op,
            targets,
            clock,
            &mut report,
            looked_up,
        )
        .await?;
        if report.done > before {
            report.done -= 1;
            report.already_done += 1;
        }
    }
    Ok(report)
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
        let limit = BatchLimit {
            records: targets.app.batch(),
            bytes: targets.app.batch_bytes(),
        };
        for group in groups(chunk, &journaled, limit) {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break;
            }
            let Group { action, members } = group;
            let mut ops: Vec<(&Operation, Journaled)> = members
                .iter()
                .map(|&i| (&chunk[i], journaled[i].clone()))
                .collect();
            match action {
                Some(action) => {
                    send_batch(store, run_id, action, &mut ops, targets, clock, &mut report)
                        .await?;
                }
                None => {
                    for (op, journaled) in &mut ops {
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

/// How many app writes one request may carry.
#[derive(Debug, Clone, Copy)]
struct BatchLimit {
    records: usize,
    /// Of the values, as JSON.
    bytes: usize,
}

/// Operations sent together: one app batch of `action`, or (no action) one write alone.
struct Group {
    action: Option<Action>,
    members: Vec<usize>,
}

/// The chunk's writes in the order they go: each GHL write, and each app write that may
/// already have happened (it is looked up first), alone and in plan order; then the app's
/// fresh creates and its updates, as many to a request as `limit` allows (apps taking arrays
/// of records).
fn groups(operations: &[Operation], journaled: &[Journaled], limit: BatchLimit) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    for (i, (op, journaled)) in operations.iter().zip(journaled).enumerate() {
        let fresh_create =
            op.action == Action::Create && journaled.remote_id.is_none() && !journaled.may_exist();
        let update = op.action == Action::Update && op.remote_id.is_some();
        match op.target {
            Side::App if limit.records > 1 && fresh_create => creates.push(i),
            Side::App if limit.records > 1 && update => updates.push(i),
            _ => groups.push(Group {
                action: None,
                members: vec![i],
            }),
        }
    }
    for (action, members) in [(Action::Create, creates), (Action::Update, updates)] {
        let mut batch: Vec<usize> = Vec::new();
        let mut bytes = 0;
        for i in members {
            let weight = values_weight(&operations[i]);
            if !batch.is_empty() && (batch.len() == limit.records || bytes + weight > limit.bytes) {
                groups.push(Group {
                    action: Some(action),
                    members: std::mem::take(&mut batch),
                });
                bytes = 0;
            }
            batch.push(i);
            bytes += weight;
        }
        if !batch.is_empty() {
            groups.push(Group {
                action: Some(action),
                members: batch,
            });
        }
    }
    groups
}

/// What an operation's values weigh as JSON (field names and values, as a batch sends them).
fn values_weight(op: &Operation) -> usize {
    op.changes
        .iter()
        .map(|c| c.field.len() + c.after.to_string().len() + 4)
        .sum::<usize>()
        + 2
}

/// Sends one batch of app writes of one action in one request. Every operation is marked sent
/// before the request leaves, so a crash or a lost answer leaves each to be looked up by
/// `recover`, as a single write's would. A batch the app refuses is sent again record by
/// record, so the one it refuses is named and the others are written: the app wrote none of
/// it (Ninox's PATCH is documented transactional; that its POST is too is a guess).
async fn send_batch(
    store: &mut Store,
    run_id: &str,
    action: Action,
    ops: &mut [(&Operation, Journaled)],
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let writer = targets.app;
    let payloads: Vec<Payload> = ops.iter().map(|(op, _)| Payload::of(op)).collect();
    let now = clock.now();
    store.with_tx(|tx| {
        ops.iter_mut()
            .try_for_each(|(_, journaled)| journal::begin(tx, journaled, run_id, now))
    })?;
    let answer: BatchAnswer<Option<String>> = match action {
        Action::Create => {
            let values: Vec<Values> = payloads.iter().map(Payload::values).collect();
            writer
                .create_many(&values)
                .await
                .map(|each| each.into_iter().map(|r| r.map(Some)).collect())
        }
        Action::Update => {
            let records: Vec<(&str, Values)> = payloads
                .iter()
                .map(|p| (p.remote_id.as_deref().unwrap_or_default(), p.values()))
                .collect();
            writer
                .update_many(&records)
                .await
                .map(|each| each.into_iter().map(|r| r.map(|()| None)).collect())
        }
    };
    match answer {
        Err(e) if journal::classify(&e) == journal::Failure::Refused => {
            tracing::info!(
                "{} refused a batch of {} writes ({}); sending them one by one",
                writer.system(),
                ops.len(),
                e.message
            );
            for ((_, journaled), payload) in ops.iter_mut().zip(&payloads) {
                let outcome = match action {
                    Action::Create => writer.create(&payload.values()).await.map(Some),
                    Action::Update => match &payload.remote_id {
                        Some(id) => writer.update(id, &payload.values()).await.map(|()| None),
                        None => Err(BridgeError::internal("an update without a remote id")),
                    },
                };
                if let Ok(Some(id)) = &outcome {
                    journal::created(store.conn(), journaled, id, clock.now())?;
                }
                settle(
                    store, run_id, payload, journaled, outcome, targets, clock, report,
                )?;
            }
        }
        Err(e) => {
            for ((_, journaled), payload) in ops.iter_mut().zip(&payloads) {
                settle(
                    store,
                    run_id,
                    payload,
                    journaled,
                    Err(e.clone()),
                    targets,
                    clock,
                    report,
                )?;
            }
        }
        Ok(each) if each.len() != ops.len() => {
            let e = BridgeError::new(
                ErrorCode::Remote,
                format!(
                    "{} answered {} results for {} writes; they may have happened and are looked up before being sent again",
                    writer.system(),
                    each.len(),
                    ops.len()
                ),
            );
            for ((_, journaled), payload) in ops.iter_mut().zip(&payloads) {
                // Transient, so recovery looks each record up.
                let e = BridgeError::new(ErrorCode::Network, e.message.clone());
                settle(
                    store,
                    run_id,
                    payload,
                    journaled,
                    Err(e),
                    targets,
                    clock,
                    report,
                )?;
            }
        }
        Ok(each) => {
            for (((_, journaled), payload), outcome) in ops.iter_mut().zip(&payloads).zip(each) {
                if let Ok(Some(id)) = &outcome {
                    journal::created(store.conn(), journaled, id, clock.now())?;
                }
                settle(
                    store, run_id, payload, journaled, outcome, targets, clock, report,
                )?;
            }
        }
    }
    Ok(())
}

/// The app creates a lost batch answer left to look up, found in one lookup
/// ([`RecordWriter::find_created_many`]) instead of one each: a found record's id is journaled
/// (the write resumes as its update), and the rest are marked looked up (created afresh).
async fn look_up_lost_batch(
    conn: &bridge_store::Connection,
    rows: &mut [(Journaled, Payload, bool)],
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<(), BridgeError> {
    let lost: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, (op, payload, _))| {
            payload.target == Side::App
                && payload.action == Action::Create
                && op.remote_id.is_none()
                && op.may_exist()
        })
        .map(|(i, _)| i)
        .collect();
    if lost.len() < 2 {
        return Ok(());
    }
    let values: Vec<Values> = lost.iter().map(|&i| rows[i].1.values()).collect();
    let found = targets.app.find_created_many(&values).await?;
    for (&i, found) in lost.iter().zip(found) {
        let (op, _, looked_up) = &mut rows[i];
        if let Some(id) = found {
            journal::created(conn, op, &id, clock.now())?;
        }
        *looked_up = true;
    }
    Ok(())
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

mod resume;
mod settle;
#[cfg(test)]
mod tests;

pub use resume::Found;
use resume::{create_or_resume, review_mismatch, Resumed};
use settle::{finish, journal_entry};
pub(crate) use settle::{reconnect, reconnected};
