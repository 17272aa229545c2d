//! Contacts about to be created in GHL (known only from another app), and when a contact is
//! first stored as a GHL contact: the moment it gets its GHL id, whether from our create's
//! answer or from a pull claiming its pending row. That moment is what the breaker's first
//! fill and a welcome rule read.

use bridge_core::{BridgeError, Contact};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_row, ContactRow, MatchKeys, COLUMNS};
use crate::{storage_error, timestamp, Cached};

/// A contact known only from another app, about to be created in GHL.
pub fn insert_pending(
    conn: &Connection,
    ghl_connection_id: &str,
    contact: &Contact,
    keys: &MatchKeys,
    now: DateTime<Utc>,
) -> Result<String, BridgeError> {
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute_cached(
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
    conn.execute_cached(
        "UPDATE contacts SET ghl_contact_id = ?2, updated_at = ?3,
                created_at = CASE WHEN ghl_contact_id IS NULL THEN ?3 ELSE created_at END
         WHERE id = ?1",
        params![id, ghl_contact_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// The pending row a pulled contact with these keys claims, if any: a contact we asked GHL to
/// create whose answer was lost comes back through the pull with the same email (or the same
/// phone, when neither has an email) and no GHL id yet. Not one whose lost create's lookup
/// found a record with other values: that waits in review (`mismatch`) for the operator.
pub(super) fn claimable(
    conn: &Connection,
    ghl_connection_id: &str,
    keys: &MatchKeys,
) -> Result<Option<String>, BridgeError> {
    // The review check runs only for a row that matched: the pull asks this for every new
    // contact, and the list of open reviews was built for each ask when it was `NOT IN`.
    // `INDEXED BY`: the small index of pending rows (migration 0034), never the location-wide
    // match-key index with the same leading columns (and an error, not a slow scan, should
    // the index ever be missing).
    macro_rules! pending_with {
        ($key_filter:literal) => {
            concat!(
                "SELECT id FROM contacts INDEXED BY contacts_pending
                 WHERE ghl_connection_id = ?1 AND ghl_contact_id IS NULL AND ",
                $key_filter,
                " AND NOT EXISTS (SELECT 1 FROM match_reviews r WHERE r.contact_id = contacts.id
                                  AND r.reason = 'mismatch' AND r.resolved_at IS NULL)
                 LIMIT 1"
            )
        };
    }
    let (sql, key) = match (&keys.email, &keys.phone) {
        (Some(email), _) => (pending_with!("match_email = ?2"), email),
        (None, Some(phone)) => (
            pending_with!("match_email IS NULL AND match_phone = ?2"),
            phone,
        ),
        (None, None) => return Ok(None),
    };
    conn.prepare_cached(sql)
        .and_then(|mut statement| {
            statement
                .query_row(params![ghl_connection_id, key], |row| row.get(0))
                .optional()
        })
        .map_err(storage_error)
}

/// Live GHL contacts of the location first stored at or after `since` (a rule's switch-on
/// time): the contacts a welcome rule greets.
pub fn first_stored_since(
    conn: &Connection,
    ghl_connection_id: &str,
    since: &str,
) -> Result<Vec<ContactRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
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
        .prepare_cached(
            "SELECT id FROM contacts
             WHERE ghl_connection_id = ?1 AND (?2 IS NULL OR created_at >= ?2)",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![ghl_connection_id, since], |row| row.get(0))
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::contacts::fixtures::{ada, keys};
    use crate::table::contacts::{count, get, upsert_from_ghl};
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

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
}
