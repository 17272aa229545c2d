use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{http, send, small, start, v4_table_url};

#[tokio::test]
async fn envelope_and_paging_with_limit_up_to_100() {
    let ninox = start(small()).await;
    let client = http();
    let key = ninox.workspace_api_key();
    let url = format!("{}/records", v4_table_url(&ninox));
    let total = ninox.record_emails().len();
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let (status, page) = send(
            client
                .get(format!("{url}?limit=4&offset={offset}"))
                .bearer_auth(&key),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["page_info"]["limit"], 4);
        assert_eq!(page["page_info"]["offset"], offset);
        for row in page["data"].as_array().unwrap() {
            assert!(row["id"].is_string(), "ids are strings: {row}");
            assert!(row["values"]["email"].is_string());
            seen.insert(row["id"].as_str().unwrap().to_string());
        }
        if !page["page_info"]["has_more"].as_bool().unwrap() {
            break;
        }
        offset += 4;
    }
    assert_eq!(seen.len(), total);
    let (status, body) = send(client.get(format!("{url}?limit=101")).bearer_auth(&key)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].is_string(), "{body}");
    let (status, body) = send(client.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"].is_string());
    let (status, _) = send(client.get(&url).bearer_auth(ninox.api_key())).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the personal v3 key is not a workspace key"
    );
    let email = ninox.record_emails()[2].clone();
    let (_, filtered) = send(
        client
            .get(&url)
            .query(&[
                ("filter", json!({"email": email}).to_string()),
                ("fields", "email,tags".to_string()),
            ])
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(filtered["data"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["meta"]["filter"]["email"], email.as_str());
    let values = filtered["data"][0]["values"].as_object().unwrap();
    assert_eq!(values.len(), 2, "{values:?}");
}

#[tokio::test]
async fn post_patch_delete_with_records_envelopes() {
    let ninox = start(small()).await;
    let client = http();
    let key = ninox.workspace_api_key();
    let url = format!("{}/records", v4_table_url(&ninox));
    let (status, created) = send(
        client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!({"records": [
                {"first_name": "Ada", "email": "ada@example.org", "tags": ["vip"],
                 "next_appointment": "[2030-02-15T09:00:00Z,2030-02-15T10:00:00Z)"},
                {"first_name": "Bob"}
            ]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let ids = created["data"]["ids"].as_array().unwrap().clone();
    assert_eq!(ids.len(), 2);
    let ada = ids[0].as_str().unwrap().parse::<u64>().unwrap();
    // A multi field takes an array, not a plain string: rejected, and nothing changes.
    let (status, body) = send(
        client
            .patch(&url)
            .bearer_auth(&key)
            .json(&json!({"records": [
                {"id": ada, "first_name": "Ada L."}, {"id": ada, "tags": "vip"}
            ]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = send(
        client
            .patch(&url)
            .bearer_auth(&key)
            .json(&json!({"records": [
                {"id": ada, "first_name": "Ada L.", "email": null}
            ]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["updatedIds"], json!([ada.to_string()]));
    let (_, rows) = send(
        client
            .get(&url)
            .query(&[("filter", json!({"first_name": "Ada L."}).to_string())])
            .bearer_auth(&key),
    )
    .await;
    let values = &rows["data"][0]["values"];
    assert!(values["email"].is_null(), "null clears: {values}");
    assert_eq!(
        values["tags"],
        json!(["vip"]),
        "PATCH keeps what it does not name"
    );
    assert_eq!(
        values["next_appointment"],
        "[2030-02-15T09:00:00Z,2030-02-15T10:00:00Z)"
    );
    let (status, _) = send(
        client
            .patch(&url)
            .bearer_auth(&key)
            .json(&json!({"records": [{"id": 999_999, "first_name": "x"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = send(
        client
            .delete(&url)
            .bearer_auth(&key)
            .json(&json!({"records": [ada, 999_999]})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "all or nothing: {body}");
    let (status, body) = send(
        client
            .delete(&url)
            .bearer_auth(&key)
            .json(&json!({"records": ids})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["deletedIds"].as_array().unwrap().len(), 2);
    let (status, _) = send(
        client
            .post(&url)
            .bearer_auth(&key)
            .json(&json!({"records": []})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_paths_answer_200_with_html_and_metadata_is_served() {
    let ninox = start(small()).await;
    let client = http();
    let key = ninox.workspace_api_key();
    let wrong = format!(
        "{}/api/v1/workspaces/{}/records",
        ninox.base_url_v4(),
        ninox.workspace_id()
    );
    let response = client.get(&wrong).bearer_auth(&key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let text = response.text().await.unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    let (status, body) = send(
        client
            .get(format!(
                "{}/api/v1/workspace/zzzzzzzzzzzz/modules",
                ninox.base_url_v4()
            ))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].is_string());
    let (status, fields) = send(
        client
            .get(format!("{}/fields", v4_table_url(&ninox)))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tags = fields["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "tags")
        .unwrap();
    assert_eq!(tags["type"], "multi");
    assert!(tags["options"].as_array().unwrap().len() > 3);
    let (_, ws) = send(
        client
            .get(format!(
                "{}/api/v1/workspace/{}",
                ninox.base_url_v4(),
                ninox.workspace_id()
            ))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(ws["data"]["modules"][0]["tables"][0]["name"], "contacts");
}
