//! `mappings`: the field mapping of one connection and object kind, stored as JSON.
//! Validation belongs to bridge-core's mapping rules; this table only keeps what passed.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{storage_error, timestamp, Cached};

pub fn save(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    spec: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO mappings (connection_id, object_kind, spec, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (connection_id, object_kind) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
        params![connection_id, object_kind, spec.to_string(), timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn get(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
) -> Result<Option<serde_json::Value>, BridgeError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT spec FROM mappings WHERE connection_id = ?1 AND object_kind = ?2",
            params![connection_id, object_kind],
            |row| row.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            BridgeError::storage(format!(
                "mapping of {connection_id}/{object_kind} is not valid JSON: {e}"
            ))
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    #[test]
    fn save_replaces_the_mapping_of_one_kind() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        assert_eq!(get(store.conn(), &id, "contact").unwrap(), None);
        save(
            store.conn(),
            &id,
            "contact",
            &serde_json::json!({"fields": [1]}),
            at(2),
        )
        .unwrap();
        save(
            store.conn(),
            &id,
            "contact",
            &serde_json::json!({"fields": [2]}),
            at(3),
        )
        .unwrap();
        assert_eq!(
            get(store.conn(), &id, "contact").unwrap(),
            Some(serde_json::json!({"fields": [2]}))
        );
        assert!(save(store.conn(), &id, "invoice", &serde_json::json!({}), at(2)).is_err());
    }
}
