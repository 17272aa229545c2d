//! `bridge doctor`: every connection's checks, stored and printed; a failure names the
//! connection and says what to do. (Each app's capability checks are tested with their app.)

use std::sync::Arc;

use bridge_tests::novi_pair::Pair;
use bridge_tests::{blocking, ghl_world::assert_success};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn healthy_connections_print_ok_and_a_dead_app_fails_with_a_sentence() {
    let pair = Arc::new(Pair::start(5, 2).await);
    let p = pair.clone();
    let healthy = blocking(move || {
        p.connect();
        p.bridge(&["doctor", "--json"])
    })
    .await;
    assert_success("bridge doctor", &healthy);
    let reports: Value = serde_json::from_slice(&healthy.stdout).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2, "one report per connection: {reports:?}");
    for report in reports {
        let checks = report["checks"].as_array().unwrap();
        assert!(!checks.is_empty(), "{report}");
        assert!(
            checks.iter().all(|c| c["ok"] == true),
            "a healthy connection passes every check: {report}"
        );
    }

    // The Novi AMS tenant goes away: its check fails, GHL's still passes.
    let pair = Arc::try_unwrap(pair).unwrap_or_else(|_| panic!("pair still shared"));
    let secrets = pair.secrets();
    let Pair { ghl, novi, scratch } = pair;
    novi.shutdown().await;
    let scratch_path = scratch.path().to_path_buf();
    let failing = blocking(move || {
        let env: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        bridge_tests::run_bridge_env(&scratch_path, &env, &["doctor"])
    })
    .await;
    assert!(!failing.status.success(), "a failed check exits non-zero");
    let text = String::from_utf8_lossy(&failing.stdout);
    let novi_line = text
        .lines()
        .find(|l| l.contains("FAIL"))
        .unwrap_or_else(|| panic!("no FAIL line in:\n{text}"));
    assert!(
        novi_line.contains("Novi AMS"),
        "the sentence names the app: {novi_line}"
    );
    assert_eq!(
        text.lines().filter(|l| l.contains("FAIL")).count(),
        1,
        "only the dead app fails:\n{text}"
    );
    drop(ghl);
    drop(scratch);
}

#[test]
fn an_unknown_connection_is_named_in_the_error() {
    let scratch = tempfile::tempdir().unwrap();
    let out = bridge_tests::run_bridge(scratch.path(), &["doctor", "--connection", "Nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no connection is named \"Nope\""), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pair_whose_last_check_failed_is_not_synced_until_the_check_passes() {
    let pair = Arc::new(Pair::start(5, 2).await);
    let p = pair.clone();
    blocking(move || p.connect()).await;

    // The last check of the Novi AMS connection failed (as `bridge doctor` stores it).
    let db = pair.scratch.path().join("bridge.sqlite3");
    let store = bridge_store::Store::open(&db).unwrap();
    let novi = bridge_store::table::connections::list(store.conn())
        .unwrap()
        .into_iter()
        .find(|c| c.system == bridge_core::System::Novi)
        .unwrap();
    bridge_store::table::connection_checks::record(
        store.conn(),
        &novi.id,
        &[(
            "sign-in".into(),
            false,
            "check the API key in Novi AMS and reconnect".into(),
        )],
        chrono::Utc::now(),
    )
    .unwrap();
    drop(store);

    let novi_requests_before = pair.novi.stats().total;
    let p = pair.clone();
    let refused = blocking(move || p.bridge(&["sync"])).await;
    assert!(!refused.status.success(), "the pair is refused");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("the sign-in check of") && err.contains("check the API key in Novi AMS"),
        "the refusal names the check and what to do: {err}"
    );
    assert_eq!(
        pair.novi.stats().total,
        novi_requests_before,
        "a refused pair sends Novi AMS nothing"
    );

    // The check passes again: the pair syncs.
    let p = pair.clone();
    let (doctor, synced) = blocking(move || (p.bridge(&["doctor"]), p.bridge(&["sync"]))).await;
    assert_success("bridge doctor", &doctor);
    assert_success("bridge sync", &synced);
    assert!(
        pair.novi.stats().total > novi_requests_before + 1,
        "the sync read Novi AMS once the check passed"
    );
}
