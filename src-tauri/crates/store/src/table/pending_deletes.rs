//! `pending_deletes`: deletes seen on one side of a pair, waiting for the operator to approve
//! (the sync then carries them to the other side) or reject them. Generic over the kind of
//! record, so contacts, tasks, notes and activities share one queue.

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

/// A delete proposed by a sync (not yet stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelete<'a> {
    /// The app connection of the pair.
    pub pair_id: &'a str,
    /// `contact`, `task`, `note` or `activity`.
    pub object_kind: &'a str,
    pub contact_id: Option<&'a str>,
    /// `ghl` or `app`: where the record was deleted.
    pub deleted_in: &'a str,
    /// The record that would be deleted, on the other side.
    pub target_connection_id: &'a str,
    pub target_remote_id: &'a str,
    /// How the operator knows the record ("Ada Lovelace <ada@example.com>", a task's title).
    pub summary: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingDelete {
    pub id: i64,
    pub pair_id: String,
    pub object_kind: String,
    pub contact_id: Option<String>,
    pub deleted_in: String,
    pub target_connection_id: String,
    pub target_remote_id: String,
    pub summary: String,
    /// `waiting`, `approved` (the next sync carries it), `rejected` or `carried`.
    pub state: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

const COLUMNS: &str = "id, pair_id, object_kind, contact_id, deleted_in, target_connection_id, \
                       target_remote_id, summary, state, created_at, decided_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<PendingDelete> {
    Ok(PendingDelete {
        id: row.get(0)?,
        pair_id: row.get(1)?,
        object_kind: row.get(2)?,
        contact_id: row.get(3)?,
        deleted_in: row.get(4)?,
        target_connection_id: row.get(5)?,
        target_remote_id: row.get(6)?,
        summary: row.get(7)?,
        state: row.get(8)?,
        created_at: row.get(9)?,
        decided_at: row.get(10)?,
    })
}

/// Queues a delete for the operator. A delete already queued for the same record keeps its
/// row and decision (a sync that sees the same delete again changes nothing). Returns its id.
pub fn propose(
    conn: &Connection,
    delete: &NewDelete<'_>,
    now: DateTime<Utc>,
) -> Result<i64, BridgeError> {
    conn.execute_cached(
        "INSERT INTO pending_deletes (pair_id, object_kind, contact_id, deleted_in,
             target_connection_id, target_remote_id, summary, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (pair_id, object_kind, target_connection_id, target_remote_id) DO NOTHING",
        params![
            delete.pair_id,
            delete.object_kind,
            delete.contact_id,
            delete.deleted_in,
            delete.target_connection_id,
            delete.target_remote_id,
            delete.summary,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    conn.query_row_cached(
        "SELECT id FROM pending_deletes
         WHERE pair_id = ?1 AND object_kind = ?2 AND target_connection_id = ?3 AND target_remote_id = ?4",
        params![
            delete.pair_id,
            delete.object_kind,
            delete.target_connection_id,
            delete.target_remote_id
        ],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// Every delete not yet carried or rejected, oldest first (`waiting` and `approved`).
pub fn list_open(conn: &Connection) -> Result<Vec<PendingDelete>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM pending_deletes WHERE state IN ('waiting', 'approved') ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<PendingDelete>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM pending_deletes WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The delete queued for one record, whatever its state.
pub fn find(
    conn: &Connection,
    pair_id: &str,
    object_kind: &str,
    target_connection_id: &str,
    target_remote_id: &str,
) -> Result<Option<PendingDelete>, BridgeError> {
    conn.query_row_cached(
        &format!(
            "SELECT {COLUMNS} FROM pending_deletes WHERE pair_id = ?1 AND object_kind = ?2
               AND target_connection_id = ?3 AND target_remote_id = ?4"
        ),
        params![pair_id, object_kind, target_connection_id, target_remote_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// Takes back a delete not yet carried (the record came back): returns whether one was.
pub fn withdraw(
    conn: &Connection,
    pair_id: &str,
    object_kind: &str,
    target_connection_id: &str,
    target_remote_id: &str,
) -> Result<bool, BridgeError> {
    let removed = conn
        .execute(
            "DELETE FROM pending_deletes WHERE pair_id = ?1 AND object_kind = ?2
               AND target_connection_id = ?3 AND target_remote_id = ?4
               AND state IN ('waiting', 'approved', 'rejected')",
            params![pair_id, object_kind, target_connection_id, target_remote_id],
        )
        .map_err(storage_error)?;
    Ok(removed == 1)
}

/// The approved deletes of one pair and kind, for the sync to carry.
pub fn approved(
    conn: &Connection,
    pair_id: &str,
    object_kind: &str,
) -> Result<Vec<PendingDelete>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM pending_deletes
             WHERE pair_id = ?1 AND object_kind = ?2 AND state = 'approved' ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![pair_id, object_kind], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The operator's decision on a waiting delete: `approved` or `rejected`. A delete already
/// decided or carried is refused with the state it is in.
pub fn decide(
    conn: &Connection,
    id: i64,
    decision: &str,
    now: DateTime<Utc>,
) -> Result<PendingDelete, BridgeError> {
    if !matches!(decision, "approved" | "rejected") {
        return Err(BridgeError::internal(format!(
            "'{decision}' is not a decision on a delete"
        )));
    }
    let current = get(conn, id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("no delete waits with the id {id}"),
        )
    })?;
    if current.state != "waiting" {
        return Err(BridgeError::new(
            ErrorCode::Conflict,
            format!("delete {id} is already {}", current.state),
        ));
    }
    conn.execute_cached(
        "UPDATE pending_deletes SET state = ?2, decided_at = ?3 WHERE id = ?1 AND state = 'waiting'",
        params![id, decision, timestamp(now)],
    )
    .map_err(storage_error)?;
    get(conn, id)?.ok_or_else(|| BridgeError::internal(format!("delete {id} vanished")))
}

/// An approved delete was carried out (its journal operation is done), or found already
/// gone on the other side.
pub fn carried(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE pending_deletes SET state = 'carried', carried_at = ?2 WHERE id = ?1 AND state = 'approved'",
        params![id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::Store;

    #[test]
    fn a_delete_waits_once_is_decided_once_and_is_carried() {
        let store = Store::open_in_memory().unwrap();
        let pair = ghl_connection(store.conn(), "Pair");
        let target = ghl_connection(store.conn(), "Target");
        let contact = ghl_contact(store.conn(), &pair, "g1");
        let delete = NewDelete {
            pair_id: &pair,
            object_kind: "task",
            contact_id: Some(&contact),
            deleted_in: "ghl",
            target_connection_id: &target,
            target_remote_id: "t1",
            summary: "task \"Call back\" of Ada Lovelace <ada@example.com>",
        };
        let id = propose(store.conn(), &delete, at(1)).unwrap();
        assert_eq!(
            propose(store.conn(), &delete, at(2)).unwrap(),
            id,
            "seen again: one row"
        );
        assert_eq!(list_open(store.conn()).unwrap().len(), 1);
        assert!(approved(store.conn(), &pair, "task").unwrap().is_empty());

        let decided = decide(store.conn(), id, "approved", at(3)).unwrap();
        assert_eq!(decided.state, "approved");
        assert_eq!(
            decide(store.conn(), id, "rejected", at(4))
                .unwrap_err()
                .code,
            ErrorCode::Conflict,
            "decided once"
        );
        assert_eq!(approved(store.conn(), &pair, "task").unwrap().len(), 1);
        assert!(approved(store.conn(), &pair, "note").unwrap().is_empty());
        carried(store.conn(), id, at(5)).unwrap();
        assert!(list_open(store.conn()).unwrap().is_empty());
        assert_eq!(get(store.conn(), id).unwrap().unwrap().state, "carried");
        assert_eq!(
            decide(store.conn(), 99, "approved", at(6))
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
    }
}
