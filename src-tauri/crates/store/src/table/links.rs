//! `links`: which remote record (per connection and kind) belongs to which local contact,
//! and the hash of what we last wrote there (echo suppression).

use bridge_core::{BridgeError, ErrorCode};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkRow {
    pub contact_id: String,
    pub connection_id: String,
    pub object_kind: String,
    pub local_object_id: Option<String>,
    pub remote_id: String,
    pub last_written_hash: Option<String>,
    pub last_seen_hash: Option<String>,
}

const COLUMNS: &str = "contact_id, connection_id, object_kind, local_object_id, remote_id, last_written_hash, last_seen_hash";

fn from_row(row: &Row<'_>) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        contact_id: row.get(0)?,
        connection_id: row.get(1)?,
        object_kind: row.get(2)?,
        local_object_id: row.get(3)?,
        remote_id: row.get(4)?,
        last_written_hash: row.get(5)?,
        last_seen_hash: row.get(6)?,
    })
}

/// Records the link of one remote record, or verifies the one already there: one live link
/// per (connection, kind, local record) and per remote record. A link that would re-point
/// either is refused with both ids (never overwritten); the same link again refreshes its
/// hashes (a hash left `None` keeps the stored one).
pub fn insert_or_verify(
    conn: &Connection,
    link: &LinkRow,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let same_remote = find_remote(
        conn,
        &link.connection_id,
        &link.object_kind,
        &link.remote_id,
    )?;
    let same_local = find_local(conn, link)?;
    for existing in same_remote.iter().chain(same_local.iter()) {
        let same = existing.contact_id == link.contact_id
            && existing.local_object_id == link.local_object_id
            && existing.remote_id == link.remote_id;
        if !same {
            return Err(BridgeError::new(
                ErrorCode::Conflict,
                format!(
                    "{} {} of connection {} is linked to {}; a link to {} was refused",
                    link.object_kind,
                    existing.remote_id,
                    link.connection_id,
                    local_name(existing),
                    describe(link),
                ),
            ));
        }
    }
    if same_remote.is_some() {
        conn.execute_cached(
            "UPDATE links SET last_written_hash = coalesce(?4, last_written_hash),
                 last_seen_hash = coalesce(?5, last_seen_hash), updated_at = ?6
             WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3",
            params![
                link.connection_id,
                link.object_kind,
                link.remote_id,
                link.last_written_hash,
                link.last_seen_hash,
                timestamp(now),
            ],
        )
        .map_err(storage_error)?;
        return Ok(());
    }
    conn.execute_cached(
        "INSERT INTO links (contact_id, connection_id, object_kind, local_object_id, remote_id, last_written_hash, last_seen_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            link.contact_id,
            link.connection_id,
            link.object_kind,
            link.local_object_id,
            link.remote_id,
            link.last_written_hash,
            link.last_seen_hash,
            timestamp(now),
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

fn local_name(link: &LinkRow) -> String {
    match &link.local_object_id {
        Some(local) => format!(
            "GHL {} {local} of contact {}",
            link.object_kind, link.contact_id
        ),
        None => format!("contact {}", link.contact_id),
    }
}

fn describe(link: &LinkRow) -> String {
    format!("{} (remote {})", local_name(link), link.remote_id)
}

/// The link of the same local record (the contact for contact links, the GHL record for
/// children) in the same connection and kind. Read through the contact's index: a child's
/// GHL record belongs to one contact.
fn find_local(conn: &Connection, link: &LinkRow) -> Result<Option<LinkRow>, BridgeError> {
    conn.query_row_cached(
        &format!(
            "SELECT {COLUMNS} FROM links WHERE contact_id = ?1 AND connection_id = ?2
               AND object_kind = ?3 AND local_object_id IS ?4
             LIMIT 1"
        ),
        params![
            link.contact_id,
            link.connection_id,
            link.object_kind,
            link.local_object_id
        ],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

/// Removes the link of one remote record, for the one case a remote id is known to have moved
/// (Nifty's contact link is the contact's email). Returns whether one was removed.
pub fn remove(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
) -> Result<bool, BridgeError> {
    let removed = conn
        .execute(
            "DELETE FROM links WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3",
            params![connection_id, object_kind, remote_id],
        )
        .map_err(storage_error)?;
    Ok(removed == 1)
}

pub fn find_remote(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
) -> Result<Option<LinkRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM links WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3"),
        params![connection_id, object_kind, remote_id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

pub fn for_contact(conn: &Connection, contact_id: &str) -> Result<Vec<LinkRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM links WHERE contact_id = ?1 ORDER BY connection_id, object_kind, remote_id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([contact_id], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Contacts whose link to a record in `connection_id` was made at or after `since` (all
/// linked contacts when `None`): the contacts new to the pair since then. What a sync writes
/// for them fills a side with records it never held, which the breaker does not count.
pub fn contacts_first_linked_since(
    conn: &Connection,
    connection_id: &str,
    since: Option<&str>,
) -> Result<std::collections::BTreeSet<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT contact_id FROM links
             WHERE connection_id = ?1 AND object_kind = 'contact'
               AND (?2 IS NULL OR created_at >= ?2)",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, since], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Contacts linked to a record in `connection_id` whose link or contact row changed at or
/// after `since` (all when `None`): a new link, or a contact that got its GHL id, brings the
/// children it already had.
pub fn contacts_linked_since(
    conn: &Connection,
    connection_id: &str,
    since: Option<&str>,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT l.contact_id FROM links l JOIN contacts c ON c.id = l.contact_id
             WHERE l.connection_id = ?1 AND l.object_kind = 'contact'
               AND (?2 IS NULL OR l.created_at >= ?2 OR c.updated_at >= ?2)",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id, since], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The newest link creation or contact change [`contacts_linked_since`] would read for
/// `connection_id`, as stored: where a plan that read them may move its cursor.
pub fn newest_change(
    conn: &Connection,
    connection_id: &str,
) -> Result<Option<String>, BridgeError> {
    conn.query_row_cached(
        "SELECT max(max(l.created_at), max(c.updated_at)) FROM links l JOIN contacts c ON c.id = l.contact_id
         WHERE l.connection_id = ?1 AND l.object_kind = 'contact'",
        [connection_id],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// The agreed values of one record's link, per field (a task's or note's; empty when never
/// settled so).
pub fn record_base(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, BridgeError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT base FROM links WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3",
            params![connection_id, object_kind, remote_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    match text {
        None => Ok(serde_json::Map::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            BridgeError::storage(format!(
                "link base of {object_kind} {remote_id} is not JSON: {e}"
            ))
        }),
    }
}

/// Merges `settled` into one record link's base (fields not named keep theirs).
pub fn settle_record_base(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
    remote_id: &str,
    settled: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let mut merged = record_base(conn, connection_id, object_kind, remote_id)?;
    for (field, value) in settled {
        merged.insert(field.clone(), value.clone());
    }
    conn.execute_cached(
        "UPDATE links SET base = ?4, updated_at = ?5 WHERE connection_id = ?1 AND object_kind = ?2 AND remote_id = ?3",
        params![
            connection_id,
            object_kind,
            remote_id,
            serde_json::Value::Object(merged).to_string(),
            timestamp(now)
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// How many contacts are linked to records of `connection_id`.
pub fn count_contacts(conn: &Connection, connection_id: &str) -> Result<u64, BridgeError> {
    count_of_kind(conn, connection_id, "contact")
}

/// How many records of `object_kind` (contact, task, note, appointment) are linked to
/// records of `connection_id`.
pub fn count_of_kind(
    conn: &Connection,
    connection_id: &str,
    object_kind: &str,
) -> Result<u64, BridgeError> {
    conn.query_row_cached(
        "SELECT count(*) FROM links WHERE connection_id = ?1 AND object_kind = ?2",
        params![connection_id, object_kind],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// A contact linked to a record of a connection, with the link's base.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedContact {
    pub contact_id: String,
    pub remote_id: String,
    pub base: serde_json::Map<String, serde_json::Value>,
}

/// Every contact linked to a record of `connection_id`, with its record and the link's base
/// (for merges that walk a whole pair, such as group memberships).
pub fn contacts_with_bases(
    conn: &Connection,
    connection_id: &str,
) -> Result<Vec<LinkedContact>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT contact_id, remote_id, base FROM links WHERE connection_id = ?1 AND object_kind = 'contact' ORDER BY contact_id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![connection_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(storage_error)?;
    let mut out = Vec::new();
    for row in rows {
        let (contact_id, remote_id, base) = row.map_err(storage_error)?;
        let base = match base {
            None => serde_json::Map::new(),
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                BridgeError::storage(format!(
                    "link base of contact {contact_id} is not JSON: {e}"
                ))
            })?,
        };
        out.push(LinkedContact {
            contact_id,
            remote_id,
            base,
        });
    }
    Ok(out)
}

/// The agreed values of a contact's link to `connection_id` (empty when never synced).
pub fn base(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, BridgeError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT base FROM links WHERE connection_id = ?1 AND contact_id = ?2 AND object_kind = 'contact'",
            params![connection_id, contact_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    match text {
        None => Ok(serde_json::Map::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            BridgeError::storage(format!(
                "link base of contact {contact_id} is not JSON: {e}"
            ))
        }),
    }
}

/// Merges `settled` into the link's base: a null value removes the field.
pub fn settle_base(
    conn: &Connection,
    connection_id: &str,
    contact_id: &str,
    settled: &serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let mut merged = base(conn, connection_id, contact_id)?;
    for (field, value) in settled {
        if value.is_null() {
            merged.remove(field);
        } else {
            merged.insert(field.clone(), value.clone());
        }
    }
    let changed = conn
        .execute(
            "UPDATE links SET base = ?3, updated_at = ?4 WHERE connection_id = ?1 AND contact_id = ?2 AND object_kind = 'contact'",
            params![connection_id, contact_id, serde_json::Value::Object(merged).to_string(), timestamp(now)],
        )
        .map_err(storage_error)?;
    if changed == 0 {
        return Err(BridgeError::internal(format!(
            "contact {contact_id} has no link to {connection_id} to record its base on"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::Store;

    #[test]
    fn a_link_is_inserted_or_verified_never_repointed() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let a = ghl_contact(store.conn(), &conn_id, "g1");
        let b = ghl_contact(store.conn(), &conn_id, "g2");

        let mut link = LinkRow {
            contact_id: a.clone(),
            connection_id: conn_id.clone(),
            object_kind: "contact".into(),
            local_object_id: None,
            remote_id: "r-9".into(),
            last_written_hash: Some("w1".into()),
            last_seen_hash: None,
        };
        insert_or_verify(store.conn(), &link, at(3)).unwrap();
        link.last_written_hash = Some("w2".into());
        insert_or_verify(store.conn(), &link, at(4)).unwrap();
        let found = find_remote(store.conn(), &conn_id, "contact", "r-9")
            .unwrap()
            .unwrap();
        assert_eq!(
            found.last_written_hash.as_deref(),
            Some("w2"),
            "verified, refreshed"
        );

        // Another contact on the same remote record: refused, naming both.
        let mut other = link.clone();
        other.contact_id = b.clone();
        let err = insert_or_verify(store.conn(), &other, at(5)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert!(
            err.message.contains(&a) && err.message.contains(&b),
            "{}",
            err.message
        );
        // The same contact on a second remote record: refused too.
        let mut second = link.clone();
        second.remote_id = "r-10".into();
        let err = insert_or_verify(store.conn(), &second, at(5)).unwrap_err();
        assert!(
            err.message.contains("r-9") && err.message.contains("r-10"),
            "{}",
            err.message
        );
        assert_eq!(for_contact(store.conn(), &a).unwrap().len(), 1);
        assert!(for_contact(store.conn(), &b).unwrap().is_empty());
        // Moved explicitly: removed, then linked anew.
        assert!(remove(store.conn(), &conn_id, "contact", "r-9").unwrap());
        insert_or_verify(store.conn(), &other, at(6)).unwrap();
        assert_eq!(for_contact(store.conn(), &b).unwrap().len(), 1);

        let settled = serde_json::json!({"Email": "a@x.org", "Phone": "+1"});
        settle_base(
            store.conn(),
            &conn_id,
            &b,
            settled.as_object().unwrap(),
            at(5),
        )
        .unwrap();
        let cleared = serde_json::json!({"Phone": null});
        settle_base(
            store.conn(),
            &conn_id,
            &b,
            cleared.as_object().unwrap(),
            at(6),
        )
        .unwrap();
        assert_eq!(
            serde_json::Value::Object(base(store.conn(), &conn_id, &b).unwrap()),
            serde_json::json!({"Email": "a@x.org"})
        );
        assert!(base(store.conn(), &conn_id, &a).unwrap().is_empty());
    }
}
