//! Records deleted in GHL between two syncs. GHL answers a missing task or contact with 400
//! (contacts.json documents 200/400/401 for these routes, no 404): the engine takes the record
//! for gone and the sync goes on (issue 11).

use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{linked_person, Pair};
use serde_json::{json, Value};

async fn ghl_send(pair: &Pair, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    assert!(answer.status().is_success(), "GHL refused {path}");
    answer.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_deleted_in_ghl_between_two_syncs_does_not_stop_the_second() {
    let pair = Pair::start(20, 3).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    let created = ghl_send(
        &pair,
        reqwest::Method::POST,
        &format!("/contacts/{}/tasks", person.ghl_id),
        Some(json!({"title": "Send the dues reminder", "dueDate": "2026-12-02T09:00:00Z", "completed": false})),
    )
    .await;
    let task_id = created["task"]["id"].as_str().unwrap().to_string();
    pair.sync();

    // Deleted in GHL: the open-task search no longer lists it, and reading it answers 400.
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}/tasks/{task_id}", person.ghl_id),
        None,
    )
    .await;
    let missing = reqwest::Client::new()
        .get(format!(
            "{}/contacts/{}/tasks/{task_id}",
            pair.ghl.base_url(),
            person.ghl_id
        ))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        400,
        "the fake answers a missing task as GHL documents"
    );

    let second = pair.bridge(&["sync", "--json"]);
    assert_success("the sync after the task was deleted", &second);
    let third = pair.bridge(&["sync", "--json"]);
    assert_success("the next sync", &third);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_linked_contact_deleted_in_ghl_does_not_stop_the_next_sync() {
    let pair = Pair::start(20, 3).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}", person.ghl_id),
        None,
    )
    .await;
    // The children of linked contacts are read again each sync: this one's lists answer 400.
    assert_success(
        "the sync after the contact was deleted",
        &pair.bridge(&["sync", "--json"]),
    );
}
