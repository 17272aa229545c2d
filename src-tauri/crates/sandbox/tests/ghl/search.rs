use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{search, send, start, str_of, Api};

fn ids(page: &Value) -> Vec<String> {
    page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(c, "id").to_string())
        .collect()
}

/// (dateUpdated in epoch ms, id) of each hit, the order incremental sync relies on.
fn updated_keys(page: &Value) -> Vec<(i64, String)> {
    page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let at = chrono::DateTime::parse_from_rfc3339(str_of(c, "dateUpdated")).unwrap();
            (at.timestamp_millis(), str_of(c, "id").to_string())
        })
        .collect()
}

#[tokio::test]
async fn page_paging_visits_every_contact_once_in_date_updated_order() {
    let ghl = start(230).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let mut keys = Vec::new();
    for page in 1..=5 {
        let answer = search(
            &api,
            &location,
            json!({"page": page, "pageLimit": 50, "sort": [{"field": "dateUpdated", "direction": "asc"}]}),
        )
        .await;
        assert_eq!(answer["total"], 230);
        keys.extend(updated_keys(&answer));
    }
    assert_eq!(keys.len(), 230);
    let unique: HashSet<_> = keys.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(unique.len(), 230, "every contact exactly once");
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ascending by (dateUpdated, id)");
    let past_the_end = search(&api, &location, json!({"page": 6, "pageLimit": 50})).await;
    assert_eq!(past_the_end["contacts"], json!([]));
}

#[tokio::test]
async fn search_after_walks_every_contact_once() {
    let ghl = start(1_050).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let mut keys = Vec::new();
    let mut after: Option<Value> = None;
    let mut requests = 0;
    loop {
        let mut body =
            json!({"pageLimit": 100, "sort": [{"field": "dateUpdated", "direction": "asc"}]});
        if let Some(after) = &after {
            body["searchAfter"] = after.clone();
        }
        let answer = search(&api, &location, body).await;
        requests += 1;
        let contacts = answer["contacts"].as_array().unwrap();
        if contacts.is_empty() {
            break;
        }
        for (contact, (ms, id)) in contacts.iter().zip(updated_keys(&answer)) {
            assert_eq!(
                contact["searchAfter"],
                json!([ms, id]),
                "cursor = [sort value, id]"
            );
        }
        keys.extend(updated_keys(&answer));
        after = contacts.last().map(|c| c["searchAfter"].clone());
    }
    assert_eq!(requests, 12, "11 full pages and one empty");
    assert_eq!(keys.len(), 1_050);
    let unique: HashSet<_> = keys.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(unique.len(), 1_050);
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(ghl.stats().count("POST", "/contacts/search"), 12);
}

#[tokio::test]
async fn descending_search_after_walk_is_complete_too() {
    let ghl = start(120).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let mut seen = Vec::new();
    let mut body = json!({"pageLimit": 25, "sort": [{"field": "dateAdded", "direction": "desc"}]});
    loop {
        let answer = search(&api, &location, body.clone()).await;
        let page = ids(&answer);
        if page.is_empty() {
            break;
        }
        seen.extend(page);
        body["searchAfter"] =
            answer["contacts"].as_array().unwrap().last().unwrap()["searchAfter"].clone();
    }
    assert_eq!(seen.len(), 120);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 120);
}

#[tokio::test]
async fn page_paging_stops_at_ten_thousand_records() {
    let ghl = start(10).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let last_allowed = search(&api, &location, json!({"page": 20, "pageLimit": 500})).await;
    assert_eq!(last_allowed["contacts"], json!([]));
    let (status, body) = send(api.post("/contacts/search").json(&json!({
        "locationId": location, "page": 21, "pageLimit": 500,
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"][0].as_str().unwrap().contains("searchAfter"),
        "{body}"
    );

    let (status, body) = send(api.post("/contacts/search").json(&json!({
        "locationId": location, "pageLimit": 501,
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        json!(["pageLimit must not be greater than 500"])
    );

    let (status, _) = send(
        api.post("/contacts/search")
            .json(&json!({"locationId": location})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "pageLimit is required"
    );

    let first = search(&api, &location, json!({"pageLimit": 2})).await;
    let after = first["contacts"][1]["searchAfter"].clone();
    let (status, _) = send(api.post("/contacts/search").json(&json!({
        "locationId": location, "pageLimit": 2, "page": 2, "searchAfter": after,
    })))
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "page and searchAfter do not mix"
    );
}

#[tokio::test]
async fn date_updated_range_finds_what_changed_since_a_cursor() {
    let ghl = start(200).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let all = search(
        &api,
        &location,
        json!({"pageLimit": 500, "sort": [{"field": "dateUpdated", "direction": "asc"}]}),
    )
    .await;
    let keys = updated_keys(&all);
    let (pivot, _) = keys[120];
    let newer = keys.iter().filter(|(ms, _)| *ms > pivot).count();
    let since = search(
        &api,
        &location,
        json!({
            "pageLimit": 500,
            "filters": [{"field": "dateUpdated", "operator": "range", "value": {"gt": pivot}}],
            "sort": [{"field": "dateUpdated", "direction": "asc"}],
        }),
    )
    .await;
    assert_eq!(since["total"], newer);
    assert!(updated_keys(&since).iter().all(|(ms, _)| *ms > pivot));

    // A write moves the contact past the newest seeded change.
    let (newest, _) = keys[keys.len() - 1];
    let changed = &keys[0].1;
    let (status, _) = send(
        api.put(&format!("/contacts/{changed}"))
            .json(&json!({"city": "Lisbon"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let iso = chrono::DateTime::from_timestamp_millis(newest)
        .unwrap()
        .to_rfc3339();
    let delta = search(
        &api,
        &location,
        json!({
            "pageLimit": 100,
            "filters": [{"field": "dateUpdated", "operator": "range", "value": {"gt": iso}}],
        }),
    )
    .await;
    assert_eq!(ids(&delta), vec![changed.clone()]);
}

#[tokio::test]
async fn filters_on_tags_email_and_groups() {
    let ghl = start(150).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let vip = search(
        &api,
        &location,
        json!({"pageLimit": 500, "filters": [{"field": "tags", "operator": "contains", "value": "vip"}]}),
    )
    .await;
    let total = vip["total"].as_u64().unwrap();
    assert!(total > 0 && total < 150, "{total}");
    assert!(vip["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["tags"].as_array().unwrap().contains(&json!("vip"))));

    let not_vip = search(
        &api,
        &location,
        json!({"pageLimit": 1, "filters": [{"field": "tags", "operator": "not_contains", "value": "vip"}]}),
    )
    .await;
    assert_eq!(not_vip["total"].as_u64().unwrap() + total, 150);

    let one = &vip["contacts"][0];
    let by_email = search(
        &api,
        &location,
        json!({"pageLimit": 10, "filters": [{"field": "email", "operator": "eq", "value": str_of(one, "email").to_uppercase()}]}),
    )
    .await;
    assert_eq!(ids(&by_email), vec![str_of(one, "id").to_string()]);

    let either = search(
        &api,
        &location,
        json!({"pageLimit": 10, "filters": [{"group": "OR", "filters": [
            {"field": "email", "operator": "eq", "value": one["email"]},
            {"field": "id", "operator": "eq", "value": vip["contacts"][1]["id"]},
        ]}]}),
    )
    .await;
    assert_eq!(either["total"], 2);
}

#[tokio::test]
async fn invalid_filters_are_refused() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let (status, body) = send(api.post("/contacts/search").json(&json!({
        "locationId": location, "pageLimit": 10,
        "filters": [{"field": "contact_name", "operator": "eq", "value": "x"}],
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Invalid field contact_name");

    let (status, _) = send(api.post("/contacts/search").json(&json!({
        "locationId": location, "pageLimit": 10,
        "filters": [{"field": "dateUpdated", "operator": "gt", "value": 0}],
    })))
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "comparisons go through range"
    );

    let (status, body) = send(api.post("/contacts/search").json(&json!({
        "locationId": location, "pageLimit": 10, "limit": 10,
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["message"], json!(["property limit should not exist"]));
}

#[tokio::test]
async fn search_hits_use_the_search_shape() {
    let ghl = start(40).await;
    let api = Api::new(&ghl);
    let hits = search(&api, &ghl.location_id(), json!({"pageLimit": 40})).await;
    let contacts = hits["contacts"].as_array().unwrap();
    assert!(hits["traceId"].is_string());
    assert!(contacts.iter().all(|c| c.get("address1").is_none()));
    assert!(
        contacts.iter().any(|c| c["address"].is_string()),
        "search says address, not address1"
    );
    assert!(contacts.iter().all(|c| c["searchAfter"].is_array()));
    let mut added: Vec<&str> = contacts.iter().map(|c| str_of(c, "dateAdded")).collect();
    let default_order = added.clone();
    added.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        default_order, added,
        "default sort is dateAdded, newest first"
    );
}
