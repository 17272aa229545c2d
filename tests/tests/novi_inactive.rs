//! #12: an inactive Novi AMS member (`Active=false`, a lapsed member) is still the same person.
//! A GHL contact whose only member is inactive is linked to it: after a sync there is still one
//! member with that email, and it stays inactive (the pair does not reactivate by default).

use bridge_tests::novi_pair::{email_of, novi_members, Pair};
use serde_json::{json, Value};

const EMAIL: &str = "lapsed.lee@example.com";

async fn post(url: String, auth: (&str, String), body: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(url)
        .header(auth.0, auth.1)
        .header("Version", "2021-07-28")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ghl_contact_whose_novi_member_is_inactive_keeps_one_member() {
    let pair = Pair::start(20, 10).await;
    let member = post(
        format!("{}/members", pair.novi.base_url()),
        ("Authorization", format!("Basic {}", pair.novi.api_key())),
        json!({"Name": "Lee Lapsed", "FirstName": "Lee", "LastName": "Lapsed",
               "Email": EMAIL, "Active": false}),
    )
    .await;
    post(
        format!("{}/contacts/", pair.ghl.base_url()),
        (
            "Authorization",
            format!("Bearer {}", pair.ghl.private_token()),
        ),
        json!({"locationId": pair.ghl.location_id(), "firstName": "Lee",
               "lastName": "Lapsed-Renewed", "email": EMAIL}),
    )
    .await;
    pair.connect();
    for _ in 0..2 {
        let outcome = pair.sync();
        assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    }
    let with_email: Vec<Value> = novi_members(&pair)
        .await
        .into_iter()
        .filter(|m| email_of(m, "Email") == EMAIL)
        .collect();
    assert_eq!(with_email.len(), 1, "{with_email:#?}");
    let only = &with_email[0];
    assert_eq!(
        only["UniqueID"], member["UniqueID"],
        "the lapsed member itself"
    );
    assert_eq!(only["Active"], json!(false), "not reactivated by default");
    // Linked: GHL's newer last name reached it.
    assert_eq!(only["LastName"], "Lapsed-Renewed", "{only:#}");
}
