//! `contacts`: the local mirror of one GHL location's contacts (the hub): the row and its
//! reads by id here; the pull's store path, pending contacts, our writes, deletes and the
//! plan's queries in their own files.

mod deleted;
mod ghl_upsert;
mod pending;
mod queries;
mod written;

pub use deleted::{claim_for, mark_deleted, others_with_email};
pub use ghl_upsert::{upsert_from_ghl, GhlUpserts, MatchKeys};
pub use pending::{first_stored_since, ids_first_stored_since, insert_pending, set_ghl_id};
pub use queries::{
    changed_or_unlinked, count, find_by_match_key, linked_after, newest_update, page, tags_in_use,
    with_tasks_and_email, MatchKey,
};
pub use written::{apply_written, set_tags_written};

use bridge_core::{BridgeError, Contact};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{json_column, storage_error, Cached};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactRow {
    /// Our local id (stable even before GHL assigns one).
    pub id: String,
    pub ghl_connection_id: String,
    pub contact: Contact,
    pub content_hash: String,
    pub deleted_at: Option<String>,
}

const COLUMNS: &str = "id, ghl_connection_id, ghl_contact_id, email, first_name, last_name, phone, business_id, tags, custom_fields, remote_updated_at, content_hash, deleted_at, dnd, dnd_settings";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ContactRow> {
    let remote_updated_at: Option<String> = row.get(10)?;
    Ok(ContactRow {
        id: row.get(0)?,
        ghl_connection_id: row.get(1)?,
        contact: Contact {
            contact_id: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
            email: row.get(3)?,
            first_name: row.get(4)?,
            last_name: row.get(5)?,
            phone: row.get(6)?,
            business_id: row.get(7)?,
            tags: json_column(row, 8)?,
            custom_fields: json_column(row, 9)?,
            date_updated: remote_updated_at
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
            dnd: row.get(13)?,
            dnd_settings: json_column(row, 14)?,
        },
        content_hash: row.get(11)?,
        deleted_at: row.get(12)?,
    })
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ContactRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM contacts WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// The stored contact mirroring one GHL contact.
pub fn get_by_ghl_id(
    conn: &Connection,
    ghl_connection_id: &str,
    ghl_contact_id: &str,
) -> Result<Option<ContactRow>, BridgeError> {
    conn.query_row_cached(
        &format!(
            "SELECT {COLUMNS} FROM contacts WHERE ghl_connection_id = ?1 AND ghl_contact_id = ?2"
        ),
        params![ghl_connection_id, ghl_contact_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub(crate) fn keys() -> MatchKeys {
        MatchKeys {
            email: Some("ada@example.com".into()),
            phone: None,
        }
    }

    pub(crate) fn ada() -> Contact {
        Contact {
            contact_id: "ghl-1".into(),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            tags: ["vip".to_string()].into(),
            ..Contact::default()
        }
    }
}
