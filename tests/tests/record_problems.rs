//! #12: a value one side cannot carry is a problem of its record and field, never of the
//! pair. GHL ↔ Ninox (v3) with a few hundred contacts, one of them with a phone no phone
//! library can read: the sync exits 0, every other contact reaches Ninox, and `bridge
//! problems` names the person (name, email, ids), the field, the value and why. A phone that
//! parses (a China mobile) syncs in E.164.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contacts};
use serde_json::{json, Value};

fn email(value: &Value) -> String {
    value.as_str().unwrap_or_default().trim().to_lowercase()
}

/// Two GHL contacts with an email: the one given a bad phone and the one given a China mobile.
async fn two_people(pair: &NinoxPair) -> (Value, Value) {
    let mut with_email = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .filter(|c| !email(&c["email"]).is_empty());
    let bad = with_email.next().unwrap();
    let china = with_email.next().unwrap();
    // GHL takes any 8 to 15 digits after a '+'; +999 is no country's code.
    edit_ghl_contact(
        &pair.ghl,
        bad["id"].as_str().unwrap(),
        json!({"phone": "+99912345678"}),
    )
    .await;
    edit_ghl_contact(
        &pair.ghl,
        china["id"].as_str().unwrap(),
        json!({"phone": "+8613800138000"}),
    )
    .await;
    (bad, china)
}

#[tokio::test(flavor = "multi_thread")]
async fn one_unreadable_phone_is_listed_with_its_record_and_every_other_contact_syncs() {
    let pair = NinoxPair::start(Api::V3, 300, 0).await;
    let (bad, china) = two_people(&pair).await;
    pair.connect();
    let output = pair.bridge(&["sync", "--json", "--max-overwrite", "100"]);
    assert_success("bridge sync", &output);
    let outcome = serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone();
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    let problems = outcome["plan"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");

    // Every GHL contact with an email is in Ninox, the bad phone's person too (without it).
    let records = pair.records().await;
    let ninox: Vec<String> = records
        .iter()
        .map(|r| email(&r["fields"]["Email"]))
        .collect();
    let ghl = ghl_contacts(&pair.ghl).await;
    let mut with_email = 0;
    for contact in &ghl {
        let e = email(&contact["email"]);
        if !e.is_empty() {
            with_email += 1;
            assert!(ninox.contains(&e), "{e} did not reach Ninox");
        }
    }
    assert!(with_email > 200, "only {with_email} contacts with an email");
    let bad_record = pair.record_by_email(&email(&bad["email"])).await.unwrap();
    assert!(
        bad_record["fields"]["Phone"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{bad_record:#}"
    );
    let china_record = pair.record_by_email(&email(&china["email"])).await.unwrap();
    assert_eq!(china_record["fields"]["Phone"], "+8613800138000");

    // The operator finds the person by name and email, with the field, value and reason.
    let listed = pair.bridge(&["problems", "--json"]);
    assert_success("bridge problems", &listed);
    let listed: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed.len(), 1, "{listed:#?}");
    let problem = &listed[0];
    assert_eq!(email(&problem["email"]), email(&bad["email"]));
    let name = format!(
        "{} {}",
        bad["firstName"].as_str().unwrap_or_default(),
        bad["lastName"].as_str().unwrap_or_default()
    );
    assert_eq!(problem["name"], name.trim());
    assert_eq!(problem["ghlContactId"], bad["id"]);
    assert_eq!(
        problem["appRecordId"],
        bad_record["id"].to_string().trim_matches('"')
    );
    assert_eq!(problem["field"], "phone");
    assert_eq!(problem["side"], "ghl");
    assert_eq!(problem["value"], "\"+99912345678\"");
    assert!(
        problem["reason"].as_str().unwrap().contains("+99912345678"),
        "{problem:#}"
    );
    let text = pair.bridge(&["problems"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&email(&bad["email"])) && text.contains("phone"),
        "{text}"
    );

    // Fixed in GHL: the phone reaches Ninox and the problem is gone.
    edit_ghl_contact(
        &pair.ghl,
        bad["id"].as_str().unwrap(),
        json!({"phone": "+14155550132"}),
    )
    .await;
    let next = pair.sync();
    assert_eq!(next["plan"]["problems"], json!([]), "{next:#}");
    let bad_record = pair.record_by_email(&email(&bad["email"])).await.unwrap();
    assert_eq!(bad_record["fields"]["Phone"], "+14155550132");
    let listed = pair.bridge(&["problems", "--json"]);
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&listed.stdout).unwrap(),
        Vec::<Value>::new()
    );
}
