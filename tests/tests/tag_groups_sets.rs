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

/// Nifty: the table names a label for a tag ("gold" → "VIP", "member" → "Renewal"). The tag
/// added in GHL puts its label on the contact's tasks (GHL is not given the label's name); the
/// label put on a task in Nifty adds its tag to GHL; the tag removed in GHL takes the label off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_in_the_table_moves_its_nifty_label_both_ways() {
    use bridge_tests::blocking;
    use bridge_tests::nifty_pair::{marker_email, NiftyPair};
    use reqwest::Method;

    let pair = std::sync::Arc::new(NiftyPair::start(20, 0.3).await);
    pair.connect().await;
    let sync = |pair: &std::sync::Arc<NiftyPair>| {
        let pair = pair.clone();
        blocking(move || pair.sync())
    };
    let first = sync(&pair).await;
    let name = first["pairName"].as_str().unwrap().to_string();
    let table = r#"{"groups":{"gold":"VIP","member":"Renewal"}}"#;
    for args in [
        vec!["rules", "set", &name, "tag_groups", table],
        vec!["rules", "enable", &name, "tag_groups"],
    ] {
        let pair = pair.clone();
        let args: Vec<String> = args.into_iter().map(str::to_string).collect();
        let output =
            blocking(move || pair.bridge(&args.iter().map(String::as_str).collect::<Vec<_>>()))
                .await;
        assert_success("rules", &output);
    }
    // A task of the contact in Nifty, for its labels.
    let (contact, email) = pair.some_contact(0).await;
    let groups = pair.nifty.task_groups(&pair.follow_ups());
    pair.nifty_call(
        Method::POST,
        "/tasks",
        json!({"name": "Renewal call", "task_group_id": groups[0].0,
               "description": format!("Contact: {email}")}),
    )
    .await;
    sync(&pair).await;
    let labels = pair.nifty_call(Method::GET, "/labels", Value::Null).await;
    let label_id = |name: &str| {
        labels["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (vip, renewal) = (label_id("VIP"), label_id("Renewal"));
    let task_labels = |pair: &NiftyPair| -> Vec<BTreeSet<String>> {
        pair.nifty_tasks()
            .iter()
            .filter(|t| marker_email(t).as_deref() == Some(email.as_str()))
            .map(|t| {
                t["labels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    };
    let ghl_tags = |answer: Value| tags(&answer["contact"]);

    // GHL → Nifty: "gold" puts VIP on each of the contact's tasks.
    pair.ghl_call(
        Method::POST,
        &format!("/contacts/{contact}/tags"),
        Some(json!({"tags": ["gold"]})),
    )
    .await;
    let outcome = sync(&pair).await;
    let on_tasks = task_labels(&pair);
    assert!(!on_tasks.is_empty());
    assert!(on_tasks.iter().all(|l| l.contains(&vip)), "{outcome:#}");
    let now = ghl_tags(
        pair.ghl_call(Method::GET, &format!("/contacts/{contact}"), None)
            .await,
    );
    assert!(now.contains("gold") && !now.contains("vip"), "{now:?}");

    // Nifty → GHL: the Renewal label put on a task adds "member", not "renewal".
    let task_id = pair
        .nifty_tasks()
        .iter()
        .find(|t| marker_email(t).as_deref() == Some(email.as_str()))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    pair.nifty_call(
        Method::PUT,
        &format!("/tasks/{task_id}/labels"),
        json!({"labels": [renewal.clone()]}),
    )
    .await;
    let outcome = sync(&pair).await;
    assert_eq!(outcome["labels"]["dead"], 0, "{outcome:#}");
    let now = ghl_tags(
        pair.ghl_call(Method::GET, &format!("/contacts/{contact}"), None)
            .await,
    );
    assert!(
        now.contains("member") && !now.contains("renewal"),
        "{now:?} {outcome:#}"
    );

    // The tag removed in GHL takes VIP off the tasks.
    pair.ghl_call(
        Method::DELETE,
        &format!("/contacts/{contact}/tags"),
        Some(json!({"tags": ["gold"]})),
    )
    .await;
    sync(&pair).await;
    assert!(task_labels(&pair).iter().all(|l| !l.contains(&vip)));
    let now = ghl_tags(
        pair.ghl_call(Method::GET, &format!("/contacts/{contact}"), None)
            .await,
    );
    assert!(!now.contains("gold") && now.contains("member"), "{now:?}");
}
