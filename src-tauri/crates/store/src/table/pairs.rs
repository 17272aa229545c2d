//! `pairs`: which GHL location each app connection syncs with. The pair's id is its app
//! connection's id (an app connection belongs to exactly one pair), so every table keyed by
//! the app connection (links, remote records, app activities, cursors, conflicts, reviews,
//! problems, pending deletes, journal rows' `pair_id`) is keyed by the pair.

use bridge_core::BridgeError;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::{storage_error, timestamp, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairRow {
    pub app_connection_id: String,
    pub ghl_connection_id: String,
    pub created_at: String,
    /// When the pair was last bound (equal to `created_at` until it moves).
    pub updated_at: String,
}

pub fn list(conn: &Connection) -> Result<Vec<PairRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT app_connection_id, ghl_connection_id, created_at, updated_at FROM pairs
             ORDER BY created_at, app_connection_id",
        )
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([], |row| {
            Ok(PairRow {
                app_connection_id: row.get(0)?,
                ghl_connection_id: row.get(1)?,
                created_at: row.get(2)?,
                updated_at: row.get(3)?,
            })
        })
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// The pair of app connection `app_connection_id` (`None`: not bound to a location yet).
pub fn get(conn: &Connection, app_connection_id: &str) -> Result<Option<PairRow>, BridgeError> {
    conn.query_row_cached(
        "SELECT app_connection_id, ghl_connection_id, created_at, updated_at FROM pairs
         WHERE app_connection_id = ?1",
        [app_connection_id],
        |row| {
            Ok(PairRow {
                app_connection_id: row.get(0)?,
                ghl_connection_id: row.get(1)?,
                created_at: row.get(2)?,
                updated_at: row.get(3)?,
            })
        },
    )
    .optional()
    .map_err(storage_error)
}

/// Binds the app connection to the GHL connection (a new pair, or a pair that moves).
pub fn set(
    conn: &Connection,
    app_connection_id: &str,
    ghl_connection_id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "INSERT INTO pairs (app_connection_id, ghl_connection_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (app_connection_id) DO UPDATE SET
             ghl_connection_id = excluded.ghl_connection_id, updated_at = excluded.updated_at
         WHERE pairs.ghl_connection_id <> excluded.ghl_connection_id",
        params![app_connection_id, ghl_connection_id, timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Binds every app connection without a pair to the only GHL connection, when exactly one
/// exists (the default: one location needs no choice). Returns how many were bound.
pub fn bind_to_only_location(conn: &Connection, now: DateTime<Utc>) -> Result<usize, BridgeError> {
    conn.execute_cached(
        "INSERT INTO pairs (app_connection_id, ghl_connection_id, created_at, updated_at)
         SELECT app.id, ghl.id, ?1, ?1
         FROM connections app, connections ghl
         WHERE app.system <> 'ghl' AND ghl.system = 'ghl'
           AND (SELECT count(*) FROM connections WHERE system = 'ghl') = 1
           AND app.id NOT IN (SELECT app_connection_id FROM pairs)",
        [timestamp(now)],
    )
    .map_err(storage_error)
}

/// How many records of the app the pair links to contacts of its location.
pub fn count_links(conn: &Connection, app_connection_id: &str) -> Result<u64, BridgeError> {
    conn.query_row_cached(
        "SELECT count(*) FROM links WHERE connection_id = ?1",
        [app_connection_id],
        |row| row.get(0),
    )
    .map_err(storage_error)
}

/// The GHL connection whose contacts the app's records are linked to (`None`: no links). For a
/// pair not bound yet (a database from before pairs, with several locations), this is the
/// location it synced with.
pub fn linked_location(
    conn: &Connection,
    app_connection_id: &str,
) -> Result<Option<String>, BridgeError> {
    conn.query_row_cached(
        "SELECT c.ghl_connection_id FROM links l JOIN contacts c ON c.id = l.contact_id
         WHERE l.connection_id = ?1 LIMIT 1",
        [app_connection_id],
        |row| row.get(0),
    )
    .optional()
    .map_err(storage_error)
}

/// What [`forget_location_state`] dropped, for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Forgotten {
    pub links: u64,
    pub app_records: u64,
    pub app_activities: u64,
    pub conflicts: u64,
    pub reviews: u64,
    pub problems: u64,
    pub pending_deletes: u64,
    pub cursors: u64,
    /// The records its rules made (they name contacts of that location).
    pub rule_records: u64,
}

/// Drops what ties the pair to the contacts of its current location, before it moves to
/// another: its links, its mirror of the app's records and activities (they name contacts of
/// that location; the next sync reads the app again from the start, as its cursors go too),
/// its open conflicts, reviews, problems, pending deletes and the records its rules made. The journal's rows are the
/// journal's to drop (`bridge_sync::journal::forget_pair`); the mapping and the run history stay.
pub fn forget_location_state(
    conn: &Connection,
    app_connection_id: &str,
) -> Result<Forgotten, BridgeError> {
    let delete = |sql: &str| -> Result<u64, BridgeError> {
        conn.execute_cached(sql, [app_connection_id])
            .map(|n| n as u64)
            .map_err(storage_error)
    };
    Ok(Forgotten {
        links: delete("DELETE FROM links WHERE connection_id = ?1")?,
        app_records: delete("DELETE FROM remote_records WHERE connection_id = ?1")?,
        app_activities: delete("DELETE FROM activities WHERE connection_id = ?1")?,
        conflicts: delete("DELETE FROM conflicts WHERE connection_id = ?1")?,
        reviews: delete("DELETE FROM match_reviews WHERE connection_id = ?1")?,
        problems: delete("DELETE FROM record_problems WHERE pair_id = ?1")?,
        pending_deletes: delete("DELETE FROM pending_deletes WHERE pair_id = ?1")?,
        cursors: delete("DELETE FROM cursors WHERE connection_id = ?1")?,
        rule_records: delete("DELETE FROM rule_records WHERE pair_id = ?1")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::connections::{self, AuthKind, NewConnection};
    use crate::table::test_support::{at, ghl_connection};
    use bridge_core::System;

    fn app(conn: &Connection, name: &str) -> String {
        connections::insert(
            conn,
            &NewConnection {
                system: System::Ninox,
                name: name.into(),
                base_url: "http://127.0.0.1:1".into(),
                auth_kind: AuthKind::ApiKey,
                account_id: name.into(),
                secret_ref: format!("connection/{name}"),
                settings: serde_json::json!({}),
            },
            at(1),
        )
        .unwrap()
        .id
    }

    #[test]
    fn apps_bind_to_the_only_location_and_wait_for_a_choice_among_several() {
        let store = crate::Store::open_in_memory().unwrap();
        let conn = store.conn();
        let ninox = app(conn, "Ninox");
        assert_eq!(
            bind_to_only_location(conn, at(2)).unwrap(),
            0,
            "no location yet"
        );
        let north = ghl_connection(conn, "North");
        assert_eq!(bind_to_only_location(conn, at(2)).unwrap(), 1);
        assert_eq!(get(conn, &ninox).unwrap().unwrap().ghl_connection_id, north);
        let south = ghl_connection(conn, "South");
        let novi = app(conn, "Ninox 2");
        assert_eq!(
            bind_to_only_location(conn, at(3)).unwrap(),
            0,
            "two locations"
        );
        assert!(get(conn, &novi).unwrap().is_none());
        set(conn, &ninox, &south, at(4)).unwrap();
        let moved = get(conn, &ninox).unwrap().unwrap();
        assert_eq!(moved.ghl_connection_id, south);
        assert_ne!(moved.created_at, moved.updated_at);
        // Binding to the same location again is no move.
        set(conn, &ninox, &south, at(5)).unwrap();
        assert_eq!(
            get(conn, &ninox).unwrap().unwrap().updated_at,
            moved.updated_at
        );
        // Removing the location unbinds its apps.
        conn.execute("DELETE FROM connections WHERE id = ?1", [&south])
            .unwrap();
        assert!(get(conn, &ninox).unwrap().is_none());
    }

    #[test]
    fn a_move_forgets_the_records_the_pairs_rules_made_and_only_those() {
        use crate::table::rule_records::{self, RuleRecord};
        let store = crate::Store::open_in_memory().unwrap();
        let conn = store.conn();
        let north = ghl_connection(conn, "North");
        let ninox = app(conn, "Ninox");
        let other = app(conn, "Ninox 2");
        for (pair, remote) in [(&ninox, "n1"), (&ninox, "n2"), (&other, "o1")] {
            let record = RuleRecord {
                pair_id: pair.clone(),
                connection_id: north.clone(),
                object_kind: "note".into(),
                remote_id: remote.into(),
                rule: "welcome".into(),
                contact_id: format!("contact-{remote}"),
            };
            rule_records::insert(conn, &record, at(2)).unwrap();
        }
        let forgotten = forget_location_state(conn, &ninox).unwrap();
        assert_eq!(forgotten.rule_records, 2);
        assert!(rule_records::for_contact(conn, "contact-n1")
            .unwrap()
            .is_empty());
        assert_eq!(
            rule_records::for_contact(conn, "contact-o1").unwrap().len(),
            1,
            "another pair's rule records stay"
        );
    }
}
