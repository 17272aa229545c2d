//! `cursors`: where each incremental pull stopped. Callers set a cursor in the same
//! transaction that stores the page it points past, so a crash never skips records.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::{storage_error, timestamp, Cached};

pub fn get(
    conn: &Connection,
    connection_id: &str,
    stream: &str,
) -> Result<Option<String>, BridgeError> {
    conn.query_row_cached(
        "SELECT value FROM cursors WHERE connection_id = ?1 AND stream = ?2",
        params![connection_id, stream],
        |row| row.get(0),
    )
    .optional()
    .map_err(storage_error)
}

pub fn set(
    conn: &Connection,
    connection_id: &str,
    stream: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO cursors (connection_id, stream, value, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (connection_id, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![connection_id, stream, value, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Forgets a cursor: the next pull of that stream reads from the start.
pub fn clear(conn: &Connection, connection_id: &str, stream: &str) -> Result<(), BridgeError> {
    conn.execute_cached(
        "DELETE FROM cursors WHERE connection_id = ?1 AND stream = ?2",
        params![connection_id, stream],
    )
    .map_err(storage_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    #[test]
    fn cursor_set_replaces_and_rolls_back_with_its_transaction() {
        let mut store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        assert_eq!(get(store.conn(), &id, "contacts").unwrap(), None);
        set(store.conn(), &id, "contacts", "100", at(2)).unwrap();
        set(store.conn(), &id, "contacts", "200", at(3)).unwrap();
        assert_eq!(
            get(store.conn(), &id, "contacts").unwrap().as_deref(),
            Some("200")
        );

        let failed: Result<(), BridgeError> = store.with_tx(|tx| {
            set(tx, &id, "contacts", "300", at(4))?;
            Err(BridgeError::internal("page was not stored"))
        });
        assert!(failed.is_err());
        assert_eq!(
            get(store.conn(), &id, "contacts").unwrap().as_deref(),
            Some("200")
        );
    }
}
