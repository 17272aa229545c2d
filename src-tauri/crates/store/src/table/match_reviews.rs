//! `match_reviews`: records that matched more than one contact. The operator decides.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{json_column, storage_error, timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchReview {
    pub connection_id: String,
    pub remote_id: String,
    /// email or phone: the key that found several contacts.
    pub match_key: String,
    /// Local ids of the contacts it could be.
    pub candidates: Vec<String>,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<MatchReview> {
    Ok(MatchReview {
        connection_id: row.get(0)?,
        remote_id: row.get(1)?,
        match_key: row.get(2)?,
        candidates: json_column(row, 3)?,
    })
}

/// Queues (or refreshes) the review of one remote record.
pub fn open(
    conn: &Connection,
    review: &MatchReview,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let candidates = serde_json::to_string(&review.candidates)
        .map_err(|e| BridgeError::internal(format!("match review candidates: {e}")))?;
    conn.execute(
        "INSERT INTO match_reviews (connection_id, remote_id, match_key, candidates, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (connection_id, remote_id) DO UPDATE SET
             match_key = excluded.match_key, candidates = excluded.candidates, resolved_at = NULL",
        params![
            review.connection_id,
            review.remote_id,
            review.match_key,
            candidates,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn list_open(conn: &Connection) -> Result<Vec<MatchReview>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT connection_id, remote_id, match_key, candidates FROM match_reviews
             WHERE resolved_at IS NULL ORDER BY id",
        )
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

pub fn resolve(
    conn: &Connection,
    connection_id: &str,
    remote_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute(
        "UPDATE match_reviews SET resolved_at = ?3 WHERE connection_id = ?1 AND remote_id = ?2",
        params![connection_id, remote_id, timestamp(now)],
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
    fn reviews_open_once_per_record_and_resolve() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        let review = MatchReview {
            connection_id: id.clone(),
            remote_id: "m1".into(),
            match_key: "email".into(),
            candidates: vec!["c1".into(), "c2".into()],
        };
        open(store.conn(), &review, at(1)).unwrap();
        open(store.conn(), &review, at(2)).unwrap();
        assert_eq!(list_open(store.conn()).unwrap(), vec![review]);
        resolve(store.conn(), &id, "m1", at(3)).unwrap();
        assert!(list_open(store.conn()).unwrap().is_empty());
    }
}
