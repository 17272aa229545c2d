//! The Connectif fake on its own: key check, rate headers, upsert, the export that needs
//! several polls, the date filter contacts exports refuse, and the signed file URL.

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
    assert!(lines[0].starts_with("_email;_name;_surname"));
    assert_eq!(lines.len() - 1, c.contact_emails().len());
    let forged = Client::new()
        .get(url.replace(id, "other"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}
