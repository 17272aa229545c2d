//! The health home: per pair, whether it is in order and what waits for the operator, from
//! the same tables the CLI's `bridge dead-letters`, `bridge conflicts`, `bridge reviews` and
//! `bridge deletes` read, so the window's counts and the CLI's agree.

use bridge_core::BridgeError;
use bridge_store::table::{links, operations, remote_records};
use serde::Serialize;

use super::data::{self, Store};

/// One pair's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairHealth {
    /// The app connection's id (the pair's).
    pub pair_id: String,
    pub pair_name: String,
    /// The GHL location it syncs with (`None`: waiting for the operator's choice).
    pub ghl_name: Option<String>,
    pub system: bridge_core::System,
    /// The pair's connection or its GHL location must be signed in again.
    pub reconnect: bool,
    /// Contacts linked between GHL and the app.
    pub in_sync: u64,
    /// Writes refused for good (dead letters) or failed for now and due again.
    pub dead_letters: u64,
    pub failed_for_now: u64,
    pub conflicts: u64,
    pub reviews: u64,
    pub deletes_waiting: u64,
    /// The app's contacts linked to no GHL contact.
    pub only_in_app: u64,
    pub last_success_at: Option<String>,
    pub last_run_at: Option<String>,
    pub last_run_status: Option<String>,
    pub last_run_error: Option<String>,
}

/// Every pair's health, in the order the pairs sync.
pub fn overview(store: &Store) -> Result<Vec<PairHealth>, BridgeError> {
    let mut pairs = crate::service::app_connections(store, None)?;
    pairs.extend(crate::service::task_connections(store, None)?);
    let locations = data::ghl_connections(store)?;
    let runs = data::recent_runs(store, 1000)?;
    let dead = data::dead_letters(store)?;
    let conflicts = data::open_conflicts(store)?;
    let reviews = data::open_reviews(store)?;
    let deletes = crate::deletes::list(store)?;
    pairs
        .iter()
        .map(|pair| {
            let own: Vec<_> = runs
                .iter()
                .filter(|r| r.summary["pair"].as_str() == Some(pair.id.as_str()) && !r.dry_run)
                .collect();
            let last = own.first();
            let last_success = own.iter().find(|r| r.status == "succeeded");
            let unfinished = operations::open_for_pair(store.conn(), &pair.id)?;
            let location = bridge_store::table::pairs::get(store.conn(), &pair.id)?
                .and_then(|p| locations.iter().find(|l| l.id == p.ghl_connection_id));
            Ok(PairHealth {
                pair_id: pair.id.clone(),
                pair_name: pair.name.clone(),
                ghl_name: location.map(|l| l.name.clone()),
                system: pair.system,
                reconnect: location.is_some_and(|l| l.status == "reconnect_required")
                    || pair.status == "reconnect_required",
                in_sync: links::count_contacts(store.conn(), &pair.id)?,
                dead_letters: dead
                    .iter()
                    .filter(|d| d.op.pair_id.as_deref() == Some(pair.id.as_str()))
                    .count() as u64,
                failed_for_now: unfinished.iter().filter(|o| o.state == "failed").count() as u64,
                conflicts: conflicts
                    .iter()
                    .filter(|c| c.connection_id == pair.id)
                    .count() as u64,
                reviews: reviews
                    .iter()
                    .filter(|r| r.connection_id == pair.id)
                    .count() as u64,
                deletes_waiting: deletes
                    .iter()
                    .filter(|d| d.delete.pair_id == pair.id && d.delete.state == "waiting")
                    .count() as u64,
                only_in_app: remote_records::count_unlinked(store.conn(), &pair.id, "contact")?,
                last_success_at: last_success.and_then(|r| r.finished_at.clone()),
                last_run_at: last.map(|r| r.started_at.clone()),
                last_run_status: last.map(|r| r.status.clone()),
                last_run_error: last.and_then(|r| r.error.clone()),
            })
        })
        .collect()
}
