//! #12: an app contact missing from a complete scan (Ninox v4 reads the whole table every
//! sync) and confirmed gone by a read of its own is marked deleted: it is never created again
//! nor planned, a change of its GHL contact writes nothing to Ninox, and its GHL contact waits
//! in review (reason `deleted`), named so the operator finds the person. Everyone else syncs.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_id_of_email};
use serde_json::{json, Value};

fn open_reviews(pair: &NinoxPair) -> Vec<Value> {
    let output = pair.bridge(&["reviews", "--json"]);
    assert_success("bridge reviews", &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_deleted_in_ninox_is_seen_and_never_created_again() {
    let pair = NinoxPair::start(Api::V4, 10, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let email_field = pair.field("Email");
    let records = pair.records().await;
    let linked: Vec<(Value, String, String)> = {
        let mut linked = Vec::new();
        for r in &records {
            let Some(email) = r["fields"][&email_field].as_str() else {
                continue;
            };
            if let Some(ghl_id) = ghl_id_of_email(&pair.ghl, email).await {
                linked.push((r["id"].clone(), email.to_lowercase(), ghl_id));
            }
        }
        linked
    };
    assert!(linked.len() >= 2, "{records:#?}");
    let (gone_id, gone_email, gone_ghl) = linked[0].clone();
    let (_, other_email, other_ghl) = linked[1].clone();
    let total = records.len();

    // Deleted in Ninox; then both people are renamed in GHL.
    pair.delete_record(&gone_id).await;
    edit_ghl_contact(&pair.ghl, &gone_ghl, json!({"firstName": "Gone"})).await;
    edit_ghl_contact(&pair.ghl, &other_ghl, json!({"firstName": "Stays"})).await;
    let outcome = pair.sync();
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");

    // Not created again; the other person's rename arrives.
    assert!(pair.record_by_email(&gone_email).await.is_none());
    assert_eq!(pair.records().await.len(), total - 1);
    let other = pair.record_by_email(&other_email).await.unwrap();
    assert_eq!(other["fields"][pair.field("First name")], "Stays");
    let gone_local = outcome["plan"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["remoteId"] == gone_id.to_string().trim_matches('"'))
        .count();
    assert_eq!(gone_local, 0, "{outcome:#}");

    // Waiting in review, named by the person.
    let reviews = open_reviews(&pair);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    assert_eq!(reviews[0]["reason"], "deleted");
    assert_eq!(
        reviews[0]["remoteId"],
        gone_id.to_string().trim_matches('"')
    );
    let summary = reviews[0]["summary"].as_str().unwrap();
    assert!(
        summary.to_lowercase().contains(&gone_email) && summary.contains("deleted in Ninox"),
        "{summary}"
    );

    // Later syncs: still nothing made again, the review stays one.
    edit_ghl_contact(&pair.ghl, &gone_ghl, json!({"lastName": "Again"})).await;
    let next = pair.sync();
    assert_eq!(next["applied"]["dead"], 0, "{next:#}");
    assert!(pair.record_by_email(&gone_email).await.is_none());
    assert_eq!(open_reviews(&pair).len(), 1);
}

/// A v3 pair reads changes by `sinceSq` after its first sync, which shows no deletes; once a
/// day it reads the whole table instead (`V3_COMPLETE_SCAN_EVERY`), and a record deleted in
/// Ninox is seen then. The day is made to pass by dating the stored complete scan back.
#[tokio::test(flavor = "multi_thread")]
async fn a_v3_pair_sees_a_delete_at_its_daily_complete_scan() {
    let pair = NinoxPair::start(Api::V3, 10, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    pair.sync();
    let email_field = pair.field("Email");
    let mut gone = None;
    for r in pair.records().await {
        if let Some(email) = r["fields"][&email_field].as_str() {
            if ghl_id_of_email(&pair.ghl, email).await.is_some() {
                gone = Some(r["id"].clone());
                break;
            }
        }
    }
    let gone = gone.expect("a linked record");
    pair.delete_record(&gone).await;

    // Within the day: a change scan, which cannot see it.
    pair.sync();
    let deleted = |pair: &NinoxPair| {
        open_reviews(pair)
            .iter()
            .filter(|r| r["reason"] == "deleted")
            .count()
    };
    assert_eq!(deleted(&pair), 0);

    // A day on: the whole table is read and the delete is seen.
    let store = bridge_store::Store::open(&pair.scratch.path().join("bridge.sqlite3")).unwrap();
    let dated = store
        .conn()
        .execute(
            "UPDATE cursors SET value = substr(value, 1, instr(value, '@')) || '2020-01-01T00:00:00Z'
             WHERE stream = 'app.records' AND instr(value, '@') > 0",
            [],
        )
        .unwrap();
    assert_eq!(dated, 1, "the v3 cursor holds its complete scan's time");
    drop(store);
    pair.sync();
    assert_eq!(deleted(&pair), 1, "{:#?}", open_reviews(&pair));
    pair.sync();
    assert_eq!(deleted(&pair), 1, "seen once");
}
