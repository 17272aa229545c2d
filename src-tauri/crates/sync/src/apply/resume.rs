//! A create whose answer was lost, resumed: the record an earlier attempt made is found (by
//! the id the journal kept, or by the writer's lookup) and updated, never made twice. A
//! lookup that finds a record with other values than we sent (GHL's duplicate search finds
//! whoever shares the email or phone) links nothing: a `mismatch` review waits for the
//! operator.

use bridge_core::{BridgeError, Clock};
use bridge_store::table::{contacts, match_reviews, remote_records};
use bridge_store::Store;

use super::batch::{requests, send_batch, values_weight, BatchLimit};
use super::{send_looked_up, ApplyReport, Payload, RecordWriter, Targets};
use crate::journal::{self, Journaled};
use crate::plan::{Action, Side, Values};

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
    let rows = resume_found_batch(store, run_id, rows, targets, clock, &mut report).await?;
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

/// The lost creates a batch lookup found, resumed as updates of the records they made, as
/// many to a request as the app takes ([`send_batch`]) instead of one request each; they
/// count as already done. Returns the rows left to resume one by one.
async fn resume_found_batch(
    store: &mut Store,
    run_id: &str,
    rows: Vec<(Journaled, Payload, bool)>,
    targets: &Targets<'_>,
    clock: &dyn Clock,
    report: &mut ApplyReport,
) -> Result<Vec<(Journaled, Payload, bool)>, BridgeError> {
    let limit = BatchLimit::of(targets.app);
    if limit.records < 2 {
        return Ok(rows);
    }
    let (found, rest): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(op, payload, looked_up)| {
        *looked_up
            && payload.target == Side::App
            && payload.action == Action::Create
            && op.remote_id.is_some()
    });
    let found: Vec<(Payload, Journaled)> = found.into_iter().map(|(op, p, _)| (p, op)).collect();
    let weights = found.iter().map(|(p, _)| values_weight(&p.changes));
    for request in requests(&found, weights, limit) {
        let mut resumed = ApplyReport::default();
        send_batch(
            store,
            run_id,
            Action::Update,
            request,
            targets,
            clock,
            &mut resumed,
        )
        .await?;
        report.already_done += resumed.done;
        resumed.done = 0;
        report.add(resumed);
    }
    Ok(rest)
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

/// A record a lookup found after a create whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    /// The fields it holds with other values than we sent, as "field: ours / theirs"; empty:
    /// the record we made.
    pub differs: Vec<String>,
}

/// A create, or the update of the record an earlier attempt made (its id stored in the
/// journal, or found by the values' match keys).
/// A found record is linked only when it holds the values we sent: another person sharing
/// the key is left alone ([`Resumed::Mismatch`]).
pub(super) async fn create_or_resume(
    conn: &bridge_store::Connection,
    op: &mut Journaled,
    writer: &dyn RecordWriter,
    values: &Values,
    may_exist: bool,
    clock: &dyn Clock,
) -> Result<Resumed, BridgeError> {
    let known = match &op.remote_id {
        Some(id) => Some(id.clone()),
        None if may_exist => match writer.find_created_confirmed(values).await? {
            Some(found) if !found.differs.is_empty() => return Ok(Resumed::Mismatch(found)),
            found => found.map(|f| f.id),
        },
        None => None,
    };
    match known {
        Some(id) => {
            writer.update(&id, values).await?;
            Ok(Resumed::Made(id))
        }
        None => {
            let id = writer.create(values).await?;
            journal::created(conn, op, &id, clock.now())?;
            Ok(Resumed::Made(id))
        }
    }
}

/// How a create (or its resumption after a lost answer) ended.
pub(super) enum Resumed {
    /// The record made (now, or by the earlier attempt), written with the values.
    Made(String),
    /// The lookup found a record with other values than we sent: perhaps another person.
    Mismatch(Found),
}

/// Opens the review of a lost create whose lookup found `found` with other values: the
/// record waiting is the one the create copied (the other side's), and neither is planned
/// while the review is open. Returns the journal's closing message.
pub(super) fn review_mismatch(
    store: &Store,
    payload: &Payload,
    found: &Found,
    targets: &Targets<'_>,
    clock: &dyn Clock,
) -> Result<String, BridgeError> {
    let conn = store.conn();
    let writer = targets.writer(payload.target);
    let (waiting, side) = match payload.target {
        Side::Ghl => (
            remote_records::for_contact(
                conn,
                targets.app_connection_id,
                "contact",
                &payload.local_id,
            )?
            .map(|r| r.remote_id),
            "app",
        ),
        Side::App => (
            contacts::get(conn, &payload.local_id)?
                .map(|r| r.contact.contact_id)
                .filter(|id| !id.is_empty()),
            "ghl",
        ),
    };
    let waiting = waiting.unwrap_or_else(|| payload.local_id.clone());
    let message = format!(
        "{} create of contact {} lost its answer; the lookup found {} {} with other values \
         ({}): not linked, waiting in review",
        writer.system(),
        payload.local_id,
        writer.system(),
        found.id,
        found.differs.join("; ")
    );
    match_reviews::open(
        conn,
        &match_reviews::NewReview {
            connection_id: targets.app_connection_id,
            object_kind: "contact",
            remote_id: &waiting,
            reason: match_reviews::MISMATCH,
            match_key: side,
            candidates: &[],
            contact_id: Some(&payload.local_id),
            summary: &message,
        },
        clock.now(),
    )?;
    Ok(message)
}
