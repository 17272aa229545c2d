//! `record_problems`: values of one record's field that cannot be synced (unreadable, or
//! refused for good by the side written to), listed for the operator with the record as they
//! know it. That field of that record is skipped while the value stays the same.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, timestamp};

/// A problem as the sync finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem<'a> {
    pub pair_id: &'a str,
    pub contact_id: &'a str,
    /// `unreadable` or `refused`.
    pub kind: &'a str,
    /// `ghl` or `app`: the side holding the value.
    pub side: &'a str,
    /// The field in that side's terms.
    pub field: &'a str,
    /// The value, as JSON.
    pub value: &'a str,
    pub reason: &'a str,
}

/// A problem as the operator sees it: the record by name, email and ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemRow {
    pub id: i64,
    pub pair_id: String,
    pub contact_id: String,
    pub kind: String,
    pub side: String,
    pub field: String,
    pub value: String,
    pub reason: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
    /// The contact as GHL holds it (empty before it reaches GHL).
    pub name: String,
    pub email: Option<String>,
    pub ghl_contact_id: Option<String>,
    /// The pair app's record of the contact, when linked.
    pub app_record_id: Option<String>,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<ProblemRow> {
    let first: Option<String> = row.get(10)?;
    let last: Option<String> = row.get(11)?;
    let ghl_id: Option<String> = row.get(13)?;
    Ok(ProblemRow {
        id: row.get(0)?,
        pair_id: row.get(1)?,
        contact_id: row.get(2)?,
        kind: row.get(3)?,
        side: row.get(4)?,
        field: row.get(5)?,
        value: row.get(6)?,
        reason: row.get(7)?,
        first_seen_at: row.get(8)?,
        last_seen_at: row.get(9)?,
        name: [first, last]
            .into_iter()
            .flatten()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        email: row.get(12)?,
        ghl_contact_id: ghl_id.filter(|id| !id.is_empty()),
        app_record_id: row.get(14)?,
    })
}

/// Records (or refreshes) a problem; a problem already listed keeps when it was first seen.
pub fn record(
    conn: &Connection,
    problem: &NewProblem<'_>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute(
        "INSERT INTO record_problems (pair_id, contact_id, kind, side, field, value, reason,
             first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (pair_id, contact_id, kind, side, field) DO UPDATE SET
             value = excluded.value, reason = excluded.reason, last_seen_at = excluded.last_seen_at,
             first_seen_at = CASE WHEN record_problems.value = excluded.value
                                  THEN record_problems.first_seen_at ELSE excluded.first_seen_at END",
        params![
            problem.pair_id,
            problem.contact_id,
            problem.kind,
            problem.side,
            problem.field,
            problem.value,
            problem.reason,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Forgets a contact's problems of one kind in a pair (before the ones a new plan found are
/// recorded: a fixed value is no longer a problem).
pub fn clear(
    conn: &Connection,
    pair_id: &str,
    contact_id: &str,
    kind: &str,
) -> Result<(), BridgeError> {
    conn.execute(
        "DELETE FROM record_problems WHERE pair_id = ?1 AND contact_id = ?2 AND kind = ?3",
        params![pair_id, contact_id, kind],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Forgets one problem (its field was written after all, or its value changed).
pub fn remove(conn: &Connection, id: i64) -> Result<(), BridgeError> {
    conn.execute("DELETE FROM record_problems WHERE id = ?1", [id])
        .map_err(storage_error)?;
    Ok(())
}

const SELECT: &str =
    "SELECT p.id, p.pair_id, p.contact_id, p.kind, p.side, p.field, p.value, p.reason,
        p.first_seen_at, p.last_seen_at, c.first_name, c.last_name, c.email, c.ghl_contact_id,
        (SELECT l.remote_id FROM links l WHERE l.contact_id = p.contact_id
            AND l.connection_id = p.pair_id AND l.object_kind = 'contact' LIMIT 1)
    FROM record_problems p JOIN contacts c ON c.id = p.contact_id";

/// Every problem, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<ProblemRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!("{SELECT} ORDER BY p.id"))
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// One pair's problems of one kind.
pub fn for_pair(
    conn: &Connection,
    pair_id: &str,
    kind: &str,
) -> Result<Vec<ProblemRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
            "{SELECT} WHERE p.pair_id = ?1 AND p.kind = ?2 ORDER BY p.id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![pair_id, kind], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::Store;

    #[test]
    fn a_problem_is_listed_once_with_its_record_and_cleared_when_fixed() {
        let store = Store::open_in_memory().unwrap();
        let pair = ghl_connection(store.conn(), "Pair");
        let contact = ghl_contact(store.conn(), &pair, "g1");
        let problem = NewProblem {
            pair_id: &pair,
            contact_id: &contact,
            kind: "unreadable",
            side: "ghl",
            field: "phone",
            value: "\"call me\"",
            reason: "phone 'call me' is not a phone number",
        };
        record(store.conn(), &problem, at(1)).unwrap();
        record(store.conn(), &problem, at(2)).unwrap();
        let listed = list(store.conn()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].first_seen_at, timestamp(at(1)));
        assert_eq!(listed[0].last_seen_at, timestamp(at(2)));
        assert_eq!(listed[0].ghl_contact_id.as_deref(), Some("g1"));
        assert_eq!(for_pair(store.conn(), &pair, "refused").unwrap().len(), 0);
        clear(store.conn(), &pair, &contact, "unreadable").unwrap();
        assert!(list(store.conn()).unwrap().is_empty());
    }
}
