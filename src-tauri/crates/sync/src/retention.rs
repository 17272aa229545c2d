//! The retention policy (issue #13): the journal and the timeline would otherwise grow by every
//! write of every sync. After each `bridge sync` (and on `bridge prune`):
//! - finished contact and tag writes older than `keepDoneOperationsDays` (default 90) are
//!   deleted; unfinished and dead ones never are, nor task, note and appointment rows (see
//!   [`crate::journal::prune_done`]). An undo needs its run's rows: runs older than that can
//!   no longer be undone.
//! - timeline events recorded more than `keepTimelineDays` ago (default 730) are deleted,
//!   whenever they happened.
//!
//! Both are entries of the settings file ([`crate::settings::retention`]); 0 keeps forever.

use bridge_core::BridgeError;
use bridge_store::table::timeline;
use bridge_store::Store;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Retention {
    /// Days a finished contact or tag write stays in the journal; 0: forever.
    pub keep_done_operations_days: u32,
    /// Days a timeline event stays after it was recorded; 0: forever.
    pub keep_timeline_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            keep_done_operations_days: 90,
            keep_timeline_days: 730,
        }
    }
}

/// What one prune deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneReport {
    pub operations: usize,
    pub timeline_events: usize,
}

/// Deletes what the policy no longer keeps, in one transaction.
pub fn prune(
    store: &mut Store,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<PruneReport, BridgeError> {
    let cutoff = |days: u32| (days > 0).then(|| now - Duration::days(i64::from(days)));
    store.with_tx(|tx| {
        let mut report = PruneReport::default();
        if let Some(before) = cutoff(retention.keep_done_operations_days) {
            report.operations = crate::journal::prune_done(tx, before)?;
        }
        if let Some(before) = cutoff(retention.keep_timeline_days) {
            report.timeline_events =
                timeline::prune_recorded_before(tx, &bridge_store::timestamp(before))?;
        }
        Ok(report)
    })
}
