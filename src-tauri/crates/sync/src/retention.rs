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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{self, Entry, Intent};
    use bridge_core::{Contact, System};
    use bridge_store::table::timeline::TimelineEvent;
    use bridge_store::table::{contacts, operations, sync_runs};
    use chrono::TimeZone;

    fn connection(store: &Store, system: System, name: &str) -> String {
        crate::test_support::offline_connection(store, system, name, Utc::now()).id
    }

    #[test]
    fn old_finished_contact_writes_and_old_events_go_unfinished_and_push_rows_stay() {
        let mut store = Store::open_in_memory().unwrap();
        let ghl = connection(&store, System::Ghl, "ghl");
        let app = connection(&store, System::Ninox, "ninox");
        let (contact, _) = contacts::upsert_from_ghl(
            store.conn(),
            &ghl,
            &Contact {
                contact_id: "g1".into(),
                ..Contact::default()
            },
            &Default::default(),
            "h",
            Utc::now(),
        )
        .unwrap();
        let long_ago = Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 0).unwrap();
        let run = sync_runs::start(store.conn(), "cli", false, long_ago).unwrap();
        let write = |kind: &str, local: &str, finish: bool| {
            let intent = Intent {
                pair: &app,
                target: &app,
                kind,
                local,
                action: "create",
            };
            let entry = Entry {
                contact_id: Some(contact.clone()),
                payload: "{}".into(),
                ..Entry::default()
            };
            let mut op = journal::record(store.conn(), &run, &intent, entry, long_ago).unwrap();
            journal::begin(store.conn(), &mut op, &run, long_ago).unwrap();
            if finish {
                journal::done(store.conn(), &op, &run, long_ago).unwrap();
            }
            op.id
        };
        let done_contact = write("contact", "c-done", true);
        let sent_contact = write("contact", "c-sent", false);
        let done_push = write("task", "t1@hash", true);
        timeline::append(
            store.conn(),
            &TimelineEvent {
                contact_id: contact.clone(),
                system: "ghl".into(),
                kind: "note".into(),
                occurred_at: "2019-05-01T10:00:00.000Z".into(),
                title: "Note added".into(),
                body: String::new(),
                before_value: None,
                after_value: None,
                subject_ref: None,
                run_id: None,
            },
        )
        .unwrap();

        // Recorded today, the event stays however old it is; the done contact write goes.
        let report = prune(&mut store, &Retention::default(), Utc::now()).unwrap();
        assert_eq!(
            report,
            PruneReport {
                operations: 1,
                timeline_events: 0
            }
        );
        assert!(operations::get(store.conn(), done_contact)
            .unwrap()
            .is_none());
        assert!(operations::get(store.conn(), sent_contact)
            .unwrap()
            .is_some());
        assert!(operations::get(store.conn(), done_push).unwrap().is_some());
        assert_eq!(
            timeline::for_contact(store.conn(), &contact).unwrap().len(),
            1
        );

        // 0 keeps forever; past the timeline's days, the event goes.
        let forever = Retention {
            keep_done_operations_days: 0,
            keep_timeline_days: 0,
        };
        let later = Utc::now() + Duration::days(800);
        assert_eq!(
            prune(&mut store, &forever, later).unwrap(),
            PruneReport::default()
        );
        let report = prune(&mut store, &Retention::default(), later).unwrap();
        assert_eq!(report.timeline_events, 1);
        assert!(timeline::for_contact(store.conn(), &contact)
            .unwrap()
            .is_empty());
        assert!(operations::get(store.conn(), sent_contact)
            .unwrap()
            .is_some());
    }
}
