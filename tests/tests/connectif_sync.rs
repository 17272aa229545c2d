//! The GHL ↔ Connectif pair through the `bridge` binary: contacts both ways keyed by email
//! (read through the asynchronous export, which needs several polls), tags into the checkbox
//! field, GHL's tasks, notes and appointments as custom events, once each.

use std::collections::BTreeMap;
use std::time::Duration;

use bridge_sandbox::{ConnectifConfig, ConnectifSandbox, FaultConfig, GhlConfig, GhlSandbox};
use bridge_tests::ghl_world::{assert_success, connect_ghl};
use bridge_tests::novi_pair::{
    edit_ghl_contact, ghl_contact, ghl_contacts, ghl_id_of_email, writes,
};
use bridge_tests::run_bridge_env;
use serde_json::{json, Value};

struct World {
    ghl: GhlSandbox,
    connectif: ConnectifSandbox,
    scratch: tempfile::TempDir,
}

impl World {
    async fn start(contacts: usize, own: usize) -> World {
        let ghl = GhlSandbox::start(GhlConfig {
            seed_contacts: contacts,
            rate_window: Duration::from_millis(100),
            ..GhlConfig::default()
        })
        .await
        .unwrap();
        let connectif = ConnectifSandbox::start(ConnectifConfig {
            contacts: own,
            ghl_seed: GhlConfig::default().seed,
            ghl_contacts: contacts,
            export_polls: 3,
            rate_limit: 100_000,
            ..ConnectifConfig::default()
        })
        .await
        .unwrap();
        World {
            ghl,
            connectif,
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn bridge(&self, args: &[&str]) -> std::process::Output {
        let env = [
            ("T_GHL", self.ghl.private_token()),
            ("T_CONNECTIF", self.connectif.api_key()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_bridge_env(self.scratch.path(), &env, args)
    }

    fn connect(&self) {
        connect_ghl(&self.ghl, |args| self.bridge(args));
        assert_success(
            "connect connectif",
            &self.bridge(&[
                "connect",
                "connectif",
                "--api-key-env",
                "T_CONNECTIF",
                "--base-url",
                &self.connectif.base_url(),
                "--tags-field",
                "ghl-tags",
                "--export-poll-ms",
                "20",
            ]),
        );
    }

    fn sync(&self, args: &[&str]) -> Value {
        let mut all = vec!["sync", "--json"];
        all.extend_from_slice(args);
        let output = self.bridge(&all);
        assert_success("bridge sync", &output);
        serde_json::from_slice::<Value>(&output.stdout).unwrap()[0].clone()
    }
}

fn lower(value: &Value) -> String {
    value.as_str().unwrap_or_default().trim().to_lowercase()
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_sync_both_ways_and_activities_become_events_once() {
    let world = World::start(20, 5).await;
    world.connect();
    let first = world.sync(&["--max-overwrite", "100"]);
    assert_eq!(first["applied"]["dead"], 0, "{first:#}");
    assert_eq!(first["pushesApplied"]["dead"], 0, "{first:#}");

    // Everyone with an email is on both sides, once.
    let ghl: Vec<String> = ghl_contacts(&world.ghl)
        .await
        .iter()
        .map(|c| lower(&c["email"]))
        .filter(|e| !e.is_empty())
        .collect();
    let connectif = world.connectif.contact_emails();
    for email in &ghl {
        assert!(connectif.contains(email), "{email} missing in Connectif");
    }
    // A record whose phone belongs to another person waits in the review queue, unlinked.
    let output = world.bridge(&["reviews", "--json"]);
    assert_success("reviews", &output);
    let in_review: Vec<String> = serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| lower(&r["remoteId"]))
        .collect();
    for email in &connectif {
        assert!(
            ghl.contains(email) || in_review.contains(email),
            "{email} missing in GHL"
        );
    }
    // The export was polled until ready, more than once.
    let polls = world.connectif.stats().count("GET", "/exports/{id}");
    assert!(polls >= 3, "the export was read after {polls} polls");

    // GHL's activities arrived as events, one per record.
    let events = world.connectif.custom_events();
    assert!(!events.is_empty());
    let pushed = first["pushesApplied"]["done"].as_u64().unwrap();
    assert_eq!(events.len() as u64, pushed);
    assert!(events.iter().all(|e| !e.create_contact));

    // Nothing changed: nothing written anywhere, no event sent again.
    let ghl_writes = writes(&world.ghl.stats());
    let second = world.sync(&[]);
    assert_eq!(second["plan"]["operations"], json!([]), "{second:#}");
    assert_eq!(writes(&world.ghl.stats()), ghl_writes);
    // The export is a POST that writes nothing: count the PATCHes and events only.
    let changes = |w: &World| {
        let stats = w.connectif.stats();
        stats
            .by_route
            .iter()
            .filter(|((m, p), _)| m == "PATCH" || p.starts_with("/custom-events"))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let before = changes(&world);
    world.sync(&[]);
    assert_eq!(changes(&world), before);
    assert_eq!(world.connectif.custom_events().len(), events.len());

    // A Connectif edit reaches GHL once; ten syncs write nothing more anywhere.
    let email = ghl[0].clone();
    let answer = reqwest::Client::new()
        .patch(format!("{}/contacts/{email}", world.connectif.base_url()))
        .header(
            "Authorization",
            format!("apiKey {}", world.connectif.api_key()),
        )
        .json(&json!({"_name": "Nkechi"}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let (ghl_writes, connectif_changes) = (writes(&world.ghl.stats()), changes(&world));
    for _ in 0..10 {
        world.sync(&[]);
    }
    assert_eq!(
        writes(&world.ghl.stats()),
        ghl_writes + 1,
        "one write to GHL"
    );
    assert_eq!(changes(&world), connectif_changes, "none back to Connectif");
    let id = ghl_id_of_email(&world.ghl, &email).await.unwrap();
    assert_eq!(ghl_contact(&world.ghl, &id).await["firstName"], "Nkechi");

    // GHL tags land in the checkbox field; a new GHL task becomes one event.
    edit_ghl_contact(&world.ghl, &id, json!({"tags": ["newsletter", "vip"]})).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/contacts/{id}/tasks", world.ghl.base_url()))
        .bearer_auth(world.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"title": "Send the webinar replay", "dueDate": "2026-12-03T10:00:00Z", "completed": false}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    world.sync(&[]);
    world.sync(&[]);
    let contact = world.connectif.contact(&email).unwrap();
    let mut interests: Vec<String> = contact["ghl-tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    interests.sort();
    // The checkbox holds its options' ids, not the tag names.
    let option = |tag: &str| world.connectif.tag_option_id(tag).unwrap();
    assert_eq!(interests, [option("newsletter"), option("vip")]);
    assert_ne!(option("vip"), "vip");
    let replays: Vec<_> = world
        .connectif
        .custom_events()
        .into_iter()
        .filter(|e| e.alias == "ghl-task" && e.fields["title"] == "Send the webinar replay")
        .collect();
    assert_eq!(replays.len(), 1, "the new task was sent once");
    assert_eq!(replays[0].fields["email"], email.as_str());

    // A tag the checkbox has no option for is found when planning (#12): a problem of that
    // contact's tags naming the tag, no dead letter; the rest of the contact is written and
    // the checkbox keeps what it held until the option exists.
    assert!(dead_letters(&world).is_empty());
    edit_ghl_contact(
        &world.ghl,
        &id,
        json!({"tags": ["vip", "no-such-option"], "lastName": "Okafor"}),
    )
    .await;
    for sync in 1..=3 {
        let outcome = world.sync(&[]);
        let problems = outcome["plan"]["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "sync {sync}: {problems:#?}");
        assert_eq!(problems[0]["field"], "tags");
        assert_eq!(problems[0]["value"], json!(["no-such-option"]));
        assert!(
            problems[0]["reason"]
                .as_str()
                .unwrap()
                .contains("add it in Connectif"),
            "{:#}",
            problems[0]
        );
        assert!(dead_letters(&world).is_empty(), "sync {sync}");
        let contact = world.connectif.contact(&email).unwrap();
        assert_eq!(contact["_surname"], "Okafor");
        let mut held: Vec<&str> = contact["ghl-tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        held.sort();
        assert_eq!(held, interests, "sync {sync}");
    }
}

fn dead_letters(world: &World) -> Vec<String> {
    let output = world.bridge(&["dead-letters", "--json"]);
    assert_success("dead-letters", &output);
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["lastError"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Email → (name, surname, how many contacts carry it), per side.
type People = BTreeMap<String, (String, String, usize)>;

async fn people(world: &World) -> (People, People) {
    let mut ghl = People::new();
    for c in ghl_contacts(&world.ghl).await {
        let email = lower(&c["email"]);
        if email.is_empty() {
            continue;
        }
        let entry = ghl.entry(email).or_insert_with(|| {
            (
                c["firstName"].as_str().unwrap_or_default().to_string(),
                c["lastName"].as_str().unwrap_or_default().to_string(),
                0,
            )
        });
        entry.2 += 1;
    }
    let mut connectif = People::new();
    for email in world.connectif.contact_emails() {
        let c = world.connectif.contact(&email).unwrap();
        let text = |f: &str| {
            c.get(f)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let entry = connectif
            .entry(email.clone())
            .or_insert_with(|| (text("_name"), text("_surname"), 0));
        entry.2 += 1;
    }
    (ghl, connectif)
}

#[tokio::test(flavor = "multi_thread")]
async fn under_faults_the_sync_finishes_and_retry_clears_what_is_left() {
    let world = World::start(30, 6).await;
    world.connect();
    world.connectif.set_faults(FaultConfig {
        error_rate: 0.1,
        rate_limited_rate: 0.1,
        ..FaultConfig::none()
    });
    world.sync(&["--max-overwrite", "100"]);
    assert!(world.connectif.stats().faults_injected > 0);
    for message in dead_letters(&world) {
        assert!(
            message.starts_with("Connectif ") || message.starts_with("GHL "),
            "names the system: {message}"
        );
        assert!(message.contains(" of "), "names the record: {message}");
        assert!(
            message.contains("answered"),
            "keeps the remote's answer: {message}"
        );
    }
    world.connectif.set_faults(FaultConfig::none());
    assert_success("retry", &world.bridge(&["dead-letters", "--retry"]));
    assert_eq!(dead_letters(&world), Vec::<String>::new());
    let last = world.sync(&[]);
    assert_eq!(last["plan"]["operations"], json!([]), "{last:#}");
    let (ghl, connectif) = people(&world).await;
    assert!(
        ghl.values()
            .chain(connectif.values())
            .all(|(_, _, n)| *n == 1),
        "nothing doubled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_mid_run_ends_where_an_uninterrupted_one_does() {
    let reference = World::start(60, 10).await;
    reference.connect();
    reference.sync(&["--max-overwrite", "100"]);
    let expected = people(&reference).await;
    let expected_events: BTreeMap<(String, String, String), usize> = tally_events(&reference);

    let crashed = World::start(60, 10).await;
    crashed.connect();
    let mut moments = 0x2545_f491_4f6c_dd1d_u64;
    let mut finished_early = 0;
    for _ in 0..10 {
        moments ^= moments << 13;
        moments ^= moments >> 7;
        moments ^= moments << 17;
        let env = [
            ("T_GHL", crashed.ghl.private_token()),
            ("T_CONNECTIF", crashed.connectif.api_key()),
        ];
        let mut child = std::process::Command::new(bridge_tests::bridge_bin())
            .arg("--db")
            .arg(crashed.scratch.path().join("bridge.sqlite3"))
            .arg("--log-dir")
            .arg(crashed.scratch.path().join("logs"))
            .args(["sync", "--json", "--max-overwrite", "100"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("BRIDGE_SECRET_STORE", "file")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50 + moments % 1_500)).await;
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(finished_early < 10, "the test killed nothing");
    for _ in 0..3 {
        let outcome = crashed.sync(&["--max-overwrite", "100"]);
        if outcome["plan"]["operations"]
            .as_array()
            .is_some_and(Vec::is_empty)
        {
            break;
        }
    }
    let got = people(&crashed).await;
    assert!(
        got.0
            .values()
            .chain(got.1.values())
            .all(|(_, _, n)| *n == 1),
        "a contact was doubled"
    );
    assert!(
        got.0 == expected.0,
        "GHL differs from the uninterrupted run"
    );
    assert!(
        got.1 == expected.1,
        "Connectif differs from the uninterrupted run"
    );
    // Events cannot be read back from Connectif: one whose answer a kill cut off is sent
    // again (at least once), so none is lost.
    let got_events = tally_events(&crashed);
    for key in expected_events.keys() {
        assert!(got_events.contains_key(key), "event lost: {key:?}");
    }
}

fn tally_events(world: &World) -> BTreeMap<(String, String, String), usize> {
    let mut tally = BTreeMap::new();
    for event in world.connectif.custom_events() {
        let text = |f: &str| {
            event
                .fields
                .get(f)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        *tally
            .entry((text("email"), event.alias.clone(), text("title")))
            .or_default() += 1;
    }
    tally
}

/// #11: GHL's do-not-disturb as a mapping choice: `dndSettings.Email` → Connectif's
/// `_newsletterSubscriptionStatus` and `dndSettings.SMS` → `_smsSubscriptionStatus` through the
/// `dnd_subscription` transform, in the documented values (active/permanent → unsubscribed,
/// inactive → subscribed; the fake refuses any other status). A phone cleared in GHL is not sent
/// as "" (Connectif documents no way to empty a phone): the write names the field, and the
/// contact's other fields are written.
#[tokio::test(flavor = "multi_thread")]
async fn do_not_disturb_reaches_the_subscription_statuses_and_a_cleared_phone_is_named() {
    let world = World::start(8, 0).await;
    connect_ghl(&world.ghl, |args| world.bridge(args));
    assert_success(
        "connect connectif",
        &world.bridge(&[
            "connect",
            "connectif",
            "--api-key-env",
            "T_CONNECTIF",
            "--base-url",
            &world.connectif.base_url(),
            "--export-poll-ms",
            "20",
            "--name",
            "Connectif",
        ]),
    );
    let shown = world.bridge(&["mapping", "show", "--connection", "Connectif"]);
    assert_success("mapping show", &shown);
    let mut mapping: Value = serde_json::from_slice(&shown.stdout).unwrap();
    for (ghl, app) in [
        ("dndSettings.Email", "_newsletterSubscriptionStatus"),
        ("dndSettings.SMS", "_smsSubscriptionStatus"),
    ] {
        mapping["fields"].as_array_mut().unwrap().push(json!({
            "ghl": ghl,
            "app": app,
            "direction": "ghl_to_app",
            "owner": "ghl",
            "transforms": [{"kind": "dnd_subscription"}],
        }));
    }
    let file = world.scratch.path().join("mapping.json");
    std::fs::write(&file, mapping.to_string()).unwrap();
    assert_success(
        "mapping import",
        &world.bridge(&[
            "mapping",
            "import",
            "--connection",
            "Connectif",
            file.to_str().unwrap(),
        ]),
    );
    let first = world.sync(&["--max-overwrite", "100"]);
    assert_eq!(first["applied"]["dead"], 0, "{first:#}");

    // One person opts out of email and into SMS in GHL; their phone is cleared there.
    let person = ghl_contacts(&world.ghl)
        .await
        .into_iter()
        .find(|c| c["email"].is_string() && c["phone"].is_string())
        .expect("a GHL contact with an email and a phone");
    let id = person["id"].as_str().unwrap();
    let email = lower(&person["email"]);
    let phone_before = world.connectif.contact(&email).unwrap()["_mobilePhone"].clone();
    assert!(
        phone_before.is_string(),
        "the phone reached Connectif first"
    );
    edit_ghl_contact(
        &world.ghl,
        id,
        json!({
            "firstName": "Optout",
            "phone": null,
            "dndSettings": {"Email": {"status": "active"}, "SMS": {"status": "inactive"}},
        }),
    )
    .await;
    let second = world.sync(&[]);
    let contact = world.connectif.contact(&email).unwrap();
    assert_eq!(
        contact["_newsletterSubscriptionStatus"], "unsubscribed",
        "{second:#}"
    );
    assert_eq!(
        contact["_smsSubscriptionStatus"], "subscribed",
        "{second:#}"
    );
    assert_eq!(contact["_name"], "Optout", "the other fields are written");
    assert_eq!(
        contact["_mobilePhone"], phone_before,
        "the phone is not emptied"
    );
    assert_eq!(second["applied"]["dead"], 1, "{second:#}");
    let dead = dead_letters(&world);
    assert!(
        dead.iter()
            .any(|d| d.contains(&email) && d.contains("field _mobilePhone")),
        "{dead:?}"
    );
}

/// The follow-up rule (#16 d): engagements in Connectif's activities export that pass the
/// rule's filter become one GHL task each, "Follow up: …", due N days later at 12:00 UTC;
/// a re-read of the same activities (every sync reads the last minutes again), a re-plan and a
/// lost answer never make a second one.
#[tokio::test(flavor = "multi_thread")]
async fn engagements_that_pass_the_filter_become_one_follow_up_task_each() {
    let world = World::start(10, 0).await;
    world.connect();
    let first = world.sync(&["--max-overwrite", "100"]);
    let pair = first["pairName"].as_str().unwrap().to_string();
    let ok = |args: &[&str]| assert_success(&args.join(" "), &world.bridge(args));
    ok(&[
        "rules",
        "set",
        &pair,
        "follow_up",
        r#"{"kinds":["click"],"customEvents":["webinar-attended"],"dueInDays":2}"#,
    ]);
    ok(&["rules", "enable", &pair, "follow_up"]);
    let refused = world.bridge(&[
        "rules",
        "set",
        &pair,
        "follow_up",
        r#"{"kinds":["bounce"]}"#,
    ]);
    assert!(!refused.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(said.contains("\"bounce\""), "{said}");

    let emails: Vec<String> = ghl_contacts(&world.ghl)
        .await
        .iter()
        .map(|c| lower(&c["email"]))
        .filter(|e| !e.is_empty() && world.connectif.contact_emails().contains(e))
        .take(3)
        .collect();
    let [ann, bob, cy] = [&emails[0], &emails[1], &emails[2]];
    let now = chrono::Utc::now();
    let record = |email: &str, kind: &str, event: Option<&str>| {
        world.connectif.record_activity(email, kind, event, now)
    };
    record(ann, "email-link-clicked", None);
    record(ann, "email-opened", None); // not in the filter
    record(bob, "custom-event", Some("webinar-attended"));
    record(bob, "custom-event", Some("cart-reminder")); // not in the filter
    record("nobody@example.com", "email-link-clicked", None); // no such contact

    let tasks_of = |email: String| {
        let ghl = &world.ghl;
        async move {
            let id = ghl_id_of_email(ghl, &email).await.unwrap();
            let answer: Value = reqwest::Client::new()
                .get(format!("{}/contacts/{id}/tasks", ghl.base_url()))
                .bearer_auth(ghl.private_token())
                .header("Version", "2021-07-28")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            answer["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["title"].as_str().unwrap_or("").starts_with("Follow up: "))
                .cloned()
                .collect::<Vec<Value>>()
        }
    };
    let follow_ups = |outcome: &Value| -> usize {
        outcome["children"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|op| op["reason"] == "by rule: follow-up task")
            .count()
    };
    let preview = world.sync(&["--dry-run"]);
    assert_eq!(follow_ups(&preview), 2, "{:#}", preview["children"]);
    assert!(
        tasks_of(ann.clone()).await.is_empty(),
        "a preview writes nothing"
    );

    let applied = world.sync(&[]);
    assert_eq!(follow_ups(&applied), 2, "{applied:#}");
    assert_eq!(applied["childrenApplied"]["dead"], 0, "{applied:#}");
    let ann_tasks = tasks_of(ann.clone()).await;
    assert_eq!(ann_tasks.len(), 1, "{ann_tasks:#?}");
    assert_eq!(
        ann_tasks[0]["title"],
        "Follow up: clicked a link in an email"
    );
    // Due two days after the sync's day (which began after `now`), at 12:00 UTC.
    let due = ann_tasks[0]["dueDate"].as_str().unwrap();
    let after_days = |days: i64| {
        [now, chrono::Utc::now()].map(|at| {
            (at + chrono::Duration::days(days))
                .format("%Y-%m-%dT12:00:00")
                .to_string()
        })
    };
    assert!(
        after_days(2)
            .iter()
            .any(|day| due.starts_with(day.as_str())),
        "{due}"
    );
    let bob_tasks = tasks_of(bob.clone()).await;
    assert_eq!(bob_tasks.len(), 1, "{bob_tasks:#?}");
    assert_eq!(bob_tasks[0]["title"], "Follow up: webinar-attended");

    // The next syncs read the last minutes again: the same activities, no second task.
    for _ in 0..2 {
        assert_eq!(follow_ups(&world.sync(&[])), 0);
    }
    assert_eq!(tasks_of(ann.clone()).await.len(), 1);
    assert_eq!(tasks_of(bob.clone()).await.len(), 1);

    // A task created in GHL whose answer was lost: the next sync finds it, none twice.
    record(cy, "email-link-clicked", None);
    world
        .ghl
        .set_faults(FaultConfig::aimed(bridge_sandbox::AimedFault::new(
            "POST",
            "/tasks",
            bridge_sandbox::AimedKind::LoseAnswer,
            1,
        )));
    let lost = world.sync(&[]);
    world.ghl.set_faults(FaultConfig::none());
    assert_eq!(lost["childrenApplied"]["unconfirmed"], 1, "{lost:#}");
    let resumed = world.sync(&[]);
    assert_eq!(resumed["childrenApplied"]["alreadyDone"], 1, "{resumed:#}");
    assert_eq!(follow_ups(&resumed), 0, "{resumed:#}");
    assert_eq!(tasks_of(cy.clone()).await.len(), 1);
}

/// A row of the activities export that cannot be read (here a row without an email) is a
/// listed problem of the pair — the row, its column, value and reason, by `bridge problems` —
/// and the rest of the export is used.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_activity_row_is_a_listed_problem_and_the_rest_are_used() {
    let world = World::start(10, 0).await;
    world.connect();
    let first = world.sync(&["--max-overwrite", "100"]);
    let pair = first["pairName"].as_str().unwrap().to_string();
    let ok = |args: &[&str]| assert_success(&args.join(" "), &world.bridge(args));
    ok(&["rules", "set", &pair, "follow_up", r#"{"kinds":["click"]}"#]);
    ok(&["rules", "enable", &pair, "follow_up"]);
    let ann = ghl_contacts(&world.ghl)
        .await
        .iter()
        .map(|c| lower(&c["email"]))
        .find(|e| !e.is_empty() && world.connectif.contact_emails().contains(e))
        .unwrap();
    let now = chrono::Utc::now();
    world
        .connectif
        .record_activity(&ann, "email-link-clicked", None, now);
    let bad = world
        .connectif
        .record_activity("", "email-link-clicked", None, now);

    let applied = world.sync(&[]);
    let made = applied["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["reason"] == "by rule: follow-up task")
        .count();
    assert_eq!(made, 1, "the readable row is used: {applied:#}");

    let listed = world.bridge(&["problems", "--json"]);
    assert_success("problems", &listed);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let rows: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["of"] == "engagement")
        .collect();
    assert_eq!(rows.len(), 1, "{listed:#}");
    let row = rows[0];
    assert_eq!(row["pairName"], pair.as_str());
    assert_eq!(row["field"], "Email");
    assert_eq!(
        row["appRecordId"],
        bad.as_str(),
        "the activity's id names it"
    );
    assert!(
        row["reason"].as_str().unwrap().contains("no email"),
        "{row:#}"
    );
    assert!(
        row["name"].as_str().unwrap().contains("activities export"),
        "{row:#}"
    );
    let text = world.bridge(&["problems"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("the follow-up rule skipped this row"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
}
