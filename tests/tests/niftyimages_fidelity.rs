//! NiftyImages as its documentation describes it: DATE fields written in each field's
//! `date_input_format` (the fake refuses anything else), rows that expire after the store's
//! record TTL kept alive by the sync, and `bridge doctor` naming a missing field or date
//! format in one sentence.

use std::time::Duration;

use bridge_sandbox::{GhlConfig, GhlSandbox, NiftyImagesConfig, NiftyImagesSandbox};
use bridge_tests::ghl_world::{assert_success, connect_ghl};
use bridge_tests::novi_pair::writes;
use bridge_tests::run_bridge_env;
use serde_json::{json, Value};

const STORE: &str = "NiftyImages data store";

struct World {
    ghl: GhlSandbox,
    store: NiftyImagesSandbox,
    scratch: tempfile::TempDir,
}

impl World {
    async fn start(contacts: usize, record_ttl: Option<Duration>) -> World {
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
            record_ttl,
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

    fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = [
            ("T_GHL", self.ghl.private_token()),
            ("T_NI", self.store.api_key()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    fn connect(&self, extra: &[&str]) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        let url = self.store.base_url();
        let mut args = vec![
            "connect",
            "niftyimages",
            "--api-key-env",
            "T_NI",
            "--base-url",
            &url,
        ];
        args.extend_from_slice(extra);
        assert_success("connect niftyimages", &self.bridge(&args));
    }

    fn sync(&self) -> Value {
        let output = self.bridge(&["sync", "--json"]);
        assert_success("sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }

    /// Adds `nextAppointment → next_appointment` (a DATE field) to the stored mapping.
    fn map_next_appointment(&self) {
        let shown = self.bridge(&["mapping", "show", "--connection", STORE]);
        assert_success("mapping show", &shown);
        let mut mapping: Value = serde_json::from_slice(&shown.stdout).unwrap();
        let fields = mapping["fields"].as_array_mut().unwrap();
        let mut line = fields
            .iter()
            .find(|l| l["app"] == "first_name")
            .unwrap()
            .clone();
        line["ghl"] = json!("nextAppointment");
        line["app"] = json!("next_appointment");
        line["transforms"] = json!([]);
        fields.push(line);
        let file = self.scratch.path().join("mapping.json");
        std::fs::write(&file, mapping.to_string()).unwrap();
        let imported = self.bridge(&[
            "mapping",
            "import",
            "--connection",
            STORE,
            file.to_str().unwrap(),
        ]);
        assert_success("mapping import", &imported);
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_are_written_in_the_fields_input_format() {
    let world = std::sync::Arc::new(World::start(40, None).await);
    let w = world.clone();
    let outcome = blocking(move || {
        w.connect(&[]);
        w.map_next_appointment();
        w.sync()
    })
    .await;
    // The fake refuses a DATE value outside "yyyy-MM-dd HH:mm": nothing may be dead.
    assert_eq!(outcome["applied"]["dead"], 0, "{outcome:#}");
    let dated: Vec<String> = world
        .store
        .records()
        .iter()
        .filter_map(|r| r.get("next_appointment")?.as_str().map(str::to_string))
        .filter(|d| !d.is_empty())
        .collect();
    assert!(!dated.is_empty(), "some contact has an appointment to come");
    for date in &dated {
        assert!(
            chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M").is_ok(),
            "{date} is not in the field's format yyyy-MM-dd HH:mm"
        );
    }
}

/// The keep-alive writes are planned and journaled like every write: listed in the plan
/// with their reason, counted as done, and one the store did not take (503) is finished by
/// the next sync's recovery from the journal (an upsert, so no row is doubled).
#[tokio::test(flavor = "multi_thread")]
async fn rows_are_written_again_before_the_stores_ttl_expires_them() {
    use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
    const TTL: Duration = Duration::from_secs(10);
    let world = std::sync::Arc::new(World::start(10, Some(TTL)).await);
    let w = world.clone();
    blocking(move || {
        w.connect(&["--record-ttl-seconds", "10"]);
        w.sync();
    })
    .await;
    let written = world.store.records().len();
    assert!(written > 0);
    let before = writes(&world.store.stats());

    // Past TTL − margin (8 s) since the first write: the next sync plans every row again, and
    // the store turns the first rewrite away (503, come back in an hour: not retried now).
    tokio::time::sleep(Duration::from_millis(8_500)).await;
    world.store.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/Store/AddRecord",
        AimedKind::Unavailable,
        1,
    )));
    let w = world.clone();
    let outcome = blocking(move || w.sync()).await;
    let kept_alive: Vec<&Value> = outcome["plan"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| {
            op["reason"]
                .as_str()
                .is_some_and(|r| r.contains("record TTL"))
        })
        .collect();
    assert_eq!(kept_alive.len(), written, "every row is planned again: {outcome:#}");
    assert_eq!(outcome["applied"]["unconfirmed"], 1, "{outcome:#}");
    assert_eq!(
        outcome["applied"]["done"],
        written as u64 - 1,
        "counted as writes: {outcome:#}"
    );
    assert_eq!(
        writes(&world.store.stats()) - before,
        written as u64,
        "each row sent once (the turned-away one counted)"
    );
    // The next sync's recovery finishes the unconfirmed one from the journal.
    let w = world.clone();
    let recovered = blocking(move || w.sync()).await;
    assert_eq!(recovered["applied"]["alreadyDone"], 1, "{recovered:#}");
    assert_eq!(recovered["applied"]["unconfirmed"], 0, "{recovered:#}");
    assert_eq!(world.store.records().len(), written, "upserts: no row doubled");
    // Past the TTL of the first write: without the rewrites every row would be gone.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(world.store.records().len(), written);

    // Fresh rows are left alone.
    let after = writes(&world.store.stats());
    let w = world.clone();
    let quiet = blocking(move || w.sync()).await;
    assert_eq!(
        writes(&world.store.stats()),
        after,
        "a quiet sync writes nothing: {quiet:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_names_a_missing_field_or_date_format_in_one_sentence() {
    let world = std::sync::Arc::new(World::start(5, None).await);
    let w = world.clone();
    let healthy = blocking(move || {
        w.connect(&[]);
        w.map_next_appointment();
        w.bridge(&["doctor", "--connection", STORE, "--json"])
    })
    .await;
    assert_success("doctor on a healthy store", &healthy);
    let reports: Value = serde_json::from_slice(&healthy.stdout).unwrap();
    let checks = reports[0]["checks"].as_array().unwrap();
    for capability in ["field email", "field first_name", "field next_appointment"] {
        let check = checks
            .iter()
            .find(|c| c["capability"] == capability)
            .unwrap_or_else(|| panic!("no {capability} check: {checks:?}"));
        assert_eq!(check["ok"], true, "{check}");
    }

    let failing = |world: &std::sync::Arc<World>| {
        let w = world.clone();
        async move { blocking(move || w.bridge(&["doctor", "--connection", STORE])).await }
    };
    world.store.set_date_format("next_appointment", None);
    let output = failing(&world).await;
    world
        .store
        .set_date_format("next_appointment", Some("yyyy-MM-dd HH:mm"));
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("next_appointment") && lines[0].contains("date input format"),
        "{}",
        lines[0]
    );

    world.store.remove_field("first_name");
    let output = failing(&world).await;
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("FAIL field first_name:") && lines[0].contains("Add a field named"),
        "{}",
        lines[0]
    );
}
