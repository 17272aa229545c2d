//! `contacts`: the local mirror of one GHL location's contacts (the hub).

use bridge_core::{BridgeError, Contact};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{json_column, storage_error, timestamp};

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

/// Stores a contact as GHL returned it, keyed by (connection, GHL id). Returns the local id
/// and whether the stored content changed.
/// Normalized keys a record from another app is matched by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchKeys {
    pub email: Option<String>,
    pub phone: Option<String>,
}

pub fn upsert_from_ghl(
    conn: &Connection,
    ghl_connection_id: &str,
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
    // Cached statements: the pull stores every contact of a location through here, and
    // preparing the three statements anew for each cost more than running them.
    let existing: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT id, content_hash FROM contacts WHERE ghl_connection_id = ?1 AND ghl_contact_id = ?2",
        )
        .and_then(|mut statement| {
            statement
                .query_row(params![ghl_connection_id, contact.contact_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
        })
        .map_err(storage_error)?;
    if let Some((id, hash)) = &existing {
        if hash == content_hash {
            return Ok((id.clone(), false));
        }
    }
    // A contact we asked GHL to create whose answer was lost comes back through the pull:
    // it claims the pending row (same email, or same phone when it has no email; no GHL id
    // yet) instead of becoming a second contact. Not one whose lost create's lookup found a
    // record with other values: that waits in review (`mismatch`) for the operator.
    let existing = match (existing, &keys.email, &keys.phone) {
        (None, Some(key), _) | (None, None, Some(key)) => conn
            .prepare_cached(
                "SELECT id, content_hash FROM contacts
                 WHERE ghl_connection_id = ?1 AND ghl_contact_id IS NULL
                   AND (match_email = ?2 OR (match_email IS NULL AND match_phone = ?2))
                   AND id NOT IN (SELECT contact_id FROM match_reviews WHERE reason = 'mismatch'
                                  AND resolved_at IS NULL AND contact_id IS NOT NULL)
                 LIMIT 1",
            )
            .and_then(|mut statement| {
                statement
                    .query_row(params![ghl_connection_id, key], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()
            })
            .map_err(storage_error)?,
        (existing, _, _) => existing,
    };
    let id = existing
        .map(|(id, _)| id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let tags = serde_json::to_string(&contact.tags)
        .map_err(|e| BridgeError::internal(format!("contact {}: tags: {e}", contact.contact_id)))?;
    let custom_fields = serde_json::to_string(&contact.custom_fields).map_err(|e| {
        BridgeError::internal(format!("contact {}: customFields: {e}", contact.contact_id))
    })?;
    let dnd_settings = serde_json::to_string(&contact.dnd_settings).map_err(|e| {
        BridgeError::internal(format!("contact {}: dndSettings: {e}", contact.contact_id))
    })?;
    conn.prepare_cached(
        "INSERT INTO contacts (id, ghl_connection_id, ghl_contact_id, email, first_name, last_name, phone, business_id,
                               tags, custom_fields, content_hash, remote_updated_at, created_at, updated_at,
                               match_email, match_phone, dnd, dnd_settings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (id) DO UPDATE SET
             created_at = CASE WHEN contacts.ghl_contact_id IS NULL THEN excluded.created_at ELSE contacts.created_at END,
             ghl_contact_id = excluded.ghl_contact_id, email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
             phone = excluded.phone, business_id = excluded.business_id, tags = excluded.tags,
             custom_fields = excluded.custom_fields, content_hash = excluded.content_hash,
             remote_updated_at = excluded.remote_updated_at, deleted_at = NULL, updated_at = excluded.updated_at,
             match_email = excluded.match_email, match_phone = excluded.match_phone,
             dnd = excluded.dnd, dnd_settings = excluded.dnd_settings",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            id,
            ghl_connection_id,
            contact.contact_id,
            contact.email,
            contact.first_name,
            contact.last_name,
            contact.phone,
            contact.business_id,
            tags,
            custom_fields,
            content_hash,
            contact.date_updated.map(timestamp),
            timestamp(now),
            keys.email,
            keys.phone,
            contact.dnd,
            dnd_settings,
        ])
    })
    .map_err(storage_error)?;
    Ok((id, true))
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ContactRow>, BridgeError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM contacts WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// A contact known only from another app, about to be created in GHL.
pub fn insert_pending(
    conn: &Connection,
    ghl_connection_id: &str,
    contact: &Contact,
    keys: &MatchKeys,
    now: DateTime<Utc>,
) -> Result<String, BridgeError> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO contacts (id, ghl_connection_id, email, first_name, last_name, phone, content_hash,
                               match_email, match_phone, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?8, ?9, ?9)",
        params![
            id,
            ghl_connection_id,
            contact.email,
            contact.first_name,
            contact.last_name,
            contact.phone,
            keys.email,
            keys.phone,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(id)
}

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
            conn.execute(
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
    conn.execute(
        "UPDATE contacts SET tags = ?2, content_hash = '', updated_at = ?3 WHERE id = ?1",
        params![id, tags, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Records the id GHL gave a contact we created there. The contact is first stored as a GHL
/// contact now: `created_at` moves from when its pending row was written (a preview may have
/// written it long before) to now, as it does when a pull claims a pending row. Every other
/// pair must count it as new to it (the breaker's first fill), and a welcome rule switched on
/// meanwhile greets it.
pub fn set_ghl_id(
    conn: &Connection,
    id: &str,
    ghl_contact_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute(
        "UPDATE contacts SET ghl_contact_id = ?2, updated_at = ?3,
                created_at = CASE WHEN ghl_contact_id IS NULL THEN ?3 ELSE created_at END
         WHERE id = ?1",
        params![id, ghl_contact_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

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
        .prepare(&format!(
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
    conn.execute(
        "UPDATE contacts SET ghl_contact_id = ?2, deleted_at = NULL, content_hash = '', updated_at = ?3
         WHERE id = ?1",
        params![id, new_ghl_contact_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Contacts a sync with `app_connection_id` must look at: those stored since `since` (a pull
/// brought something new) and those not yet linked to the app.
pub fn changed_or_unlinked(
    conn: &Connection,
    ghl_connection_id: &str,
    app_connection_id: &str,
    since: Option<&str>,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT c.id FROM contacts c
             WHERE c.ghl_connection_id = ?1 AND c.deleted_at IS NULL AND c.ghl_contact_id IS NOT NULL
               AND (?3 IS NULL OR c.updated_at >= ?3
                    OR NOT EXISTS (SELECT 1 FROM links l WHERE l.contact_id = c.id
                                   AND l.connection_id = ?2 AND l.object_kind = 'contact'))
             ORDER BY c.id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(
            params![ghl_connection_id, app_connection_id, since],
            |row| row.get(0),
        )
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Live GHL contacts of the location first stored at or after `since` (a rule's switch-on
/// time): the contacts a welcome rule greets.
pub fn first_stored_since(
    conn: &Connection,
    ghl_connection_id: &str,
    since: &str,
) -> Result<Vec<ContactRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM contacts
             WHERE ghl_connection_id = ?1 AND created_at >= ?2
               AND deleted_at IS NULL AND ghl_contact_id IS NOT NULL
             ORDER BY created_at, id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![ghl_connection_id, since], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Contacts of the location (GHL's, and those about to be created there) first stored at or
/// after `since`, all when `None`: the contacts new to a pair whose last plan read through
/// `since`.
pub fn ids_first_stored_since(
    conn: &Connection,
    ghl_connection_id: &str,
    since: Option<&str>,
) -> Result<std::collections::BTreeSet<String>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT id FROM contacts
             WHERE ghl_connection_id = ?1 AND (?2 IS NULL OR created_at >= ?2)",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![ghl_connection_id, since], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// When a contact of the location was last stored (pulled or written), as stored.
pub fn newest_update(
    conn: &Connection,
    ghl_connection_id: &str,
) -> Result<Option<String>, BridgeError> {
    conn.query_row(
        "SELECT max(updated_at) FROM contacts WHERE ghl_connection_id = ?1",
        [ghl_connection_id],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// The stored contact mirroring one GHL contact.
pub fn get_by_ghl_id(
    conn: &Connection,
    ghl_connection_id: &str,
    ghl_contact_id: &str,
) -> Result<Option<ContactRow>, BridgeError> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM contacts WHERE ghl_connection_id = ?1 AND ghl_contact_id = ?2"
        ),
        params![ghl_connection_id, ghl_contact_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// Live contacts whose normalized key (`email` or `phone`) equals `value`; more than one
/// means the match is ambiguous.
pub fn find_by_match_key(
    conn: &Connection,
    ghl_connection_id: &str,
    key: MatchKey,
    value: &str,
) -> Result<Vec<ContactRow>, BridgeError> {
    let column = match key {
        MatchKey::Email => "match_email",
        MatchKey::Phone => "match_phone",
    };
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM contacts WHERE ghl_connection_id = ?1 AND {column} = ?2 AND deleted_at IS NULL LIMIT 10"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![ghl_connection_id, value], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Live contacts with a match email and at least one live task stored from their own GHL
/// connection: (local id, normalized email). The contacts whose tasks a task-only app (Nifty)
/// holds a copy of.
pub fn with_tasks_and_email(
    conn: &Connection,
    ghl_connection_id: &str,
) -> Result<Vec<(String, String)>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT c.id, c.match_email FROM contacts c
             JOIN activities a ON a.contact_id = c.id AND a.connection_id = c.ghl_connection_id
             WHERE c.ghl_connection_id = ?1 AND c.deleted_at IS NULL
               AND c.match_email IS NOT NULL AND c.match_email != ''
               AND a.kind = 'task' AND a.deleted_at IS NULL
             ORDER BY c.id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([ghl_connection_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKey {
    Email,
    Phone,
}

/// One page of live contacts in name order, for lists; `offset`/`limit` keep memory flat.
/// Up to `limit` contacts of the connection that have a GHL id and a link to some app, in id
/// order after `after` (from the first when `None`).
pub fn linked_after(
    conn: &Connection,
    ghl_connection_id: &str,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<ContactRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM contacts c
             WHERE ghl_connection_id = ?1 AND ghl_contact_id IS NOT NULL AND deleted_at IS NULL
               AND (?2 IS NULL OR id > ?2)
               AND EXISTS (SELECT 1 FROM links l WHERE l.contact_id = c.id AND l.object_kind = 'contact')
             ORDER BY id LIMIT ?3"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![ghl_connection_id, after, limit], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

pub fn page(
    conn: &Connection,
    ghl_connection_id: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<ContactRow>, BridgeError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM contacts WHERE ghl_connection_id = ?1 AND deleted_at IS NULL
             ORDER BY lower(coalesce(last_name, '')), lower(coalesce(first_name, '')), id LIMIT ?2 OFFSET ?3"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![ghl_connection_id, limit, offset], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

pub fn count(conn: &Connection, ghl_connection_id: &str) -> Result<u64, BridgeError> {
    conn.query_row(
        "SELECT count(*) FROM contacts WHERE ghl_connection_id = ?1 AND deleted_at IS NULL",
        [ghl_connection_id],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// Every tag some live contact carries, over all GHL locations (what a tags field in an app
/// must have as options; `bridge doctor` compares).
pub fn tags_in_use(conn: &Connection) -> Result<std::collections::BTreeSet<String>, BridgeError> {
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT tag.value FROM contacts, json_each(contacts.tags) AS tag
             WHERE contacts.deleted_at IS NULL AND tag.type = 'text'",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    fn keys() -> MatchKeys {
        MatchKeys {
            email: Some("ada@example.com".into()),
            phone: None,
        }
    }

    fn ada() -> Contact {
        Contact {
            contact_id: "ghl-1".into(),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            tags: ["vip".to_string()].into(),
            ..Contact::default()
        }
    }

    #[test]
    fn a_contact_stored_after_a_plan_read_is_due_for_the_next_plan() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let app_id = ghl_connection(store.conn(), "App");
        let link = |contact_id: &str, remote_id: &str| {
            crate::table::links::insert_or_verify(
                store.conn(),
                &crate::table::links::LinkRow {
                    contact_id: contact_id.into(),
                    connection_id: app_id.clone(),
                    object_kind: "contact".into(),
                    local_object_id: None,
                    remote_id: remote_id.into(),
                    last_written_hash: None,
                    last_seen_hash: None,
                },
                at(2),
            )
            .unwrap();
        };
        let (first, _) =
            upsert_from_ghl(store.conn(), &conn_id, &ada(), &keys(), "h1", at(2)).unwrap();
        link(&first, "m1");
        // A plan reads up to the newest change stored then…
        let planned_through = newest_update(store.conn(), &conn_id).unwrap();
        assert_eq!(planned_through, Some(timestamp(at(2))));
        // …and a pull stores a change while it plans (at 3), before it ends (at 4).
        let grace = Contact {
            contact_id: "ghl-2".into(),
            email: Some("grace@example.com".into()),
            ..Contact::default()
        };
        let (second, _) =
            upsert_from_ghl(store.conn(), &conn_id, &grace, &keys(), "h2", at(3)).unwrap();
        link(&second, "m2");
        let due = |since: &str| changed_or_unlinked(store.conn(), &conn_id, &app_id, Some(since));
        let from_read = planned_through.unwrap();
        assert!(
            due(&from_read).unwrap().contains(&second),
            "the change is due"
        );
        assert!(
            due(&timestamp(at(4))).unwrap().is_empty(),
            "a cursor set to the plan's end would have passed it"
        );
    }

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
    fn finds_by_email_and_pages_in_name_order() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        for (i, last) in ["Zed", "Abel", "Moss"].iter().enumerate() {
            let mut c = ada();
            c.contact_id = format!("ghl-{i}");
            c.last_name = Some((*last).into());
            upsert_from_ghl(store.conn(), &conn_id, &c, &keys(), &format!("h{i}"), at(2)).unwrap();
        }
        assert_eq!(
            find_by_match_key(store.conn(), &conn_id, MatchKey::Email, "ada@example.com")
                .unwrap()
                .len(),
            3
        );
        assert!(
            find_by_match_key(store.conn(), &conn_id, MatchKey::Phone, "+14155550132")
                .unwrap()
                .is_empty()
        );
        let first_two = page(store.conn(), &conn_id, 0, 2).unwrap();
        let names: Vec<_> = first_two
            .iter()
            .map(|r| r.contact.last_name.clone().unwrap())
            .collect();
        assert_eq!(names, ["Abel", "Moss"]);
        assert_eq!(page(store.conn(), &conn_id, 2, 2).unwrap().len(), 1);
    }

    #[test]
    fn a_pulled_contact_claims_the_pending_row_with_its_email() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let pending = insert_pending(store.conn(), &conn_id, &ada(), &keys(), at(1)).unwrap();
        let (id, _) =
            upsert_from_ghl(store.conn(), &conn_id, &ada(), &keys(), "h1", at(2)).unwrap();
        assert_eq!(id, pending);
        assert_eq!(
            get(store.conn(), &id).unwrap().unwrap().contact.contact_id,
            "ghl-1"
        );
        assert_eq!(count(store.conn(), &conn_id).unwrap(), 1);
    }

    /// A preview writes the pending row (at 1); another pair plans (through 2); the create
    /// lands later (at 3). For that pair the contact is new since its plan, whichever way the
    /// GHL id arrives: our create's answer, or a pull claiming the row after a lost answer.
    #[test]
    fn a_pending_contact_is_first_stored_when_it_gets_its_ghl_id() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let other_pairs_plan = timestamp(at(2));
        let new_since = |conn: &Connection| {
            ids_first_stored_since(conn, &conn_id, Some(&other_pairs_plan)).unwrap()
        };
        let first_stored = |id: &str| -> String {
            store
                .conn()
                .query_row("SELECT created_at FROM contacts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap()
        };

        let answered = insert_pending(store.conn(), &conn_id, &ada(), &keys(), at(1)).unwrap();
        assert!(!new_since(store.conn()).contains(&answered));
        set_ghl_id(store.conn(), &answered, "ghl-1", at(3)).unwrap();
        assert!(new_since(store.conn()).contains(&answered));
        set_ghl_id(store.conn(), &answered, "ghl-1", at(4)).unwrap();
        assert_eq!(
            first_stored(&answered),
            timestamp(at(3)),
            "a contact that has its GHL id keeps its first time"
        );

        let grace = Contact {
            contact_id: "ghl-2".into(),
            email: Some("grace@example.com".into()),
            ..Contact::default()
        };
        let grace_keys = MatchKeys {
            email: Some("grace@example.com".into()),
            phone: None,
        };
        let claimed = insert_pending(store.conn(), &conn_id, &grace, &grace_keys, at(1)).unwrap();
        let (id, _) =
            upsert_from_ghl(store.conn(), &conn_id, &grace, &grace_keys, "h2", at(3)).unwrap();
        assert_eq!(id, claimed);
        assert!(new_since(store.conn()).contains(&claimed));
        upsert_from_ghl(store.conn(), &conn_id, &grace, &grace_keys, "h3", at(5)).unwrap();
        assert_eq!(
            first_stored(&claimed),
            timestamp(at(3)),
            "a later pull keeps the first time"
        );
    }

    #[test]
    fn a_pulled_contact_without_email_claims_the_pending_row_by_phone() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let phone_only = MatchKeys {
            email: None,
            phone: Some("+14155550132".into()),
        };
        let mut contact = ada();
        contact.email = None;
        let pending = insert_pending(store.conn(), &conn_id, &contact, &phone_only, at(1)).unwrap();
        let (id, _) =
            upsert_from_ghl(store.conn(), &conn_id, &contact, &phone_only, "h1", at(2)).unwrap();
        assert_eq!(id, pending);
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
}
