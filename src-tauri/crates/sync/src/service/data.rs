//! The one door for everything the window and the CLI read or change outside a sync:
//! connections, runs, journal rows, conflicts, reviews, contacts and their timelines, and the
//! apps' default addresses. Neither the desktop nor the CLI depends on the store or a client
//! crate (the compiler enforces it): they name these types and call these functions, so both
//! show the same data the same way.

use std::path::Path;

use bridge_core::{AppInfo, BridgeError, ErrorCode, System};
use bridge_store::table::{
    conflicts, connections, contacts, custom_fields, links, match_reviews, operations, sync_runs,
    timeline,
};
use chrono::{DateTime, Utc};

pub use bridge_store::table::conflicts::ConflictRow;
pub use bridge_store::table::connections::{AuthKind, ConnectionRow};
pub use bridge_store::table::contacts::ContactRow;
pub use bridge_store::table::custom_fields::CustomField;
pub use bridge_store::table::links::LinkRow;
pub use bridge_store::table::match_reviews::MatchReview;
pub use bridge_store::table::operations::OperationRow;
pub use bridge_store::table::sync_runs::RunRow;
pub use bridge_store::table::timeline::TimelineEvent;
pub use bridge_store::Store;

/// The apps' public API roots, for forms and flags that leave the address empty.
pub mod default_urls {
    pub const GHL: &str = bridge_connectors::ghl::DEFAULT_BASE_URL;
    pub const CONNECTIF: &str = bridge_connectors::connectif::DEFAULT_BASE_URL;
    pub const NIFTYIMAGES: &str = bridge_connectors::niftyimages::DEFAULT_BASE_URL;
    pub const NIFTY: &str = bridge_connectors::nifty::DEFAULT_BASE_URL;
}

/// Version, database path, schema version and log folder of this installation.
pub fn app_info(store: &Store, log_dir: &Path) -> Result<AppInfo, BridgeError> {
    bridge_store::app_info(store, log_dir)
}

/// Every connection, GHL and apps alike.
pub fn connections(store: &Store) -> Result<Vec<ConnectionRow>, BridgeError> {
    connections::list(store.conn())
}

/// One connection by id.
pub fn connection(store: &Store, id: &str) -> Result<ConnectionRow, BridgeError> {
    connections::get(store.conn(), id)?
        .ok_or_else(|| BridgeError::new(ErrorCode::NotFound, format!("no connection {id}")))
}

/// One connection by the name the operator gave it.
pub fn connection_named(store: &Store, name: &str) -> Result<ConnectionRow, BridgeError> {
    connections::list(store.conn())?
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            BridgeError::new(
                ErrorCode::NotFound,
                format!("no connection is named \"{name}\" (see `bridge status`)"),
            )
        })
}

/// Marks a connection as needing the operator to sign in again.
pub fn mark_reconnect_required(
    store: &Store,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    connections::set_status(store.conn(), id, "reconnect_required", now)
}

/// The newest runs first.
pub fn recent_runs(store: &Store, limit: u32) -> Result<Vec<RunRow>, BridgeError> {
    sync_runs::recent(store.conn(), limit)
}

/// What one run did, counted from its summary (planned) and its journal rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// The writes its plan held (0 for a run that planned nothing or failed before planning).
    pub planned: u64,
    /// Journal rows it wrote (`done`).
    pub written: u64,
    /// Rows refused, waiting for a retry, or sent without a confirmed answer.
    pub failed: u64,
    /// Planned writes it did not send (cancelled, held back, a preview).
    pub skipped: u64,
}

/// How many writes run `run` planned, wrote, failed and skipped. Links (a record matched, no
/// write) are not writes.
pub fn run_counts(store: &Store, run: &RunRow) -> Result<RunCounts, BridgeError> {
    let planned: u64 = run.summary["operations"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(key, _)| !key.ends_with(".link"))
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0);
    let mut counts = RunCounts {
        planned,
        ..RunCounts::default()
    };
    for (state, n) in operations::state_counts(store.conn(), &run.id)? {
        match state.as_str() {
            "done" => counts.written += n,
            "failed" | "dead" | "sent" => counts.failed += n,
            _ => {}
        }
    }
    counts.skipped = planned.saturating_sub(counts.written + counts.failed);
    Ok(counts)
}

/// The operations one run journaled.
pub fn run_operations(store: &Store, run_id: &str) -> Result<Vec<OperationRow>, BridgeError> {
    operations::for_run(store.conn(), run_id)
}

/// Writes an app refused for good, each with the app's own message.
pub fn dead_letters(store: &Store) -> Result<Vec<OperationRow>, BridgeError> {
    operations::dead_letters(store.conn())
}

/// Fields both sides changed under a manual-review line, not yet settled.
pub fn open_conflicts(store: &Store) -> Result<Vec<ConflictRow>, BridgeError> {
    conflicts::list_open(store.conn())
}

/// Ambiguous matches waiting for the operator.
pub fn open_reviews(store: &Store) -> Result<Vec<MatchReview>, BridgeError> {
    match_reviews::list_open(store.conn())
}

/// One local contact.
pub fn contact(store: &Store, id: &str) -> Result<ContactRow, BridgeError> {
    contacts::get(store.conn(), id)?
        .ok_or_else(|| BridgeError::new(ErrorCode::NotFound, format!("no contact has the id {id}")))
}

/// The local id of a contact named by its local id or by its GHL contact id.
pub fn find_contact(store: &Store, id: &str) -> Result<String, BridgeError> {
    if contacts::get(store.conn(), id)?.is_some() {
        return Ok(id.to_string());
    }
    for connection in connections::list(store.conn())? {
        if let Some(row) = contacts::get_by_ghl_id(store.conn(), &connection.id, id)? {
            return Ok(row.id);
        }
    }
    Err(BridgeError::new(
        ErrorCode::NotFound,
        format!("no contact has the id {id} (local or GHL)"),
    ))
}

/// How the operator knows a contact: its name, else its email, else its id.
pub fn contact_name(store: &Store, id: &str) -> String {
    match contacts::get(store.conn(), id) {
        Ok(Some(row)) => {
            let c = row.contact;
            let name = [c.first_name, c.last_name]
                .into_iter()
                .flatten()
                .filter(|p| !p.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if name.trim().is_empty() {
                c.email.unwrap_or_else(|| id.to_string())
            } else {
                name
            }
        }
        _ => id.to_string(),
    }
}

/// One page of a GHL location's contacts, by name.
pub fn contacts_page(
    store: &Store,
    ghl_connection_id: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<ContactRow>, BridgeError> {
    contacts::page(store.conn(), ghl_connection_id, offset, limit)
}

/// The records in the other apps linked to a contact (tasks and notes included).
pub fn contact_links(store: &Store, contact_id: &str) -> Result<Vec<LinkRow>, BridgeError> {
    links::for_contact(store.conn(), contact_id)
}

/// Everything that happened to a contact in every app, oldest first.
pub fn contact_events(store: &Store, contact_id: &str) -> Result<Vec<TimelineEvent>, BridgeError> {
    timeline::for_contact(store.conn(), contact_id)
}

/// A contact's events whose title or body holds every word of `query` (the FTS index),
/// oldest first.
pub fn search_contact_events(
    store: &Store,
    contact_id: &str,
    query: &str,
) -> Result<Vec<TimelineEvent>, BridgeError> {
    // The index spans every contact: read enough matches to find this one's among them.
    let mut found: Vec<TimelineEvent> = timeline::search(store.conn(), query, 10_000)?
        .into_iter()
        .filter(|e| e.contact_id == contact_id)
        .collect();
    found.sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at));
    Ok(found)
}

/// The custom fields GHL (or an app) declares for a connection.
pub fn custom_fields(store: &Store, connection_id: &str) -> Result<Vec<CustomField>, BridgeError> {
    custom_fields::list(store.conn(), connection_id)
}

/// The GHL locations (hubs), in the order they were connected.
pub fn ghl_connections(store: &Store) -> Result<Vec<ConnectionRow>, BridgeError> {
    Ok(connections::list(store.conn())?
        .into_iter()
        .filter(|c| c.system == System::Ghl)
        .collect())
}
