//! The GHL → NiftyImages push through the `bridge` binary: mapped contact fields written as
//! rows of a Custom Data Store (upserted on its unique field), one way — the API cannot read
//! rows back — with no write when nothing changed.

use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NiftyImagesConfig, NiftyImagesSandbox};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contacts, writes};
use bridge_tests::run_bridge_env;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn mapped_fields_are_pushed_once_and_changes_follow() {
    let ghl = GhlSandbox::start(GhlConfig {
        seed_contacts: 15,
        rate_window: Duration::from_millis(100),
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    let store = NiftyImagesSandbox::start(NiftyImagesConfig {
        ghl_contacts: 15,
        ghl_overlap: 0.0,
        ..NiftyImagesConfig::default()
    })
    .await
    .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let env = [("T_GHL", ghl.private_token()), ("T_NI", store.api_key())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bridge = |args: &[&str]| run_bridge_env(scratch.path(), &env, args);
    let (location, url) = (ghl.location_id(), ghl.base_url());
    assert_success(
        "connect ghl",
        &bridge(&[
            "connect",
            "ghl",
            "--location-id",
            &location,
            "--token-env",
            "T_GHL",
            "--base-url",
            &url,
        ]),
    );
    assert_success(
        "connect niftyimages",
        &bridge(&[
            "connect",
            "niftyimages",
            "--api-key-env",
            "T_NI",
            "--base-url",
            &store.base_url(),
        ]),
    );
    let sync = || {
        let output = bridge(&["sync", "--json"]);
        assert_success("sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    };
    let first = sync();
    assert_eq!(first["applied"]["dead"], 0, "{first:#}");

    let contacts = ghl_contacts(&ghl).await;
    let with_email: Vec<&Value> = contacts.iter().filter(|c| c["email"].is_string()).collect();
    assert!(!with_email.is_empty());
    for contact in &with_email {
        let email = contact["email"].as_str().unwrap().to_lowercase();
        let row = store
            .record(&email)
            .unwrap_or_else(|| panic!("no row for {email}"));
        assert_eq!(row["first_name"], contact["firstName"], "{email}");
    }

    // Nothing changed: no write.
    let before = writes(&store.stats());
    sync();
    assert_eq!(writes(&store.stats()), before);

    // A GHL edit is pushed once, however many syncs follow; nothing is ever read back.
    let contact = with_email[0];
    let id = contact["id"].as_str().unwrap();
    edit_ghl_contact(&ghl, id, json!({"firstName": "Ifeoma"})).await;
    for _ in 0..5 {
        sync();
    }
    assert_eq!(writes(&store.stats()), before + 1);
    let email = contact["email"].as_str().unwrap().to_lowercase();
    assert_eq!(store.record(&email).unwrap()["first_name"], "Ifeoma");
    let reads: u64 = store
        .stats()
        .by_route
        .iter()
        .filter(|((m, p), _)| m == "GET" && !p.ends_with("/Store"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(reads, 0, "NiftyImages has no record reads");
}
