//! The NiftyImages client against the NiftyImages fake: schema, upsert on the unique field,
//! refusals with their details, delete, key check and 429 retries.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use bridge_connectors::http::RetryPolicy;
use bridge_connectors::niftyimages::{rate_budget, unique_field, NiftyImagesClient};
use bridge_core::ErrorCode;
use bridge_sandbox::{FaultConfig, NiftyImagesConfig, NiftyImagesSandbox};
use serde_json::{json, Map, Value};
use support::{fast_retries, FixedToken};

async fn start() -> NiftyImagesSandbox {
    NiftyImagesSandbox::start(NiftyImagesConfig {
        ghl_contacts: 20,
        ..NiftyImagesConfig::default()
    })
    .await
    .unwrap()
}

fn client(store: &NiftyImagesSandbox, key: &str, retry: RetryPolicy) -> NiftyImagesClient {
    let http = NiftyImagesClient::http_builder(
        &store.base_url(),
        Arc::new(FixedToken(key.to_string())),
        Arc::new(rate_budget("test")),
    )
    .retry_policy(retry)
    .timeout(Duration::from_secs(5))
    .build()
    .unwrap();
    NiftyImagesClient::with_http(http)
}

fn row(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[tokio::test]
async fn writes_rows_by_their_unique_field_and_deletes_them() {
    let store = start().await;
    let client = client(&store, &store.api_key(), fast_retries());
    let fields = client.store_fields().await.unwrap();
    assert_eq!(unique_field(&fields).unwrap().name, "email");
    let date = fields.iter().find(|f| f.field_type == "DATE").unwrap();
    assert_eq!(date.date_input_format.as_deref(), Some("yyyy-MM-dd HH:mm"));

    let before = store.records().len();
    client
        .add_record(&row(&[
            ("email", json!("ann@example.org")),
            ("first_name", json!("Ann")),
            ("points", json!(10)),
        ]))
        .await
        .unwrap();
    client
        .add_record(&row(&[
            ("email", json!("ann@example.org")),
            ("points", json!(25)),
            ("vip", json!(true)),
        ]))
        .await
        .unwrap();
    assert_eq!(
        store.records().len(),
        before + 1,
        "the second write updated the row"
    );
    let ann = store.record("ann@example.org").unwrap();
    assert_eq!(ann["first_name"], "Ann");
    assert_eq!(ann["points"], 25);
    assert_eq!(ann["vip"], true);

    let err = client
        .add_record(&row(&[
            ("email", json!("ann@example.org")),
            ("shoe_size", json!(42)),
        ]))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(
        err.message.contains("Field 'shoe_size' does not exist"),
        "{}",
        err.message
    );
    let err = client
        .add_record(&row(&[("first_name", json!("Nobody"))]))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("unique field 'email' is required"),
        "{}",
        err.message
    );

    client
        .delete_record("email", &json!("ann@example.org"))
        .await
        .unwrap();
    assert!(store.record("ann@example.org").is_none());
    let err = client
        .delete_record("email", &json!("ann@example.org"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_429s_are_retried() {
    let store = start().await;
    let err = client(&store, "wrong", fast_retries())
        .store_fields()
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("Authorization has been denied"),
        "{}",
        err.message
    );

    store.set_faults(FaultConfig {
        rate_limited_rate: 0.4,
        ..FaultConfig::none()
    });
    let patient = client(
        &store,
        &store.api_key(),
        RetryPolicy {
            max_attempts: 10,
            ..fast_retries()
        },
    );
    for n in 0..8 {
        patient
            .add_record(&row(&[("email", json!(format!("p{n}@example.org")))]))
            .await
            .unwrap();
    }
    assert!(store.stats().rate_limited > 0);
    assert!((0..8).all(|n| store.record(&format!("p{n}@example.org")).is_some()));
}

/// `GET /Store` as documented (tests/fixtures/niftyimages/store_fields.json): fields found
/// whatever their case and spaces, sent as Pipedream sends them, dates in each one's format.
#[test]
fn the_documented_field_list_is_read_and_its_date_formats_are_written() {
    use bridge_connectors::niftyimages::{format_date, same_field, wire_name, StoreField};
    let path = format!(
        "{}/../../../tests/fixtures/niftyimages/store_fields.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let fields: Vec<StoreField> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        unique_field(&fields).map(|f| f.name.as_str()),
        Some("Email")
    );
    let first = fields
        .iter()
        .find(|f| same_field(&f.name, "first_name"))
        .unwrap();
    assert_eq!(wire_name(first), "First_Name");
    assert!(fields.iter().any(|f| same_field(&f.name, "FIRSTNAME")));
    assert!(!fields.iter().any(|f| same_field(&f.name, "last_name")));

    let appointment = fields
        .iter()
        .find(|f| same_field(&f.name, "appointment_date"))
        .unwrap();
    let format = appointment.date_input_format.as_deref().unwrap();
    assert_eq!(
        format_date(&json!("2026-12-01T15:05:00Z"), format).unwrap(),
        "12/01/2026 3:05 PM"
    );
    let birthday = fields.iter().find(|f| f.name == "birthday").unwrap();
    assert_eq!(
        format_date(
            &json!("1990-04-07"),
            birthday.date_input_format.as_deref().unwrap()
        )
        .unwrap(),
        "1990-04-07"
    );
    assert_eq!(
        fields
            .iter()
            .find(|f| f.name == "Points")
            .unwrap()
            .date_input_format,
        None,
        "no format on a non-DATE field"
    );
}

#[tokio::test]
async fn a_date_outside_the_fields_format_is_refused_by_the_store() {
    let store = start().await;
    let client = client(&store, &store.api_key(), fast_retries());
    let iso = row(&[
        ("email", json!("dated@example.com")),
        ("next_appointment", json!("2026-12-01T15:05:00Z")),
    ]);
    let err = client.add_record(&iso).await.unwrap_err();
    assert!(err.message.contains("yyyy-MM-dd HH:mm"), "{}", err.message);
    let formatted = row(&[
        ("email", json!("dated@example.com")),
        ("next_appointment", json!("2026-12-01 15:05")),
    ]);
    client.add_record(&formatted).await.unwrap();
    assert_eq!(
        store.record("dated@example.com").unwrap()["next_appointment"],
        "2026-12-01 15:05"
    );
}
