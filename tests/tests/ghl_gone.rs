//! Records deleted in GHL between two syncs. GHL answers a missing task or contact with 400
//! (contacts.json documents 200/400/401 for these routes, no 404): the engine takes the record
//! for gone and the sync goes on (issue 11).

use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{email_of, ghl_id_of_email, linked_person, novi_members, Pair};
use serde_json::{json, Value};

async fn ghl_send(pair: &Pair, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    assert!(answer.status().is_success(), "GHL refused {path}");
    answer.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_deleted_in_ghl_between_two_syncs_does_not_stop_the_second() {
    let pair = Pair::start(20, 3).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    let created = ghl_send(
        &pair,
        reqwest::Method::POST,
        &format!("/contacts/{}/tasks", person.ghl_id),
        Some(json!({"title": "Send the dues reminder", "dueDate": "2026-12-02T09:00:00Z", "completed": false})),
    )
    .await;
    let task_id = created["task"]["id"].as_str().unwrap().to_string();
    pair.sync();

    // Deleted in GHL: the open-task search no longer lists it, and reading it answers 400.
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}/tasks/{task_id}", person.ghl_id),
        None,
    )
    .await;
    let missing = reqwest::Client::new()
        .get(format!(
            "{}/contacts/{}/tasks/{task_id}",
            pair.ghl.base_url(),
            person.ghl_id
        ))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        400,
        "the fake answers a missing task as GHL documents"
    );

    let second = pair.bridge(&["sync", "--json"]);
    assert_success("the sync after the task was deleted", &second);
    let third = pair.bridge(&["sync", "--json"]);
    assert_success("the next sync", &third);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_linked_contact_deleted_in_ghl_does_not_stop_the_next_sync() {
    let pair = Pair::start(20, 3).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}", person.ghl_id),
        None,
    )
    .await;
    // The children of linked contacts are read again each sync: this one's lists answer 400.
    assert_success(
        "the sync after the contact was deleted",
        &pair.bridge(&["sync", "--json"]),
    );
}

/// POST /contacts/: the person created again in GHL (a new id).
async fn ghl_create_again(pair: &Pair, email: &str, first_name: &str) -> String {
    let created = ghl_send(
        pair,
        reqwest::Method::POST,
        "/contacts/",
        Some(
            json!({"locationId": pair.ghl.location_id(), "email": email, "firstName": first_name}),
        ),
    )
    .await;
    created["contact"]["id"].as_str().unwrap().to_string()
}

async fn members_with_email(pair: &Pair, email: &str) -> usize {
    novi_members(pair)
        .await
        .iter()
        .filter(|m| m["Email"].is_string() && email_of(m, "Email") == email)
        .count()
}

fn open_reviews(pair: &Pair) -> Vec<Value> {
    let output = pair.bridge(&["reviews", "--json"]);
    assert_success("bridge reviews", &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_deleted_and_created_again_with_the_same_email_keeps_its_one_app_record() {
    let pair = Pair::start(10, 0).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let people: Vec<Value> = novi_members(&pair)
        .await
        .into_iter()
        .filter(|m| m["Email"].is_string() && m["FirstName"].is_string())
        .take(2)
        .collect();
    let [seen_first, at_once] = [&people[0], &people[1]].map(|m| email_of(m, "Email"));

    // Deleted, a sync sees it (its lists answer 400): marked deleted, its member kept and
    // waiting in review; then created again under a new id.
    let old = ghl_id_of_email(&pair.ghl, &seen_first).await.unwrap();
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{old}"),
        None,
    )
    .await;
    pair.sync();
    let reviews = open_reviews(&pair);
    assert!(
        reviews
            .iter()
            .any(|r| r["objectKind"] == "contact" && r["reason"] == "deleted"),
        "{reviews:#?}"
    );
    assert_eq!(members_with_email(&pair, &seen_first).await, 1);
    let new = ghl_create_again(&pair, &seen_first, "Again").await;
    assert_ne!(new, old);

    // Deleted and created again between two syncs: the old id answers 400 when the new
    // contact is stored.
    let old = ghl_id_of_email(&pair.ghl, &at_once).await.unwrap();
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{old}"),
        None,
    )
    .await;
    ghl_create_again(&pair, &at_once, "Again").await;

    pair.sync();
    pair.sync();
    for email in [&seen_first, &at_once] {
        assert_eq!(
            members_with_email(&pair, email).await,
            1,
            "{email}: one Novi member, linked to the contact created again"
        );
    }
    let member = novi_members(&pair)
        .await
        .into_iter()
        .find(|m| m["Email"].is_string() && email_of(m, "Email") == seen_first)
        .unwrap();
    assert_eq!(
        member["FirstName"], "Again",
        "the new contact's name reached its member"
    );
    // The contacts' reviews closed when they came back. (Their old tasks and notes went with
    // the deleted contacts: those copies in Novi wait in review, each named.)
    let reviews = open_reviews(&pair);
    assert!(
        reviews
            .iter()
            .all(|r| r["objectKind"] != "contact" && r["reason"] == "deleted"),
        "{reviews:#?}"
    );
}

/// #12: a GHL merge leaves only a deleted contact (the specs name no survivor), so its app
/// record waits in a `deleted` review; the operator, who knows the survivor, links the record
/// to it (`bridge reviews --resolve ID --link CONTACT`): the next sync writes the survivor's
/// values to that one member and makes no second member for the survivor.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_contacts_app_record_can_be_linked_to_a_merges_survivor() {
    let pair = Pair::start(10, 0).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let merged = linked_person(&pair).await;
    let members_before = novi_members(&pair).await.len();

    // The merge: the merged-away contact is gone; the survivor holds another email and has
    // no member yet. A preview sees the delete (and writes nothing).
    ghl_send(
        &pair,
        reqwest::Method::DELETE,
        &format!("/contacts/{}", merged.ghl_id),
        None,
    )
    .await;
    let survivor_email = "survivor.of.merge@example.com";
    let survivor = ghl_create_again(&pair, survivor_email, "Survivor").await;
    assert_success("preview", &pair.bridge(&["sync", "--dry-run"]));
    let review = open_reviews(&pair)
        .into_iter()
        .find(|r| r["objectKind"] == "contact" && r["reason"] == "deleted")
        .expect("the merged-away contact's member waits in review");
    assert_eq!(review["remoteId"], merged.member_id.as_str());
    let id = review["id"].to_string();

    // Creating a contact for it is not what a deleted contact's record waits for.
    let refused = pair.bridge(&["reviews", "--resolve", &id, "--create"]);
    assert!(!refused.status.success(), "--create was taken");
    assert_success(
        "link to the survivor",
        &pair.bridge(&["reviews", "--resolve", &id, "--link", &survivor]),
    );
    pair.sync();

    let members = novi_members(&pair).await;
    assert_eq!(members.len(), members_before, "a second member was made");
    let kept: Vec<&Value> = members
        .iter()
        .filter(|m| m["Email"].is_string() && email_of(m, "Email") == survivor_email)
        .collect();
    assert_eq!(kept.len(), 1, "{kept:#?}");
    assert_eq!(kept[0]["UniqueID"], merged.member_id.as_str());
    assert_eq!(kept[0]["FirstName"], "Survivor");
    assert!(
        open_reviews(&pair)
            .iter()
            .all(|r| !(r["objectKind"] == "contact" && r["reason"] == "deleted")),
        "the review stays open"
    );
}
