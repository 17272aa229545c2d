//! `remote_records`: what the apps beside GHL hold, as last pulled.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{Map, Value};

use crate::{json_column, storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteRecord {
    pub connection_id: String,
    pub object_kind: String,
    pub remote_id: String,
    pub contact_id: Option<String>,
    pub values: Map<String, Value>,
    pub content_hash: String,
    pub remote_updated_at: Option<String>,
}

const COLUMNS: &str =
    "connection_id, object_kind, remote_id, contact_id, field_values, content_hash, remote_updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<RemoteRecord> {
    Ok(RemoteRecord {
        connection_id: row.get(0)?,
        object_kind: row.get(1)?,
        remote_id: row.get(2)?,
        contact_id: row.get(3)?,
        values: json_column(row, 4)?,
        content_hash: row.get(5)?,
        remote_updated_at: row.get(6)?,
    })
}

/// How many of a connection's records of `kind` are linked to no GHL contact (only in the app).
pub fn count_unlinked(
    conn: &Connection,
    connection_id: &str,
    kind: &str,
) -> Result<u64, BridgeError> {
    conn.query_row_cached(
        "SELECT count(*) FROM remote_records WHERE connection_id = ?1 AND object_kind = ?2 AND contact_id IS NULL",
        [connection_id, kind],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// Stores a pulled record; returns false (and changes nothing) when its content is unchanged.
pub fn upsert(
    conn: &Connection,
    record: &RemoteRecord,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let stored = get(
        conn,
        &record.connection_id,
        &record.object_kind,
        &record.remote_id,
    )?;
    if stored
        .as_ref()
        .is_some_and(|s| s.content_hash == record.content_hash && s.contact_id == record.contact_id)
    {
        return Ok(false);
    }
    conn.execute_cached(
        &format!(
            "INSERT INTO remote_records ({COLUMNS}, dirty, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)
             ON CONFLICT (connection_id, object_kind, remote_id) DO UPDATE SET
                 contact_id = excluded.contact_id, field_values = excluded.field_values,
                 content_hash = excluded.content_hash, remote_updated_at = excluded.remote_updated_at,
                 dirty = 1, updated_at = excluded.updated_at"
        ),
        params![
            record.connection_id,
            record.object_kind,
            record.remote_id,
            record.contact_id,
            Value::Object(record.values.clone()).to_string(),
            record.content_hash,
            record.remote_updated_at,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(true)
}

pub fn get(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
) -> Result<Option<RemoteRecord>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM remote_records WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3"),
        params![connection_id, object_kind, remote_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The record of one kind linked to a contact in one connection.
pub fn for_contact(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    contact_id: &str,
) -> Result<Option<RemoteRecord>, BridgeError> {
    conn.query_row_cached(
        // The unary `+` keeps SQLite on the contact index: without statistics it prefers
        // (connection_id, object_kind, updated_at) from migration 0023, which scans every
        // record of the pair for each contact (the plan of a 100,000-contact pair went
        // quadratic; found with the scale bench and EXPLAIN QUERY PLAN).
        &format!("SELECT {COLUMNS} FROM remote_records WHERE +connection_id = ?1 AND +object_kind = ?2 AND contact_id = ?3"),
        params![connection_id, object_kind, contact_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// Records of one kind last stored before `before`, linked to a contact: for an app that
/// forgets records not written for a while.
pub fn written_before(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    before: DateTime<Utc>,
) -> Result<Vec<RemoteRecord>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM remote_records
             WHERE connection_id = ?1 AND object_kind = ?2 AND updated_at < ?3
               AND contact_id IS NOT NULL
             ORDER BY updated_at, remote_id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(
            params![connection_id, object_kind, timestamp(before)],
            from_row,
        )
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Contacts whose record in `connection_id` changed since the last plan.
pub fn dirty_contacts(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT contact_id FROM remote_records
             WHERE connection_id = ?1 AND object_kind = ?2 AND dirty = 1 AND contact_id IS NOT NULL",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, object_kind], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The ids of a connection's live records of one kind (not marked deleted), for a complete
/// scan to tell which ones its app no longer lists.
pub fn live_ids(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT remote_id FROM remote_records
             WHERE connection_id = ?1 AND object_kind = ?2 AND deleted_at IS NULL",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, object_kind], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The ids of a connection's records of one kind marked deleted, with their contacts.
pub fn deleted(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
) -> Result<Vec<(String, Option<String>)>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT remote_id, contact_id FROM remote_records
             WHERE connection_id = ?1 AND object_kind = ?2 AND deleted_at IS NOT NULL",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, object_kind], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Marks a record deleted in its app (`Some`) or listed again (`None`).
pub fn set_deleted(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
    at: Option<DateTime<Utc>>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE remote_records SET deleted_at = ?4
         WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3",
        params![connection_id, object_kind, remote_id, at.map(timestamp)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Makes the next sync plan this contact again (e.g. once its conflict is resolved).
pub fn mark_dirty(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE remote_records SET dirty = 1 WHERE connection_id = ?1 AND contact_id = ?2",
        params![connection_id, contact_id],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Marks as planned the contact records a plan read, each only if it still holds the content
/// read (`(remote id, content hash)`): one pulled again with new content since stays due.
pub fn mark_planned(
    conn: &Connection,
    connection_id: &str,
    read: &[(String, String)],
) -> Result<(), BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "UPDATE remote_records SET dirty = 0
             WHERE connection_id = ?1 AND object_kind = 'contact' AND remote_id = ?2
               AND content_hash = ?3 AND dirty = 1",
        )
        .map_err(storage_error)?;
    for (remote_id, content_hash) in read {
        stmt.execute(params![connection_id, remote_id, content_hash])
            .map_err(storage_error)?;
    }
    Ok(())
}

/// After a write we made: the record holds `changes` now (null clears a field).
pub fn merge_written(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
    contact_id: &str,
    changes: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let mut values = get(conn, connection_id, object_kind, remote_id)?
        .map(|r| r.values)
        .unwrap_or_default();
    for (field, value) in changes {
        if value.is_null() {
            values.remove(field);
        } else {
            values.insert(field.clone(), value.clone());
        }
    }
    conn.execute_cached(
        &format!(
            "INSERT INTO remote_records ({COLUMNS}, dirty, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, '', NULL, 0, ?6)
             ON CONFLICT (connection_id, object_kind, remote_id) DO UPDATE SET
                 contact_id = excluded.contact_id, field_values = excluded.field_values,
                 content_hash = '', updated_at = excluded.updated_at"
        ),
        params![connection_id, object_kind, remote_id, contact_id, Value::Object(values).to_string(), timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::Store;
    use serde_json::json;

    #[test]
    fn pulled_records_are_dirty_until_planned_and_unchanged_ones_stay_clean() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let contact = ghl_contact(store.conn(), &conn_id, "g1");
        let record = RemoteRecord {
            connection_id: conn_id.clone(),
            object_kind: "contact".into(),
            remote_id: "m1".into(),
            contact_id: Some(contact.clone()),
            values: json!({"Email": "ada@example.com"})
                .as_object()
                .unwrap()
                .clone(),
            content_hash: "h1".into(),
            remote_updated_at: None,
        };
        assert!(upsert(store.conn(), &record, at(1)).unwrap());
        assert_eq!(
            dirty_contacts(store.conn(), &conn_id, "contact").unwrap(),
            vec![contact.clone()]
        );
        mark_planned(store.conn(), &conn_id, &[("m1".into(), "h1".into())]).unwrap();
        assert!(
            !upsert(store.conn(), &record, at(2)).unwrap(),
            "same content: no change"
        );
        assert!(dirty_contacts(store.conn(), &conn_id, "contact")
            .unwrap()
            .is_empty());

        // Pulled again with new content after a plan read it: planning the old content does
        // not clear the new one.
        let changed = RemoteRecord {
            content_hash: "h2".into(),
            ..record.clone()
        };
        assert!(upsert(store.conn(), &changed, at(2)).unwrap());
        mark_planned(store.conn(), &conn_id, &[("m1".into(), "h1".into())]).unwrap();
        assert_eq!(
            dirty_contacts(store.conn(), &conn_id, "contact").unwrap(),
            vec![contact.clone()],
            "the change arrived after the plan read the record"
        );
        mark_planned(store.conn(), &conn_id, &[("m1".into(), "h2".into())]).unwrap();
        assert!(dirty_contacts(store.conn(), &conn_id, "contact")
            .unwrap()
            .is_empty());

        let changes = json!({"FirstName": "Ada", "Email": null});
        merge_written(
            store.conn(),
            &conn_id,
            "contact",
            "m1",
            &contact,
            changes.as_object().unwrap(),
            at(3),
        )
        .unwrap();
        let stored = for_contact(store.conn(), &conn_id, "contact", &contact)
            .unwrap()
            .unwrap();
        assert_eq!(Value::Object(stored.values), json!({"FirstName": "Ada"}));
        assert!(
            dirty_contacts(store.conn(), &conn_id, "contact")
                .unwrap()
                .is_empty(),
            "our own write is not a change"
        );
    }
}
