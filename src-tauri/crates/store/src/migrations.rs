//! Schema migrations, one SQL file each, applied in order and tracked by `user_version`.

use bridge_core::BridgeError;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

const MIGRATION_FILES: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_activities.sql"),
    include_str!("../migrations/0003_custom_fields.sql"),
    include_str!("../migrations/0004_match_keys.sql"),
    include_str!("../migrations/0005_link_base.sql"),
    include_str!("../migrations/0006_remote_records.sql"),
    include_str!("../migrations/0007_conflicts.sql"),
    include_str!("../migrations/0008_drop_unused_indexes.sql"),
    include_str!("../migrations/0009_journal.sql"),
    include_str!("../migrations/0010_sync_lease.sql"),
    include_str!("../migrations/0011_connection_checks.sql"),
    include_str!("../migrations/0014_deletes_and_problems.sql"),
    include_str!("../migrations/0019_webhook_events.sql"),
    include_str!("../migrations/0025_reviews.sql"),
    include_str!("../migrations/0028_pair_rules.sql"),
    include_str!("../migrations/0029_rule_records.sql"),
    include_str!("../migrations/0020_contact_dnd.sql"),
    include_str!("../migrations/0021_pairs.sql"),
    include_str!("../migrations/0023_hot_indexes.sql"),
    include_str!("../migrations/0024_timeline_recorded_at.sql"),
    include_str!("../migrations/0030_remote_records_deleted.sql"),
    include_str!("../migrations/0032_engagement_problems.sql"),
    include_str!("../migrations/0033_timeline_contact_kind.sql"),
    include_str!("../migrations/0034_pending_claim_index.sql"),
];

/// The version a fully migrated database reports.
pub const SCHEMA_VERSION: u32 = MIGRATION_FILES.len() as u32;

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATION_FILES.iter().map(|sql| M::up(sql)).collect())
}

pub(crate) fn apply(conn: &mut Connection) -> Result<(), BridgeError> {
    migrations()
        .to_latest(conn)
        .map_err(|e| BridgeError::storage(format!("cannot update the database schema: {e}")))
}

pub(crate) fn current_version(conn: &Connection) -> Result<u32, BridgeError> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(crate::storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    /// A database from before pairs: its app connections are bound to its only location; with
    /// two locations none is bound (the operator chooses).
    #[test]
    fn existing_apps_are_paired_with_the_only_location() {
        let pairs_at = MIGRATION_FILES
            .iter()
            .position(|sql| sql.contains("CREATE TABLE pairs"))
            .unwrap();
        for (locations, bound) in [(1, 2), (2, 0)] {
            let mut conn = Connection::open_in_memory().unwrap();
            migrations().to_version(&mut conn, pairs_at).unwrap();
            let insert = |id: &str, system: &str| {
                conn.execute(
                    "INSERT INTO connections (id, system, name, base_url, auth_kind, account_id,
                                              secret_ref, created_at, updated_at)
                     VALUES (?1, ?2, ?1, 'http://127.0.0.1:1', 'api_key', ?1, ?1, 'now', 'now')",
                    [id, system],
                )
                .unwrap();
            };
            for n in 0..locations {
                insert(&format!("ghl:{n}"), "ghl");
            }
            insert("novi:Members", "novi");
            insert("ninox:Table", "ninox");
            apply(&mut conn).unwrap();
            let paired: Vec<(String, String)> = conn
                .prepare("SELECT app_connection_id, ghl_connection_id FROM pairs ORDER BY 1")
                .unwrap()
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(paired.len(), bound, "{locations} locations: {paired:?}");
            assert!(paired.iter().all(|(_, ghl)| ghl == "ghl:0"));
        }
    }

    #[test]
    fn migrates_from_empty_and_creates_every_table() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(current_version(&conn).unwrap(), 0);
        apply(&mut conn).unwrap();
        assert_eq!(current_version(&conn).unwrap(), SCHEMA_VERSION);
        for table in [
            "connections",
            "contacts",
            "links",
            "mappings",
            "sync_runs",
            "operations",
            "timeline_events",
            "timeline_fts",
            "cursors",
            "activities",
            "custom_fields",
            "match_reviews",
            "remote_records",
            "conflicts",
            "sync_lease",
            "webhook_events",
            "pair_rules",
            "rule_records",
            "pairs",
        ] {
            let found: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                    [table],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(found, 1, "table {table} is missing");
        }
        // Applying again is a no-op.
        apply(&mut conn).unwrap();
        assert_eq!(current_version(&conn).unwrap(), SCHEMA_VERSION);
    }
}
