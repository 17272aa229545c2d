//! `bridge doctor` on a Nifty connection: OK per scope on a healthy one and the redirect URL
//! stated; with each scope the pair uses taken off the app one at a time, the check of that
//! capability names the scope in one sentence and the doctor exits non-zero.

use std::sync::Arc;

use bridge_tests::nifty_pair::NiftyPair;
use bridge_tests::{blocking, ghl_world::assert_success};
use serde_json::Value;

/// The Nifty connection's checks, and whether the doctor succeeded.
async fn nifty_checks(pair: &Arc<NiftyPair>) -> (Vec<Value>, bool) {
    let p = pair.clone();
    let output = blocking(move || p.bridge(&["doctor", "--json"])).await;
    let reports: Value = serde_json::from_slice(&output.stdout).unwrap();
    let nifty = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["system"] == "nifty")
        .unwrap_or_else(|| panic!("no Nifty report: {reports}"));
    (
        nifty["checks"].as_array().unwrap().clone(),
        output.status.success(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn each_scope_is_proven_and_a_missing_one_is_named() {
    let pair = Arc::new(NiftyPair::start(10, 0.5).await);
    pair.connect().await;

    let (checks, ok) = nifty_checks(&pair).await;
    assert!(ok, "a healthy connection passes: {checks:#?}");
    let capabilities: Vec<&str> = checks
        .iter()
        .map(|c| c["capability"].as_str().unwrap())
        .collect();
    assert_eq!(
        capabilities,
        [
            "sign-in",
            "tasks",
            "task groups",
            "labels",
            "comments",
            "redirect URL"
        ]
    );
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:#?}");
    let redirect = checks.last().unwrap()["message"].as_str().unwrap();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.contains("/callback"),
        "{redirect}"
    );

    for (scope, capability) in [
        ("project", "sign-in"),
        ("task", "tasks"),
        ("task_group", "task groups"),
        ("label", "labels"),
        ("message", "comments"),
    ] {
        pair.nifty.revoke_scope(scope);
        let (checks, ok) = nifty_checks(&pair).await;
        assert!(!ok, "a missing {scope} scope fails the doctor");
        let failed: Vec<&Value> = checks.iter().filter(|c| c["ok"] == false).collect();
        assert_eq!(failed.len(), 1, "only {capability} fails: {checks:#?}");
        assert_eq!(failed[0]["capability"], capability);
        let sentence = failed[0]["message"].as_str().unwrap();
        assert!(
            sentence.contains(&format!("Enable the {scope} scope on your Nifty app")),
            "{sentence}"
        );
        assert_eq!(
            sentence.matches(". ").count(),
            0,
            "one sentence: {sentence}"
        );
        pair.nifty.restore_scope(scope);
    }

    // The plain-text report prints OK per capability.
    let p = pair.clone();
    let text = blocking(move || p.bridge(&["doctor"])).await;
    assert_success("bridge doctor", &text);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("OK   labels: the label scope is granted"),
        "{text}"
    );
}
