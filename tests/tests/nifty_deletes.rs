//! A Nifty task deleted in Nifty (#12): the pair's complete scan sees it gone, GHL's copy
//! waits in review (the pair does not carry deletes), and a later edit of GHL's copy sends
//! nothing to Nifty: no 404, no dead letter, no task made again. Records are made and read
//! through each fake's documented endpoints and the `bridge` binary.

use bridge_tests::nifty_pair::{writes, NiftyPair};
use bridge_tests::{blocking, ghl_world::assert_success};
use reqwest::Method;
use serde_json::{json, Value};

fn json_of(pair: &NiftyPair, args: &[&str]) -> Value {
    let output = pair.bridge(args);
    assert_success(&args.join(" "), &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_deleted_in_nifty_is_seen_and_a_later_ghl_edit_meets_no_404() {
    let pair = std::sync::Arc::new(NiftyPair::start(12, 0.3).await);
    pair.connect().await;
    let sync = |pair: &std::sync::Arc<NiftyPair>| {
        let p = pair.clone();
        blocking(move || p.sync())
    };
    sync(&pair).await;
    let (contact, _) = pair.some_contact(0).await;
    let created = pair
        .ghl_call(
            Method::POST,
            &format!("/contacts/{contact}/tasks"),
            Some(json!({"title": "Book the venue", "dueDate": "2026-12-04T09:00:00Z", "completed": false})),
        )
        .await;
    let task_id = created["task"]["id"].as_str().unwrap().to_string();
    sync(&pair).await;
    let copy = pair
        .nifty_tasks()
        .into_iter()
        .find(|t| t["name"] == "Book the venue")
        .expect("the task reached Nifty");
    let nifty_id = copy["id"].as_str().unwrap().to_string();

    pair.nifty_call(Method::DELETE, &format!("/tasks/{nifty_id}"), json!({}))
        .await;
    assert!(pair
        .nifty_tasks()
        .iter()
        .all(|t| t["id"] != nifty_id.as_str()));
    let seen = sync(&pair).await;
    assert_eq!(seen["childrenApplied"]["dead"], 0, "{seen:#}");
    let reviews = json_of(&pair, &["reviews", "--json"]);
    let review = reviews
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["objectKind"] == "task")
        .unwrap_or_else(|| panic!("no review of the task: {reviews:#}"));
    assert_eq!(review["reason"], "deleted");
    assert_eq!(review["remoteId"], task_id.as_str(), "GHL's copy waits");

    // GHL's copy is renamed: nothing is sent to Nifty (no 404), nothing is made there again.
    pair.ghl_call(
        Method::PUT,
        &format!("/contacts/{contact}/tasks/{task_id}"),
        Some(json!({"title": "Book the bigger venue"})),
    )
    .await;
    let nifty_writes = writes(&pair.nifty.stats());
    let outcome = sync(&pair).await;
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    sync(&pair).await;
    assert_eq!(writes(&pair.nifty.stats()), nifty_writes, "Nifty written");
    assert!(pair
        .nifty_tasks()
        .iter()
        .all(|t| !t["name"].as_str().unwrap_or("").starts_with("Book the")));
    let dead = json_of(&pair, &["dead-letters", "--json"]);
    assert_eq!(dead, json!([]), "{dead:#}");
}
