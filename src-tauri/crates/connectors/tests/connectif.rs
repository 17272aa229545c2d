//! The Connectif client against the Connectif fake: contacts, upsert, custom events, the
//! export lifecycle streamed from its CSV, errors and 429s.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use bridge_connectors::connectif::{rate_budget, ConnectifClient, ContactPatch, ExportOptions};
use bridge_connectors::http::RetryPolicy;
use bridge_core::ErrorCode;
use bridge_sandbox::{ConnectifConfig, ConnectifSandbox, FaultConfig};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde_json::{json, Map};
use support::{fast_retries, FixedToken};

fn small() -> ConnectifConfig {
    ConnectifConfig {
        contacts: 10,
        ghl_contacts: 30,
        export_polls: 3,
        ..ConnectifConfig::default()
    }
}

fn client_with_key(c: &ConnectifSandbox, key: &str, retry: RetryPolicy) -> ConnectifClient {
    let http = ConnectifClient::http_builder(
        &c.base_url(),
        Arc::new(FixedToken(key.to_string())),
        Arc::new(rate_budget("test")),
    )
    .retry_policy(retry)
    .timeout(Duration::from_secs(5))
    .build()
    .unwrap();
    ConnectifClient::with_http(http).unwrap()
}

fn client(c: &ConnectifSandbox) -> ConnectifClient {
    client_with_key(c, &c.api_key(), fast_retries())
}

fn quick_polls() -> ExportOptions {
    ExportOptions {
        first_poll: Duration::from_millis(5),
        max_poll: Duration::from_millis(20),
        max_wait: Duration::from_secs(10),
        ..ExportOptions::default()
    }
}

#[tokio::test]
async fn reads_upserts_and_misses_contacts_by_email() {
    let c = ConnectifSandbox::start(small()).await.unwrap();
    let client = client(&c);
    let email = c.contact_emails()[0].clone();
    let seeded = client.get_contact(&email).await.unwrap().unwrap();
    assert_eq!(seeded.email, email);
    assert!(seeded.updated_at.is_some());
    assert!(client
        .get_contact("nobody@example.org")
        .await
        .unwrap()
        .is_none());

    let mut patch = ContactPatch {
        name: Some("Ann".into()),
        surname: Some("Lee".into()),
        mobile_phone: Some("+34600111222".into()),
        ..ContactPatch::default()
    };
    patch.set_checkbox("interests", &["events".into(), "offers".into()]);
    patch.custom.insert("vip".into(), json!(true));
    let created = client
        .upsert_contact("Ann.Lee@Example.org", &patch)
        .await
        .unwrap();
    assert_eq!(created.email, "ann.lee@example.org");
    assert_eq!(created.name.as_deref(), Some("Ann"));
    assert_eq!(created.other["interests"], json!(["events", "offers"]));
    let stored = c.contact("ann.lee@example.org").unwrap();
    assert_eq!(stored["vip"], json!(true));

    // The same patch again changes nothing, so `_updatedAt` stays.
    let again = client
        .upsert_contact("ann.lee@example.org", &patch)
        .await
        .unwrap();
    assert_eq!(again.updated_at, created.updated_at);
    assert_eq!(again.id, created.id);

    let mut wrong = ContactPatch::default();
    wrong.custom.insert("shoe-size".into(), json!(42));
    wrong.set_checkbox("interests", &["golf".into()]);
    let err = client
        .upsert_contact("ann.lee@example.org", &wrong)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(
        err.message.contains("/shoe-size: is not a contact field"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("'golf' is not an option"),
        "{}",
        err.message
    );
    assert_eq!(
        client.get_contact("not-an-email").await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn custom_events_reach_the_account() {
    let c = ConnectifSandbox::start(small()).await.unwrap();
    let client = client(&c);
    let mut fields = Map::new();
    fields.insert("email".into(), json!("new.person@example.org"));
    fields.insert("title".into(), json!("Call notes"));
    fields.insert("body".into(), json!("Wants a quote"));
    let err = client
        .send_custom_event("ghl-note", false, &fields)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{}", err.message);
    client
        .send_custom_event("ghl-note", true, &fields)
        .await
        .unwrap();
    let events = c.custom_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].alias, "ghl-note");
    assert!(events[0].create_contact);
    assert_eq!(events[0].fields, fields);
    assert!(c.contact("new.person@example.org").is_some());
    let err = client
        .send_custom_event("no-such-alias", true, &fields)
        .await
        .unwrap_err();
    assert!(
        err.message.contains("alias 'no-such-alias' not found"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn export_streams_every_contact_after_several_polls() {
    let c = ConnectifSandbox::start(small()).await.unwrap();
    let client = client(&c);
    // A name with the delimiter and a quote must survive the CSV.
    let patch = ContactPatch {
        name: Some("O\"Neil, Jr".into()),
        ..ContactPatch::default()
    };
    client
        .upsert_contact("quoted@example.org", &patch)
        .await
        .unwrap();

    let contacts: Vec<_> = client
        .export_contacts(None, quick_polls())
        .try_collect()
        .await
        .unwrap();
    let mut emails: Vec<String> = contacts.iter().map(|c| c.email.clone()).collect();
    emails.sort();
    assert_eq!(emails, c.contact_emails());
    let quoted = contacts
        .iter()
        .find(|x| x.email == "quoted@example.org")
        .unwrap();
    assert_eq!(quoted.fields["_name"], "O\"Neil, Jr");
    assert_eq!(
        quoted.row as usize,
        contacts
            .iter()
            .position(|x| x.email == "quoted@example.org")
            .unwrap()
            + 2
    );
    assert!(contacts.iter().all(|x| x.updated_at.is_some()));
    // Created, then polled until finished (3 reads).
    assert_eq!(c.stats().count("POST", "/exports/"), 1);
    assert_eq!(c.stats().count("GET", "/exports/{id}"), 3);

    // `updated_since` keeps only what changed since (filtered on our side).
    let since: DateTime<Utc> = quoted.updated_at.unwrap();
    let recent: Vec<_> = client
        .export_contacts(
            Some(since),
            ExportOptions {
                delimiter: ';',
                ..quick_polls()
            },
        )
        .try_collect()
        .await
        .unwrap();
    let recent: Vec<&str> = recent.iter().map(|x| x.email.as_str()).collect();
    assert_eq!(recent, vec!["quoted@example.org"]);
}

#[tokio::test]
async fn a_failed_or_slow_export_ends_the_stream_with_an_error() {
    let c = ConnectifSandbox::start(ConnectifConfig {
        export_polls: 50,
        ..small()
    })
    .await
    .unwrap();
    let client = client(&c);
    c.fail_next_export();
    let err = client
        .export_contacts(None, quick_polls())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.message.contains("ended with status 'error'"),
        "{}",
        err.message
    );

    let impatient = ExportOptions {
        max_wait: Duration::from_millis(60),
        ..quick_polls()
    };
    let err = client
        .export_contacts(None, impatient)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.message.contains("is not finished after"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn refusals_and_rate_limits() {
    let c = ConnectifSandbox::start(small()).await.unwrap();
    let stranger = client_with_key(&c, "key:wrong", fast_retries());
    let err = stranger.get_contact("a@b.org").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("Not authorized to access API."),
        "{}",
        err.message
    );

    c.set_faults(FaultConfig {
        rate_limited_rate: 0.4,
        ..FaultConfig::none()
    });
    let patient = client_with_key(
        &c,
        &c.api_key(),
        RetryPolicy {
            max_attempts: 10,
            ..fast_retries()
        },
    );
    let email = c.contact_emails()[0].clone();
    for _ in 0..10 {
        assert!(patient.get_contact(&email).await.unwrap().is_some());
    }
    assert!(c.stats().rate_limited > 0);
    assert!(patient.http().counts().rate_limited > 0);
    // The budget adopted the remote's limit header.
    assert_eq!(patient.http().budget().snapshot().await.max_per_window, 100);
}
