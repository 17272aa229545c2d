//! #12: an approved contact delete under faults, injected at the exact request. A lost answer
//! (the target deleted the record, the caller never heard) is sent again by the next sync,
//! whose answer is "not found" (GHL's 400): done, with no dead letter and nothing else deleted.
//! A sync killed while the delete's answer is in flight leaves the journal `sent`; the rerun
//! sends it once more (Ninox's 404) and ends done.

use std::time::{Duration, Instant};

use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::ghl_id_of_email;
use serde_json::Value;

const VERSION: (&str, &str) = ("Version", "2021-07-28");

fn db_rows(scratch: &std::path::Path, sql: &str) -> Vec<(String, i64)> {
    let store = bridge_store::Store::open(&scratch.join("bridge.sqlite3")).unwrap();
    let mut statement = store.conn().prepare(sql).unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The journal's contact deletes, by state.
fn delete_ops(scratch: &std::path::Path) -> Vec<(String, i64)> {
    db_rows(
        scratch,
        "SELECT state, count(*) FROM operations WHERE object_kind = 'contact' AND action = 'delete'
         GROUP BY state ORDER BY state",
    )
}

fn carried(scratch: &std::path::Path) -> Vec<(String, i64)> {
    db_rows(
        scratch,
        "SELECT state, count(*) FROM pending_deletes WHERE object_kind = 'contact' GROUP BY state",
    )
}

fn json_of(pair: &NinoxPair, args: &[&str]) -> Value {
    let output = pair.bridge(args);
    assert_success(&args.join(" "), &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn ghl_status(pair: &NinoxPair, id: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/contacts/{id}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A Ninox v4 pair carrying deletes after its first sync, and one linked person (record id,
/// GHL id).
async fn carrying_pair() -> (NinoxPair, Value, String) {
    let pair = NinoxPair::start(Api::V4, 10, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let name = pair.sync()["pairName"].as_str().unwrap().to_string();
    assert_success("carry on", &pair.bridge(&["deletes", "carry", &name, "on"]));
    let email_field = pair.field("Email");
    for record in pair.records().await {
        let Some(email) = record["fields"][&email_field].as_str() else {
            continue;
        };
        if let Some(ghl_id) = ghl_id_of_email(&pair.ghl, email).await {
            return (pair, record["id"].clone(), ghl_id);
        }
    }
    panic!("no linked person");
}

fn approve_the_one(pair: &NinoxPair) {
    let open = json_of(pair, &["deletes", "list", "--json"]);
    let open = open.as_array().unwrap();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_success(
        "approve",
        &pair.bridge(&["deletes", "approve", &open[0]["id"].to_string()]),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_to_a_ghl_delete_is_sent_again_and_ends_done() {
    let (pair, record_id, ghl_id) = carrying_pair().await;
    let contacts_before = bridge_tests::novi_pair::ghl_contacts(&pair.ghl).await.len();
    pair.delete_record(&record_id).await;
    pair.sync();
    approve_the_one(&pair);

    // GHL deletes the contact and the answer never arrives.
    let path = format!("/contacts/{ghl_id}");
    pair.ghl.set_faults(FaultConfig::aimed(AimedFault::new(
        "DELETE",
        &path,
        AimedKind::LoseAnswer,
        1,
    )));
    pair.sync();
    pair.ghl.set_faults(FaultConfig::none());
    assert_eq!(ghl_status(&pair, &ghl_id).await, 400, "the delete happened");
    pair.sync();
    pair.sync();

    let sent = pair.ghl.stats().count_path("DELETE", &path);
    assert_eq!(sent, 2, "the lost one and one more, answered 400");
    assert_eq!(delete_ops(pair.scratch.path()), vec![("done".into(), 1)]);
    assert_eq!(carried(pair.scratch.path()), vec![("carried".into(), 1)]);
    assert_eq!(
        bridge_tests::novi_pair::ghl_contacts(&pair.ghl).await.len(),
        contacts_before - 1,
        "exactly one contact deleted"
    );
    let dead = json_of(&pair, &["dead-letters", "--json"]);
    assert!(dead.as_array().unwrap().is_empty(), "{dead:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_after_a_ninox_delete_was_sent_sends_it_once_more_and_ends_done() {
    let (pair, record_id, ghl_id) = carrying_pair().await;
    let total = pair.records().await.len();
    let deletes = || {
        pair.ninox
            .stats()
            .by_route
            .iter()
            .filter(|((method, _), _)| method == "DELETE")
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let ghl_delete = reqwest::Client::new()
        .delete(format!("{}/contacts/{ghl_id}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .send()
        .await
        .unwrap();
    assert!(ghl_delete.status().is_success());
    pair.sync();
    approve_the_one(&pair);
    let before = deletes();

    // Ninox carries the delete out and holds its answer: the sync waits exactly there.
    pair.ninox.set_faults(FaultConfig::aimed(AimedFault::new(
        "DELETE",
        "/records",
        AimedKind::HoldAnswer,
        1,
    )));
    let mut child = pair.spawn_sync();
    let started = Instant::now();
    while pair.records().await.len() == total {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before its delete"
        );
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the delete never came"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // SIGKILL between the send and the bookkeeping.
    child.kill().unwrap();
    child.wait().unwrap();
    pair.ninox.set_faults(FaultConfig::none());
    assert_eq!(delete_ops(pair.scratch.path()), vec![("sent".into(), 1)]);

    pair.sync();
    pair.sync();
    assert_eq!(deletes() - before, 2, "sent once more, answered 404");
    assert_eq!(pair.records().await.len(), total - 1, "one record deleted");
    assert_eq!(delete_ops(pair.scratch.path()), vec![("done".into(), 1)]);
    assert_eq!(carried(pair.scratch.path()), vec![("carried".into(), 1)]);
    let dead = json_of(&pair, &["dead-letters", "--json"]);
    assert!(dead.as_array().unwrap().is_empty(), "{dead:#}");
    assert!(
        pair.records().await.iter().all(|r| r["id"] != record_id),
        "the approved record is the one gone"
    );
}
