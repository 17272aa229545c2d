//! The GHL ↔ Ninox pair through the `bridge` binary, against both fakes, for the classic (v3)
//! and the workspace (v4) API: contacts both ways, tags into the multi-choice field, no echo,
//! and a quiet second sync.

use bridge_tests::ghl_world::{assert_success, book_appointment, calendar_ids};
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{
    edit_ghl_contact, ghl_contact, ghl_contacts, ghl_id_of_email, writes,
};
use serde_json::{json, Value};

fn email(value: &Value) -> String {
    value.as_str().unwrap_or_default().trim().to_lowercase()
}

async fn both_ways_then_quiet(api: Api) {
    let pair = NinoxPair::start(api, 30, 6).await;
    pair.connect();
    let first = pair.sync();
    assert_eq!(first["applied"]["dead"], 0, "{first:#}");

    // Ninox takes arrays of records: the creates go in one request, the updates in another.
    let ops = first["plan"]["operations"].as_array().unwrap();
    let to_ninox = |action: &str| {
        ops.iter()
            .filter(|op| op["target"] == "app" && op["action"] == action)
            .count()
    };
    let (creates, updates) = (to_ninox("create"), to_ninox("update"));
    assert!(creates > 1, "{first:#}");
    assert_eq!(
        writes(&pair.ninox.stats()),
        u64::from(creates > 0) + u64::from(updates > 0),
        "{creates} creates and {updates} updates, batched: {first:#}"
    );

    // Every person is now on both sides, once.
    let records = pair.records().await;
    let email_field = pair.field("Email");
    let mut ninox: Vec<String> = records
        .iter()
        .map(|r| email(&r["fields"][&email_field]))
        .filter(|e| !e.is_empty())
        .collect();
    ninox.sort();
    let before = ninox.len();
    ninox.dedup();
    assert_eq!(before, ninox.len(), "a person was doubled in Ninox");
    let ghl: Vec<String> = ghl_contacts(&pair.ghl)
        .await
        .iter()
        .map(|c| email(&c["email"]))
        .filter(|e| !e.is_empty())
        .collect();
    for e in &ninox {
        assert!(ghl.contains(e), "{e} is in Ninox but not in GHL");
    }
    for e in &ghl {
        assert!(ninox.contains(e), "{e} is in GHL but not in Ninox");
    }

    // Nothing changed: nothing planned, nothing written; and the GHL contacts the first sync
    // created or updated are not read again (their answers were kept).
    let (ghl_writes, ninox_writes) = (writes(&pair.ghl.stats()), writes(&pair.ninox.stats()));
    let second = pair.sync();
    assert_eq!(second["plan"]["operations"], json!([]), "{second:#}");
    assert!(
        ops.iter().any(|op| op["target"] == "ghl"),
        "the first sync wrote to GHL: {first:#}"
    );
    assert_eq!(second["ghlPull"]["contactsChanged"], 0, "{second:#}");
    assert_eq!(writes(&pair.ghl.stats()), ghl_writes);
    assert_eq!(writes(&pair.ninox.stats()), ninox_writes);
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_contacts_sync_both_ways_then_nothing_is_written() {
    both_ways_then_quiet(Api::V3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v4_contacts_sync_both_ways_then_nothing_is_written() {
    both_ways_then_quiet(Api::V4).await;
}

async fn edits_cross_once(api: Api) {
    let pair = NinoxPair::start(api, 20, 3).await;
    pair.connect();
    // The first sync settles the overlap, where Ninox's newer values win a third of records.
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );

    // A Ninox edit reaches GHL once; ten syncs write nothing more anywhere.
    let records = pair.records().await;
    let email_field = pair.field("Email");
    let record = records
        .iter()
        .find(|r| r["fields"][&email_field].is_string())
        .unwrap()
        .clone();
    let person = email(&record["fields"][&email_field]);
    pair.edit_record(
        &record["id"],
        json!({ pair.field("Last name"): "Okonkwo-Ninox" }),
    )
    .await;
    let (ghl_writes, ninox_writes) = (writes(&pair.ghl.stats()), writes(&pair.ninox.stats()));
    for _ in 0..10 {
        pair.sync();
    }
    assert_eq!(
        writes(&pair.ghl.stats()),
        ghl_writes + 1,
        "one write to GHL"
    );
    assert_eq!(
        writes(&pair.ninox.stats()),
        ninox_writes,
        "none back to Ninox"
    );
    let ghl_id = ghl_id_of_email(&pair.ghl, &person).await.unwrap();
    assert_eq!(
        ghl_contact(&pair.ghl, &ghl_id).await["lastName"],
        "Okonkwo-Ninox"
    );

    // A GHL edit (name and tags) reaches Ninox; tags land in the multi-choice field.
    edit_ghl_contact(
        &pair.ghl,
        &ghl_id,
        json!({"firstName": "Adaeze", "tags": ["vip", "newsletter"]}),
    )
    .await;
    let ninox_writes = writes(&pair.ninox.stats());
    pair.sync();
    pair.sync();
    assert_eq!(writes(&pair.ninox.stats()), ninox_writes + 1);
    let record = pair.record_by_email(&person).await.unwrap();
    assert_eq!(record["fields"][pair.field("First name")], "Adaeze");
    let mut tags: Vec<String> = record["fields"][pair.field("Tags")]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tags.sort();
    assert_eq!(tags, ["newsletter", "vip"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_an_edit_on_either_side_reaches_the_other_once_without_echo() {
    edits_cross_once(Api::V3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v4_an_edit_on_either_side_reaches_the_other_once_without_echo() {
    edits_cross_once(Api::V4).await;
}

/// #12: a tag the multiple-choice field has no option for is found when planning: a problem
/// of that record's tags naming the tag (not a dead letter refusing the whole record), and
/// the same contact's other changes reach Ninox. `ninox_tag_options.rs` follows it through to
/// the option being added.
#[tokio::test(flavor = "multi_thread")]
async fn a_tag_ninox_has_no_option_for_is_a_problem_of_its_record_not_a_dead_letter() {
    let pair = NinoxPair::start(Api::V4, 10, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let record = pair
        .records()
        .await
        .into_iter()
        .find(|r| r["fields"]["email"].is_string())
        .unwrap();
    let email = email(&record["fields"]["email"]);
    let ghl_id = ghl_id_of_email(&pair.ghl, &email).await.unwrap();
    edit_ghl_contact(
        &pair.ghl,
        &ghl_id,
        json!({"tags": ["VIP", "gala-2027"], "firstName": "Renamed"}),
    )
    .await;
    let outcome = pair.sync();
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    let output = pair.bridge(&["dead-letters", "--json"]);
    assert_success("dead-letters", &output);
    let dead: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(dead, json!([]));
    let problems = outcome["plan"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0]["field"], "tags");
    assert_eq!(problems[0]["value"], json!(["gala-2027"]));
    let written = pair.record_by_email(&email).await.unwrap();
    assert_eq!(written["fields"]["first_name"], "Renamed");
    assert_eq!(written["fields"]["tags"], record["fields"]["tags"]);
}

/// The documented forms: v3 `start - end` in UTC without a zone
/// (docs.ninox.com/en/api/introduction/tables-fields-records), v4 `[start,end)`
/// (specs/ninox/ninox-public-openapi-original.json).
#[tokio::test(flavor = "multi_thread")]
async fn v3_a_new_ghl_appointment_lands_in_the_appointment_field() {
    a_new_ghl_appointment_lands_in_the_appointment_field(
        Api::V3,
        "2030-03-04T15:00:00 - 2030-03-04T16:00:00",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v4_a_new_ghl_appointment_lands_in_the_appointment_field() {
    a_new_ghl_appointment_lands_in_the_appointment_field(
        Api::V4,
        "[2030-03-04T15:00:00Z,2030-03-04T16:00:00Z)",
    )
    .await;
}

async fn a_new_ghl_appointment_lands_in_the_appointment_field(api: Api, expected: &str) {
    let pair = NinoxPair::start(api, 10, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let email_field = pair.field("Email");
    let record = pair
        .records()
        .await
        .into_iter()
        .find(|r| r["fields"][&email_field].is_string())
        .unwrap();
    let person = email(&record["fields"][&email_field]);
    let ghl_id = ghl_id_of_email(&pair.ghl, &person).await.unwrap();
    let calendars = calendar_ids(&pair.ghl).await;
    let answer = book_appointment(
        &pair.ghl,
        &calendars[0],
        &ghl_id,
        ("2030-03-04T15:00:00Z", "2030-03-04T16:00:00Z"),
    )
    .await;
    assert!(
        answer.status().is_success(),
        "{}",
        answer.text().await.unwrap()
    );
    // The appointment does not move the contact; the sync still finds it.
    pair.sync();
    let record = pair.record_by_email(&person).await.unwrap();
    let field = record["fields"][pair.field("Next appointment")].clone();
    assert_eq!(field, json!(expected), "{record:#}");
    // Read back in its own form, the appointment is what GHL has: nothing more to write.
    let ninox_writes = writes(&pair.ninox.stats());
    let quiet = pair.sync();
    assert_eq!(quiet["plan"]["operations"], json!([]), "{quiet:#}");
    assert_eq!(writes(&pair.ninox.stats()), ninox_writes);
}

/// A create whose answer is lost after Ninox saved the record, then the GHL contact edited (its
/// email too) before the rerun: one Ninox record, carrying the edit, and one GHL contact.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_answer_then_an_edit_makes_one_record_not_two() {
    use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
    let pair = NinoxPair::start(Api::V3, 20, 3).await;
    pair.connect();
    pair.sync();
    let created: Value = reqwest::Client::new()
        .post(format!("{}/contacts/", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({
            "locationId": pair.ghl.location_id(),
            "firstName": "Lovelace",
            "lastName": "Byron",
            "email": "lost.answer@example.com"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ghl_id = created["contact"]["id"].as_str().unwrap().to_string();
    pair.ninox.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/records",
        AimedKind::LoseAnswer,
        1,
    )));
    let lost = pair.sync();
    pair.ninox.set_faults(FaultConfig::none());
    assert_eq!(lost["applied"]["unconfirmed"], 1, "{:#}", lost["applied"]);
    assert!(
        pair.record_by_email("lost.answer@example.com")
            .await
            .is_some(),
        "Ninox saved the record; the answer was lost"
    );

    edit_ghl_contact(
        &pair.ghl,
        &ghl_id,
        json!({"firstName": "Ada", "email": "ada.lovelace@example.com"}),
    )
    .await;
    let rerun = pair.sync();
    assert_eq!(rerun["applied"]["dead"], 0, "{:#}", rerun["applied"]);
    pair.sync();
    let email_field = pair.field("Email");
    let records: Vec<Value> = pair
        .records()
        .await
        .into_iter()
        .filter(|r| {
            let e = email(&r["fields"][&email_field]);
            e == "lost.answer@example.com" || e == "ada.lovelace@example.com"
        })
        .collect();
    assert_eq!(records.len(), 1, "one record, not two: {records:#?}");
    assert_eq!(
        email(&records[0]["fields"][&email_field]),
        "ada.lovelace@example.com"
    );
    let contacts: Vec<Value> = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .filter(|c| {
            let e = email(&c["email"]);
            e == "lost.answer@example.com" || e == "ada.lovelace@example.com"
        })
        .collect();
    assert_eq!(contacts.len(), 1, "one GHL contact: {contacts:#?}");
}
