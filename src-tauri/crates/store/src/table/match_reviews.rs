//! `match_reviews`: records of a pair waiting for the operator's decision — a record that
//! matched more than one contact, the surviving copy of a record deleted on the other side
//! (where the pair does not carry deletes), a write that met "not found", a lost create whose
//! lookup found a record with other values. Nothing is guessed; the operator decides.

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{json_column, storage_error, timestamp, Cached};

/// Why a record waits.
pub const AMBIGUOUS: &str = "ambiguous";
pub const DELETED: &str = "deleted";
pub const NOT_FOUND: &str = "not_found";
pub const MISMATCH: &str = "mismatch";

/// A review as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchReview {
    pub id: i64,
    /// The app connection of the pair.
    pub connection_id: String,
    /// `contact`, `task`, `note` or `appointment`.
    pub object_kind: String,
    pub remote_id: String,
    /// `ambiguous`, `deleted`, `not_found` or `mismatch`.
    pub reason: String,
    /// email or phone: the key that found several contacts (for other reasons, the side the
    /// waiting record lives on: `ghl` or `app`).
    pub match_key: String,
    /// Local ids of the contacts it could be.
    pub candidates: Vec<String>,
    /// The contact the record belongs to, where one is known.
    pub contact_id: Option<String>,
    /// How the operator knows the record and what happened.
    pub summary: String,
    pub created_at: String,
}

/// A review a sync opens (or refreshes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview<'a> {
    pub connection_id: &'a str,
    pub object_kind: &'a str,
    pub remote_id: &'a str,
    pub reason: &'a str,
    pub match_key: &'a str,
    pub candidates: &'a [String],
    pub contact_id: Option<&'a str>,
    pub summary: &'a str,
}

const COLUMNS: &str = "id, connection_id, object_kind, remote_id, reason, match_key, candidates, \
                       contact_id, summary, created_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<MatchReview> {
    Ok(MatchReview {
        id: row.get(0)?,
        connection_id: row.get(1)?,
        object_kind: row.get(2)?,
        remote_id: row.get(3)?,
        reason: row.get(4)?,
        match_key: row.get(5)?,
        candidates: json_column(row, 6)?,
        contact_id: row.get(7)?,
        summary: row.get(8)?,
        created_at: row.get(9)?,
    })
}

/// Queues the review of one record. The same record seen again in the same situation (same
/// reason, key and candidates) keeps its row and any decision taken on it; a changed situation
/// opens it again for the operator.
pub fn open(
    conn: &Connection,
    review: &NewReview<'_>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let candidates = serde_json::to_string(review.candidates)
        .map_err(|e| BridgeError::internal(format!("match review candidates: {e}")))?;
    conn.execute_cached(
        "INSERT INTO match_reviews (connection_id, object_kind, remote_id, reason, match_key,
             candidates, contact_id, summary, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (connection_id, object_kind, remote_id) DO UPDATE SET
             resolved_at = CASE WHEN reason = excluded.reason AND match_key = excluded.match_key
                                 AND candidates = excluded.candidates
                            THEN resolved_at ELSE NULL END,
             resolution = CASE WHEN reason = excluded.reason AND match_key = excluded.match_key
                                AND candidates = excluded.candidates
                           THEN resolution ELSE NULL END,
             reason = excluded.reason, match_key = excluded.match_key,
             candidates = excluded.candidates, contact_id = excluded.contact_id,
             summary = excluded.summary",
        params![
            review.connection_id,
            review.object_kind,
            review.remote_id,
            review.reason,
            review.match_key,
            candidates,
            review.contact_id,
            review.summary,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn list_open(conn: &Connection) -> Result<Vec<MatchReview>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM match_reviews WHERE resolved_at IS NULL ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The open reviews of one pair for one reason.
pub fn open_for_pair(
    conn: &Connection,
    connection_id: &str,
    reason: &str,
) -> Result<Vec<MatchReview>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM match_reviews
             WHERE connection_id = ?1 AND reason = ?2 AND resolved_at IS NULL ORDER BY id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, reason], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// One review still waiting, by its id.
pub fn get_open(conn: &Connection, id: i64) -> Result<MatchReview, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM match_reviews WHERE id = ?1 AND resolved_at IS NULL"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)?
    .ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("no review {id} is waiting (see `bridge reviews`)"),
        )
    })
}

/// Closes the review of one record, if one is open, saying how.
pub fn resolve(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
    resolution: &str,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "UPDATE match_reviews SET resolved_at = ?5, resolution = ?4
             WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3 AND resolved_at IS NULL",
            params![connection_id, object_kind, remote_id, resolution, timestamp(now)],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Closes the review of a record that matching linked again (`relinked`), unless it waits
/// because a lost create's lookup found someone else (`mismatch`): matching by email would
/// only find the same person again, so that one waits for the operator; nor when it waits
/// because one side was deleted (`deleted`): the record still links to the deleted contact
/// (a full scan lists it again every sync), which is no answer to the delete.
pub fn resolve_relinked(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "UPDATE match_reviews SET resolved_at = ?4, resolution = 'relinked'
             WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3
               AND resolved_at IS NULL AND reason NOT IN (?5, ?6)",
            params![
                connection_id,
                object_kind,
                remote_id,
                timestamp(now),
                MISMATCH,
                DELETED
            ],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    fn review<'a>(id: &'a str, candidates: &'a [String]) -> NewReview<'a> {
        NewReview {
            connection_id: id,
            object_kind: "contact",
            remote_id: "m1",
            reason: AMBIGUOUS,
            match_key: "email",
            candidates,
            contact_id: None,
            summary: "Ada <ada@example.com>",
        }
    }

    #[test]
    fn reviews_open_once_per_record_and_resolve() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        let two = vec!["c1".to_string(), "c2".to_string()];
        open(store.conn(), &review(&id, &two), at(1)).unwrap();
        open(store.conn(), &review(&id, &two), at(2)).unwrap();
        let listed = list_open(store.conn()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].candidates, two);
        assert_eq!(get_open(store.conn(), listed[0].id).unwrap(), listed[0]);
        assert!(resolve(store.conn(), &id, "contact", "m1", "ignored", at(3)).unwrap());
        assert!(list_open(store.conn()).unwrap().is_empty());
        assert_eq!(
            get_open(store.conn(), listed[0].id).unwrap_err().code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn a_decided_review_stays_decided_until_its_situation_changes() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        let two = vec!["c1".to_string(), "c2".to_string()];
        open(store.conn(), &review(&id, &two), at(1)).unwrap();
        resolve(store.conn(), &id, "contact", "m1", "ignored", at(2)).unwrap();
        open(store.conn(), &review(&id, &two), at(3)).unwrap();
        assert!(
            list_open(store.conn()).unwrap().is_empty(),
            "same situation"
        );
        let three = vec!["c1".to_string(), "c2".to_string(), "c3".to_string()];
        open(store.conn(), &review(&id, &three), at(4)).unwrap();
        assert_eq!(
            list_open(store.conn()).unwrap().len(),
            1,
            "a third candidate"
        );
    }
}
