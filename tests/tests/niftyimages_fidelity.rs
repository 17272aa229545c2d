//! NiftyImages as its documentation describes it: DATE fields written in each field's
//! `date_input_format` (the fake refuses anything else), and rows that expire after the
//! store's record TTL kept alive by the sync through the journal. (`bridge doctor` for a
//! store: doctor_niftyimages.rs.)

use std::time::Duration;

use bridge_tests::niftyimages_world::World;
use bridge_tests::novi_pair::writes;
use serde_json::Value;

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_are_written_in_the_fields_input_format() {
    let world = std::sync::Arc::new(World::start(40, None).await);
    let w = world.clone();
    let outcome = blocking(move || {
        w.connect(&[]);
        w.map_next_appointment();
        w.sync()
    })
    .await;
    // The fake refuses a DATE value outside "yyyy-MM-dd HH:mm": nothing may be dead.
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    let dated: Vec<String> = world
        .store
        .records()
        .iter()
        .filter_map(|r| r.get("next_appointment")?.as_str().map(str::to_string))
        .filter(|d| !d.is_empty())
        .collect();
    assert!(!dated.is_empty(), "some contact has an appointment to come");
    for date in &dated {
        assert!(
            chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M").is_ok(),
            "{date} is not in the field's format yyyy-MM-dd HH:mm"
        );
    }
}

/// The keep-alive writes are planned and journaled like every write: listed in the plan
/// with their reason, counted as done, and one the store did not take (503) is finished by
/// the next sync's recovery from the journal (an upsert, so no row is doubled).
#[tokio::test(flavor = "multi_thread")]
async fn rows_are_written_again_before_the_stores_ttl_expires_them() {
    use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
    const TTL: Duration = Duration::from_secs(10);
    let world = std::sync::Arc::new(World::start(10, Some(TTL)).await);
    let w = world.clone();
    blocking(move || {
        w.connect(&["--record-ttl-seconds", "10"]);
        w.sync();
    })
    .await;
    let written = world.store.records().len();
    assert!(written > 0);
    let before = writes(&world.store.stats());

    // Past TTL − margin (8 s) since the first write: the next sync plans every row again, and
    // the store turns the first rewrite away (503, come back in an hour: not retried now).
    tokio::time::sleep(Duration::from_millis(8_500)).await;
    world.store.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/Store/AddRecord",
        AimedKind::Unavailable,
        1,
    )));
    let w = world.clone();
    let outcome = blocking(move || w.sync()).await;
    let kept_alive: Vec<&Value> = outcome["plan"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| {
            op["reason"]
                .as_str()
                .is_some_and(|r| r.contains("record TTL"))
        })
        .collect();
    assert_eq!(
        kept_alive.len(),
        written,
        "every row is planned again: {outcome:#}"
    );
    assert_eq!(outcome["applied"]["unconfirmed"], 1, "{outcome:#}");
    assert_eq!(
        outcome["applied"]["done"],
        written as u64 - 1,
        "counted as writes: {outcome:#}"
    );
    assert_eq!(
        writes(&world.store.stats()) - before,
        written as u64,
        "each row sent once (the turned-away one counted)"
    );
    // The next sync's recovery finishes the unconfirmed one from the journal.
    let w = world.clone();
    let recovered = blocking(move || w.sync()).await;
    assert_eq!(recovered["applied"]["alreadyDone"], 1, "{recovered:#}");
    assert_eq!(recovered["applied"]["unconfirmed"], 0, "{recovered:#}");
    assert_eq!(
        world.store.records().len(),
        written,
        "upserts: no row doubled"
    );
    // Past the TTL of the first write: without the rewrites every row would be gone.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(world.store.records().len(), written);

    // Fresh rows are left alone.
    let after = writes(&world.store.stats());
    let w = world.clone();
    let quiet = blocking(move || w.sync()).await;
    assert_eq!(
        writes(&world.store.stats()),
        after,
        "a quiet sync writes nothing: {quiet:#}"
    );
}
