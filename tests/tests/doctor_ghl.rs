//! `bridge doctor` on a GHL connection: OK per capability on a healthy token, and with each
//! scope the sync needs withdrawn in turn (the fake answers as GHL does, 401 "The token is not
//! authorized for this scope."), the one failing capability names the scope in one sentence
//! and the command exits non-zero.

use bridge_tests::blocking;
use std::time::Duration;

use bridge_tests::ghl_world::{assert_success, GhlWorld};
use serde_json::Value;

const CAPABILITIES: &[(&str, &str)] = &[
    ("contacts", "contacts.readonly"),
    ("contact writes", "contacts.write"),
    ("custom fields", "locations/customFields.readonly"),
    ("tasks", "locations/tasks.readonly"),
    ("calendars", "calendars.readonly"),
    ("appointments", "calendars/events.readonly"),
];

fn checks(output: &std::process::Output) -> Vec<Value> {
    let reports: Value = serde_json::from_slice(&output.stdout).unwrap();
    reports[0]["checks"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_missing_scope_is_named_in_one_sentence() {
    let world = std::sync::Arc::new(GhlWorld::start(5, Duration::from_millis(100)).await);
    let w = world.clone();
    let healthy = blocking(move || {
        assert_success("connect", &w.connect());
        w.bridge(&["doctor", "--json"])
    })
    .await;
    assert_success("bridge doctor on a healthy connection", &healthy);
    let found = checks(&healthy);
    for (capability, _) in CAPABILITIES {
        let check = found
            .iter()
            .find(|c| c["capability"] == *capability)
            .unwrap_or_else(|| panic!("no {capability} check in {found:?}"));
        assert_eq!(check["ok"], true, "{check}");
    }

    for (capability, scope) in CAPABILITIES {
        world.sandbox.withdraw_scope(scope);
        let w = world.clone();
        let output = blocking(move || w.bridge(&["doctor"])).await;
        world.sandbox.restore_scope(scope);
        assert!(
            !output.status.success(),
            "a missing {scope} fails the doctor"
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let failed: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
        assert_eq!(
            failed.len(),
            1,
            "only {capability} fails without {scope}:\n{text}"
        );
        let line = failed[0];
        assert!(
            line.contains(&format!("FAIL {capability}:")) && line.contains(scope),
            "the sentence names the capability and the scope: {line}"
        );
        assert_eq!(line.matches(". ").count() + 1, 1, "one sentence: {line}");
    }
}
