//! The Connectif fake on its own: key check and scopes, rate headers, upsert, checkbox option
//! ids, contact fields, custom event types per integration, the export that needs several
//! polls with its display-name columns by version, the date filter contacts exports refuse,
//! and the signed file URL.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bridge_sandbox::{ConnectifConfig, ConnectifSandbox};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

async fn start() -> ConnectifSandbox {
    ConnectifSandbox::start(ConnectifConfig {
        contacts: 5,
        ghl_contacts: 20,
        export_polls: 3,
        ..ConnectifConfig::default()
    })
    .await
    .unwrap()
}

fn call(c: &ConnectifSandbox, method: Method, path: &str) -> RequestBuilder {
    Client::new()
        .request(method, format!("{}{path}", c.base_url()))
        .header("Authorization", format!("apiKey {}", c.api_key()))
}

async fn send(request: RequestBuilder) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(json!({ "raw": text })),
    )
}

#[tokio::test]
async fn checks_the_key_and_reports_its_rate_headers() {
    let c = start().await;
    let (status, _, body) =
        send(Client::new().get(format!("{}/contacts/a@b.org", c.base_url()))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["detail"], "Not authorized to access API.");
    let (status, headers, body) = send(call(&c, Method::GET, "/contacts/nobody@example.org")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "Contact not found");
    assert_eq!(headers["x-ratelimit-limit"], "100");
    // The refused request above did not count against the key.
    assert_eq!(headers["x-ratelimit-remaining"], "99");
    assert!(
        headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 1_600_000_000
    );
}

#[tokio::test]
async fn patch_creates_then_updates_and_moves_updated_at_only_on_change() {
    let c = start().await;
    let (status, _, created) =
        send(call(&c, Method::PATCH, "/contacts/zoe@example.org").json(&json!({"_name": "Zoe"})))
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(created["_email"], "zoe@example.org");
    assert_eq!(created["_createdAt"], created["_updatedAt"]);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (_, _, same) =
        send(call(&c, Method::PATCH, "/contacts/zoe@example.org").json(&json!({"_name": "Zoe"})))
            .await;
    assert_eq!(same["_updatedAt"], created["_updatedAt"]);
    let (_, _, changed) = send(
        call(&c, Method::PATCH, "/contacts/zoe@example.org").json(&json!({"_surname": "Ray"})),
    )
    .await;
    assert_ne!(changed["_updatedAt"], created["_updatedAt"]);
    assert_eq!(changed["_name"], "Zoe");
    let (status, _, body) = send(
        call(&c, Method::PATCH, "/contacts/zoe@example.org").json(&json!({"_points": "many"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["validationErrors"][0],
        json!({"path": "/_points", "reason": "must be of type integer"})
    );
}

#[tokio::test]
async fn an_export_needs_several_polls_and_refuses_date_filters_for_contacts() {
    let c = start().await;
    let (status, _, body) = send(call(&c, Method::POST, "/exports/").json(&json!({
        "exportType": "contacts", "delimiter": ",", "dateFormat": "ISO",
        "filters": {"fromDate": "2024-01-01T00:00:00Z", "toDate": "2024-01-31T00:00:00Z"}
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["validationErrors"][0]["path"], "/filters/fromDate");

    let (status, _, job) = send(call(&c, Method::POST, "/exports/").json(&json!({
        "exportType": "contacts", "delimiter": ";", "dateFormat": "ISO"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(job["status"], "pending");
    assert!(job.get("fileUrl").is_none());
    let id = job["id"].as_str().unwrap();
    let mut statuses = Vec::new();
    let mut last = Value::Null;
    for _ in 0..3 {
        let (_, _, polled) = send(call(&c, Method::GET, &format!("/exports/{id}"))).await;
        statuses.push(polled["status"].as_str().unwrap().to_string());
        last = polled;
    }
    assert_eq!(statuses, vec!["in-progress", "in-progress", "finished"]);
    let url = last["fileUrl"].as_str().unwrap();
    // A signed URL: no key needed, and only the issued one works.
    let file = Client::new().get(url).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    let csv = file.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // Columns by display name (v1 when no version is asked).
    assert!(lines[0].starts_with("Email;Name;Surname"), "{}", lines[0]);
    assert!(lines[0].contains("GHL tags") && lines[0].contains("Last unsubscribed date"));
    assert_eq!(lines.len() - 1, c.contact_emails().len());
    let forged = Client::new()
        .get(url.replace(id, "other"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn export_version_5_renames_and_adds_columns() {
    let c = start().await;
    let (status, _, job) = send(call(&c, Method::POST, "/exports/").json(&json!({
        "exportType": "contacts", "delimiter": ",", "dateFormat": "ISO", "version": "v5"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = job["id"].as_str().unwrap().to_string();
    let mut url = None;
    for _ in 0..3 {
        let (_, _, polled) = send(call(&c, Method::GET, &format!("/exports/{id}"))).await;
        url = polled["fileUrl"].as_str().map(str::to_string);
    }
    let csv = Client::new()
        .get(url.unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("Date of last newsletter unsubscription"),
        "{header}"
    );
    assert!(header.contains("Origin of creation"));
    assert!(!header.contains("Last unsubscribed date"));
    let (status, _, body) = send(call(&c, Method::POST, "/exports/").json(&json!({
        "exportType": "contacts", "delimiter": ",", "dateFormat": "ISO", "version": "v9"
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["validationErrors"][0]["path"], "/version");
}

#[tokio::test]
async fn scopes_are_enforced_per_route_with_403() {
    let c = start().await;
    let forbidden = json!({
        "status": 403, "title": "Forbidden",
        "detail": "Permission not granted to the API Key or account has been blocked."
    });
    c.revoke_scope("contacts:write");
    let (status, _, body) =
        send(call(&c, Method::PATCH, "/contacts/a@example.org").json(&json!({"_name": "A"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, forbidden);
    // Reading still works: the scopes are separate.
    let (status, _, _) = send(call(&c, Method::GET, "/contacts/a@example.org")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    c.revoke_scope("exports");
    let (status, _, _) = send(call(&c, Method::GET, "/exports/")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    c.revoke_scope("custom-events:write");
    let (status, _, _) =
        send(call(&c, Method::POST, "/custom-events/alias/ghl-task").json(&json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn checkbox_values_must_be_option_ids_which_are_not_the_tag_names() {
    let c = start().await;
    let (status, _, fields) = send(call(&c, Method::GET, "/contact-fields/")).await;
    assert_eq!(status, StatusCode::OK);
    let tags = fields["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ghl-tags")
        .unwrap()
        .clone();
    assert_eq!(tags["type"], "checkbox");
    let vip = tags["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["label"] == "Vip")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(vip, "vip", "option ids are not the tag names");
    assert_eq!(c.tag_option_id("vip").as_deref(), Some(vip.as_str()));
    let patch = |value: Value| {
        call(&c, Method::PATCH, "/contacts/t@example.org").json(&json!({ "ghl-tags": value }))
    };
    let (status, _, body) = send(patch(json!(["vip"]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["validationErrors"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("'vip' is not an option id"));
    let (status, _, body) = send(patch(json!([vip]))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ghl-tags"], json!([vip]));
    // An option taken away is refused from then on.
    c.remove_tag_option("vip");
    let (status, _, _) = send(patch(json!([vip]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn custom_event_types_live_in_an_integration_and_can_be_created() {
    let c = start().await;
    c.remove_event_type("ghl-note");
    let event = json!({"email": c.contact_emails()[0], "title": "Call"});
    let (status, _, body) =
        send(call(&c, Method::POST, "/custom-events/alias/ghl-note").json(&event)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, _, integrations) = send(call(&c, Method::GET, "/custom-integrations/")).await;
    let id = integrations["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/custom-integrations/{id}/custom-event-types/");
    let (status, _, created) = send(call(&c, Method::POST, &path).json(&json!({
        "alias": "ghl-note", "name": "GHL note", "category": "receive", "receiveType": "api",
        "fields": [
            {"id": "email", "name": "Email", "type": "email", "isPrimaryKey": true, "required": true},
            {"id": "title", "name": "Title", "type": "text"}
        ]
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["alias"], "ghl-note");
    let (status, _, _) =
        send(call(&c, Method::POST, "/custom-events/alias/ghl-note").json(&event)).await;
    assert_eq!(status, StatusCode::CREATED);
    // An alias is unique.
    let (status, _, _) = send(call(&c, Method::POST, &path).json(&json!({
        "alias": "ghl-note", "name": "Again", "category": "receive", "receiveType": "api",
        "fields": [{"id": "email", "name": "Email", "type": "email", "isPrimaryKey": true}]
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, _, listed) = send(call(&c, Method::GET, &path)).await;
    assert_eq!(listed["results"].as_array().unwrap().len(), 3);
}
