//! A sync plans its contacts twice, a chunk at a time (a count, then an apply that plans each
//! chunk again: `sync/src/pair/streamed.rs`), and both passes must plan at the same instant. A
//! contact's next appointment is the first one after "now": read at two instants, an
//! appointment starting between them changed the second pass's plan, and a long sync stopped
//! as if another process had written to the database (seen at 50,000 contacts). Here the
//! clock jumps past an appointment at the exact step between the passes: while the first
//! chunk is applied, before the second chunk is planned again.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use bridge_core::Clock;
use bridge_sync::service::{self, Step, SyncRequest};
use bridge_tests::ghl_world::{assert_success, book_appointment, calendar_ids};
use bridge_tests::ninox_pair::{Api, NinoxPair};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;

/// The wall clock moved by a shift the test sets.
struct ShiftedClock {
    shift_seconds: AtomicI64,
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.shift_seconds.load(Ordering::SeqCst))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_appointment_starting_between_the_count_and_the_apply_does_not_stop_the_sync() {
    // More than one chunk (1,000 contacts) of contacts to plan.
    let pair = NinoxPair::start(Api::V4, 1_200, 0).await;
    pair.connect();
    // A dry run stores GHL's contacts under their local ids, which order the plan's chunks.
    assert_success("dry run", &pair.bridge(&["sync", "--dry-run", "--json"]));
    let db = pair.scratch.path().join("bridge.sqlite3");
    let (last_ghl_id, last_email): (String, String) = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT ghl_contact_id, email FROM contacts WHERE email IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    // An appointment of the last chunk's contact starting within the hour.
    let start = book_appointment_soon(&pair, &last_ghl_id).await;

    let clock = Arc::new(ShiftedClock {
        shift_seconds: AtomicI64::new(0),
    });
    let clock_for_steps = clock.clone();
    // The first contact write of the apply pass: the first chunk was planned again and is
    // being written; the second is planned again after it. The clock jumps an hour, past the
    // appointment.
    let mut jump_once = |step: &Step| {
        if step.phase == "contacts" && step.done > 0 {
            clock_for_steps.shift_seconds.store(3_600, Ordering::SeqCst);
        }
    };
    let mut store = bridge_store::Store::open(&db).unwrap();
    let tokens = Arc::new(bridge_auth::FileStore::new(
        pair.scratch.path().join(bridge_auth::SECRETS_FILE_NAME),
    ));
    let outcomes = service::sync_observed(
        &mut store,
        tokens,
        clock.clone(),
        &SyncRequest {
            max_overwrite_share: 1.0,
            ..SyncRequest::default()
        },
        &AtomicBool::new(false),
        &mut jump_once,
    )
    .await
    .unwrap_or_else(|e| panic!("the sync stopped: {}", e.message));
    assert_eq!(
        clock.shift_seconds.load(Ordering::SeqCst),
        3_600,
        "the clock jumped during the apply"
    );
    let applied = serde_json::to_value(outcomes[0].applied).unwrap();
    assert_eq!(applied["dead"], json!(0), "{applied:#}");
    // The contact was written as counted: with the appointment that was next when the plan
    // was counted.
    let record = pair.record_by_email(&last_email).await.unwrap();
    let field = &record["fields"][pair.field("Next appointment")];
    let secs = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    assert!(
        field
            .as_str()
            .is_some_and(|text| text.contains(&secs(start)[..16])),
        "the record carries the appointment counted at {}: {record:#}",
        secs(start)
    );
}

/// Books an appointment for a GHL contact in the first free slot of a calendar between 20 and
/// 50 minutes from now (the fake refuses a taken slot, as GHL does); its start.
async fn book_appointment_soon(pair: &NinoxPair, ghl_id: &str) -> DateTime<Utc> {
    let now = Utc::now();
    let mut refusals = Vec::new();
    for calendar in calendar_ids(&pair.ghl).await {
        for minutes in (20..=50).step_by(5) {
            let start = now + Duration::minutes(minutes);
            let times = (
                start.to_rfc3339_opts(SecondsFormat::Secs, true),
                (start + Duration::minutes(5)).to_rfc3339_opts(SecondsFormat::Secs, true),
            );
            let answer = book_appointment(&pair.ghl, &calendar, ghl_id, (&times.0, &times.1)).await;
            if answer.status().is_success() {
                return start;
            }
            refusals.push(answer.text().await.unwrap());
        }
    }
    panic!("no free slot in the next hour: {refusals:?}");
}
