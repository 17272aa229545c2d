//! The Connectif client against bodies written in Connectif's documented formats
//! (tests/fixtures/connectif/, sources in its README): export columns named by display name
//! (v1 and v5) tied to contact fields by the field list, checkbox option ids, custom
//! integrations and event types, and the 403 of a key without a scope.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bridge_connectors::connectif::{rate_budget, ConnectifClient, ExportOptions};
use bridge_core::ErrorCode;
use futures::TryStreamExt;
use serde_json::Value;
use support::{fast_retries, FixedToken, MockServer, Reply};

fn text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/fixtures/connectif")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap()
}

fn client(url: &str) -> ConnectifClient {
    let http = ConnectifClient::http_builder(
        url,
        Arc::new(FixedToken("id:secret".into())),
        Arc::new(rate_budget("fixtures")),
    )
    .retry_policy(fast_retries())
    .build()
    .unwrap();
    ConnectifClient::with_http(http).unwrap()
}

/// A server that answers an export's requests from the fixtures, the file being `csv`.
async fn export_server(csv: &'static str) -> MockServer {
    let own_url: Arc<Mutex<String>> = Arc::default();
    let url = own_url.clone();
    let server = MockServer::start(move |request, _| match request.path.as_str() {
        "/contact-fields/" => Reply::json(200, json("contact_fields.json")),
        "/exports/" => Reply::json(201, json("export_created.json")),
        "/file.csv" => Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/csv".into())],
            body: text(csv),
            delay: Duration::ZERO,
        },
        path if path.starts_with("/exports/") => {
            let mut finished = json("export_finished.json");
            finished["fileUrl"] = format!("{}/file.csv", url.lock().unwrap()).into();
            Reply::json(200, finished)
        }
        _ => Reply::json(404, serde_json::json!({"status": 404, "title": "Not Found", "detail": "Resource not found."})),
    })
    .await;
    *own_url.lock().unwrap() = server.url.clone();
    server
}

fn quick() -> ExportOptions {
    ExportOptions {
        first_poll: Duration::from_millis(5),
        max_poll: Duration::from_millis(5),
        ..ExportOptions::default()
    }
}

#[tokio::test]
async fn export_columns_by_display_name_are_read_by_field_id() {
    let server = export_server("contacts_export_v1.csv").await;
    let rows: Vec<_> = client(&server.url)
        .export_contacts(None, quick())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let ann = &rows[0];
    assert_eq!(ann.email, "ann.lee@example.org");
    assert_eq!(ann.fields["_name"], "Ann");
    assert_eq!(ann.fields["_surname"], "Lee, Jr");
    assert_eq!(ann.fields["_mobilePhone"], "+34600111222");
    // A checkbox holds option ids, "|" between them.
    assert_eq!(ann.fields["ghl-tags"], "t01|t02");
    assert_eq!(
        ann.updated_at.unwrap().to_rfc3339(),
        "2026-11-30T09:15:00+00:00"
    );
    // An empty cell is present and empty (a cleared value); a column no field matches keeps
    // its header.
    assert_eq!(rows[1].fields["_surname"], "");
    assert!(rows[1].fields.contains_key("Last unsubscribed date"));
}

#[tokio::test]
async fn a_column_the_export_version_lacks_is_absent_not_empty() {
    let server = export_server("contacts_export_v5.csv").await;
    let rows: Vec<_> = client(&server.url)
        .export_contacts(None, quick())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].fields.contains_key("_mobilePhone"));
    assert_eq!(rows[0].fields["Origin of creation"], "api");
    assert_eq!(rows[0].fields["_name"], "Ann");
}

/// The `csv` crate reads what spreadsheet tools and Connectif's `;` option write: a leading
/// byte-order mark, the delimiter and a doubled quote inside quoted cells, a line break in one.
#[tokio::test]
async fn quoted_cells_line_breaks_and_a_bom_are_read_as_written() {
    let server = export_server("contacts_export_semicolon_bom.csv").await;
    let rows: Vec<_> = client(&server.url)
        .export_contacts(
            None,
            ExportOptions {
                delimiter: ';',
                ..quick()
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    // The BOM is not part of the first header: the email column is found.
    assert_eq!(rows[0].email, "ann.lee@example.org");
    assert_eq!(rows[0].fields["_name"], "Ann; Marie");
    assert_eq!(rows[0].fields["_surname"], "O\"Neil");
    assert_eq!(rows[0].fields["ghl-tags"], "t01|t03");
    assert_eq!(rows[1].email, "carl@example.org");
    assert_eq!(rows[1].fields["_surname"], "Line one\r\nline two");
    assert_eq!(rows[1].row, 3, "a line break inside quotes is one row");
    assert_eq!(rows[1].fields["_mobilePhone"], "");
}

/// A contact as `GET /contacts/{email}` answers it: the subscription statuses GHL's
/// do-not-disturb maps onto are read as Connectif spells them.
#[tokio::test]
async fn a_contact_carries_its_subscription_statuses() {
    let server = MockServer::start(|request, _| match request.path.as_str() {
        "/contacts/ann.lee@example.org" => Reply::json(200, json("contact.json")),
        _ => Reply::json(404, serde_json::json!({"status": 404, "title": "Not Found", "detail": "Resource not found."})),
    })
    .await;
    let contact = client(&server.url)
        .get_contact("ann.lee@example.org")
        .await
        .unwrap()
        .expect("the contact");
    assert_eq!(contact.mobile_phone.as_deref(), Some("+34600111222"));
    assert_eq!(
        contact.other["_newsletterSubscriptionStatus"],
        "unsubscribed"
    );
    assert_eq!(contact.other["_smsSubscriptionStatus"], "none");
    assert_eq!(contact.other["ghl-tags"], serde_json::json!(["t01", "t02"]));
}

#[tokio::test]
async fn fields_event_types_and_a_missing_scope() {
    let server = MockServer::start(|request, _| match request.path.as_str() {
        "/contact-fields/" => Reply::json(200, json("contact_fields.json")),
        "/custom-integrations/" => Reply::json(200, json("custom_integrations.json")),
        "/custom-integrations/65a0c0ffee0000000000aaaa/custom-event-types/" => {
            Reply::json(200, json("custom_event_types.json"))
        }
        "/exports/" => Reply::json(403, json("forbidden.json")),
        _ => Reply::json(422, json("validation_error.json")),
    })
    .await;
    let client = client(&server.url);
    let fields = client.list_contact_fields().await.unwrap();
    let tags = fields.iter().find(|f| f.id == "ghl-tags").unwrap();
    assert_eq!(tags.kind, "checkbox");
    assert_eq!(tags.option_for("vip").unwrap().id, "t01");
    assert_eq!(tags.option_for("webinar-2026").unwrap().id, "t02");
    assert!(tags.option_for("cold").is_none());

    let integrations = client.list_custom_integrations().await.unwrap();
    assert_eq!(integrations[0].name, "Contact Bridge");
    let types = client
        .list_custom_event_types(&integrations[0].id)
        .await
        .unwrap();
    assert_eq!(types[0].alias.as_deref(), Some("ghl-task"));
    assert!(types[0].fields[0].primary_key);

    let err = client.probe_exports().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message
            .contains("Permission not granted to the API Key"),
        "{}",
        err.message
    );
    // The write probe's 422 is the proof it wanted: nothing was written.
    client.probe_write("nobody@example.invalid").await.unwrap();
}
