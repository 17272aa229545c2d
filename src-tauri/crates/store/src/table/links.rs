//! `links`: which remote record (per connection and kind) belongs to which local contact,
//! and the hash of what we last wrote there (echo suppression).

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{storage_error, timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkRow {
    pub contact_id: String,
    pub connection_id: String,
    pub object_kind: String,
    pub local_object_id: Option<String>,
    pub remote_id: String,
    pub last_written_hash: Option<String>,
    pub last_seen_hash: Option<String>,
}

const COLUMNS: &str = "contact_id, connection_id, object_kind, local_object_id, remote_id, last_written_hash, last_seen_hash";

fn from_row(row: &Row<'_>) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        contact_id: row.get(0)?,
        connection_id: row.get(1)?,
        object_kind: row.get(2)?,
        local_object_id: row.get(3)?,
        remote_id: row.get(4)?,
        last_written_hash: row.get(5)?,
        last_seen_hash: row.get(6)?,
    })
}

/// Records (or re-points) the link of one remote record.
pub fn upsert(conn: &Connection, link: &LinkRow, now: DateTime<Utc>) -> Result<(), BridgeError> {
    conn.execute(
        "INSERT INTO links (contact_id, connection_id, object_kind, local_object_id, remote_id, last_written_hash, last_seen_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (connection_id, object_kind, remote_id) DO UPDATE SET
             contact_id = excluded.contact_id, local_object_id = excluded.local_object_id,
             last_written_hash = excluded.last_written_hash, last_seen_hash = excluded.last_seen_hash,
             updated_at = excluded.updated_at",
        params![
            link.contact_id,
            link.connection_id,
            link.object_kind,
            link.local_object_id,
            link.remote_id,
            link.last_written_hash,
            link.last_seen_hash,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn find_remote(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
) -> Result<Option<LinkRow>, BridgeError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM links WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3"),
        params![connection_id, object_kind, remote_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

pub fn for_contact(conn: &Connection, contact_id: &str) -> Result<Vec<LinkRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM links WHERE contact_id = ?1 ORDER BY connection_id, object_kind, remote_id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([contact_id], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// How many contacts are linked to records of `connection_id`.
/// Contacts whose record in `connection_id` was linked at or after `since` (all when `None`).
pub fn contacts_linked_since(
    conn: &Connection,
    connection_id: &str,
    since: Option<&str>,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT contact_id FROM links
             WHERE connection_id = ?1 AND object_kind = 'contact' AND (?2 IS NULL OR created_at >= ?2)",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, since], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

pub fn count_contacts(conn: &Connection, connection_id: &str) -> Result<u64, BridgeError> {
    conn.query_row(
        "SELECT count(*) FROM links WHERE connection_id = ?1 AND object_kind = 'contact'",
        [connection_id],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// The agreed values of a contact's link to `connection_id` (empty when never synced).
pub fn base(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, BridgeError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT base FROM links WHERE connection_id = ?1 AND contact_id = ?2 AND object_kind = 'contact'",
            params![connection_id, contact_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    match text {
        None => Ok(serde_json::Map::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            BridgeError::storage(format!(
                "link base of contact {contact_id} is not JSON: {e}"
            ))
        }),
    }
}

/// Merges `settled` into the link's base: a null value removes the field.
pub fn settle_base(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
    settled: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let mut merged = base(conn, connection_id, contact_id)?;
    for (field, value) in settled {
        if value.is_null() {
            merged.remove(field);
        } else {
            merged.insert(field.clone(), value.clone());
        }
    }
    let changed = conn
        .execute(
            "UPDATE links SET base = ?3, updated_at = ?4 WHERE connection_id = ?1 AND contact_id = ?2 AND object_kind = 'contact'",
            params![connection_id, contact_id, serde_json::Value::Object(merged).to_string(), timestamp(now)],
        )
        .map_err(storage_error)?;
    if changed == 0 {
        return Err(BridgeError::internal(format!(
            "contact {contact_id} has no link to {connection_id} to record its base on"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::Store;

    #[test]
    fn upsert_repoints_and_keeps_one_row_per_remote_record() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let a = ghl_contact(store.conn(), &conn_id, "g1");
        let b = ghl_contact(store.conn(), &conn_id, "g2");

        let mut link = LinkRow {
            contact_id: a.clone(),
            connection_id: conn_id.clone(),
            object_kind: "contact".into(),
            local_object_id: None,
            remote_id: "r-9".into(),
            last_written_hash: Some("w1".into()),
            last_seen_hash: None,
        };
        upsert(store.conn(), &link, at(3)).unwrap();
        link.contact_id = b.clone();
        upsert(store.conn(), &link, at(4)).unwrap();

        let found = find_remote(store.conn(), &conn_id, "contact", "r-9")
            .unwrap()
            .unwrap();
        assert_eq!(found.contact_id, b);
        assert!(for_contact(store.conn(), &a).unwrap().is_empty());
        assert_eq!(for_contact(store.conn(), &b).unwrap().len(), 1);

        let settled = serde_json::json!({"Email": "a@x.org", "Phone": "+1"});
        settle_base(
            store.conn(),
            &conn_id,
            &b,
            settled.as_object().unwrap(),
            at(5),
        )
        .unwrap();
        let cleared = serde_json::json!({"Phone": null});
        settle_base(
            store.conn(),
            &conn_id,
            &b,
            cleared.as_object().unwrap(),
            at(6),
        )
        .unwrap();
        assert_eq!(
            serde_json::Value::Object(base(store.conn(), &conn_id, &b).unwrap()),
            serde_json::json!({"Email": "a@x.org"})
        );
        assert!(base(store.conn(), &conn_id, &a).unwrap().is_empty());
    }
}
