//! The pull's store path: each contact of a GHL search page stored as GHL returned it.
//!
//! Shaped by a callgrind profile of `store_bench` (issue #13): one statement per case, each
//! writing only what it must. A changed contact's row is updated by its id without touching
//! the columns its secondary indexes are on (the GHL id, the match keys) unless they changed:
//! an `INSERT … ON CONFLICT DO UPDATE` that assigned them all rewrote four index entries per
//! contact. New local ids are UUIDv7 (time-ordered), so new rows land at the end of the
//! primary key's B-tree instead of all over it.

use bridge_core::{BridgeError, Contact};
use chrono::{DateTime, Utc};
use rusqlite::{params, CachedStatement, Connection, OptionalExtension};

use super::pending;
use crate::{storage_error, timestamp};

/// Normalized keys a record from another app is matched by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchKeys {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The stored row a GHL contact maps to, as much of it as storing needs.
struct Stored {
    id: String,
    content_hash: String,
    keys: MatchKeys,
}

/// Stores a contact as GHL returned it, keyed by (connection, GHL id). Returns the local id
/// and whether the stored content changed. (A page of contacts: [`GhlUpserts`].)
pub fn upsert_from_ghl(
    conn: &Connection,
    ghl_connection_id: &str,
    contact: &Contact,
    keys: &MatchKeys,
    content_hash: &str,
    now: DateTime<Utc>,
) -> Result<(String, bool), BridgeError> {
    GhlUpserts::new(conn, ghl_connection_id)?.upsert(contact, keys, content_hash, now)
}

/// Stores GHL contacts of one location, its statements taken from the cache once for a batch
/// (a search page) rather than once per contact: finding each in rusqlite's statement cache
/// and handing it back hashes its SQL twice, which cost about a tenth of storing a contact
/// (callgrind of `store_bench`, issue #13).
pub struct GhlUpserts<'c> {
    conn: &'c Connection,
    ghl_connection_id: &'c str,
    find: CachedStatement<'c>,
    insert: CachedStatement<'c>,
    update: CachedStatement<'c>,
}

impl<'c> GhlUpserts<'c> {
    pub fn new(conn: &'c Connection, ghl_connection_id: &'c str) -> Result<Self, BridgeError> {
        let prepare = |sql| conn.prepare_cached(sql).map_err(storage_error);
        Ok(Self {
            conn,
            ghl_connection_id,
            find: prepare(
                "SELECT id, content_hash, match_email, match_phone FROM contacts
                 WHERE ghl_connection_id = ?1 AND ghl_contact_id = ?2",
            )?,
            insert: prepare(
                "INSERT INTO contacts (id, ghl_connection_id, ghl_contact_id, email, first_name, last_name, phone, business_id,
                                       tags, custom_fields, content_hash, remote_updated_at, created_at, updated_at,
                                       match_email, match_phone, dnd, dnd_settings)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17)",
            )?,
            // GHL's version of the contact's fields into its row (a contact deleted in GHL and
            // listed again is live again). Not the GHL id or the match keys: their indexes
            // are rewritten only when they change (`write_keys`, `pending::set_ghl_id`).
            update: prepare(
                "UPDATE contacts SET email = ?2, first_name = ?3, last_name = ?4, phone = ?5, business_id = ?6,
                        tags = ?7, custom_fields = ?8, content_hash = ?9, remote_updated_at = ?10,
                        deleted_at = NULL, updated_at = ?11, dnd = ?12, dnd_settings = ?13
                 WHERE id = ?1",
            )?,
        })
    }

    /// Stores one contact (see [`upsert_from_ghl`]).
    pub fn upsert(
        &mut self,
        contact: &Contact,
        keys: &MatchKeys,
        content_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, bool), BridgeError> {
        if contact.contact_id.is_empty() {
            return Err(BridgeError::invalid_input(
                "contact: a GHL contact must carry its contactId",
            ));
        }
        let stored = self
            .find
            .query_row(params![self.ghl_connection_id, contact.contact_id], |row| {
                Ok(Stored {
                    id: row.get(0)?,
                    content_hash: row.get(1)?,
                    keys: MatchKeys {
                        email: row.get(2)?,
                        phone: row.get(3)?,
                    },
                })
            })
            .optional()
            .map_err(storage_error)?;
        match stored {
            Some(stored) if stored.content_hash == content_hash => Ok((stored.id, false)),
            Some(stored) => {
                self.write_content(&stored.id, contact, content_hash, now)?;
                if stored.keys != *keys {
                    write_keys(self.conn, &stored.id, keys)?;
                }
                Ok((stored.id, true))
            }
            // A contact we asked GHL to create whose answer was lost comes back through the
            // pull: it claims the pending row instead of becoming a second contact.
            None => match pending::claimable(self.conn, self.ghl_connection_id, keys)? {
                Some(id) => {
                    pending::set_ghl_id(self.conn, &id, &contact.contact_id, now)?;
                    self.write_content(&id, contact, content_hash, now)?;
                    write_keys(self.conn, &id, keys)?;
                    Ok((id, true))
                }
                None => self.insert(contact, keys, content_hash, now),
            },
        }
    }

    /// A contact first seen: a new row, under a new local id.
    fn insert(
        &mut self,
        contact: &Contact,
        keys: &MatchKeys,
        content_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, bool), BridgeError> {
        let id = uuid::Uuid::now_v7().to_string();
        let json = JsonColumns::of(contact)?;
        self.insert
            .execute(params![
                id,
                self.ghl_connection_id,
                contact.contact_id,
                contact.email,
                contact.first_name,
                contact.last_name,
                contact.phone,
                contact.business_id,
                json.tags,
                json.custom_fields,
                content_hash,
                contact.date_updated.map(timestamp),
                timestamp(now),
                keys.email,
                keys.phone,
                contact.dnd,
                json.dnd_settings,
            ])
            .map_err(storage_error)?;
        Ok((id, true))
    }

    fn write_content(
        &mut self,
        id: &str,
        contact: &Contact,
        content_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), BridgeError> {
        let json = JsonColumns::of(contact)?;
        self.update
            .execute(params![
                id,
                contact.email,
                contact.first_name,
                contact.last_name,
                contact.phone,
                contact.business_id,
                json.tags,
                json.custom_fields,
                content_hash,
                contact.date_updated.map(timestamp),
                timestamp(now),
                contact.dnd,
                json.dnd_settings,
            ])
            .map_err(storage_error)?;
        Ok(())
    }
}

fn write_keys(conn: &Connection, id: &str, keys: &MatchKeys) -> Result<(), BridgeError> {
    conn.prepare_cached("UPDATE contacts SET match_email = ?2, match_phone = ?3 WHERE id = ?1")
        .and_then(|mut statement| statement.execute(params![id, keys.email, keys.phone]))
        .map_err(storage_error)?;
    Ok(())
}

/// The contact's JSON columns as stored.
struct JsonColumns {
    tags: String,
    custom_fields: String,
    dnd_settings: String,
}

impl JsonColumns {
    fn of(contact: &Contact) -> Result<Self, BridgeError> {
        let json = |column: &str, value: Result<String, serde_json::Error>| {
            value.map_err(|e| {
                BridgeError::internal(format!("contact {}: {column}: {e}", contact.contact_id))
            })
        };
        Ok(Self {
            tags: json("tags", serde_json::to_string(&contact.tags))?,
            custom_fields: json(
                "customFields",
                serde_json::to_string(&contact.custom_fields),
            )?,
            dnd_settings: json("dndSettings", serde_json::to_string(&contact.dnd_settings))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::contacts::fixtures::{ada, keys};
    use crate::table::contacts::{count, find_by_match_key, get, mark_deleted, MatchKey};
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    #[test]
    fn upsert_inserts_then_skips_unchanged_then_updates() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let (id, changed) =
            upsert_from_ghl(store.conn(), &conn_id, &ada(), &keys(), "h1", at(2)).unwrap();
        assert!(changed);
        let (same_id, changed) =
            upsert_from_ghl(store.conn(), &conn_id, &ada(), &keys(), "h1", at(3)).unwrap();
        assert_eq!(same_id, id);
        assert!(!changed);
        let mut renamed = ada();
        renamed.first_name = Some("Augusta".into());
        let (_, changed) =
            upsert_from_ghl(store.conn(), &conn_id, &renamed, &keys(), "h2", at(4)).unwrap();
        assert!(changed);
        let row = get(store.conn(), &id).unwrap().unwrap();
        assert_eq!(row.contact.first_name.as_deref(), Some("Augusta"));
        assert!(row.contact.tags.contains("vip"));
        assert_eq!(count(store.conn(), &conn_id).unwrap(), 1);
    }

    #[test]
    fn contact_without_ghl_id_is_refused() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let mut c = ada();
        c.contact_id.clear();
        let err = upsert_from_ghl(store.conn(), &conn_id, &c, &keys(), "h", at(2)).unwrap_err();
        assert!(err.message.contains("contactId"));
    }

    /// The match keys are written only when they change: a new email moves the contact's
    /// key, and a contact deleted in GHL and listed again is live again.
    #[test]
    fn a_changed_email_moves_the_match_key_and_a_listed_contact_is_live() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let (id, _) =
            upsert_from_ghl(store.conn(), &conn_id, &ada(), &keys(), "h1", at(2)).unwrap();
        assert!(mark_deleted(store.conn(), &id, at(3)).unwrap());
        let mut moved = ada();
        moved.email = Some("augusta@example.com".into());
        let moved_keys = MatchKeys {
            email: Some("augusta@example.com".into()),
            phone: Some("+14155550132".into()),
        };
        let (same, changed) =
            upsert_from_ghl(store.conn(), &conn_id, &moved, &moved_keys, "h2", at(4)).unwrap();
        assert_eq!((same.as_str(), changed), (id.as_str(), true));
        let by = |key, value: &str| {
            find_by_match_key(store.conn(), &conn_id, key, value)
                .unwrap()
                .into_iter()
                .map(|row| row.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(by(MatchKey::Email, "augusta@example.com"), vec![id.clone()]);
        assert_eq!(by(MatchKey::Phone, "+14155550132"), vec![id.clone()]);
        assert!(by(MatchKey::Email, "ada@example.com").is_empty());
        let row = get(store.conn(), &id).unwrap().unwrap();
        assert_eq!(row.deleted_at, None);
        assert_eq!(row.contact.email.as_deref(), Some("augusta@example.com"));
    }
}
