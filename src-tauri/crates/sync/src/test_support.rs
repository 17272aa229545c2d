//! Helpers shared by the engine's unit tests.

use bridge_core::System;
use bridge_store::table::connections::{self, AuthKind, ConnectionRow, NewConnection};
use bridge_store::Store;
use chrono::{DateTime, Utc};

/// An API-key connection named `name` (its account and secret reference too) on an address
/// nothing listens on: for tests that never reach the remote.
pub(crate) fn offline_connection(
    store: &Store,
    system: System,
    name: &str,
    at: DateTime<Utc>,
) -> ConnectionRow {
    connections::insert(
        store.conn(),
        &NewConnection {
            system,
            name: name.into(),
            base_url: "http://127.0.0.1:1".into(),
            auth_kind: AuthKind::ApiKey,
            account_id: name.into(),
            secret_ref: name.into(),
            settings: serde_json::json!({}),
        },
        at,
    )
    .expect("a test connection is stored")
}
