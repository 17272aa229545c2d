//! Reads for the desktop's Contacts page: one page of a location's contacts matching a search,
//! with the count of all matches, so a list of 100,000 rows loads only what is on screen.

use bridge_core::BridgeError;
use bridge_store::table::contacts::{self, ContactRow};
use bridge_store::Store;

/// A page of contacts whose name, email or phone contains `query` (case-insensitive), in the
/// same order as `contacts::page`; an empty query lists everyone.
pub struct ContactPage {
    pub rows: Vec<ContactRow>,
    pub total: u64,
}

const MATCHES: &str = "ghl_connection_id = ?1 AND deleted_at IS NULL AND (
    lower(coalesce(email, '')) LIKE ?2 ESCAPE '\\'
    OR lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE ?2 ESCAPE '\\'
    OR coalesce(phone, '') LIKE ?2 ESCAPE '\\'
    OR coalesce(ghl_contact_id, '') = ?3)";

pub fn search_contacts(
    store: &Store,
    ghl_connection_id: &str,
    query: &str,
    offset: u32,
    limit: u32,
) -> Result<ContactPage, BridgeError> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(ContactPage {
            rows: contacts::page(store.conn(), ghl_connection_id, offset, limit)?,
            total: contacts::count(store.conn(), ghl_connection_id)?,
        });
    }
    let failed = |e: &dyn std::fmt::Display| BridgeError::storage(format!("contact search: {e}"));
    let pattern = format!(
        "%{}%",
        query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let total: u64 = store
        .conn()
        .query_row(
            &format!("SELECT count(*) FROM contacts WHERE {MATCHES}"),
            [ghl_connection_id, pattern.as_str(), query],
            |row| row.get(0),
        )
        .map_err(|e| failed(&e))?;
    let mut stmt = store
        .conn()
        .prepare(&format!(
            "SELECT id FROM contacts WHERE {MATCHES}
             ORDER BY lower(coalesce(last_name, '')), lower(coalesce(first_name, '')), id
             LIMIT {limit} OFFSET {offset}"
        ))
        .map_err(|e| failed(&e))?;
    let ids = stmt
        .query_map([ghl_connection_id, pattern.as_str(), query], |row| {
            row.get::<_, String>(0)
        })
        .map_err(|e| failed(&e))?
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| failed(&e))?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = contacts::get(store.conn(), &id)? {
            rows.push(row);
        }
    }
    Ok(ContactPage { rows, total })
}
