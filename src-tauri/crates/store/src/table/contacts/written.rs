//! What the mirror holds after we wrote a contact to GHL, until the next pull stores GHL's own
//! version (each write clears the content hash so that it does).

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::{storage_error, timestamp, Cached};

/// After we wrote GHL fields (`email`, `firstName`, `lastName`, `phone`; null clears): the
/// local mirror holds them until the next pull, which stores GHL's own version (the hash is
/// cleared so it does).
pub fn apply_written(
    conn: &Connection,
    id: &str,
    fields: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    for (field, column) in [
        ("email", "email"),
        ("firstName", "first_name"),
        ("lastName", "last_name"),
        ("phone", "phone"),
    ] {
        if let Some(value) = fields.get(field) {
            conn.execute_cached(
                &format!("UPDATE contacts SET {column} = ?2, content_hash = '', updated_at = ?3 WHERE id = ?1"),
                params![id, value.as_str(), timestamp(now)],
            )
            .map_err(storage_error)?;
        }
    }
    Ok(())
}

/// After we changed a contact's tags in GHL: the mirror holds GHL's answer until the next
/// pull stores GHL's own version (the hash is cleared so it does).
pub fn set_tags_written(
    conn: &Connection,
    id: &str,
    tags: &std::collections::BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let tags = serde_json::to_string(tags)
        .map_err(|e| BridgeError::internal(format!("contact {id}: tags as JSON: {e}")))?;
    conn.execute_cached(
        "UPDATE contacts SET tags = ?2, content_hash = '', updated_at = ?3 WHERE id = ?1",
        params![id, tags, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}
