//! App writes sent many to a request (apps taking arrays of records: Ninox), within the
//! app's limits of records and bytes a request.

use bridge_core::{BridgeError, Clock, ErrorCode};
use bridge_store::Store;

use super::{settle, ApplyReport, BatchAnswer, Payload, RecordWriter, Targets};
use crate::journal::{self, Journaled};
use crate::plan::{Action, FieldChange, Operation, Side, Values};

/// How many app writes one request may carry.
#[derive(Debug, Clone, Copy)]
pub(super) struct BatchLimit {
    pub records: usize,
    /// Of the values, as JSON.
    pub bytes: usize,
}

impl BatchLimit {
    pub fn of(writer: &dyn RecordWriter) -> Self {
        Self {
            records: writer.batch(),
            bytes: writer.batch_bytes(),
        }
    }
}

/// Operations sent together: one app batch of `action`, or (no action) one write alone.
pub(super) struct Group {
    pub action: Option<Action>,
    pub members: Vec<usize>,
}

/// The chunk's writes in the order they go: each GHL write, and each app write that may
/// already have happened (it is looked up first), alone and in plan order; then the app's
/// fresh creates and its updates, as many to a request as `limit` allows (apps taking arrays
/// of records).
pub(super) fn groups(
    operations: &[Operation],
    journaled: &[Journaled],
    limit: BatchLimit,
) -> Vec<Group> {
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
        let weights = members
            .iter()
            .map(|&i| values_weight(&operations[i].changes));
        for batch in requests(&members, weights, limit) {
            groups.push(Group {
                action: Some(action),
                members: batch,
            });
        }
    }
    groups
}

/// `members` split into requests of at most `limit` (records, and their values' weight).
pub(super) fn requests<T: Clone>(
    members: &[T],
    weights: impl Iterator<Item = usize>,
    limit: BatchLimit,
) -> Vec<Vec<T>> {
    let mut requests = Vec::new();
    let mut batch: Vec<T> = Vec::new();
    let mut bytes = 0;
    for (member, weight) in members.iter().zip(weights) {
        if !batch.is_empty() && (batch.len() == limit.records || bytes + weight > limit.bytes) {
            requests.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        batch.push(member.clone());
        bytes += weight;
    }
    if !batch.is_empty() {
        requests.push(batch);
    }
    requests
}

/// What a write's values weigh as JSON (field names and values, as a batch sends them).
pub(super) fn values_weight(changes: &[FieldChange]) -> usize {
    changes
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
///
/// An update batch may also carry lost creates that recovery found (their payload a create,
/// the record's id in the journal): each is updated as found and settled as made.
pub(super) async fn send_batch(
    store: &mut Store,
    run_id: &str,
    action: Action,
    ops: Vec<(Payload, Journaled)>,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<(), BridgeError> {
    let writer = targets.app;
    let (payloads, mut journaled): (Vec<Payload>, Vec<Journaled>) = ops.into_iter().unzip();
    let now = clock.now();
    store.with_tx(|tx| {
        journaled
            .iter_mut()
            .try_for_each(|j| journal::begin(tx, j, run_id, now))
    })?;
    // The record an update writes: the planned one, or the one a lost create made; and what
    // its answer settles (a lost create's record, as made).
    let updated: Vec<Option<String>> = payloads
        .iter()
        .zip(&journaled)
        .map(|(p, j)| p.remote_id.clone().or_else(|| j.remote_id.clone()))
        .collect();
    let made = |i: usize| match payloads[i].action {
        Action::Create => updated[i].clone(),
        Action::Update => None,
    };
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
                .zip(&updated)
                .map(|(p, id)| (id.as_deref().unwrap_or_default(), p.values()))
                .collect();
            writer.update_many(&records).await.map(|each| {
                each.into_iter()
                    .enumerate()
                    .map(|(i, r)| r.map(|()| made(i)))
                    .collect()
            })
        }
    };
    let each: Vec<Result<Option<String>, BridgeError>> = match answer {
        Err(e) if journal::classify(&e) == journal::Failure::Refused => {
            tracing::info!(
                "{} refused a batch of {} writes ({}); sending them one by one",
                writer.system(),
                payloads.len(),
                e.message
            );
            let mut each = Vec::with_capacity(payloads.len());
            for (i, payload) in payloads.iter().enumerate() {
                each.push(match (action, &updated[i]) {
                    (Action::Create, _) => writer.create(&payload.values()).await.map(Some),
                    (Action::Update, Some(id)) => {
                        writer.update(id, &payload.values()).await.map(|()| made(i))
                    }
                    (Action::Update, None) => {
                        Err(BridgeError::internal("an update without a remote id"))
                    }
                });
            }
            each
        }
        Err(e) => payloads.iter().map(|_| Err(e.clone())).collect(),
        Ok(each) if each.len() != payloads.len() => {
            let message = format!(
                "{} answered {} results for {} writes; they may have happened and are looked up before being sent again",
                writer.system(),
                each.len(),
                payloads.len()
            );
            // Transient, so recovery looks each record up.
            payloads
                .iter()
                .map(|_| Err(BridgeError::new(ErrorCode::Network, message.clone())))
                .collect()
        }
        Ok(each) => each,
    };
    for ((payload, journaled), outcome) in payloads.iter().zip(&mut journaled).zip(each) {
        if action == Action::Create {
            if let Ok(Some(id)) = &outcome {
                journal::created(store.conn(), journaled, id, clock.now())?;
            }
        }
        settle(
            store, run_id, payload, journaled, outcome, targets, clock, report,
        )?;
    }
    Ok(())
}
