//! #16 rule c for the apps whose groups are per-contact sets: the tag groups table
//! (`bridge rules set PAIR tag_groups …`) names, for a GHL tag, the Novi AMS committee or the
//! Nifty label it is. A tag added or removed in GHL seats or unseats the member (labels the
//! contact's tasks); a seat (label) added or removed in the app adds or removes the tag in GHL,
//! as deltas through GHL's tags endpoints. Each through the sandbox's fakes and the `bridge`
//! binary.

use std::collections::BTreeSet;

use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contact, linked_person, Pair};
use serde_json::{json, Value};

const BOARD: &str = "Board of Directors";

fn tags(contact: &Value) -> BTreeSet<String> {
    contact["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Switches the tag groups rule on with `table` for the pair of the first sync's outcome.
fn switch_on(pair: &Pair, outcome: &Value, table: &str) {
    let name = outcome["pairName"].as_str().unwrap().to_string();
    assert_success(
        "rules set",
        &pair.bridge(&["rules", "set", &name, "tag_groups", table]),
    );
    assert_success(
        "rules enable",
        &pair.bridge(&["rules", "enable", &name, "tag_groups"]),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tag_in_the_table_seats_and_unseats_the_novi_member_and_a_seat_changed_in_novi_moves_the_tag(
) {
    let pair = Pair::start(12, 0).await;
    pair.connect();
    let first = pair.sync();
    switch_on(
        &pair,
        &first,
        r#"{"groups":{"board":"board of directors"}}"#,
    );
    let person = linked_person(&pair).await;
    assert!(pair.novi.committee_members(BOARD).is_empty());

    // GHL → Novi: the tag seats the member; the other tag stays out of Novi.
    edit_ghl_contact(
        &pair.ghl,
        &person.ghl_id,
        json!({"tags": ["board", "lead"]}),
    )
    .await;
    let outcome = pair.sync();
    assert_eq!(
        pair.novi.committee_members(BOARD),
        vec![person.member_id.clone()],
        "{outcome:#}"
    );
    assert_eq!(outcome["labels"]["addedInApp"], 1, "{outcome:#}");
    assert_eq!(outcome["labels"]["tagsAddedInGhl"], 0, "{outcome:#}");
    let again = pair.sync();
    assert_eq!(
        again["labels"]["writes"], 0,
        "agreed sides write nothing: {again:#}"
    );
    assert_eq!(pair.novi.committee_members(BOARD).len(), 1, "seated once");

    // The tag removed in GHL: the seat goes.
    edit_ghl_contact(&pair.ghl, &person.ghl_id, json!({"tags": ["lead"]})).await;
    pair.sync();
    assert!(pair.novi.committee_members(BOARD).is_empty());

    // Novi → GHL: seated in Novi, the contact gets the tag (the table's spelling) …
    assert!(pair.novi.seat_on_committee(BOARD, &person.member_id));
    let outcome = pair.sync();
    assert_eq!(outcome["labels"]["tagsAddedInGhl"], 1, "{outcome:#}");
    assert_eq!(
        tags(&ghl_contact(&pair.ghl, &person.ghl_id).await),
        set(&["board", "lead"])
    );
    // … and unseated in Novi, loses it, keeping its other tags.
    assert_eq!(pair.novi.unseat_from_committee(BOARD, &person.member_id), 1);
    pair.sync();
    assert_eq!(
        tags(&ghl_contact(&pair.ghl, &person.ghl_id).await),
        set(&["lead"])
    );
    assert!(pair.novi.committee_members(BOARD).is_empty());
}

/// Seating is not idempotent in Novi (a second POST makes a second seat): a seat whose answer
/// was lost is read back on the next sync, never sent again.
#[tokio::test(flavor = "multi_thread")]
async fn a_seat_whose_answer_was_lost_is_not_made_twice() {
    let pair = Pair::start(12, 0).await;
    pair.connect();
    let first = pair.sync();
    switch_on(
        &pair,
        &first,
        r#"{"groups":{"board":"Board of Directors"}}"#,
    );
    let person = linked_person(&pair).await;
    edit_ghl_contact(&pair.ghl, &person.ghl_id, json!({"tags": ["board"]})).await;
    pair.novi.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/members",
        AimedKind::LoseAnswer,
        1,
    )));
    let lost = pair.bridge(&["sync", "--json"]);
    pair.novi.set_faults(FaultConfig::none());
    assert_eq!(
        pair.novi.committee_members(BOARD),
        vec![person.member_id.clone()],
        "the seat was made; its answer lost: {}",
        String::from_utf8_lossy(&lost.stdout)
    );
    let outcome = pair.sync();
    pair.sync();
    assert_eq!(
        pair.novi.committee_members(BOARD),
        vec![person.member_id.clone()],
        "one seat, not two: {outcome:#}"
    );
    assert_eq!(
        tags(&ghl_contact(&pair.ghl, &person.ghl_id).await),
        set(&["board"])
    );
}

/// A table naming a committee Novi does not have is refused by name, and nothing moves.
#[tokio::test(flavor = "multi_thread")]
async fn a_table_naming_no_committee_is_refused_by_name() {
    let pair = Pair::start(8, 0).await;
    pair.connect();
    let first = pair.sync();
    switch_on(
        &pair,
        &first,
        r#"{"groups":{"board":"Bored of Directors"}}"#,
    );
    let output = pair.bridge(&["sync", "--json"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("Bored of Directors"), "{text}");
    assert!(pair.novi.committee_members(BOARD).is_empty());
}
