//! #12: a contact's delete carried to the other side of a pair, through the `bridge` binary
//! and the GHL, Ninox (v3, v4) and Novi AMS fakes. Off by default: a delete waits in review
//! and nothing is deleted. With the pair's switch on, the delete is proposed to the approval
//! queue; nothing is deleted until the operator approves; once approved, the next sync
//! deletes the record (Novi AMS: deactivates the member) exactly once through the journal,
//! closes the link, marks the queue row `carried` and puts the delete on the timeline.
//! Rejected: nothing is deleted, and the same record is never proposed again.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{ghl_id_of_email, linked_person, novi_member, Pair};
use serde_json::Value;

pub const VERSION: (&str, &str) = ("Version", "2021-07-28");

/// GHL's answer status for `GET /contacts/{id}`: 200 while it exists, 400 once deleted.
async fn ghl_status(ghl: &bridge_sandbox::GhlSandbox, id: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/contacts/{id}", ghl.base_url()))
        .bearer_auth(ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// An operator's delete in GHL.
async fn ghl_delete(ghl: &bridge_sandbox::GhlSandbox, id: &str) {
    let answer = reqwest::Client::new()
        .delete(format!("{}/contacts/{id}", ghl.base_url()))
        .bearer_auth(ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "GHL refused the delete");
}

fn json_of(output: std::process::Output, what: &str) -> Value {
    assert_success(what, &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

/// One row of a query on the pair's database, as text.
fn db_rows(scratch: &std::path::Path, sql: &str) -> Vec<Vec<String>> {
    let store = bridge_store::Store::open(&scratch.join("bridge.sqlite3")).unwrap();
    let mut statement = store.conn().prepare(sql).unwrap();
    let columns = statement.column_count();
    statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| {
                    row.get::<_, Option<String>>(i)
                        .or_else(|_| row.get::<_, i64>(i).map(|n| Some(n.to_string())))
                        .map(Option::unwrap_or_default)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The journal's contact deletes, by state.
pub fn delete_ops(scratch: &std::path::Path) -> Vec<Vec<String>> {
    db_rows(
        scratch,
        "SELECT state, count(*) FROM operations WHERE object_kind = 'contact' AND action = 'delete'
         GROUP BY state ORDER BY state",
    )
}

/// The queue's contact rows, by state.
pub fn queued(scratch: &std::path::Path) -> Vec<Vec<String>> {
    db_rows(
        scratch,
        "SELECT state, deleted_in FROM pending_deletes WHERE object_kind = 'contact' ORDER BY id",
    )
}

/// A Ninox pair after its first sync, its carry switch as given; one linked person (record id,
/// email, GHL id), and the pair's name.
async fn ninox_pair(api: Api, carry: bool) -> (NinoxPair, Value, String, String, String) {
    let pair = NinoxPair::start(api, 10, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let name = pair.sync()["pairName"].as_str().unwrap().to_string();
    if carry {
        assert_success("carry on", &pair.bridge(&["deletes", "carry", &name, "on"]));
    }
    let email_field = pair.field("Email");
    for record in pair.records().await {
        let Some(email) = record["fields"][&email_field].as_str() else {
            continue;
        };
        if let Some(ghl_id) = ghl_id_of_email(&pair.ghl, email).await {
            return (
                pair,
                record["id"].clone(),
                email.to_lowercase(),
                ghl_id,
                name,
            );
        }
    }
    panic!("no linked person");
}

fn waiting(pair: &NinoxPair) -> Vec<Value> {
    json_of(pair.bridge(&["deletes", "list", "--json"]), "deletes list")
        .as_array()
        .cloned()
        .unwrap()
}

fn reviews(pair: &NinoxPair) -> Vec<Value> {
    json_of(pair.bridge(&["reviews", "--json"]), "reviews")
        .as_array()
        .cloned()
        .unwrap()
}

fn dead_letters(pair: &NinoxPair) -> Vec<Value> {
    json_of(pair.bridge(&["dead-letters", "--json"]), "dead-letters")
        .as_array()
        .cloned()
        .unwrap()
}

/// The runs in `bridge runs --json` whose summary counts contact deletes: (run id, carried,
/// already gone).
fn carried_in_history(pair: &NinoxPair) -> Vec<(Value, u64, u64)> {
    let runs = json_of(pair.bridge(&["runs", "--json"]), "runs");
    runs.as_array()
        .unwrap()
        .iter()
        .filter(|run| !run["summary"]["contactDeletes"].is_null())
        .map(|run| {
            let deletes = &run["summary"]["contactDeletes"];
            (
                run["id"].clone(),
                deletes["carried"].as_u64().unwrap(),
                deletes["alreadyGone"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Approves the one waiting contact delete.
fn approve_the_one(pair: &NinoxPair) -> Value {
    let open = waiting(pair);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["objectKind"], "contact");
    assert_eq!(open[0]["state"], "waiting");
    assert_success(
        "approve",
        &pair.bridge(&["deletes", "approve", &open[0]["id"].to_string()]),
    );
    open[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn carry_off_a_contact_deleted_in_ghl_waits_in_review_and_nothing_is_deleted() {
    let (pair, record_id, email, ghl_id, _) = ninox_pair(Api::V4, false).await;
    let total = pair.records().await.len();
    ghl_delete(&pair.ghl, &ghl_id).await;
    pair.sync();
    pair.sync();
    assert!(pair.record_by_email(&email).await.is_some());
    assert_eq!(
        pair.records().await.len(),
        total,
        "nothing deleted in Ninox"
    );
    assert!(waiting(&pair).is_empty(), "nothing proposed");
    let open = reviews(&pair);
    assert!(
        open.iter().any(|r| r["reason"] == "deleted"
            && r["remoteId"] == record_id.to_string().trim_matches('"')),
        "{open:#?}"
    );
    assert!(delete_ops(pair.scratch.path()).is_empty());
}

async fn a_contact_deleted_in_ghl_is_deleted_in_ninox_once_approved(api: Api) {
    let (pair, record_id, email, ghl_id, _) = ninox_pair(api, true).await;
    let total = pair.records().await.len();
    ghl_delete(&pair.ghl, &ghl_id).await;

    // Proposed, not approved: nothing deleted, sync after sync.
    pair.sync();
    pair.sync();
    assert!(pair.record_by_email(&email).await.is_some());
    let proposed = approve_the_one(&pair);
    assert_eq!(proposed["deletedIn"], "ghl");
    assert_eq!(
        proposed["targetRemoteId"],
        record_id.to_string().trim_matches('"')
    );
    assert!(
        proposed["summary"].as_str().unwrap().contains(&email),
        "{proposed:#}"
    );

    // Approved: the next sync deletes it and says so; later syncs send nothing more.
    let carrying = pair.sync();
    assert_eq!(carrying["contactDeletes"]["carried"], 1, "{carrying:#}");
    assert_eq!(carrying["contactDeletes"]["alreadyGone"], 0, "{carrying:#}");
    assert!(pair.record_by_email(&email).await.is_none());
    assert_eq!(
        pair.records().await.len(),
        total - 1,
        "exactly one record deleted"
    );
    let after = pair.sync();
    assert_eq!(after["contactDeletes"]["carried"], 0, "{after:#}");
    assert_eq!(pair.records().await.len(), total - 1);
    // The run history keeps the count with the run that carried it, and only there.
    assert_eq!(
        carried_in_history(&pair),
        vec![(carrying["runId"].clone(), 1, 0)]
    );
    assert_eq!(delete_ops(pair.scratch.path()), vec![vec!["done", "1"]]);
    assert_eq!(queued(pair.scratch.path()), vec![vec!["carried", "ghl"]]);
    assert!(waiting(&pair).is_empty());
    assert!(dead_letters(&pair).is_empty());
    // The link closed, the review closed, and the timeline says what was deleted where.
    let rid = record_id.to_string().trim_matches('"').to_string();
    assert!(db_rows(
        pair.scratch.path(),
        &format!(
            "SELECT contact_id FROM links WHERE object_kind = 'contact' AND remote_id = '{rid}'"
        )
    )
    .is_empty());
    assert!(reviews(&pair).iter().all(|r| r["remoteId"] != rid.as_str()));
    let events = db_rows(
        pair.scratch.path(),
        "SELECT title FROM timeline_events WHERE kind = 'contact'",
    );
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0][0].contains("deleted in Ninox") && events[0][0].contains(&rid),
        "{events:?}"
    );
    // Undoing that run re-creates nothing and says the record stays deleted.
    let run = db_rows(
        pair.scratch.path(),
        "SELECT run_id FROM operations WHERE object_kind = 'contact' AND action = 'delete'",
    );
    let undone = json_of(pair.bridge(&["undo", &run[0][0], "--json"]), "undo");
    assert_eq!(undone["deletedKept"], 1, "{undone:#}");
    assert_eq!(undone["createdKept"], 0, "{undone:#}");
    assert!(pair.record_by_email(&email).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_deleted_in_ghl_is_deleted_in_ninox_v3_once_approved() {
    a_contact_deleted_in_ghl_is_deleted_in_ninox_once_approved(Api::V3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_deleted_in_ghl_is_deleted_in_ninox_v4_once_approved() {
    a_contact_deleted_in_ghl_is_deleted_in_ninox_once_approved(Api::V4).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_deleted_in_ninox_deletes_its_ghl_contact_once_approved() {
    let (pair, record_id, _, ghl_id, _) = ninox_pair(Api::V4, true).await;
    let other_ghl: Vec<String> = bridge_tests::novi_pair::ghl_contacts(&pair.ghl)
        .await
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .filter(|id| *id != ghl_id)
        .collect();
    pair.delete_record(&record_id).await;
    pair.sync();
    assert_eq!(
        ghl_status(&pair.ghl, &ghl_id).await,
        200,
        "not before approval"
    );
    let proposed = approve_the_one(&pair);
    assert_eq!(proposed["deletedIn"], "app");
    assert_eq!(proposed["targetRemoteId"], ghl_id.as_str());

    pair.sync();
    assert_eq!(ghl_status(&pair.ghl, &ghl_id).await, 400, "deleted in GHL");
    for id in &other_ghl {
        assert_eq!(ghl_status(&pair.ghl, id).await, 200, "{id} was deleted too");
    }
    pair.sync();
    assert_eq!(delete_ops(pair.scratch.path()), vec![vec!["done", "1"]]);
    assert_eq!(queued(pair.scratch.path()), vec![vec!["carried", "app"]]);
    assert!(dead_letters(&pair).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_delete_deletes_nothing_and_is_never_proposed_again() {
    let (pair, _, email, ghl_id, _) = ninox_pair(Api::V4, true).await;
    ghl_delete(&pair.ghl, &ghl_id).await;
    pair.sync();
    let open = waiting(&pair);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_success(
        "reject",
        &pair.bridge(&["deletes", "reject", &open[0]["id"].to_string()]),
    );
    pair.sync();
    pair.sync();
    assert!(
        pair.record_by_email(&email).await.is_some(),
        "deleted anyway"
    );
    assert!(waiting(&pair).is_empty(), "proposed again");
    assert_eq!(queued(pair.scratch.path()), vec![vec!["rejected", "ghl"]]);
    assert!(delete_ops(pair.scratch.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delete_whose_record_is_already_gone_ends_done_without_a_dead_letter() {
    let (pair, record_id, email, ghl_id, _) = ninox_pair(Api::V3, true).await;
    ghl_delete(&pair.ghl, &ghl_id).await;
    pair.sync();
    approve_the_one(&pair);
    // Someone deletes the record in Ninox before the sync carries the delete: Ninox answers
    // 404, which is what the delete was to make true.
    pair.delete_record(&record_id).await;
    let output = pair.bridge(&["sync"]);
    assert_success("sync", &output);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("approved contact deletes: 0 carried, 1 already gone, 0 unconfirmed"),
        "{said}"
    );
    let run = &carried_in_history(&pair);
    assert_eq!(run.len(), 1, "{run:?}");
    assert_eq!((run[0].1, run[0].2), (0, 1), "{run:?}");
    assert!(pair.record_by_email(&email).await.is_none());
    assert_eq!(delete_ops(pair.scratch.path()), vec![vec!["done", "1"]]);
    assert_eq!(queued(pair.scratch.path()), vec![vec!["carried", "ghl"]]);
    assert!(dead_letters(&pair).is_empty(), "{:#?}", dead_letters(&pair));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_deleted_in_ghl_deactivates_its_novi_member_once_approved() {
    let pair = Pair::start(10, 0).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let name = pair.sync()["pairName"].as_str().unwrap().to_string();
    assert_success("carry on", &pair.bridge(&["deletes", "carry", &name, "on"]));
    let person = linked_person(&pair).await;
    ghl_delete(&pair.ghl, &person.ghl_id).await;
    pair.sync();
    assert_eq!(novi_member(&pair, &person.member_id).await["Active"], true);
    let open = json_of(pair.bridge(&["deletes", "list", "--json"]), "deletes list");
    let open: Vec<&Value> = open
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["objectKind"] == "contact")
        .collect();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["targetRemoteId"], person.member_id.as_str());
    assert_success(
        "approve",
        &pair.bridge(&["deletes", "approve", &open[0]["id"].to_string()]),
    );
    let member_puts = || pair.novi.stats().count("PUT", "/api/members/{uniqueId}");
    let puts_before = member_puts();
    pair.sync();
    pair.sync();
    // Novi AMS documents no DELETE of a member: it is deactivated (Active=false), once.
    assert_eq!(novi_member(&pair, &person.member_id).await["Active"], false);
    assert_eq!(
        member_puts() - puts_before,
        1,
        "one deactivation, nothing else"
    );
    assert_eq!(
        pair.novi.stats().count("DELETE", "/api/members/{uniqueId}"),
        0
    );
    assert_eq!(delete_ops(pair.scratch.path()), vec![vec!["done", "1"]]);
    assert_eq!(queued(pair.scratch.path()), vec![vec!["carried", "ghl"]]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_created_again_in_ghl_withdraws_its_waiting_delete() {
    let (pair, record_id, email, ghl_id, _) = ninox_pair(Api::V4, true).await;
    ghl_delete(&pair.ghl, &ghl_id).await;
    pair.sync();
    assert_eq!(waiting(&pair).len(), 1);

    // The person is created again in GHL (a new id, the same email): the delete waiting for
    // the record is taken back, and the record stays the person's one record.
    let created = reqwest::Client::new()
        .post(format!("{}/contacts/", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .json(&serde_json::json!({
            "locationId": pair.ghl.location_id(),
            "email": email,
            "firstName": "Again"
        }))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    pair.sync();
    pair.sync();
    assert!(waiting(&pair).is_empty(), "{:#?}", waiting(&pair));
    assert!(queued(pair.scratch.path()).is_empty());
    let record = pair
        .record_by_email(&email)
        .await
        .expect("the record stays");
    assert_eq!(record["id"], record_id);
    assert!(delete_ops(pair.scratch.path()).is_empty());
}
