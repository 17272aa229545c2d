//! `operations`: the journal (outbox). Every write is recorded under a deterministic key
//! before it is sent, so a rerun after a crash resumes instead of writing twice.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOperation {
    pub run_id: String,
    /// Same change, same key: derived from connection, record, action and target value.
    pub op_key: String,
    pub connection_id: String,
    pub contact_id: Option<String>,
    pub object_kind: String,
    pub action: String,
    pub remote_id: Option<String>,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRow {
    pub id: i64,
    pub op: NewOperation,
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, run_id, op_key, connection_id, contact_id, object_kind, action, remote_id, before_value, after_value, reason, state, attempts, last_error";

fn from_row(row: &Row<'_>) -> rusqlite::Result<OperationRow> {
    Ok(OperationRow {
        id: row.get(0)?,
        op: NewOperation {
            run_id: row.get(1)?,
            op_key: row.get(2)?,
            connection_id: row.get(3)?,
            contact_id: row.get(4)?,
            object_kind: row.get(5)?,
            action: row.get(6)?,
            remote_id: row.get(7)?,
            before_value: row.get(8)?,
            after_value: row.get(9)?,
            reason: row.get(10)?,
        },
        state: row.get(11)?,
        attempts: row.get(12)?,
        last_error: row.get(13)?,
    })
}

/// Journals an operation. Returns false when the same key is already journaled (a resumed run).
pub fn enqueue(
    conn: &Connection,
    op: &NewOperation,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let inserted = conn
        .execute(
            "INSERT INTO operations (run_id, op_key, connection_id, contact_id, object_kind, action, remote_id,
                                     before_value, after_value, reason, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
             ON CONFLICT (op_key) DO NOTHING",
            params![
                op.run_id,
                op.op_key,
                op.connection_id,
                op.contact_id,
                op.object_kind,
                op.action,
                op.remote_id,
                op.before_value,
                op.after_value,
                op.reason,
                timestamp(now),
            ],
        )
        .map_err(storage_error)?;
    Ok(inserted == 1)
}

/// Moves an operation to `state`; a failure counts an attempt and keeps the remote's message.
pub fn mark(
    conn: &Connection,
    op_key: &str,
    state: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute(
        "UPDATE operations SET state = ?2, last_error = ?3, updated_at = ?4,
             attempts = attempts + CASE WHEN ?2 IN ('failed', 'dead') THEN 1 ELSE 0 END
         WHERE op_key = ?1",
        params![op_key, state, error, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Operations not yet done (pending, sent without answer, or failed and retryable), oldest first.
pub fn unfinished(conn: &Connection) -> Result<Vec<OperationRow>, BridgeError> {
    by_state(conn, "state IN ('pending', 'sent', 'failed')")
}

pub fn get(conn: &Connection, op_key: &str) -> Result<Option<OperationRow>, BridgeError> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM operations WHERE op_key = ?1"),
        [op_key],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The operations of one run, in the order they were journaled.
pub fn for_run(conn: &Connection, run_id: &str) -> Result<Vec<OperationRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM operations WHERE run_id = ?1 ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([run_id], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Puts every dead letter back in the queue; the next sync sends them again. Returns how many.
/// Queues every dead letter again. A create goes back as `sent`: the refusal may have come
/// after the record was made (a 5xx after a slow write), so it is looked up before it is sent
/// again.
pub fn retry_dead(conn: &Connection, now: DateTime<Utc>) -> Result<usize, BridgeError> {
    conn.execute(
        "UPDATE operations SET state = CASE action WHEN 'create' THEN 'sent' ELSE 'pending' END,
                updated_at = ?1
         WHERE state = 'dead'",
        [timestamp(now)],
    )
    .map_err(storage_error)
}

/// Contacts with a task or note create sent to `connection_id` whose answer never came: the
/// record may exist there without us knowing it.
pub fn contacts_with_unconfirmed_creates(
    conn: &Connection,
    connection_id: &str,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT contact_id FROM operations
             WHERE connection_id = ?1 AND state = 'sent' AND action = 'create'
               AND object_kind IN ('task', 'note') AND contact_id IS NOT NULL",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([connection_id], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The dead-letter list the operator sees.
pub fn dead_letters(conn: &Connection) -> Result<Vec<OperationRow>, BridgeError> {
    by_state(conn, "state = 'dead'")
}

fn by_state(conn: &Connection, condition: &str) -> Result<Vec<OperationRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
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

    fn op(run_id: &str, conn_id: &str, key: &str) -> NewOperation {
        NewOperation {
            run_id: run_id.into(),
            op_key: key.into(),
            connection_id: conn_id.into(),
            contact_id: None,
            object_kind: "contact".into(),
            action: "update".into(),
            remote_id: Some("r1".into()),
            before_value: Some("\"Ada\"".into()),
            after_value: Some("\"Augusta\"".into()),
            reason: "firstName changed in GHL".into(),
        }
    }

    #[test]
    fn same_key_is_journaled_once_and_states_move() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let run = sync_runs::start(store.conn(), "cli", false, at(1)).unwrap();
        assert!(enqueue(store.conn(), &op(&run, &conn_id, "k1"), at(2)).unwrap());
        assert!(!enqueue(store.conn(), &op(&run, &conn_id, "k1"), at(3)).unwrap());
        assert!(enqueue(store.conn(), &op(&run, &conn_id, "k2"), at(3)).unwrap());
        assert_eq!(unfinished(store.conn()).unwrap().len(), 2);

        mark(store.conn(), "k1", "done", None, at(4)).unwrap();
        mark(
            store.conn(),
            "k2",
            "dead",
            Some("GHL: 422 email is invalid"),
            at(4),
        )
        .unwrap();
        assert!(unfinished(store.conn()).unwrap().is_empty());
        let dead = dead_letters(store.conn()).unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].op.op_key, "k2");
        assert_eq!(dead[0].attempts, 1);
        assert_eq!(
            dead[0].last_error.as_deref(),
            Some("GHL: 422 email is invalid")
        );
    }
}
