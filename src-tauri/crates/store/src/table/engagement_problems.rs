//! `engagement_problems`: rows of an app's engagement export the follow-up rule could not read
//! (a date that is not a date, a row without an email), listed for the operator by the row,
//! field, value and reason instead of only logged.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, timestamp};

/// A problem as the rule finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEngagementProblem<'a> {
    pub pair_id: &'a str,
    /// The row, in the operator's words.
    pub record: &'a str,
    pub email: Option<&'a str>,
    pub activity_id: Option<&'a str>,
    /// The export's column.
    pub field: &'a str,
    /// The value, as JSON.
    pub value: &'a str,
    pub reason: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngagementProblemRow {
    pub id: i64,
    pub pair_id: String,
    pub record: String,
    pub email: Option<String>,
    pub activity_id: Option<String>,
    pub field: String,
    pub value: String,
    pub reason: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<EngagementProblemRow> {
    Ok(EngagementProblemRow {
        id: row.get(0)?,
        pair_id: row.get(1)?,
        record: row.get(2)?,
        email: row.get(3)?,
        activity_id: row.get(4)?,
        field: row.get(5)?,
        value: row.get(6)?,
        reason: row.get(7)?,
        first_seen_at: row.get(8)?,
        last_seen_at: row.get(9)?,
    })
}

/// Records (or refreshes) a problem; one listed already keeps when it was first seen.
pub fn record(
    conn: &Connection,
    problem: &NewEngagementProblem<'_>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute(
        "INSERT INTO engagement_problems (pair_id, record, email, activity_id, field, value,
             reason, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (pair_id, record, field) DO UPDATE SET
             value = excluded.value, reason = excluded.reason, last_seen_at = excluded.last_seen_at",
        params![
            problem.pair_id,
            problem.record,
            problem.email,
            problem.activity_id,
            problem.field,
            problem.value,
            problem.reason,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Every listed problem, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<EngagementProblemRow>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, pair_id, record, email, activity_id, field, value, reason, first_seen_at,
                 last_seen_at
             FROM engagement_problems ORDER BY id",
        )
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    #[test]
    fn a_problem_is_listed_once_and_keeps_when_it_was_first_seen() {
        let store = Store::open_in_memory().unwrap();
        let pair = ghl_connection(store.conn(), "Pair");
        let problem = NewEngagementProblem {
            pair_id: &pair,
            record: "row 3 of the activities export",
            email: Some("ann@example.com"),
            activity_id: None,
            field: "Date",
            value: "\"yesterday\"",
            reason: "not an ISO 8601 instant",
        };
        record(store.conn(), &problem, at(1)).unwrap();
        record(store.conn(), &problem, at(2)).unwrap();
        let listed = list(store.conn()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].first_seen_at, timestamp(at(1)));
        assert_eq!(listed[0].last_seen_at, timestamp(at(2)));
        assert_eq!(listed[0].email.as_deref(), Some("ann@example.com"));
    }
}
