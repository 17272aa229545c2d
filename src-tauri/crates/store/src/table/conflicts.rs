//! `conflicts`: fields waiting for the operator to keep one side.

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictRow {
    pub id: i64,
    pub connection_id: String,
    pub contact_id: String,
    /// The app field of the mapping line.
    pub field: String,
    /// JSON values: what both sides last agreed on, and each side now (in the app's terms).
    pub base_value: Option<String>,
    pub ghl_value: Option<String>,
    pub app_value: Option<String>,
}

const COLUMNS: &str = "id, connection_id, contact_id, field, base_value, ghl_value, app_value";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ConflictRow> {
    Ok(ConflictRow {
        id: row.get(0)?,
        connection_id: row.get(1)?,
        contact_id: row.get(2)?,
        field: row.get(3)?,
        base_value: row.get(4)?,
        ghl_value: row.get(5)?,
        app_value: row.get(6)?,
    })
}

/// Records (or refreshes with the latest values) an open conflict.
pub fn open(
    conn: &Connection,
    conflict: &ConflictRow,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO conflicts (connection_id, contact_id, field, base_value, ghl_value, app_value, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (connection_id, contact_id, field) DO UPDATE SET
             base_value = excluded.base_value, ghl_value = excluded.ghl_value, app_value = excluded.app_value,
             resolved_at = NULL, kept = NULL",
        params![
            conflict.connection_id,
            conflict.contact_id,
            conflict.field,
            conflict.base_value,
            conflict.ghl_value,
            conflict.app_value,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn list_open(conn: &Connection) -> Result<Vec<ConflictRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conflicts WHERE resolved_at IS NULL ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

pub fn get_open(conn: &Connection, id: i64) -> Result<ConflictRow, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM conflicts WHERE id = ?1 AND resolved_at IS NULL"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)?
    .ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("no open conflict has the id {id}"),
        )
    })
}

pub fn resolve(
    conn: &Connection,
    id: i64,
    kept: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE conflicts SET resolved_at = ?2, kept = ?3 WHERE id = ?1",
        params![id, timestamp(now), kept],
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
    fn a_conflict_opens_once_and_resolves() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let contact = ghl_contact(store.conn(), &conn_id, "g1");
        let mut conflict = ConflictRow {
            id: 0,
            connection_id: conn_id.clone(),
            contact_id: contact,
            field: "FirstName".into(),
            base_value: Some("\"Ada\"".into()),
            ghl_value: Some("\"Augusta\"".into()),
            app_value: Some("\"Ada B.\"".into()),
        };
        open(store.conn(), &conflict, at(1)).unwrap();
        conflict.app_value = Some("\"Ada C.\"".into());
        open(store.conn(), &conflict, at(2)).unwrap();
        let listed = list_open(store.conn()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].app_value.as_deref(), Some("\"Ada C.\""));
        resolve(store.conn(), listed[0].id, "ghl", at(3)).unwrap();
        assert!(list_open(store.conn()).unwrap().is_empty());
        assert_eq!(
            get_open(store.conn(), listed[0].id).unwrap_err().code,
            ErrorCode::NotFound
        );
    }
}
