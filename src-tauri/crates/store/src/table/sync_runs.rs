//! `sync_runs`: one row per sync, with its outcome and the requests it spent.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{json_column, storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRow {
    pub id: String,
    pub trigger: String,
    pub dry_run: bool,
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub requests_spent: u64,
    pub rate_limited: u64,
    pub summary: serde_json::Value,
    pub error: Option<String>,
}

const COLUMNS: &str =
    "id, trigger, dry_run, status, started_at, finished_at, requests_spent, rate_limited, summary, error";

fn from_row(row: &Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: row.get(0)?,
        trigger: row.get(1)?,
        dry_run: row.get(2)?,
        status: row.get(3)?,
        started_at: row.get(4)?,
        finished_at: row.get(5)?,
        requests_spent: row.get(6)?,
        rate_limited: row.get(7)?,
        summary: json_column(row, 8)?,
        error: row.get(9)?,
    })
}

/// Opens a run in the `planning` state and returns its id.
pub fn start(
    conn: &Connection,
    trigger: &str,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<String, BridgeError> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute_cached(
        "INSERT INTO sync_runs (id, trigger, dry_run, status, started_at) VALUES (?1, ?2, ?3, 'planning', ?4)",
        params![id, trigger, dry_run, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(id)
}

pub struct RunOutcome<'a> {
    pub status: &'a str,
    pub requests_spent: u64,
    pub rate_limited: u64,
    pub summary: &'a serde_json::Value,
    pub error: Option<&'a str>,
}

pub fn finish(
    conn: &Connection,
    id: &str,
    outcome: &RunOutcome<'_>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE sync_runs SET status = ?2, requests_spent = ?3, rate_limited = ?4, summary = ?5, error = ?6, finished_at = ?7
         WHERE id = ?1",
        params![
            id,
            outcome.status,
            outcome.requests_spent,
            outcome.rate_limited,
            outcome.summary.to_string(),
            outcome.error,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<RunRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM sync_runs WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The newest runs first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<RunRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM sync_runs ORDER BY started_at DESC, rowid DESC LIMIT ?1"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([limit], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::at;
    use crate::Store;

    #[test]
    fn start_finish_and_list_newest_first() {
        let store = Store::open_in_memory().unwrap();
        let first = start(store.conn(), "cli", true, at(1)).unwrap();
        let second = start(store.conn(), "manual", false, at(2)).unwrap();
        finish(
            store.conn(),
            &first,
            &RunOutcome {
                status: "succeeded",
                requests_spent: 12,
                rate_limited: 1,
                summary: &serde_json::json!({"ghl": {"update": 3}}),
                error: None,
            },
            at(3),
        )
        .unwrap();
        let runs = recent(store.conn(), 10).unwrap();
        assert_eq!(
            runs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            [second.as_str(), first.as_str()]
        );
        let done = get(store.conn(), &first).unwrap().unwrap();
        assert_eq!(done.status, "succeeded");
        assert_eq!(done.requests_spent, 12);
        assert!(done.dry_run);
        assert_eq!(done.summary["ghl"]["update"], 3);
        assert!(done.finished_at.is_some());
    }
}
