//! `operations`: the journal's rows (outbox). The SQL only: which state an operation may move
//! to, and when, is decided by the sync engine's journal module, the only caller of the
//! functions that write here.
//!
//! An operation is identified by its intent (pair, target connection, object kind, local
//! record, action): at most one unfinished row per intent, so a rerun adopts the row of an
//! interrupted run instead of journaling the same write twice.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

/// States an operation is unfinished in.
const OPEN: &str = "state IN ('pending', 'sent', 'failed')";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOperation {
    pub run_id: String,
    /// What the write is for, never what it writes: see the module comment.
    pub intent: String,
    /// The app connection of the pair the write belongs to.
    pub pair_id: Option<String>,
    /// Where the write goes.
    pub connection_id: String,
    pub contact_id: Option<String>,
    pub object_kind: String,
    pub action: String,
    pub remote_id: Option<String>,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub reason: String,
    /// What the writer sends, in its own terms (JSON).
    #[serde(skip)]
    pub payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRow {
    pub id: i64,
    pub op: NewOperation,
    pub state: String,
    pub attempts: u32,
    pub next_retry_at: Option<String>,
    pub last_error: Option<String>,
}

/// One state change, applied only when the row is still in the expected state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transition<'a> {
    pub error: Option<&'a str>,
    /// A failure counts an attempt.
    pub count_attempt: bool,
    pub next_retry_at: Option<DateTime<Utc>>,
    /// The run that completed the operation (it is listed under that run).
    pub run_id: Option<&'a str>,
}

const COLUMNS: &str = "id, run_id, intent, pair_id, connection_id, contact_id, object_kind, action, remote_id, before_value, after_value, reason, payload, state, attempts, next_retry_at, last_error";

fn from_row(row: &Row<'_>) -> rusqlite::Result<OperationRow> {
    Ok(OperationRow {
        id: row.get(0)?,
        op: NewOperation {
            run_id: row.get(1)?,
            intent: row.get(2)?,
            pair_id: row.get(3)?,
            connection_id: row.get(4)?,
            contact_id: row.get(5)?,
            object_kind: row.get(6)?,
            action: row.get(7)?,
            remote_id: row.get(8)?,
            before_value: row.get(9)?,
            after_value: row.get(10)?,
            reason: row.get(11)?,
            payload: row.get(12)?,
        },
        state: row.get(13)?,
        attempts: row.get(14)?,
        next_retry_at: row.get(15)?,
        last_error: row.get(16)?,
    })
}

/// The unfinished operation of an intent, if any.
pub fn open_by_intent(
    conn: &Connection,
    intent: &str,
) -> Result<Option<OperationRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM operations WHERE intent = ?1 AND {OPEN}"),
        [intent],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The newest operation of an intent, finished or not.
pub fn latest_by_intent(
    conn: &Connection,
    intent: &str,
) -> Result<Option<OperationRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM operations WHERE intent = ?1 ORDER BY id DESC LIMIT 1"),
        [intent],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// Inserts a `pending` operation; fails when its intent already has an unfinished one.
pub fn insert(
    conn: &Connection,
    op: &NewOperation,
    now: DateTime<Utc>,
) -> Result<i64, BridgeError> {
    conn.execute_cached(
        "INSERT INTO operations (run_id, intent, pair_id, connection_id, contact_id, object_kind, action,
                                 remote_id, before_value, after_value, reason, payload, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        params![
            op.run_id,
            op.intent,
            op.pair_id,
            op.connection_id,
            op.contact_id,
            op.object_kind,
            op.action,
            op.remote_id,
            op.before_value,
            op.after_value,
            op.reason,
            op.payload,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(conn.last_insert_rowid())
}

/// Replaces what an unfinished operation will send (a newer plan of the same intent). Keeps a
/// remote id already known. False when the row is no longer in `state`.
pub fn replan(
    conn: &Connection,
    id: i64,
    state: &str,
    op: &NewOperation,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "UPDATE operations SET remote_id = coalesce(remote_id, ?3), before_value = ?4,
                 after_value = ?5, reason = ?6, payload = ?7, updated_at = ?8
             WHERE id = ?1 AND state = ?2",
            params![
                id,
                state,
                op.remote_id,
                op.before_value,
                op.after_value,
                op.reason,
                op.payload,
                timestamp(now),
            ],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Moves an operation from `from` to `to` (compare-and-set). False when another writer moved
/// it first.
pub fn transition(
    conn: &Connection,
    id: i64,
    from: &str,
    to: &str,
    change: &Transition<'_>,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "UPDATE operations SET state = ?3, last_error = ?4, updated_at = ?5,
                 attempts = attempts + ?6, next_retry_at = ?7, run_id = coalesce(?8, run_id)
             WHERE id = ?1 AND state = ?2",
            params![
                id,
                from,
                to,
                change.error,
                timestamp(now),
                i64::from(change.count_attempt),
                change.next_retry_at.map(timestamp),
                change.run_id,
            ],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Records the remote id of the record a create made, the moment it is known.
pub fn set_remote_id(
    conn: &Connection,
    id: i64,
    remote_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE operations SET remote_id = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, remote_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Forgets a `pending` operation that was never sent (nothing happened remotely).
pub fn release(conn: &Connection, id: i64) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "DELETE FROM operations WHERE id = ?1 AND state = 'pending'",
            [id],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Forgets every `pending` operation of a pair's `kinds` (never sent: nothing happened
/// remotely), in one statement. Returns how many.
pub fn release_pending(
    conn: &Connection,
    pair_id: &str,
    kinds: &[&str],
) -> Result<usize, BridgeError> {
    let kinds = serde_json::to_string(kinds)
        .map_err(|e| BridgeError::internal(format!("object kinds as JSON: {e}")))?;
    conn.execute_cached(
        "DELETE FROM operations WHERE pair_id = ?1 AND state = 'pending'
           AND object_kind IN (SELECT value FROM json_each(?2))",
        params![pair_id, kinds],
    )
    .map_err(storage_error)
}

/// Deletes a pair's unfinished operations and dead letters (the pair moves to another
/// location: resent there, they would write one location's records into another). Returns
/// how many. Done rows stay: they are the run history.
pub fn forget_unfinished_of_pair(conn: &Connection, pair_id: &str) -> Result<usize, BridgeError> {
    conn.execute_cached(
        &format!("DELETE FROM operations WHERE pair_id = ?1 AND ({OPEN} OR state = 'dead')"),
        [pair_id],
    )
    .map_err(storage_error)
}

/// The unfinished operations of a pair, oldest first.
pub fn open_for_pair(conn: &Connection, pair_id: &str) -> Result<Vec<OperationRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM operations WHERE pair_id = ?1 AND {OPEN} ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([pair_id], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// A pair's writes of one kind and action to one connection done at or after `since`, with a
/// journal id above `after`, oldest first: what a rule that follows finished writes (a summary
/// note) reads.
pub fn done_after(
    conn: &Connection,
    pair_id: &str,
    connection_id: &str,
    (object_kind, action): (&str, &str),
    after: i64,
    since: &str,
) -> Result<Vec<OperationRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM operations
             WHERE pair_id = ?1 AND connection_id = ?2 AND object_kind = ?3 AND action = ?4
               AND state = 'done' AND id > ?5 AND updated_at >= ?6
             ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(
            params![pair_id, connection_id, object_kind, action, after, since],
            from_row,
        )
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Operations not yet done (pending, sent without answer, or failed and retryable), oldest first.
pub fn unfinished(conn: &Connection) -> Result<Vec<OperationRow>, BridgeError> {
    by_state(conn, OPEN)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<OperationRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM operations WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The operations of one run (those it completed, and those it left unfinished), in the
/// order they were journaled.
pub fn for_run(conn: &Connection, run_id: &str) -> Result<Vec<OperationRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM operations WHERE run_id = ?1 ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([run_id], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Queues every dead letter again as `failed`, due now: the next sync resends it, looking a
/// create up first (the refusal may have come after the record was made). A dead letter whose
/// intent has a newer unfinished operation stays dead (that one carries the write). Returns
/// how many were queued.
pub fn retry_dead(conn: &Connection, now: DateTime<Utc>) -> Result<usize, BridgeError> {
    conn.execute_cached(
        "UPDATE OR IGNORE operations SET state = 'failed', next_retry_at = ?1, updated_at = ?1
         WHERE state = 'dead'",
        [timestamp(now)],
    )
    .map_err(storage_error)
}

/// How many of run `run_id`'s journal rows are in each state.
pub fn state_counts(conn: &Connection, run_id: &str) -> Result<Vec<(String, u64)>, BridgeError> {
    let mut stmt = conn
        .prepare_cached("SELECT state, COUNT(*) FROM operations WHERE run_id = ?1 GROUP BY state")
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([run_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .map_err(storage_error)?;
    rows.map(|r| r.map(|(state, n)| (state, u64::try_from(n).unwrap_or(0))))
        .collect::<Result<_, _>>()
        .map_err(storage_error)
}

/// Queues one dead letter again, as [`retry_dead`] does for all; `false` when `id` is not a
/// dead letter (or a newer operation of its intent carries the write).
pub fn retry_dead_one(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<bool, BridgeError> {
    conn.execute_cached(
        "UPDATE OR IGNORE operations SET state = 'failed', next_retry_at = ?2, updated_at = ?2
         WHERE id = ?1 AND state = 'dead'",
        params![id, timestamp(now)],
    )
    .map(|changed| changed == 1)
    .map_err(storage_error)
}

/// Contacts with a task or note create sent to `connection_id` whose answer never came: the
/// record may exist there without us knowing it.
pub fn contacts_with_unconfirmed_creates(
    conn: &Connection,
    connection_id: &str,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT DISTINCT contact_id FROM operations
             WHERE connection_id = ?1 AND state IN ('sent', 'failed') AND action = 'create'
               AND object_kind IN ('task', 'note') AND contact_id IS NOT NULL",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([connection_id], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The dead-letter list the operator sees.
/// Deletes `done` operations of these object kinds last moved before `before`; never an
/// unfinished or dead one. Answers how many went.
pub fn prune_done(conn: &Connection, kinds: &[&str], before: &str) -> Result<usize, BridgeError> {
    let kinds = serde_json::to_string(kinds)
        .map_err(|e| BridgeError::internal(format!("object kinds as JSON: {e}")))?;
    conn.execute_cached(
        "DELETE FROM operations WHERE state = 'done' AND updated_at < ?1
           AND object_kind IN (SELECT value FROM json_each(?2))",
        params![before, kinds],
    )
    .map_err(storage_error)
}

pub fn dead_letters(conn: &Connection) -> Result<Vec<OperationRow>, BridgeError> {
    by_state(conn, "state = 'dead'")
}

fn by_state(conn: &Connection, condition: &str) -> Result<Vec<OperationRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM operations WHERE {condition} ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::sync_runs;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    fn op(run_id: &str, conn_id: &str, intent: &str) -> NewOperation {
        NewOperation {
            run_id: run_id.into(),
            intent: intent.into(),
            pair_id: Some(conn_id.into()),
            connection_id: conn_id.into(),
            contact_id: None,
            object_kind: "contact".into(),
            action: "update".into(),
            remote_id: Some("r1".into()),
            before_value: Some("\"Ada\"".into()),
            after_value: Some("\"Augusta\"".into()),
            reason: "firstName changed in GHL".into(),
            payload: None,
        }
    }

    #[test]
    fn one_open_row_per_intent_and_states_move_only_from_the_expected_one() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let run = sync_runs::start(store.conn(), "cli", false, at(1)).unwrap();
        let k1 = insert(store.conn(), &op(&run, &conn_id, "k1"), at(2)).unwrap();
        assert!(
            insert(store.conn(), &op(&run, &conn_id, "k1"), at(3)).is_err(),
            "a second unfinished row of one intent"
        );
        let k2 = insert(store.conn(), &op(&run, &conn_id, "k2"), at(3)).unwrap();
        assert_eq!(open_for_pair(store.conn(), &conn_id).unwrap().len(), 2);

        let sent = Transition::default();
        assert!(transition(store.conn(), k1, "pending", "sent", &sent, at(4)).unwrap());
        assert!(
            !transition(store.conn(), k1, "pending", "sent", &sent, at(4)).unwrap(),
            "compare-and-set: already moved"
        );
        assert!(transition(store.conn(), k1, "sent", "done", &sent, at(4)).unwrap());
        let refused = Transition {
            error: Some("GHL: 422 email is invalid"),
            count_attempt: true,
            ..Transition::default()
        };
        assert!(transition(store.conn(), k2, "pending", "dead", &refused, at(4)).unwrap());
        assert!(unfinished(store.conn()).unwrap().is_empty());
        // Done, the intent takes a new operation.
        insert(store.conn(), &op(&run, &conn_id, "k1"), at(5)).unwrap();
        let dead = dead_letters(store.conn()).unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].op.intent, "k2");
        assert_eq!(dead[0].attempts, 1);
        assert_eq!(
            dead[0].last_error.as_deref(),
            Some("GHL: 422 email is invalid")
        );
        assert_eq!(retry_dead(store.conn(), at(6)).unwrap(), 1);
        assert_eq!(get(store.conn(), k2).unwrap().unwrap().state, "failed");
    }
}
