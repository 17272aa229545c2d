//! The journal (outbox): the only code that moves an operation's state. Contact writes
//! ([`crate::apply`]), task and note writes ([`crate::children`]), event pushes
//! ([`crate::events`]) and Nifty label writes go through it the same way:
//!
//! 1. [`record`] journals the write under its intent (pair, target connection, object kind,
//!    local record, action) with the payload the writer sends. An unfinished operation of the
//!    same intent (an interrupted run's) is adopted, its payload replaced by the newer plan's.
//! 2. [`begin`] marks it `sent` before the request leaves.
//! 3. [`created`] stores a create's remote id the moment it is known, so a create made of
//!    several requests (Nifty: create, then complete) resumes as an update of that record.
//! 4. [`done`] is called in the transaction that stores what the answer settled (link, base,
//!    mirror, timeline); the operation is then listed under the run that completed it.
//! 5. [`fail`] classifies a failure: transient (network, 5xx, 429 after the client's retries)
//!    → `failed`, due again at a later sync; the connection's authorization refused → `failed`
//!    and the connection's work stops ([`Failure::Reconnect`]); a definitive refusal (the app
//!    said no, in its own words) → `dead`, a dead letter.
//!
//! Every move is a compare-and-set on the state it expects, so two processes never both
//! settle one operation. Before a pair is planned, its unfinished operations are resolved by
//! id ([`open_for_pair`], used by each writer's `recover`): the planner never sees a
//! half-made record as new.

use bridge_core::{BridgeError, ErrorCode};
use bridge_store::table::operations::{self, NewOperation, OperationRow, Transition};
use bridge_store::Connection;
use chrono::{DateTime, Duration, Utc};

/// What an operation is for: two plans of the same intent are the same operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent<'a> {
    /// The app connection of the pair.
    pub pair: &'a str,
    /// The connection written to (the GHL location or the app).
    pub target: &'a str,
    /// `contact`, `task`, `note`, `appointment` or `tag`.
    pub kind: &'a str,
    /// The local record the write is about (a contact, or the source record of a child).
    pub local: &'a str,
    /// `create`, `update`, `tag_add`, `tag_remove`.
    pub action: &'a str,
}

impl Intent<'_> {
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.pair, self.target, self.kind, self.local, self.action
        )
    }
}

/// What is journaled with an intent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub contact_id: Option<String>,
    /// The record written to, when known (updates).
    pub remote_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: String,
    /// What the writer sends, as JSON in its own terms.
    pub payload: String,
}

/// A journaled operation, as a writer drives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journaled {
    pub id: i64,
    pub state: String,
    /// The record written to: known for updates, and for creates once answered.
    pub remote_id: Option<String>,
    pub payload: Option<String>,
}

impl From<&OperationRow> for Journaled {
    fn from(row: &OperationRow) -> Self {
        Self {
            id: row.id,
            state: row.state.clone(),
            remote_id: row.op.remote_id.clone(),
            payload: row.op.payload.clone(),
        }
    }
}

impl Journaled {
    pub fn is_finished(&self) -> bool {
        matches!(self.state.as_str(), "done" | "dead")
    }

    /// A create that was sent before may have happened: it is looked up, not sent blindly.
    pub fn may_exist(&self) -> bool {
        matches!(self.state.as_str(), "sent" | "failed")
    }
}

/// Journals a write, or adopts the unfinished operation of the same intent.
pub fn record(
    conn: &Connection,
    run_id: &str,
    intent: &Intent<'_>,
    entry: Entry,
    now: DateTime<Utc>,
) -> Result<Journaled, BridgeError> {
    let key = intent.key();
    let op = NewOperation {
        run_id: run_id.to_string(),
        intent: key.clone(),
        pair_id: Some(intent.pair.to_string()),
        connection_id: intent.target.to_string(),
        contact_id: entry.contact_id,
        object_kind: intent.kind.to_string(),
        action: intent.action.to_string(),
        remote_id: entry.remote_id,
        before_value: entry.before,
        after_value: entry.after,
        reason: entry.reason,
        payload: Some(entry.payload),
    };
    if let Some(open) = operations::open_by_intent(conn, &key)? {
        if !operations::replan(conn, open.id, &open.state, &op, now)? {
            return Err(moved_elsewhere(open.id));
        }
        let row = operations::get(conn, open.id)?.ok_or_else(|| moved_elsewhere(open.id))?;
        return Ok(Journaled::from(&row));
    }
    let id = operations::insert(conn, &op, now)?;
    Ok(Journaled {
        id,
        state: "pending".into(),
        remote_id: op.remote_id,
        payload: op.payload,
    })
}

/// Marks the operation `sent`, just before its request leaves.
pub fn begin(
    conn: &Connection,
    op: &mut Journaled,
    run_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    if op.state != "sent" {
        let moved = operations::transition(
            conn,
            op.id,
            &op.state,
            "sent",
            &Transition {
                run_id: Some(run_id),
                ..Transition::default()
            },
            now,
        )?;
        if !moved {
            return Err(moved_elsewhere(op.id));
        }
        op.state = "sent".into();
    }
    Ok(())
}

/// Stores the remote id of the record a create made, before anything else is sent for it.
pub fn created(
    conn: &Connection,
    op: &mut Journaled,
    remote_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    operations::set_remote_id(conn, op.id, remote_id, now)?;
    op.remote_id = Some(remote_id.to_string());
    Ok(())
}

/// Marks the operation done; call it in the transaction that stores what the answer settled.
pub fn done(
    conn: &Connection,
    op: &Journaled,
    run_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let change = Transition {
        run_id: Some(run_id),
        ..Transition::default()
    };
    if !operations::transition(conn, op.id, "sent", "done", &change, now)? {
        return Err(moved_elsewhere(op.id));
    }
    Ok(())
}

/// Ends an operation whose target record is gone ("not found" on an update): nothing is left
/// to write, and it is no dead letter — the record's delete is the operator's (a review or
/// the delete queue); `message` says so.
pub fn gone(
    conn: &Connection,
    op: &Journaled,
    run_id: &str,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let change = Transition {
        error: Some(message),
        run_id: Some(run_id),
        ..Transition::default()
    };
    if !operations::transition(conn, op.id, "sent", "done", &change, now)? {
        return Err(moved_elsewhere(op.id));
    }
    Ok(())
}

/// How a failed write ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Transient: `failed`, sent again by a later sync.
    Retry,
    /// The connection must be authorized again: `failed`, and its work stops.
    Reconnect,
    /// The app said no: a dead letter.
    Refused,
}

/// Which failures are worth sending again, and which stop a connection.
pub fn classify(error: &BridgeError) -> Failure {
    match error.code {
        ErrorCode::Network | ErrorCode::RateLimited | ErrorCode::Cancelled => Failure::Retry,
        ErrorCode::Unauthorized | ErrorCode::ReconnectRequired | ErrorCode::SecretStore => {
            Failure::Reconnect
        }
        ErrorCode::InvalidInput
        | ErrorCode::NotFound
        | ErrorCode::Conflict
        | ErrorCode::Remote
        | ErrorCode::Storage
        | ErrorCode::Internal => Failure::Refused,
    }
}

/// When a transient failure is sent again: at the next sync for the first attempts, then
/// backing off (so a record the app keeps failing on does not cost every sync a request).
fn next_retry(attempts: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    const QUICK_ATTEMPTS: u32 = 3;
    let past = attempts.saturating_sub(QUICK_ATTEMPTS);
    let minutes = 1_i64 << past.min(6);
    if past == 0 {
        now
    } else {
        now + Duration::minutes(minutes)
    }
}

/// Records a failed send, `message` naming the system, the record and the app's own words.
pub fn fail(
    conn: &Connection,
    op: &Journaled,
    run_id: &str,
    error: &BridgeError,
    message: &str,
    now: DateTime<Utc>,
) -> Result<Failure, BridgeError> {
    let failure = classify(error);
    let attempts = operations::get(conn, op.id)?.map_or(0, |row| row.attempts) + 1;
    let (to, next_retry_at) = match failure {
        Failure::Retry | Failure::Reconnect => ("failed", Some(next_retry(attempts, now))),
        Failure::Refused => ("dead", None),
    };
    let change = Transition {
        error: Some(message),
        count_attempt: failure != Failure::Reconnect,
        next_retry_at,
        run_id: Some(run_id),
    };
    if !operations::transition(conn, op.id, "sent", to, &change, now)? {
        return Err(moved_elsewhere(op.id));
    }
    Ok(failure)
}

/// Forgets an operation never sent (a cancelled run's): nothing happened remotely, and the
/// next plan journals it again if it is still needed.
pub fn release(conn: &Connection, op: &Journaled) -> Result<(), BridgeError> {
    if op.state == "pending" && !operations::release(conn, op.id)? {
        return Err(moved_elsewhere(op.id));
    }
    Ok(())
}

/// Closes an unfinished operation that a fresh merge of both sides no longer plans: what it was
/// to make true already holds (label and tag sets, merged again at every sync). It counts as
/// done by this run.
pub fn no_longer_needed(
    conn: &Connection,
    row: &OperationRow,
    run_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let op = Journaled::from(row);
    if op.state == "pending" {
        return release(conn, &op);
    }
    let change = Transition {
        error: Some("no longer needed: both sides already hold what it was to write"),
        run_id: Some(run_id),
        ..Transition::default()
    };
    if !operations::transition(conn, op.id, &op.state, "done", &change, now)? {
        return Err(moved_elsewhere(op.id));
    }
    Ok(())
}

/// Which unfinished operations recovery leaves waiting, as they are: those of a capability
/// whose check failed ([`crate::doctor::Capabilities::holds`]).
pub type Waits<'a> = &'a (dyn Fn(&OperationRow) -> bool + Sync);

/// Holds nothing back.
pub fn none_wait(_: &OperationRow) -> bool {
    false
}

/// The pair's unfinished operations of `kinds` that were sent and are due now, oldest first,
/// for its writers to resolve before planning; those `waits` holds stay as they are (neither
/// sent again nor dead), for a later plan of the same intent to take over or a later recovery
/// to send. Those never sent (an interrupted run's `pending` rows) are forgotten first, in one
/// statement: nothing happened remotely, and the plan journals them again if they are still
/// needed.
pub fn open_for_pair(
    conn: &Connection,
    pair: &str,
    kinds: &[&str],
    waits: Waits<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<OperationRow>, BridgeError> {
    operations::release_pending(conn, pair, kinds)?;
    let now = bridge_store::timestamp(now);
    Ok(operations::open_for_pair(conn, pair)?
        .into_iter()
        .filter(|row| kinds.contains(&row.op.object_kind.as_str()))
        .filter(|row| {
            row.state != "failed" || row.next_retry_at.as_deref().is_none_or(|at| *at <= *now)
        })
        .filter(|row| !waits(row))
        .collect())
}

/// The pair's unfinished operations (pending, sent without an answer, failed), oldest first:
/// what recovery left waiting is among them.
pub fn unfinished_for_pair(
    conn: &Connection,
    pair: &str,
) -> Result<Vec<OperationRow>, BridgeError> {
    operations::open_for_pair(conn, pair)
}

/// Forgets the pair's unfinished operations and dead letters, for a pair that moves to another
/// GHL location: each was meant for the old location's records, and sent now it would write
/// them into the new one. Returns how many were dropped.
pub fn forget_pair(conn: &Connection, pair: &str) -> Result<usize, BridgeError> {
    operations::forget_unfinished_of_pair(conn, pair)
}

/// The state of an intent's newest operation (`None`: never journaled).
pub fn state_of(conn: &Connection, intent: &Intent<'_>) -> Result<Option<String>, BridgeError> {
    Ok(operations::latest_by_intent(conn, &intent.key())?.map(|row| row.state))
}

/// The retention policy's part of the journal: finished contact and tag writes older than
/// `before` are deleted (their outcome lives on in links, bases and mirrors). Task, note and
/// appointment rows are kept: for apps without read-back a done push is the only record that
/// an activity was sent. Unfinished and dead rows are never deleted.
pub fn prune_done(conn: &Connection, before: DateTime<Utc>) -> Result<usize, BridgeError> {
    operations::prune_done(conn, &["contact", "tag"], &bridge_store::timestamp(before))
}

/// Queues every dead letter again (the operator's `retry`).
pub fn retry_dead(conn: &Connection, now: DateTime<Utc>) -> Result<usize, BridgeError> {
    operations::retry_dead(conn, now)
}

/// Queues one dead letter again (the operator's "retry this").
pub fn retry_dead_one(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<(), BridgeError> {
    if operations::retry_dead_one(conn, id, now)? {
        Ok(())
    } else {
        Err(BridgeError::new(
            ErrorCode::Conflict,
            format!(
                "journal operation {id} is not a dead letter (it was retried or replaced already)"
            ),
        ))
    }
}

fn moved_elsewhere(id: i64) -> BridgeError {
    BridgeError::new(
        ErrorCode::Conflict,
        format!("journal operation {id} was moved by another sync; this one leaves it alone"),
    )
}

/// A payload as the writer stored it.
pub fn payload<T: serde::de::DeserializeOwned>(row: &OperationRow) -> Result<T, BridgeError> {
    let text = row.op.payload.as_deref().ok_or_else(|| {
        BridgeError::storage(format!(
            "journal operation {} holds no payload to send again",
            row.id
        ))
    })?;
    serde_json::from_str(text).map_err(|e| {
        BridgeError::storage(format!(
            "journal operation {}: unreadable payload: {e}",
            row.id
        ))
    })
}

/// A value as JSON text for the journal.
pub fn json<T: serde::Serialize>(value: &T) -> Result<String, BridgeError> {
    serde_json::to_string(value)
        .map_err(|e| BridgeError::internal(format!("a journal payload cannot be written: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridge_core::System;
    use bridge_store::table::connections::{self, AuthKind, NewConnection};
    use bridge_store::table::sync_runs;
    use bridge_store::Store;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 9, minute, 0).unwrap()
    }

    fn setup() -> (Store, String, String) {
        let store = Store::open_in_memory().unwrap();
        let app = connections::insert(
            store.conn(),
            &NewConnection {
                system: System::Novi,
                name: "novi".into(),
                base_url: "http://127.0.0.1:1".into(),
                auth_kind: AuthKind::ApiKey,
                account_id: "novi".into(),
                secret_ref: "novi".into(),
                settings: serde_json::json!({}),
            },
            at(0),
        )
        .unwrap()
        .id;
        let run = sync_runs::start(store.conn(), "cli", false, at(0)).unwrap();
        (store, app, run)
    }

    fn entry(payload: &str) -> Entry {
        Entry {
            reason: "exists only in GHL".into(),
            payload: payload.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn one_intent_is_one_operation_whatever_its_payload() {
        let (store, app, run) = setup();
        let intent = Intent {
            pair: &app,
            target: &app,
            kind: "contact",
            local: "c1",
            action: "create",
        };
        let mut first = record(store.conn(), &run, &intent, entry("{\"a\":1}"), at(1)).unwrap();
        begin(store.conn(), &mut first, &run, at(1)).unwrap();
        created(store.conn(), &mut first, "m-7", at(1)).unwrap();
        // The source changed before the rerun: same intent, same row, newer payload, the
        // remote id kept.
        let again = record(store.conn(), &run, &intent, entry("{\"a\":2}"), at(2)).unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(again.state, "sent");
        assert_eq!(again.remote_id.as_deref(), Some("m-7"));
        assert_eq!(again.payload.as_deref(), Some("{\"a\":2}"));
        done(store.conn(), &again, &run, at(3)).unwrap();
        assert!(
            done(store.conn(), &again, &run, at(3)).is_err(),
            "compare-and-set: done once"
        );
        let next = record(store.conn(), &run, &intent, entry("{}"), at(4)).unwrap();
        assert_ne!(next.id, first.id, "a finished intent takes a new operation");
    }

    #[test]
    fn failures_are_classified_and_only_refusals_are_dead() {
        let (store, app, run) = setup();
        let cases = [
            (ErrorCode::Network, "failed", Failure::Retry),
            (ErrorCode::RateLimited, "failed", Failure::Retry),
            (ErrorCode::Unauthorized, "failed", Failure::Reconnect),
            (ErrorCode::Remote, "dead", Failure::Refused),
        ];
        for (n, (code, state, expected)) in cases.into_iter().enumerate() {
            let local = format!("c{n}");
            let intent = Intent {
                pair: &app,
                target: &app,
                kind: "contact",
                local: &local,
                action: "update",
            };
            let mut op = record(store.conn(), &run, &intent, entry("{}"), at(1)).unwrap();
            begin(store.conn(), &mut op, &run, at(1)).unwrap();
            let error = BridgeError::new(code, "the app's words");
            let failure = fail(store.conn(), &op, &run, &error, "Novi AMS update", at(1)).unwrap();
            assert_eq!(failure, expected, "{code}");
            let row = operations::get(store.conn(), op.id).unwrap().unwrap();
            assert_eq!(row.state, state, "{code}");
        }
        // Failed ones are due again at the next sync; the dead one is not.
        let due = open_for_pair(store.conn(), &app, &["contact"], &none_wait, at(2)).unwrap();
        assert_eq!(due.len(), 3);
        // A refused capability's writes wait: not sent again, not dead.
        let held = |row: &OperationRow| row.op.contact_id.is_none() && row.state == "failed";
        let due = open_for_pair(store.conn(), &app, &["contact"], &held, at(2)).unwrap();
        assert!(due.is_empty(), "{due:?}");
        let waiting = unfinished_for_pair(store.conn(), &app).unwrap();
        assert_eq!(waiting.len(), 3, "still unfinished, none dead");
    }

    #[test]
    fn retries_back_off_after_the_quick_ones() {
        assert_eq!(next_retry(1, at(0)), at(0));
        assert_eq!(next_retry(3, at(0)), at(0));
        assert_eq!(next_retry(4, at(0)), at(2));
        assert_eq!(next_retry(5, at(0)), at(4));
    }
}
