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

/// #16 rule c: the tag groups table (`bridge rules set … tag_groups`) names, for a GHL tag, the
/// Ninox group (multiple-choice option) it is. A tag added in GHL adds its group in Ninox; the
/// group removed and added back in Ninox removes and adds the tag in GHL (deltas); tags not in
/// the table travel as they are.
#[tokio::test(flavor = "multi_thread")]
async fn the_tag_groups_table_turns_a_ghl_tag_into_its_ninox_group_and_back() {
    let pair = NinoxPair::start(Api::V3, 8, 0).await;
    pair.connect();
    let first = pair.bridge(&["sync", "--json", "--max-overwrite", "100"]);
    assert_success("first sync", &first);
    let first: Value = serde_json::from_slice(&first.stdout).unwrap();
    let name = first[0]["pairName"].as_str().unwrap().to_string();
    let empty = pair.bridge(&["rules", "enable", &name, "tag_groups"]);
    assert!(
        !empty.status.success(),
        "no table yet: nothing to switch on"
    );
    assert_success(
        "rules set",
        &pair.bridge(&[
            "rules",
            "set",
            &name,
            "tag_groups",
            r#"{"groups":{"gold":"vip"}}"#,
        ]),
    );
    assert_success(
        "rules enable",
        &pair.bridge(&["rules", "enable", &name, "tag_groups"]),
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
    edit_ghl_contact(&pair.ghl, &ghl_id, json!({"tags": ["gold", "lead"]})).await;
    pair.sync();
    let ninox_tags = |record: Value| set(&record["fields"][&tags_field]);
    assert_eq!(
        ninox_tags(pair.record_by_email(&email).await.unwrap()),
        set(&json!(["lead", "vip"])),
        "GHL's gold is Ninox's vip"
    );
    assert_eq!(
        set(&ghl_contact(&pair.ghl, &ghl_id).await["tags"]),
        set(&json!(["gold", "lead"])),
        "GHL is not given the group's name"
    );

    // The group removed in Ninox (and another option added): the tag goes from GHL.
    pair.edit_record(
        &record["id"],
        json!({ tags_field.clone(): ["lead", "partner"] }),
    )
    .await;
    pair.sync();
    assert_eq!(
        set(&ghl_contact(&pair.ghl, &ghl_id).await["tags"]),
        set(&json!(["lead", "partner"]))
    );
    // Added back in Ninox: the tag comes back to GHL.
    pair.edit_record(
        &record["id"],
        json!({ tags_field.clone(): ["lead", "partner", "vip"] }),
    )
    .await;
    let outcome = pair.sync();
    assert_eq!(
        set(&ghl_contact(&pair.ghl, &ghl_id).await["tags"]),
        set(&json!(["gold", "lead", "partner"]))
    );
    // Written to GHL as a delta (add gold), not a list.
    let to_ghl: Vec<&Value> = outcome["plan"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["target"] == "ghl")
        .flat_map(|op| op["changes"].as_array().unwrap())
        .filter(|c| c["field"] == "tags")
        .collect();
    assert_eq!(to_ghl.len(), 1, "{outcome:#}");
    assert_eq!(to_ghl[0]["after"], json!({"add": ["gold"], "remove": []}));
    pair.sync();
    assert_eq!(
        ninox_tags(pair.record_by_email(&email).await.unwrap()),
        set(&json!(["lead", "partner", "vip"])),
        "nothing moves once both sides agree"
    );
}
