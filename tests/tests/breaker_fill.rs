//! The circuit breaker on a location's second sync (#12 item 7): a Novi AMS tenant and a
//! Ninox table, each with many people only it holds, share one GHL location. The first sync
//! brings each app's people into GHL; on the second, each pair fills its app with the people
//! the other pair brought (more than the pair held before). That fill overwrites nothing and
//! must not trip the breaker, which now counts creates: the desktop e2e's sandbox stopped here
//! ("92 contact writes in the app would exceed the 20% limit") when every create counted, and
//! again ("creates of contacts the pair knew before") when a preview's pending contacts were
//! counted from the preview instead of from when GHL gave them an id.
//! Everything is read through the fakes' documented endpoints and the `bridge` binary.

use std::collections::BTreeSet;
use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NinoxConfig, NinoxSandbox, NoviConfig, NoviSandbox};
use bridge_tests::ghl_world::{assert_success, connect_ghl};
use bridge_tests::run_bridge_env;
use serde_json::Value;

/// GHL's own contacts; each app holds more people of its own than that.
const GHL_CONTACTS: usize = 10;
const NOVI_ONLY: usize = 30;
const NINOX_ONLY: usize = 30;

struct World {
    ghl: GhlSandbox,
    novi: NoviSandbox,
    ninox: NinoxSandbox,
    scratch: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: GHL_CONTACTS,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let novi = NoviSandbox::start(NoviConfig {
            members: NOVI_ONLY,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: GHL_CONTACTS,
            rate_per_second: 500,
            rate_per_minute: 30_000,
            ..NoviConfig::default()
        })
        .await
        .unwrap();
        let ninox = NinoxSandbox::start(NinoxConfig {
            records: NINOX_ONLY,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: GHL_CONTACTS,
            max_concurrent: 50,
            ..NinoxConfig::default()
        })
        .await
        .unwrap();
        World {
            ghl,
            novi,
            ninox,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = [
            ("T_GHL", self.ghl.private_token()),
            ("T_NOVI", self.novi.api_key()),
            ("T_NINOX", self.ninox.workspace_api_key()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    fn connect(&self) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        let novi = self.novi.base_url();
        assert_success(
            "connect novi",
            &self.bridge(&[
                "connect",
                "novi",
                "--base-url",
                &novi,
                "--api-key-env",
                "T_NOVI",
                "--rate-per-second",
                "500",
            ]),
        );
        let ninox = self.ninox.base_url_v4();
        assert_success(
            "connect ninox",
            &self.bridge(&[
                "connect",
                "ninox",
                "--api-key-env",
                "T_NINOX",
                "--base-url",
                &ninox,
                "--workspace",
                &self.ninox.workspace_id(),
                "--module",
                &self.ninox.module_name(),
                "--table",
                &self.ninox.table_name(),
            ]),
        );
    }

    /// `bridge sync --json` over every pair: one outcome per pair that ran to its end.
    fn sync_all(&self) -> Vec<Value> {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("bridge sync", &output);
        serde_json::from_slice::<Value>(&output.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    async fn ghl_emails(&self) -> BTreeSet<String> {
        bridge_tests::novi_pair::ghl_contacts(&self.ghl)
            .await
            .iter()
            .map(|c| bridge_tests::novi_pair::email_of(c, "email"))
            .filter(|e| !e.is_empty())
            .collect()
    }
}

fn created_in_app(outcome: &Value) -> u64 {
    outcome["plan"]["operations"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .filter(|op| op["target"] == "app" && op["action"] == "create")
                .count() as u64
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_filling_each_app_with_the_other_pairs_people_does_not_trip_the_breaker() {
    let world = World::start().await;
    let before = world.ghl_emails().await.len();
    let world = std::sync::Arc::new(world);
    let w = world.clone();
    let (first, second, third) = tokio::task::spawn_blocking(move || {
        w.connect();
        // A preview first, as the window shows one before Apply: it stores the contacts each
        // app brings as pending GHL contacts, long before they are created there. Counted from
        // then, the other pair took them for people it knew (re-creates) and tripped.
        let preview = w.bridge(&["sync", "--dry-run", "--json"]);
        assert_success("bridge sync --dry-run", &preview);
        (w.sync_all(), w.sync_all(), w.sync_all())
    })
    .await
    .unwrap();
    // A pair the breaker stops fails the command (`sync_all` asserts its success, and the
    // failure's message is in the assertion's output); every pair ran each time.
    for outcomes in [&first, &second, &third] {
        assert_eq!(outcomes.len(), 2, "{outcomes:#?}");
    }
    // The first sync brought both apps' own people into GHL (more than either app alone
    // holds: some seeded records are companies or have no email)...
    let after = world.ghl_emails().await.len();
    assert!(
        after > before + NOVI_ONLY.max(NINOX_ONLY),
        "GHL holds {after} contacts, {before} before"
    );
    // ...and one pair met the other's only on the second: a fill of more people than it held
    // (the case the breaker once tripped on), written whole.
    let filled: u64 = second.iter().map(created_in_app).sum();
    // (At least the breaker's 20 records, and more than 20% of a pair of at most 70.)
    assert!(
        filled >= 20,
        "the second sync created {filled} app records: {second:#?}"
    );
    // Nothing is left to create on the third.
    let left: u64 = third.iter().map(created_in_app).sum();
    assert_eq!(left, 0, "{third:#?}");
}
