//! The reads a sync and the window make over a location's contacts: what a plan must look at,
//! matching by normalized key, pages for lists.

use bridge_core::BridgeError;
use rusqlite::{params, Connection};

use super::{from_row, ContactRow, COLUMNS};
use crate::{storage_error, Cached};

/// Contacts a sync with `app_connection_id` must look at: those stored since `since` (a pull
/// brought something new) and those not yet linked to the app.
pub fn changed_or_unlinked(
    conn: &Connection,
    ghl_connection_id: &str,
    app_connection_id: &str,
    since: Option<&str>,
) -> Result<Vec<String>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
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

/// When a contact of the location was last stored (pulled or written), as stored.
pub fn newest_update(
    conn: &Connection,
    ghl_connection_id: &str,
) -> Result<Option<String>, BridgeError> {
    conn.query_row_cached(
        "SELECT max(updated_at) FROM contacts WHERE ghl_connection_id = ?1",
        [ghl_connection_id],
        |row| row.get(0),
    )
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
        .prepare_cached(&format!(
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
        .prepare_cached(
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
        .prepare_cached(&format!(
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
        .prepare_cached(&format!(
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
    conn.query_row_cached(
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
        .prepare_cached(
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
    use crate::table::contacts::fixtures::{ada, keys};
    use crate::table::contacts::upsert_from_ghl;
    use crate::table::test_support::{at, ghl_connection};
    use crate::timestamp;
    use crate::Store;
    use bridge_core::Contact;

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
}
