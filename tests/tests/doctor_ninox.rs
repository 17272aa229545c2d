//! `bridge doctor` for a Ninox table (v3 and v4): on a healthy table every check is OK; with
//! one prerequisite removed at a time (a mapped field, a tag option) the failing check names
//! the missing piece in one sentence and the command exits non-zero.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::ninox_pair::{Api, NinoxPair};
use bridge_tests::novi_pair::ghl_contacts;
use serde_json::Value;

/// The Ninox connection's checks, by capability: (ok, message).
fn ninox_checks(pair: &NinoxPair) -> (bool, Vec<(String, bool, String)>) {
    let output = pair.bridge(&["doctor", "--json"]);
    let reports: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let report = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["system"] == "ninox")
        .unwrap_or_else(|| panic!("no Ninox report: {reports}"))
        .clone();
    let checks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["capability"].as_str().unwrap().to_string(),
                c["ok"].as_bool().unwrap(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (output.status.success(), checks)
}

fn failing(checks: &[(String, bool, String)]) -> Vec<&(String, bool, String)> {
    checks.iter().filter(|(_, ok, _)| !ok).collect()
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
    assert_eq!(
        sentence.matches(". ").count(),
        0,
        "one sentence: {sentence}"
    );

    // A mapped field goes too: the field check names it.
    let phone = pair.field("Phone");
    assert!(pair.ninox.remove_field(&phone));
    let (success, checks) = ninox_checks(&pair);
    assert!(!success);
    let fields = checks
        .iter()
        .find(|(c, _, _)| c == "contact fields")
        .unwrap();
    assert!(!fields.1, "{checks:?}");
    assert!(fields.2.contains(&format!("\"{phone}\"")), "{}", fields.2);
    assert_eq!(
        fields.2.matches(". ").count(),
        0,
        "one sentence: {}",
        fields.2
    );

    // The text form: one FAIL line per failed check, naming the piece.
    let output = pair.bridge(&["doctor"]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let fails: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(fails.len(), 2, "{text}");
    assert!(fails.iter().any(|l| l.contains(&tag)), "{text}");
    assert!(fails.iter().any(|l| l.contains(&phone)), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_doctor_names_each_missing_piece() {
    doctor_names_each_missing_piece(Api::V3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v4_doctor_names_each_missing_piece() {
    doctor_names_each_missing_piece(Api::V4).await;
}
