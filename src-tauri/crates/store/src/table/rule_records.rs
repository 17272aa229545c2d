//! `rule_records`: which records a rule made (a welcome note, a summary note, a follow-up
//! task), stored in the transaction that marks the rule's write done.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRecord {
    pub pair_id: String,
    /// The connection that holds the record (GHL's, for every rule today).
    pub connection_id: String,
    /// `task` or `note`.
    pub object_kind: String,
    pub remote_id: String,
    /// The rule's name (`welcome`, `summary`, `follow_up`).
    pub rule: String,
    pub contact_id: String,
}

pub fn insert(
    conn: &Connection,
    record: &RuleRecord,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO rule_records (pair_id, connection_id, object_kind, remote_id, rule, contact_id,
                                   created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (connection_id, object_kind, remote_id) DO NOTHING",
        params![
            record.pair_id,
            record.connection_id,
            record.object_kind,
            record.remote_id,
            record.rule,
            record.contact_id,
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// The records rules made for one contact.
pub fn for_contact(conn: &Connection, contact_id: &str) -> Result<Vec<RuleRecord>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT pair_id, connection_id, object_kind, remote_id, rule, contact_id
               FROM rule_records WHERE contact_id = ?1 ORDER BY created_at, remote_id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([contact_id], |row| {
            Ok(RuleRecord {
                pair_id: row.get(0)?,
                connection_id: row.get(1)?,
                object_kind: row.get(2)?,
                remote_id: row.get(3)?,
                rule: row.get(4)?,
                contact_id: row.get(5)?,
            })
        })
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}
