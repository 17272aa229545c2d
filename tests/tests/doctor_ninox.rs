//! `bridge doctor` for a Ninox table (v3 and v4): on a healthy table every check is OK; with
//! one prerequisite removed at a time (a tag option, then a mapped field) the failing check
//! names the missing piece in one sentence and the command exits non-zero; while the tag
//! option is missing, a sync leaves tags out (naming the check) and writes the rest.

use bridge_tests::doctor::{assert_one_sentence, checks_of, failing, CheckLine};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contacts};
use serde_json::json;

/// The Ninox connection's checks, and whether the doctor succeeded.
fn ninox_checks(pair: &NinoxPair) -> (bool, Vec<CheckLine>) {
    checks_of(&pair.bridge(&["doctor", "--json"]), "ninox")
}

async fn doctor_names_each_missing_piece(api: Api) {
    let pair = NinoxPair::start(api, 12, 2).await;
    pair.connect();
    // A sync first: the tags GHL's contacts carry are then known.
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let (success, checks) = ninox_checks(&pair);
    assert!(success, "{checks:?}");
    let capabilities: Vec<&str> = checks.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(capabilities, ["sign-in", "contact fields", "tag options"]);
    assert!(failing(&checks).is_empty(), "{checks:?}");
    // The text form prints OK per capability.
    let healthy = pair.bridge(&["doctor"]);
    assert_success("doctor on a healthy table", &healthy);
    let text = String::from_utf8_lossy(&healthy.stdout);
    for capability in &capabilities {
        assert!(text.contains(&format!("OK   {capability}: ")), "{text}");
    }

    // An option for a tag GHL's contacts carry goes: the tag check names it.
    let tag = ghl_contacts(&pair.ghl)
        .await
        .iter()
        .flat_map(|c| c["tags"].as_array().cloned().unwrap_or_default())
        .find_map(|t| t.as_str().map(str::to_string))
        .expect("a GHL contact with a tag");
    assert!(pair.ninox.remove_tag_option(&tag), "{tag}");
    let (success, checks) = ninox_checks(&pair);
    assert!(!success, "a failed check exits non-zero");
    let failed = failing(&checks);
    assert_eq!(failed.len(), 1, "{checks:?}");
    let (capability, _, sentence) = failed[0];
    assert_eq!(capability, "tag options");
    assert!(
        sentence.contains(&format!("\"{tag}\""))
            && sentence.contains(&format!("\"{}\"", pair.field("Tags"))),
        "{sentence}"
    );
    assert_one_sentence(sentence);

    // #11: the sync refuses tags for the pair, naming the check, and writes the rest of each
    // contact: a renamed GHL contact carrying the tag reaches Ninox, nothing is a dead letter.
    let (ghl_id, email) = ghl_contacts(&pair.ghl)
        .await
        .iter()
        .find(|c| {
            c["email"].is_string()
                && c["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x == tag.as_str()))
        })
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["email"].as_str().unwrap().to_string(),
            )
        })
        .expect("a contact with an email carries the tag");
    edit_ghl_contact(&pair.ghl, &ghl_id, json!({"firstName": "Renamed"})).await;
    let p = &pair;
    let outcome = tokio::task::block_in_place(|| p.sync());
    let refused = outcome["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{outcome:#}");
    assert!(
        refused[0].as_str().unwrap().starts_with("tag options of "),
        "{outcome:#}"
    );
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    let record = pair
        .record_by_email(&email)
        .await
        .expect("the contact's record");
    assert_eq!(
        record["fields"][pair.field("First name")],
        "Renamed",
        "{record}"
    );
    assert!(pair.ninox.restore_tag_option(&tag));
    let (success, checks) = ninox_checks(&pair);
    assert!(success, "the option is back: {checks:?}");

    // A mapped field goes (the only prerequisite missing now): the field check names it.
    let phone = pair.field("Phone");
    assert!(pair.ninox.remove_field(&phone));
    let (success, checks) = ninox_checks(&pair);
    assert!(!success);
    let failed = failing(&checks);
    assert_eq!(failed.len(), 1, "{checks:?}");
    let (capability, _, sentence) = failed[0];
    assert_eq!(capability, "contact fields");
    assert!(sentence.contains(&format!("\"{phone}\"")), "{sentence}");
    assert_one_sentence(sentence);

    // The text form: one FAIL line per failed check, naming the piece.
    let output = pair.bridge(&["doctor"]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let fails: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(fails.len(), 1, "{text}");
    assert!(fails[0].contains(&phone), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_doctor_names_each_missing_piece() {
    doctor_names_each_missing_piece(Api::V3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v4_doctor_names_each_missing_piece() {
    doctor_names_each_missing_piece(Api::V4).await;
}
