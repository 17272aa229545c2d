//! #12: a GHL tag that is not among the options of the Ninox multiple-choice field holds back
//! only that record's tags, found when planning (v3 reads the options from the database
//! schema, v4 from the field list): the record reaches Ninox with its other fields, the
//! problem names the person (name, email, ids), the field, the value and why, and once the
//! operator adds the option in Ninox the next sync writes the tags and forgets the problem.

use std::collections::BTreeSet;

use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contacts};
use serde_json::{json, Value};

/// The option the test takes off the Tags field (one of the fake's seeded tags).
const MISSING: &str = "trial";

fn set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_lowercase)
        .collect()
}

fn problems(pair: &NinoxPair) -> Vec<Value> {
    let listed = pair.bridge(&["problems", "--json"]);
    assert_success("bridge problems", &listed);
    serde_json::from_slice(&listed.stdout).unwrap()
}

async fn a_tag_without_an_option_holds_back_only_that_records_tags(api: Api) {
    let pair = NinoxPair::start(api, 40, 0).await;
    assert!(pair.ninox.remove_tag_option(MISSING));
    // Someone only GHL holds: the sync creates them in Ninox (the write Ninox refused whole).
    let email_field = pair.field("Email");
    let in_ninox: BTreeSet<String> = pair
        .records()
        .await
        .iter()
        .filter_map(|r| r["fields"][&email_field].as_str().map(str::to_lowercase))
        .collect();
    let person = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .find(|c| {
            c["firstName"].is_string()
                && c["email"]
                    .as_str()
                    .is_some_and(|e| !in_ninox.contains(&e.trim().to_lowercase()))
        })
        .expect("a GHL contact with an email and a name, not in Ninox");
    let ghl_id = person["id"].as_str().unwrap().to_string();
    let email = person["email"].as_str().unwrap().trim().to_lowercase();
    edit_ghl_contact(&pair.ghl, &ghl_id, json!({"tags": ["lead", MISSING]})).await;
    pair.connect();

    let output = pair.bridge(&["sync", "--json", "--max-overwrite", "100"]);
    assert_success("bridge sync", &output);
    let outcome = serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone();
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    assert_eq!(outcome["applied"]["unconfirmed"], 0, "{outcome:#}");

    // The person is in Ninox with their other fields, without tags.
    let tags_field = pair.field("Tags");
    let record = pair
        .record_by_email(&email)
        .await
        .expect("the person reached Ninox");
    assert_eq!(
        record["fields"][pair.field("First name")],
        person["firstName"]
    );
    assert!(set(&record["fields"][&tags_field]).is_empty(), "{record:#}");
    // Everyone else's tags that are options reach Ninox.
    let records = pair.records().await;
    let tagged = ghl_contacts(&pair.ghl)
        .await
        .into_iter()
        .filter(|c| c["email"].is_string() && !set(&c["tags"]).is_empty())
        .filter(|c| !set(&c["tags"]).contains(MISSING))
        .collect::<Vec<_>>();
    assert!(!tagged.is_empty());
    for contact in &tagged {
        let e = contact["email"].as_str().unwrap().trim().to_lowercase();
        let theirs = records
            .iter()
            .find(|r| {
                r["fields"][&email_field]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(&e))
            })
            .unwrap_or_else(|| panic!("{e} did not reach Ninox"));
        assert_eq!(set(&theirs["fields"][&tags_field]), set(&contact["tags"]));
    }

    // Listed by the person as the operator knows them, the field, the value and why; every
    // problem is a missing option of a contact carrying it.
    let listed = problems(&pair);
    assert!(
        listed
            .iter()
            .all(|p| p["field"] == "tags"
                && p["value"].as_str() == Some(&format!("[\"{MISSING}\"]"))),
        "{listed:#?}"
    );
    let problem = listed
        .iter()
        .find(|p| p["ghlContactId"] == ghl_id.as_str())
        .unwrap_or_else(|| panic!("no problem for {email}: {listed:#?}"));
    assert!(
        problem["email"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case(&email)),
        "{problem:#}"
    );
    let name = format!(
        "{} {}",
        person["firstName"].as_str().unwrap_or_default(),
        person["lastName"].as_str().unwrap_or_default()
    );
    assert_eq!(problem["name"], name.trim());
    assert_eq!(problem["side"], "ghl");
    assert_eq!(
        problem["appRecordId"],
        record["id"].to_string().trim_matches('"')
    );
    let reason = problem["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("\"{MISSING}\"")) && reason.contains("add it in Ninox"),
        "{reason}"
    );

    // The operator adds the option in Ninox: nothing changed in GHL, yet the next sync writes
    // the tags and the problem is gone.
    assert!(pair.ninox.restore_tag_option(MISSING));
    let next = pair.sync();
    assert_eq!(next["plan"]["problems"], json!([]), "{next:#}");
    let record = pair.record_by_email(&email).await.unwrap();
    assert_eq!(
        set(&record["fields"][&tags_field]),
        set(&json!(["lead", MISSING]))
    );
    assert_eq!(problems(&pair), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_a_tag_without_an_option_holds_back_only_that_records_tags() {
    a_tag_without_an_option_holds_back_only_that_records_tags(Api::V3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v4_a_tag_without_an_option_holds_back_only_that_records_tags() {
    a_tag_without_an_option_holds_back_only_that_records_tags(Api::V4).await;
}
