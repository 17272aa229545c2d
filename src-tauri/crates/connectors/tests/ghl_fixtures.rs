//! The GHL client against response bodies written in GHL's documented formats
//! (tests/fixtures/ghl, sources in its README): the location's calendars and their events,
//! a missing task answered 400, a token without the route's scope.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bridge_core::ErrorCode;
use chrono::{TimeZone, Utc};
use serde_json::Value;
use support::{ghl, MockServer, Reply, LOCATION};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../../tests/fixtures/ghl/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn calendars_and_their_events_are_read_by_time_window_in_epoch_ms() {
    let server = MockServer::start(|request, _| {
        if request.path.ends_with("/calendars/") {
            Reply::json(200, fixture("calendars.json"))
        } else {
            Reply::json(200, fixture("calendar_events.json"))
        }
    })
    .await;
    let client = ghl(&server);
    let calendars = client.list_calendars().await.unwrap();
    assert_eq!(calendars.len(), 1);
    assert_eq!(calendars[0].id.as_deref(), Some("0TkCdp9PfvLeWKYRRvIz"));

    let from = Utc.with_ymd_and_hms(2023, 9, 25, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2023, 9, 27, 0, 0, 0).unwrap();
    let events = client
        .calendar_events("BqTwX8QFwXzpegMve9EQ", from, to)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let first = events[0].to_core("9NkT25Vor1v4aQatFsv2").unwrap();
    assert_eq!(
        first.start_time,
        Some(Utc.with_ymd_and_hms(2023, 9, 25, 10, 30, 0).unwrap()),
        "+05:30 read as the instant it names"
    );
    assert_eq!(
        events[1].id.as_deref(),
        Some("ocQHyuzHvysMo5N5VsXc_1729821600000_1800"),
        "a recurring instance keeps its own id"
    );

    let requests = server.requests();
    let list = &requests[0];
    assert_eq!(list.path, "/calendars/");
    assert_eq!(list.header("version"), Some("2021-04-15"));
    assert_eq!(
        list.query_pairs(),
        vec![("locationId".to_string(), LOCATION.to_string())]
    );
    let window = &requests[1];
    assert_eq!(window.path, "/calendars/events");
    let pairs = window.query_pairs();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("locationId"), Some(LOCATION));
    assert_eq!(get("calendarId"), Some("BqTwX8QFwXzpegMve9EQ"));
    assert_eq!(get("startTime"), Some("1695600000000"));
    assert_eq!(get("endTime"), Some("1695772800000"));
}

#[tokio::test]
async fn a_missing_task_answered_400_is_not_found() {
    let server = MockServer::start(|_, _| Reply::json(400, fixture("task_missing_400.json"))).await;
    let err = ghl(&server).get_task("c1", "t1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{}", err.message);
    assert!(err.message.contains("get task t1"), "{}", err.message);
}

#[tokio::test]
async fn a_400_to_a_write_stays_an_error_of_its_own() {
    let server = MockServer::start(|_, _| Reply::json(400, fixture("task_missing_400.json"))).await;
    let err = ghl(&server)
        .set_task_completed("c1", "t1", true)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote, "{}", err.message);
}

#[tokio::test]
async fn a_token_without_the_scope_is_refused_in_ghls_words() {
    let server =
        MockServer::start(|_, _| Reply::json(401, fixture("scope_missing_401.json"))).await;
    let err = ghl(&server).list_calendars().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message
            .contains("The token is not authorized for this scope."),
        "{}",
        err.message
    );
}
