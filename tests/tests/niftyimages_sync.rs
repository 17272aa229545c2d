//! The GHL → NiftyImages push through the `bridge` binary: mapped contact fields written as
//! rows of a Custom Data Store (upserted on its unique field), one way — the API cannot read
//! rows back — with no write when nothing changed.

use std::collections::BTreeMap;
use std::time::Duration;

use bridge_sandbox::{FaultConfig, GhlConfig, GhlSandbox, NiftyImagesConfig, NiftyImagesSandbox};
use bridge_tests::ghl_world::{assert_success, connect_ghl};
use bridge_tests::novi_pair::{edit_ghl_contact, ghl_contacts, writes};
use bridge_tests::run_bridge_env;
use serde_json::{json, Value};

struct World {
    ghl: GhlSandbox,
    store: NiftyImagesSandbox,
    scratch: tempfile::TempDir,
}

impl World {
    async fn start(contacts: usize) -> World {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let store = NiftyImagesSandbox::start(NiftyImagesConfig {
            ghl_contacts: contacts,
            ghl_overlap: 0.0,
            ..NiftyImagesConfig::default()
        })
        .await
        .unwrap();
        World {
            ghl,
            store,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn env(&self) -> [(&'static str, String); 2] {
        [
            ("T_GHL", self.ghl.private_token()),
            ("T_NI", self.store.api_key()),
        ]
    }

    fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    fn connect(&self) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        assert_success(
            "connect niftyimages",
            &self.bridge(&[
                "connect",
                "niftyimages",
                "--api-key-env",
                "T_NI",
                "--base-url",
                &self.store.base_url(),
            ]),
        );
    }

    fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }

    /// Every row, by its unique email, as the store holds it.
    fn rows(&self) -> BTreeMap<String, Value> {
        self.store
            .records()
            .into_iter()
            .map(|r| {
                let key = r["email"].as_str().unwrap_or_default().to_string();
                (key, Value::Object(r))
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mapped_fields_are_pushed_once_and_changes_follow() {
    let world = World::start(15).await;
    world.connect();
    let (ghl, store) = (&world.ghl, &world.store);
    let sync = || world.sync();
    let first = sync();
    assert_eq!(first["applied"]["dead"], 0, "{first:#}");

    let contacts = ghl_contacts(ghl).await;
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
    edit_ghl_contact(ghl, id, json!({"firstName": "Ifeoma"})).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn under_faults_the_push_finishes_and_retry_clears_what_is_left() {
    let world = World::start(30).await;
    world.connect();
    world.store.set_faults(FaultConfig {
        error_rate: 0.15,
        rate_limited_rate: 0.1,
        ..FaultConfig::none()
    });
    world.sync();
    assert!(world.store.stats().faults_injected > 0);
    let output = world.bridge(&["dead-letters", "--json"]);
    let dead: Value = serde_json::from_slice(&output.stdout).unwrap();
    for letter in dead.as_array().unwrap() {
        let message = letter["lastError"].as_str().unwrap();
        assert!(
            message.starts_with("NiftyImages "),
            "names the system: {message}"
        );
        assert!(
            message.contains("of contact"),
            "names the record: {message}"
        );
    }
    world.store.set_faults(FaultConfig::none());
    assert_success("retry", &world.bridge(&["dead-letters", "--retry"]));
    let output = world.bridge(&["dead-letters", "--json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&output.stdout).unwrap(),
        json!([])
    );
    let emails: Vec<String> = ghl_contacts(&world.ghl)
        .await
        .iter()
        .filter_map(|c| c["email"].as_str().map(str::to_lowercase))
        .collect();
    let rows = world.rows();
    for email in &emails {
        assert!(rows.contains_key(email), "{email} has no row");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_killed_mid_run_ends_where_an_uninterrupted_one_does() {
    let reference = World::start(80).await;
    reference.connect();
    reference.sync();
    let expected = reference.rows();

    let crashed = World::start(80).await;
    crashed.connect();
    let mut moment = 0x9e37_79b9_7f4a_7c15_u64;
    let mut finished_early = 0;
    for _ in 0..10 {
        moment ^= moment << 13;
        moment ^= moment >> 7;
        moment ^= moment << 17;
        let env = crashed.env();
        let mut child = std::process::Command::new(bridge_tests::bridge_bin())
            .arg("--db")
            .arg(crashed.scratch.path().join("bridge.sqlite3"))
            .arg("--log-dir")
            .arg(crashed.scratch.path().join("logs"))
            .args(["sync", "--json"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("BRIDGE_SECRET_STORE", "file")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50 + moment % 1_000)).await;
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(finished_early < 10, "the test killed nothing");
    for _ in 0..3 {
        if crashed.sync()["plan"]["operations"]
            .as_array()
            .is_some_and(Vec::is_empty)
        {
            break;
        }
    }
    // Rows are keyed by email: a create sent again after a kill updates the same row.
    assert!(
        crashed.rows() == expected,
        "the store differs from the uninterrupted run"
    );
    assert_eq!(
        crashed.store.records().len(),
        expected.len(),
        "a row was doubled"
    );
}
