//! `custom_fields`: the custom field definitions of each connection.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    pub field_id: String,
    /// e.g. `contact.membership_level`: what mappings and stored values use.
    pub field_key: String,
    pub name: String,
    pub data_type: String,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<CustomField> {
    Ok(CustomField {
        field_id: row.get(0)?,
        field_key: row.get(1)?,
        name: row.get(2)?,
        data_type: row.get(3)?,
    })
}

/// Replaces the whole list of one connection (the remote's list is complete).
pub fn replace(
    conn: &Connection,
    connection_id: &str,
    fields: &[CustomField],
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "DELETE FROM custom_fields WHERE connection_id = ?1",
        [connection_id],
    )
    .map_err(storage_error)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO custom_fields (connection_id, field_id, field_key, name, data_type, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(storage_error)?;
    let now = timestamp(now);
    for field in fields {
        insert
            .execute(params![
                connection_id,
                field.field_id,
                field.field_key,
                field.name,
                field.data_type,
                now
            ])
            .map_err(storage_error)?;
    }
    Ok(())
}

pub fn list(conn: &Connection, connection_id: &str) -> Result<Vec<CustomField>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT field_id, field_key, name, data_type FROM custom_fields
             WHERE connection_id = ?1 ORDER BY name, field_key",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([connection_id], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    fn field(id: &str, key: &str) -> CustomField {
        CustomField {
            field_id: id.into(),
            field_key: key.into(),
            name: key.to_uppercase(),
            data_type: "TEXT".into(),
        }
    }

    #[test]
    fn replace_swaps_the_whole_list() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        replace(
            store.conn(),
            &id,
            &[field("f1", "contact.a"), field("f2", "contact.b")],
            at(1),
        )
        .unwrap();
        replace(store.conn(), &id, &[field("f3", "contact.c")], at(2)).unwrap();
        let listed = list(store.conn(), &id).unwrap();
        assert_eq!(listed, vec![field("f3", "contact.c")]);
    }
}
