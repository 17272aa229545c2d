//! `activities`: the tasks, notes and appointments of each contact, per connection.
//! A per-contact list from a remote is a complete scan of that contact's records, so records
//! missing from it are marked deleted (never dropped silently).

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub contact_id: String,
    pub connection_id: String,
    /// task, note or appointment.
    pub kind: String,
    pub remote_id: String,
    pub title: String,
    pub body: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub completed: Option<bool>,
    pub status: Option<String>,
    pub content_hash: String,
}

/// What an upsert found: nothing before, the same content, or a different earlier version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Created,
    Unchanged,
    Updated { before: Box<Activity> },
}

const COLUMNS: &str = "contact_id, connection_id, kind, remote_id, title, body, starts_at, ends_at, completed, status, content_hash";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Activity> {
    Ok(Activity {
        contact_id: row.get(0)?,
        connection_id: row.get(1)?,
        kind: row.get(2)?,
        remote_id: row.get(3)?,
        title: row.get(4)?,
        body: row.get(5)?,
        starts_at: row.get(6)?,
        ends_at: row.get(7)?,
        completed: row.get(8)?,
        status: row.get(9)?,
        content_hash: row.get(10)?,
    })
}

pub fn get(
    conn: &Connection,
    connection_id: &str,
    kind: &str,
    remote_id: &str,
) -> Result<Option<Activity>, BridgeError> {
    conn.query_row_cached(
        &format!(
            "SELECT {COLUMNS} FROM activities WHERE connection_id = ?1 AND kind = ?2 AND remote_id = ?3 AND deleted_at IS NULL"
        ),
        params![connection_id, kind, remote_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// Stores one record as the remote returned it and says what changed.
pub fn upsert(
    conn: &Connection,
    activity: &Activity,
    now: DateTime<Utc>,
) -> Result<Change, BridgeError> {
    let before = get(
        conn,
        &activity.connection_id,
        &activity.kind,
        &activity.remote_id,
    )?;
    if before
        .as_ref()
        .is_some_and(|b| b.content_hash == activity.content_hash)
    {
        return Ok(Change::Unchanged);
    }
    conn.execute_cached(
        "INSERT INTO activities (contact_id, connection_id, kind, remote_id, title, body, starts_at, ends_at, completed, status,
                                 content_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
         ON CONFLICT (connection_id, kind, remote_id) DO UPDATE SET
             contact_id = excluded.contact_id, title = excluded.title, body = excluded.body,
             starts_at = excluded.starts_at, ends_at = excluded.ends_at, completed = excluded.completed,
             status = excluded.status, content_hash = excluded.content_hash, deleted_at = NULL,
             updated_at = excluded.updated_at",
        params![
            activity.contact_id,
            activity.connection_id,
            activity.kind,
            activity.remote_id,
            activity.title,
            activity.body,
            activity.starts_at,
            activity.ends_at,
            activity.completed,
            activity.status,
            activity.content_hash,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(match before {
        None => Change::Created,
        Some(before) => Change::Updated {
            before: Box::new(before),
        },
    })
}

/// Marks deleted the records of `kind` of one contact that the latest complete list did not
/// contain; returns them so the caller can put the deletion on the timeline.
pub fn mark_missing_deleted(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
    kind: &str,
    present_remote_ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<Activity>, BridgeError> {
    let live = for_contact_kind(conn, connection_id, contact_id, kind)?;
    let gone: Vec<Activity> = live
        .into_iter()
        .filter(|a| !present_remote_ids.contains(&a.remote_id))
        .collect();
    for activity in &gone {
        conn.execute_cached(
            "UPDATE activities SET deleted_at = ?4, updated_at = ?4 WHERE connection_id = ?1 AND kind = ?2 AND remote_id = ?3",
            params![connection_id, kind, activity.remote_id, timestamp(now)],
        )
        .map_err(storage_error)?;
    }
    Ok(gone)
}

/// The live records of `kind` of one connection: what a complete scan of it must list.
pub fn live_of_connection(
    conn: &Connection,
    connection_id: &str,
    kind: &str,
) -> Result<Vec<Activity>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activities
             WHERE connection_id = ?1 AND kind = ?2 AND deleted_at IS NULL ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, kind], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Whether the record was seen deleted (a "not found" or a complete list without it): a
/// record never stored is not deleted, only unknown.
pub fn is_deleted(
    conn: &Connection,
    connection_id: &str,
    kind: &str,
    remote_id: &str,
) -> Result<bool, BridgeError> {
    conn.query_row_cached(
        "SELECT deleted_at IS NOT NULL FROM activities WHERE connection_id = ?1 AND kind = ?2 AND remote_id = ?3",
        params![connection_id, kind, remote_id],
        |row| row.get(0),
    )
    .optional()
    .map(|deleted| deleted.unwrap_or(false))
    .map_err(storage_error)
}

/// Marks one record deleted (it answered 404); the row stays for the timeline.
pub fn mark_deleted(
    conn: &Connection,
    connection_id: &str,
    kind: &str,
    remote_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE activities SET deleted_at = ?4, updated_at = ?4 WHERE connection_id = ?1 AND kind = ?2 AND remote_id = ?3",
        params![connection_id, kind, remote_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// The open (not completed, not deleted) tasks stored for a GHL connection, each with the
/// GHL id of its contact: (task id, GHL contact id).
pub fn open_ghl_tasks(
    conn: &Connection,
    connection_id: &str,
) -> Result<Vec<(String, String)>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.remote_id, c.ghl_contact_id FROM activities a JOIN contacts c ON c.id = a.contact_id
             WHERE a.connection_id = ?1 AND a.kind = 'task' AND a.deleted_at IS NULL
               AND coalesce(a.completed, 0) = 0 AND c.ghl_contact_id IS NOT NULL",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([connection_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Live records of `kind` of one connection that start in `[from, to)` (stored times, RFC 3339
/// UTC with milliseconds, compare as text): what a complete location-wide listing of that
/// window must hold.
pub fn live_starting_between(
    conn: &Connection,
    connection_id: &str,
    kind: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Activity>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activities
             WHERE connection_id = ?1 AND kind = ?2 AND deleted_at IS NULL
               AND starts_at >= ?3 AND starts_at < ?4 ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(
            params![connection_id, kind, timestamp(from), timestamp(to)],
            from_row,
        )
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

fn for_contact_kind(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
    kind: &str,
) -> Result<Vec<Activity>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activities
             WHERE connection_id = ?1 AND contact_id = ?2 AND kind = ?3 AND deleted_at IS NULL ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, contact_id, kind], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Live records of one contact across every connection, in storage order.
pub fn for_contact(conn: &Connection, contact_id: &str) -> Result<Vec<Activity>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM activities WHERE contact_id = ?1 AND deleted_at IS NULL ORDER BY kind, id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([contact_id], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Contacts with a record of either connection stored or changed at or after `since` (every
/// contact with records when `None`): the ones whose children a pair must look at again.
pub fn contacts_changed_since(
    conn: &Connection,
    connection_ids: [&str; 2],
    since: Option<&str>,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT DISTINCT contact_id FROM activities
             WHERE connection_id IN (?1, ?2) AND (?3 IS NULL OR updated_at >= ?3)",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(
            params![connection_ids[0], connection_ids[1], since],
            |row| row.get(0),
        )
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The ids of `connection_id`'s activities stored or changed at or after `since`: the versions
/// that arrived since a plan read through `since`.
pub fn ids_changed_since(
    conn: &Connection,
    connection_id: &str,
    since: &str,
) -> Result<std::collections::BTreeSet<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT remote_id FROM activities WHERE connection_id = ?1 AND updated_at >= ?2",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, since], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// When an activity of these connections was last stored, as stored.
pub fn newest_update(
    conn: &Connection,
    connection_ids: [&str; 2],
) -> Result<Option<String>, BridgeError> {
    conn.query_row_cached(
        "SELECT max(updated_at) FROM activities WHERE connection_id IN (?1, ?2)",
        params![connection_ids[0], connection_ids[1]],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

pub fn count(conn: &Connection, connection_id: &str, kind: &str) -> Result<u64, BridgeError> {
    conn.query_row_cached(
        "SELECT count(*) FROM activities WHERE connection_id = ?1 AND kind = ?2 AND deleted_at IS NULL",
        params![connection_id, kind],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::Store;

    fn task(contact_id: &str, conn_id: &str, remote_id: &str, hash: &str) -> Activity {
        Activity {
            contact_id: contact_id.into(),
            connection_id: conn_id.into(),
            kind: "task".into(),
            remote_id: remote_id.into(),
            title: format!("Call back {remote_id}"),
            body: String::new(),
            starts_at: None,
            ends_at: None,
            completed: Some(false),
            status: None,
            content_hash: hash.into(),
        }
    }

    #[test]
    fn upsert_reports_created_unchanged_updated() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let cid = ghl_contact(store.conn(), &conn_id, "g1");
        let first = task(&cid, &conn_id, "t1", "a");
        assert_eq!(
            upsert(store.conn(), &first, at(2)).unwrap(),
            Change::Created
        );
        assert_eq!(
            upsert(store.conn(), &first, at(3)).unwrap(),
            Change::Unchanged
        );
        let mut done = first.clone();
        done.completed = Some(true);
        done.content_hash = "b".into();
        match upsert(store.conn(), &done, at(4)).unwrap() {
            Change::Updated { before } => assert_eq!(before.completed, Some(false)),
            other => panic!("expected an update, got {other:?}"),
        }
        assert_eq!(count(store.conn(), &conn_id, "task").unwrap(), 1);
    }

    #[test]
    fn records_missing_from_a_complete_list_are_marked_deleted() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let cid = ghl_contact(store.conn(), &conn_id, "g1");
        for id in ["t1", "t2", "t3"] {
            upsert(store.conn(), &task(&cid, &conn_id, id, id), at(2)).unwrap();
        }
        let gone = mark_missing_deleted(
            store.conn(),
            &conn_id,
            &cid,
            "task",
            &["t1".to_string(), "t3".to_string()],
            at(3),
        )
        .unwrap();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].remote_id, "t2");
        assert_eq!(for_contact(store.conn(), &cid).unwrap().len(), 2);
        assert_eq!(get(store.conn(), &conn_id, "task", "t2").unwrap(), None);
        // Seen again: it comes back to life as an update of the deleted row.
        assert_eq!(
            upsert(store.conn(), &task(&cid, &conn_id, "t2", "t2"), at(4)).unwrap(),
            Change::Created
        );
    }
}
