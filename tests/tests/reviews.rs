//! Reviews through the `bridge` binary and the GHL and Novi AMS fakes: a record whose match is
//! uncertain waits in review (listed, counted, never guessed), is matched again when either
//! side changes, and an operator's decision sticks until its situation changes.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{
    add_novi_member, edit_ghl_contact, email_of, ghl_contacts, ghl_id_of_email, linked_person,
    writes, Pair,
};
use serde_json::{json, Value};

/// POST /api/members: a member the operator adds in Novi; its id.
async fn novi_add_member(pair: &Pair, name: &str, email: &str) -> String {
    add_novi_member(
        pair,
        json!({"Name": name, "FirstName": name, "LastName": "Twin", "Email": email}),
    )
    .await
}

fn open_reviews(pair: &Pair) -> Vec<Value> {
    let output = pair.bridge(&["reviews", "--json"]);
    assert_success("bridge reviews", &output);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uncertain_match_waits_until_a_change_in_ghl_makes_it_certain_or_the_operator_decides() {
    let pair = Pair::start(6, 0).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let ada = linked_person(&pair).await;
    let ada_email = email_of(&ada.member, "Email");
    let contacts_before = ghl_contacts(&pair.ghl).await.len();

    // A second Novi member with Ada's email: not Ada's (she has a member), not a new person
    // either. It waits in review; nothing is created for it.
    let twin = novi_add_member(&pair, "Tess", &ada_email).await;
    pair.sync();
    let reviews = open_reviews(&pair);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    assert_eq!(reviews[0]["remoteId"], twin.as_str());
    assert_eq!(reviews[0]["reason"], "ambiguous");
    assert_eq!(ghl_contacts(&pair.ghl).await.len(), contacts_before);

    // Waiting, it is seen again by every sync, and stays waiting: nothing is written for it.
    let (ghl_writes, novi_writes) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    pair.sync();
    assert_eq!(open_reviews(&pair).len(), 1);
    assert_eq!(writes(&pair.ghl.stats()), ghl_writes);
    assert_eq!(writes(&pair.novi.stats()), novi_writes);

    // Ada's email changes in GHL: the member's email is no one else's now. The review is
    // matched again without the operator and the member becomes a contact of its own.
    edit_ghl_contact(
        &pair.ghl,
        &ada.ghl_id,
        json!({"email": "ada.renamed@example.com"}),
    )
    .await;
    pair.sync();
    assert!(open_reviews(&pair).is_empty(), "{:#?}", open_reviews(&pair));
    let tess = ghl_id_of_email(&pair.ghl, &ada_email).await;
    assert!(
        tess.is_some(),
        "the member was created in GHL under its email"
    );
    assert_ne!(tess.as_deref(), Some(ada.ghl_id.as_str()));

    // Another twin, ignored by the operator: closed, and it stays so while nothing changes.
    let bob = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .find(|c| {
            c["id"] != ada.ghl_id.as_str()
                && c["id"].as_str() != tess.as_deref()
                && c["email"].is_string()
        })
        .unwrap();
    let bob_email = email_of(&bob, "email");
    novi_add_member(&pair, "Tim", &bob_email).await;
    pair.sync();
    let reviews = open_reviews(&pair);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    let id = reviews[0]["id"].as_i64().unwrap().to_string();
    let refused = pair.bridge(&[
        "reviews",
        "--resolve",
        &id,
        "--link",
        bob["id"].as_str().unwrap(),
    ]);
    assert!(!refused.status.success(), "Bob is linked to his own member");
    assert_success(
        "ignore",
        &pair.bridge(&["reviews", "--resolve", &id, "--ignore"]),
    );
    let contacts = ghl_contacts(&pair.ghl).await.len();
    pair.sync();
    pair.sync();
    assert!(open_reviews(&pair).is_empty());
    assert_eq!(ghl_contacts(&pair.ghl).await.len(), contacts);
}
