//! Pull: each connector streams the records changed since its saved cursor into the store.

pub(crate) mod app_gone;
pub mod ghl;
pub mod ghl_appointments;
pub mod ghl_contacts_gone;

use serde::Serialize;

/// What one pull did and what it cost, for `bridge pull` and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullReport {
    /// Contacts the search returned (changed ones, plus the overlap window's repeats).
    pub contacts_seen: u64,
    /// Contacts new or different from what was stored: their children were fetched.
    pub contacts_changed: u64,
    pub tasks: u64,
    pub notes: u64,
    pub appointments: u64,
    pub search_pages: u64,
    pub requests: u64,
    pub rate_limited: u64,
    /// Records that could not be read, each naming the record and field. The cursor stops
    /// before the first of them, so the next pull reads them again.
    pub problems: Vec<String>,
}
