//! A GHL due date given as a date (`"dueDate": "2026-03-14"`, which the GHL API takes as an
//! ISO 8601 date string) round-trips through Nifty and through Novi AMS unchanged, ten syncs
//! in a row (#12): the app's copy is due that day, GHL's task keeps its due date, and no sync
//! after the first writes the task on either side (a date read back as another instant, or a
//! day shifted by a zone, would be written back and show here). Records are made and read
//! through each fake's documented endpoints and the `bridge` binary.

use bridge_tests::nifty_pair::{writes as nifty_writes, NiftyPair};
use bridge_tests::novi_pair::{linked_person, novi_list, writes, Pair};
use bridge_tests::{blocking, ghl_world::assert_success};
use reqwest::Method;
use serde_json::{json, Value};

const DAY: &str = "2026-03-14";
const SYNCS: usize = 10;

/// The day an app or GHL holds a due date on (its first ten characters, `YYYY-MM-DD`).
fn day_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("no due date: {value}"))
        .chars()
        .take(10)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ghl_due_date_given_as_a_date_round_trips_through_nifty_ten_times_unchanged() {
    let pair = NiftyPair::start(12, 0.3).await;
    pair.connect().await;
    let sync = |pair: &NiftyPair| {
        let p = pair.secrets();
        let s = pair.scratch.path().to_path_buf();
        blocking(move || {
            let env: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let output = bridge_tests::run_bridge_env(&s, &env, &["sync", "--json"]);
            assert_success("bridge sync", &output);
            serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
        })
    };
    sync(&pair).await;
    let (contact, _) = pair.some_contact(0).await;
    let created = pair
        .ghl_call(
            Method::POST,
            &format!("/contacts/{contact}/tasks"),
            Some(json!({"title": "Renew the lease", "dueDate": DAY, "completed": false})),
        )
        .await;
    let ghl_id = created["task"]["id"].as_str().unwrap().to_string();
    let ghl_due = |tasks: Vec<Value>| {
        tasks
            .into_iter()
            .find(|t| t["id"] == ghl_id.as_str())
            .expect("the GHL task")["dueDate"]
            .clone()
    };
    let given = ghl_due(pair.ghl_tasks().await);
    assert_eq!(day_of(&given), DAY);

    let first = sync(&pair).await;
    assert_eq!(first["childrenApplied"]["dead"], 0, "{first:#}");
    let nifty_due = |tasks: Vec<Value>| {
        let copies: Vec<Value> = tasks
            .into_iter()
            .filter(|t| t["name"] == "Renew the lease")
            .collect();
        assert_eq!(copies.len(), 1, "one copy in Nifty: {copies:#?}");
        copies[0]["due_date"].clone()
    };
    let copied = nifty_due(pair.nifty_tasks());
    assert_eq!(day_of(&copied), DAY, "Nifty's copy is due that day");
    let (ghl_writes, app_writes) = (
        nifty_writes(&pair.ghl.stats()),
        nifty_writes(&pair.nifty.stats()),
    );
    for run in 2..=SYNCS {
        let outcome = sync(&pair).await;
        assert_eq!(outcome["children"], json!([]), "sync {run}: {outcome:#}");
        assert_eq!(ghl_due(pair.ghl_tasks().await), given, "sync {run}");
        assert_eq!(nifty_due(pair.nifty_tasks()), copied, "sync {run}");
    }
    assert_eq!(
        nifty_writes(&pair.ghl.stats()),
        ghl_writes,
        "GHL written again"
    );
    assert_eq!(
        nifty_writes(&pair.nifty.stats()),
        app_writes,
        "Nifty written again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ghl_due_date_given_as_a_date_round_trips_through_novi_ten_times_unchanged() {
    let pair = std::sync::Arc::new(Pair::start(20, 3).await);
    let p = pair.clone();
    blocking(move || {
        p.connect();
        assert_success("first sync", &p.bridge(&["sync", "--max-overwrite", "100"]));
    })
    .await;
    let person = linked_person(&pair).await;
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/contacts/{}/tasks",
            pair.ghl.base_url(),
            person.ghl_id
        ))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"title": "Renew the lease", "dueDate": DAY, "completed": false}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let created: Value = answer.json().await.unwrap();
    let ghl_id = created["task"]["id"].as_str().unwrap().to_string();
    let ghl_due = || async {
        let tasks: Value = reqwest::Client::new()
            .get(format!(
                "{}/contacts/{}/tasks",
                pair.ghl.base_url(),
                person.ghl_id
            ))
            .bearer_auth(pair.ghl.private_token())
            .header("Version", "2021-07-28")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tasks["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == ghl_id.as_str())
            .expect("the GHL task")["dueDate"]
            .clone()
    };
    let novi_due = || async {
        let copies: Vec<Value> = novi_list(&pair, "activities")
            .await
            .into_iter()
            .filter(|a| a["MemberUniqueId"] == person.member_id.as_str())
            .filter(|a| a["Subject"] == "Renew the lease")
            .collect();
        assert_eq!(copies.len(), 1, "one copy in Novi: {copies:#?}");
        copies[0]["Date"].clone()
    };
    let given = ghl_due().await;
    assert_eq!(day_of(&given), DAY);

    let p = pair.clone();
    let sync = move || {
        let p = p.clone();
        blocking(move || p.sync())
    };
    let first = sync().await;
    assert_eq!(first["childrenApplied"]["dead"], 0, "{first:#}");
    let copied = novi_due().await;
    assert_eq!(day_of(&copied), DAY, "Novi's copy is due that day");
    let (ghl_writes, novi_writes) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    for run in 2..=SYNCS {
        let outcome = sync().await;
        assert_eq!(outcome["children"], json!([]), "sync {run}: {outcome:#}");
        assert_eq!(ghl_due().await, given, "sync {run}");
        assert_eq!(novi_due().await, copied, "sync {run}");
    }
    assert_eq!(writes(&pair.ghl.stats()), ghl_writes, "GHL written again");
    assert_eq!(
        writes(&pair.novi.stats()),
        novi_writes,
        "Novi written again"
    );
}
