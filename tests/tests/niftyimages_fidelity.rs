//! NiftyImages as its documentation describes it: DATE fields written in each field's
//! `date_input_format` (the fake refuses anything else), and rows that expire after the
//! store's record TTL kept alive by the sync through the journal. (`bridge doctor` for a
//! store: doctor_niftyimages.rs.)

use std::time::Duration;

use bridge_tests::novi_pair::writes;
use bridge_tests::{blocking, niftyimages_world::World};
use serde_json::Value;

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

/// The next-appointment field moves on when its appointment passes, though nothing else
/// changed (#12): an appointment starting in under a minute is the contact's next one; once
/// it has started, the next sync writes the one after it.
#[tokio::test(flavor = "multi_thread")]
async fn the_next_appointment_moves_on_when_it_passes() {
    use bridge_tests::novi_pair::ghl_contacts;
    use chrono::{Duration as Span, SecondsFormat, Utc};
    let world = std::sync::Arc::new(World::start(10, None).await);
    let contact = ghl_contacts(&world.ghl)
        .await
        .into_iter()
        .find(|c| c["email"].is_string())
        .unwrap();
    let (contact_id, email) = (
        contact["id"].as_str().unwrap().to_string(),
        contact["email"].as_str().unwrap().trim().to_lowercase(),
    );
    let client = reqwest::Client::new();
    let ghl = |req: reqwest::RequestBuilder| {
        req.bearer_auth(world.ghl.private_token())
            .header("Version", "2021-04-15")
    };
    let calendars: Value = ghl(client.get(format!(
        "{}/calendars/?locationId={}",
        world.ghl.base_url(),
        world.ghl.location_id()
    )))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let calendar = calendars["calendars"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let soon = Utc::now() + Span::seconds(40);
    let later = Utc::now() + Span::days(3);
    for start in [soon, later] {
        let answer = ghl(client.post(format!(
            "{}/calendars/events/appointments",
            world.ghl.base_url()
        )))
        .json(&serde_json::json!({
            "calendarId": calendar,
            "locationId": world.ghl.location_id(),
            "contactId": contact_id,
            "startTime": start.to_rfc3339_opts(SecondsFormat::Secs, true),
            "endTime": (start + Span::minutes(30)).to_rfc3339_opts(SecondsFormat::Secs, true),
            "title": "Fitting",
        }))
        .send()
        .await
        .unwrap();
        assert!(
            answer.status().is_success(),
            "{}",
            answer.text().await.unwrap()
        );
    }
    let next_of = |world: &World| -> String {
        world
            .store
            .records()
            .iter()
            .find(|r| {
                r.get("email")
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
                    == Some(email.clone())
            })
            .and_then(|r| r.get("next_appointment")?.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let w = world.clone();
    blocking(move || {
        w.connect(&[]);
        w.map_next_appointment();
        w.sync();
    })
    .await;
    let first = next_of(&world);
    assert_eq!(first, soon.format("%Y-%m-%d %H:%M").to_string());
    // Once it has started, the next sync (nothing else changed) moves the field on.
    let wait = (soon - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(2);
    tokio::time::sleep(wait).await;
    let w = world.clone();
    let outcome = blocking(move || w.sync()).await;
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    let second = next_of(&world);
    assert_ne!(
        second, first,
        "the passed appointment is still the next one"
    );
    assert!(second > first, "{second} is not after {first}");
}
