//! Contact tags merged element by element through the `bridge` binary, GHL ↔ Ninox (tags in
//! the multi-choice field): both sides' additions are kept, and GHL is written deltas through
//! its tags endpoints, so a tag GHL gained after the write was planned survives it.

use std::collections::BTreeSet;

use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contact, ghl_id_of_email};
use serde_json::{json, Value};

fn set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect()
}

async fn ghl_add_tag(pair: &NinoxPair, contact: &str, tag: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{}/contacts/{contact}/tags", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"tags": [tag]}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "GHL refused the tag");
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_added_on_both_sides_are_kept_and_a_tag_added_in_ghl_before_the_write_survives() {
    let pair = NinoxPair::start(Api::V3, 8, 0).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let email_field = pair.field("Email");
    let tags_field = pair.field("Tags");
    let record = pair
        .records()
        .await
        .into_iter()
        .find(|r| r["fields"][&email_field].is_string())
        .unwrap();
    let email = record["fields"][&email_field]
        .as_str()
        .unwrap()
        .to_lowercase();
    let ghl_id = ghl_id_of_email(&pair.ghl, &email).await.unwrap();
    edit_ghl_contact(&pair.ghl, &ghl_id, json!({"tags": ["lead"]})).await;
    pair.sync();
    let record = pair.record_by_email(&email).await.unwrap();
    assert_eq!(set(&record["fields"][&tags_field]), set(&json!(["lead"])));

    // Ninox adds "vip" while GHL adds "customer". GHL's tag writes fail for this sync (500,
    // not carried out): the write waits in the journal, planned as it was.
    pair.edit_record(
        &record["id"],
        json!({ tags_field.clone(): ["lead", "vip"] }),
    )
    .await;
    ghl_add_tag(&pair, &ghl_id, "customer").await;
    pair.ghl.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/tags",
        AimedKind::Status(500),
        20,
    )));
    pair.sync();
    pair.ghl.set_faults(FaultConfig::none());
    assert_eq!(
        set(&ghl_contact(&pair.ghl, &ghl_id).await["tags"]),
        set(&json!(["customer", "lead"])),
        "GHL's write did not happen"
    );

    // Meanwhile an automation tags the contact in GHL; the next sync sends the waiting write
    // first (before it reads GHL again): an addition of "vip", which leaves "partner" be.
    ghl_add_tag(&pair, &ghl_id, "partner").await;
    pair.sync();
    pair.sync();
    let everything = set(&json!(["customer", "lead", "partner", "vip"]));
    assert_eq!(
        set(&ghl_contact(&pair.ghl, &ghl_id).await["tags"]),
        everything
    );
    let record = pair.record_by_email(&email).await.unwrap();
    assert_eq!(set(&record["fields"][&tags_field]), everything);
}
