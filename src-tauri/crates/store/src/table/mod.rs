//! One module per table: its row type, its reads, and its writes.

pub mod activities;
pub mod conflicts;
pub mod connection_checks;
pub mod connections;
pub mod contacts;
pub mod cursors;
pub mod custom_fields;
pub mod engagement_problems;
pub mod links;
pub mod mappings;
pub mod match_reviews;
pub mod operations;
pub mod pair_rules;
pub mod pairs;
pub mod pending_deletes;
pub mod record_problems;
pub mod remote_records;
pub mod rule_records;
pub mod sync_lease;
pub mod sync_runs;
pub mod timeline;
pub mod webhook_events;

#[cfg(test)]
pub(crate) mod test_support {
    use bridge_core::System;
    use chrono::{TimeZone, Utc};
    use rusqlite::Connection;

    use super::connections::{self, AuthKind, NewConnection};

    pub fn at(hour: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, hour, 0, 0).unwrap()
    }

    /// Inserts a GHL contact with GHL id `ghl_id` and returns its local id.
    pub fn ghl_contact(conn: &Connection, connection_id: &str, ghl_id: &str) -> String {
        let contact = bridge_core::Contact {
            contact_id: ghl_id.into(),
            ..Default::default()
        };
        super::contacts::upsert_from_ghl(
            conn,
            connection_id,
            &contact,
            &Default::default(),
            ghl_id,
            at(1),
        )
        .unwrap()
        .0
    }

    /// Inserts a GHL connection named `name` and returns its id.
    pub fn ghl_connection(conn: &Connection, name: &str) -> String {
        connections::insert(
            conn,
            &NewConnection {
                system: System::Ghl,
                name: name.into(),
                base_url: "http://127.0.0.1:1".into(),
                auth_kind: AuthKind::PrivateToken,
                account_id: format!("loc-{name}"),
                secret_ref: format!("connection/{name}"),
                settings: serde_json::json!({}),
            },
            at(1),
        )
        .unwrap()
        .id
    }
}
