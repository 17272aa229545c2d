//! `connection_checks`: the last result of each connection's checks (`bridge doctor`, the
//! window's Test button), one row per capability.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRow {
    pub capability: String,
    pub ok: bool,
    /// One plain sentence: what was proven, or what to do in the app.
    pub message: String,
    pub checked_at: String,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<CheckRow> {
    Ok(CheckRow {
        capability: row.get(0)?,
        ok: row.get(1)?,
        message: row.get(2)?,
        checked_at: row.get(3)?,
    })
}

/// Replaces the connection's stored results with `checks` (capability, ok, message): a
/// capability no longer checked does not keep an old failure.
pub fn record(
    conn: &Connection,
    connection_id: &str,
    checks: &[(String, bool, String)],
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let tx = conn.unchecked_transaction().map_err(storage_error)?;
    tx.execute_cached(
        "DELETE FROM connection_checks WHERE connection_id = ?1",
        [connection_id],
    )
    .map_err(storage_error)?;
    for (capability, ok, message) in checks {
        tx.execute_cached(
            "INSERT INTO connection_checks (connection_id, capability, ok, message, checked_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (connection_id, capability) DO UPDATE SET
                 ok = excluded.ok AND connection_checks.ok, message = CASE WHEN excluded.ok THEN connection_checks.message ELSE excluded.message END",
            params![connection_id, capability, ok, message, timestamp(now)],
        )
        .map_err(storage_error)?;
    }
    tx.commit().map_err(storage_error)
}

/// Records one capability's result, leaving the others as they are: what a sync learns
/// about a capability on its own (GHL refusing the calendars scope) until the next full check.
pub fn record_one(
    conn: &Connection,
    connection_id: &str,
    capability: &str,
    ok: bool,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO connection_checks (connection_id, capability, ok, message, checked_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (connection_id, capability) DO UPDATE SET
             ok = excluded.ok, message = excluded.message, checked_at = excluded.checked_at",
        params![connection_id, capability, ok, message, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// The connection's last results, by capability.
pub fn list(conn: &Connection, connection_id: &str) -> Result<Vec<CheckRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT capability, ok, message, checked_at FROM connection_checks
             WHERE connection_id = ?1 ORDER BY capability",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([connection_id], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The capabilities whose last check failed, with the sentence that says why.
pub fn failed(conn: &Connection, connection_id: &str) -> Result<Vec<CheckRow>, BridgeError> {
    Ok(list(conn, connection_id)?
        .into_iter()
        .filter(|c| !c.ok)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    fn check(capability: &str, ok: bool, message: &str) -> (String, bool, String) {
        (capability.into(), ok, message.into())
    }

    #[test]
    fn a_new_result_replaces_the_old_and_failures_are_listed() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        record(
            store.conn(),
            &id,
            &[
                check("contacts", true, "contacts can be read"),
                check("appointments", false, "add the calendars.readonly scope"),
            ],
            at(1),
        )
        .unwrap();
        let failed_now = failed(store.conn(), &id).unwrap();
        assert_eq!(failed_now.len(), 1);
        assert_eq!(failed_now[0].capability, "appointments");
        assert_eq!(failed_now[0].message, "add the calendars.readonly scope");

        record(
            store.conn(),
            &id,
            &[check("contacts", true, "contacts can be read")],
            at(2),
        )
        .unwrap();
        assert!(failed(store.conn(), &id).unwrap().is_empty());
        assert_eq!(list(store.conn(), &id).unwrap().len(), 1);
    }

    #[test]
    fn two_checks_of_one_capability_fail_if_either_fails() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        record(
            store.conn(),
            &id,
            &[
                check("tasks", true, "tasks can be read"),
                check("tasks", false, "add the tasks/write scope"),
            ],
            at(1),
        )
        .unwrap();
        let failed_now = failed(store.conn(), &id).unwrap();
        assert_eq!(failed_now.len(), 1);
        assert_eq!(failed_now[0].message, "add the tasks/write scope");
    }
}
