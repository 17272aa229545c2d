//! Deletes of tasks seen, never guessed, through the `bridge` binary and the GHL and Novi AMS
//! fakes: a linked task deleted on one side stops syncing and waits for the operator — a
//! review where the pair does not carry deletes, the delete queue where it does (an approved
//! delete is carried) — and nothing afterwards becomes a "not found" dead letter.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{linked_person, novi_list, writes, Pair, Person};
use serde_json::{json, Value};

const VERSION: (&str, &str) = ("Version", "2021-07-28");

fn ghl(pair: &Pair, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
}

fn novi(pair: &Pair, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
}

async fn ghl_tasks(pair: &Pair, contact: &str) -> Vec<Value> {
    let answer: Value = ghl(
        pair,
        reqwest::Method::GET,
        &format!("/contacts/{contact}/tasks"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    answer["tasks"].as_array().cloned().unwrap_or_default()
}

async fn novi_task(pair: &Pair, subject: &str) -> Option<Value> {
    novi_list(pair, "activities")
        .await
        .into_iter()
        .find(|a| a["Subject"] == subject)
}

fn json_of(pair: &Pair, args: &[&str]) -> Value {
    let output = pair.bridge(args);
    assert_success(&args.join(" "), &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

fn dead_letters(pair: &Pair) -> Vec<Value> {
    json_of(pair, &["dead-letters", "--json"])
        .as_array()
        .cloned()
        .unwrap()
}

/// A first sync, then an open task made in GHL for a linked person and synced to Novi.
async fn a_synced_ghl_task(pair: &Pair, title: &str) -> (Person, String, String) {
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(pair).await;
    let answer = ghl(
        pair,
        reqwest::Method::POST,
        &format!("/contacts/{}/tasks", person.ghl_id),
    )
    .json(&json!({"title": title, "dueDate": "2026-12-02T09:00:00Z", "completed": false}))
    .send()
    .await
    .unwrap();
    assert!(answer.status().is_success());
    let task: Value = answer.json().await.unwrap();
    let task_id = task["task"]["id"].as_str().unwrap().to_string();
    pair.sync();
    let activity = novi_task(pair, title).await.expect("the task reached Novi");
    let activity_id = activity["UniqueID"].as_str().unwrap().to_string();
    (person, task_id, activity_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_deleted_in_ghl_waits_in_review_where_deletes_are_not_carried() {
    let pair = Pair::start(8, 0).await;
    let (person, task_id, activity_id) = a_synced_ghl_task(&pair, "Renew the badge").await;

    let gone = ghl(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}/tasks/{task_id}", person.ghl_id),
    )
    .send()
    .await
    .unwrap();
    assert!(gone.status().is_success());
    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");

    // Seen: the Novi copy is kept and waits in review, named by its id and title.
    let reviews = json_of(&pair, &["reviews", "--json"]);
    let review = reviews
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["objectKind"] == "task")
        .unwrap_or_else(|| panic!("no review of the task: {reviews:#}"));
    assert_eq!(review["reason"], "deleted");
    assert_eq!(review["remoteId"], activity_id.as_str());
    assert!(review["summary"]
        .as_str()
        .unwrap()
        .contains("Renew the badge"));
    assert!(novi_task(&pair, "Renew the badge").await.is_some());
    assert!(json_of(&pair, &["deletes", "list", "--json"])
        .as_array()
        .unwrap()
        .is_empty());

    // The copy is completed in Novi: nothing is written to GHL (no task re-created, no
    // update of the deleted one), and nothing becomes a dead letter.
    let mut done = novi_task(&pair, "Renew the badge").await.unwrap();
    done["TaskComplete"] = json!(true);
    let answer = novi(
        &pair,
        reqwest::Method::PUT,
        &format!("/activities/{activity_id}"),
    )
    .json(&done)
    .send()
    .await
    .unwrap();
    assert!(answer.status().is_success());
    let ghl_writes = writes(&pair.ghl.stats());
    pair.sync();
    pair.sync();
    assert_eq!(writes(&pair.ghl.stats()), ghl_writes);
    assert!(ghl_tasks(&pair, &person.ghl_id)
        .await
        .iter()
        .all(|t| t["title"] != "Renew the badge"));
    assert!(dead_letters(&pair).is_empty(), "{:#?}", dead_letters(&pair));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approved_delete_of_a_ghl_task_is_carried_to_novi() {
    let pair = Pair::start(8, 0).await;
    let (person, task_id, activity_id) = a_synced_ghl_task(&pair, "Send the welcome kit").await;
    let pair_name = pair.sync()["pairName"].as_str().unwrap().to_string();
    assert_success(
        "carry deletes",
        &pair.bridge(&["deletes", "carry", &pair_name, "on"]),
    );

    let gone = ghl(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}/tasks/{task_id}", person.ghl_id),
    )
    .send()
    .await
    .unwrap();
    assert!(gone.status().is_success());
    pair.sync();
    // Waiting for approval: nothing deleted yet, and no review beside it.
    let waiting = json_of(&pair, &["deletes", "list", "--json"]);
    let waiting = waiting.as_array().unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    assert_eq!(waiting[0]["targetRemoteId"], activity_id.as_str());
    assert_eq!(waiting[0]["state"], "waiting");
    assert!(novi_task(&pair, "Send the welcome kit").await.is_some());
    assert!(json_of(&pair, &["reviews", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
    pair.sync();
    assert!(
        novi_task(&pair, "Send the welcome kit").await.is_some(),
        "not before approval"
    );

    let id = waiting[0]["id"].as_i64().unwrap().to_string();
    assert_success("approve", &pair.bridge(&["deletes", "approve", &id]));
    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["done"], 1, "{outcome:#}");
    assert!(
        novi_task(&pair, "Send the welcome kit").await.is_none(),
        "deleted in Novi"
    );
    assert!(json_of(&pair, &["deletes", "list", "--json"])
        .as_array()
        .unwrap()
        .is_empty());
    // Carried once: later syncs write nothing.
    let novi_writes = writes(&pair.novi.stats());
    pair.sync();
    assert_eq!(writes(&pair.novi.stats()), novi_writes);
    assert!(dead_letters(&pair).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_deleted_in_novi_is_seen_and_a_later_ghl_edit_meets_no_404() {
    let pair = Pair::start(8, 0).await;
    let (person, task_id, activity_id) = a_synced_ghl_task(&pair, "Book the venue").await;

    let gone = novi(
        &pair,
        reqwest::Method::DELETE,
        &format!("/activities/{activity_id}"),
    )
    .send()
    .await
    .unwrap();
    assert!(gone.status().is_success());
    pair.sync();
    let reviews = json_of(&pair, &["reviews", "--json"]);
    let review = reviews
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["objectKind"] == "task")
        .unwrap_or_else(|| panic!("no review of the task: {reviews:#}"));
    assert_eq!(review["reason"], "deleted");
    assert_eq!(review["remoteId"], task_id.as_str(), "GHL's copy waits");

    // GHL's copy is renamed: nothing is sent to Novi (no 404), nothing is re-created there.
    let answer = ghl(
        &pair,
        reqwest::Method::PUT,
        &format!("/contacts/{}/tasks/{task_id}", person.ghl_id),
    )
    .json(&json!({"title": "Book the bigger venue"}))
    .send()
    .await
    .unwrap();
    assert!(answer.status().is_success());
    let novi_writes = writes(&pair.novi.stats());
    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    pair.sync();
    assert_eq!(writes(&pair.novi.stats()), novi_writes);
    assert!(novi_task(&pair, "Book the bigger venue").await.is_none());
    assert!(dead_letters(&pair).is_empty(), "{:#?}", dead_letters(&pair));
}
