//! Contacts deleted in GHL, and deleted then created again there (same email, new id).

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::{from_row, ContactRow, COLUMNS};
use crate::{storage_error, timestamp, Cached};

/// Marks a contact deleted in GHL (its reads answered "not found"): no longer matched or
/// planned; the row stays for its links and timeline. Returns whether it was live.
pub fn mark_deleted(conn: &Connection, id: &str, now: DateTime<Utc>) -> Result<bool, BridgeError> {
    let changed = conn
        .execute(
            "UPDATE contacts SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, timestamp(now)],
        )
        .map_err(storage_error)?;
    Ok(changed == 1)
}

/// Contacts of the location (live or deleted) with this normalized email and another GHL id:
/// what a contact deleted and created again in GHL leaves behind.
pub fn others_with_email(
    conn: &Connection,
    ghl_connection_id: &str,
    match_email: &str,
    ghl_contact_id: &str,
) -> Result<Vec<ContactRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM contacts WHERE ghl_connection_id = ?1 AND match_email = ?2
               AND ghl_contact_id IS NOT NULL AND ghl_contact_id != ?3 ORDER BY deleted_at IS NULL, id LIMIT 10"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(
            params![ghl_connection_id, match_email, ghl_contact_id],
            from_row,
        )
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// A contact deleted in GHL and created there again (same email, new id): the new GHL contact
/// takes over the local row, so its links (and the app records behind them) stay its own.
/// The next store of the new contact finds the row by its GHL id.
pub fn claim_for(
    conn: &Connection,
    id: &str,
    new_ghl_contact_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE contacts SET ghl_contact_id = ?2, deleted_at = NULL, content_hash = '', updated_at = ?3
         WHERE id = ?1",
        params![id, new_ghl_contact_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}
