//! `bridge connect ghl` + `bridge pull ghl` against the GHL fake: requests spent, pacing,
//! incremental pulls, the timeline, and secrets kept out of the database and logs.

use bridge_sync::pull::ghl_appointments::WINDOW_SLICES;
use bridge_tests::blocking;
use std::time::Duration;

use bridge_tests::ghl_world::{assert_success, search_pages, GhlWorld, TOKEN_ENV};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_spends_exactly_the_documented_requests_and_meets_no_429() {
    const CONTACTS: u64 = 150;
    // 100 requests per second, as the fake's headers say: the pull must pace itself.
    let world =
        std::sync::Arc::new(GhlWorld::start(CONTACTS as usize, Duration::from_secs(1)).await);
    let w = world.clone();
    let (connect, first, second) = blocking(move || {
        let connect = w.connect();
        (connect, w.pull(), w.pull())
    })
    .await;
    assert_success("bridge connect ghl", &connect);

    // First pull: the search pages, then one location task search (narrowed to the page's
    // contacts, 100 tasks a page) and the notes of every contact, then the location's
    // appointments: the calendar list and each calendar's events by window. Nothing per
    // contact but the notes, GHL's only read of them.
    assert_eq!(first["contactsChanged"], CONTACTS);
    // The window is read a slice at a time (bounded memory): one request per calendar each.
    let appointment_reads = 1 + SEED_CALENDARS * WINDOW_SLICES;
    let expected =
        search_pages(CONTACTS) + CONTACTS + task_search_pages(&first) + appointment_reads;
    assert_eq!(first["requests"], expected, "first pull: {first}");
    assert_eq!(
        first["rateLimited"], 0,
        "the budget must pace below the limit: {first}"
    );
    assert!(first["tasks"].as_u64().unwrap() > 0, "{first}");
    assert!(first["notes"].as_u64().unwrap() > 0, "{first}");
    assert!(first["appointments"].as_u64().unwrap() > 0, "{first}");

    // Nothing changed: only the search pages and the location-wide appointment read.
    assert_eq!(second["contactsChanged"], 0, "second pull: {second}");
    assert_eq!(
        second["requests"],
        second["searchPages"].as_u64().unwrap() + appointment_reads,
        "second pull: {second}"
    );
    assert_eq!(second["searchPages"], 1);

    // The fake agrees on what was spent: the connection check, then the two pulls, and no
    // contact's appointments were read one by one.
    let stats = world.sandbox.stats();
    assert_eq!(stats.rate_limited, 0);
    assert_eq!(stats.total, 1 + expected + 1 + appointment_reads);
    assert_eq!(stats.count("GET", "/contacts/{contactId}/appointments"), 0);
    assert_eq!(stats.count("GET", "/contacts/{contactId}/tasks"), 0);
    assert_eq!(
        stats.count("GET", "/calendars/events"),
        2 * SEED_CALENDARS * WINDOW_SLICES
    );
    assert_eq!(
        stats.count("POST", "/locations/{locationId}/tasks/search"),
        task_search_pages(&first)
    );
}

/// The fake seeds two calendars per location.
const SEED_CALENDARS: u64 = 2;

/// The task search pages a first pull of one contact search page reads: 100 tasks a page,
/// the last one short (an empty one when the count is a multiple of 100).
fn task_search_pages(pull: &Value) -> u64 {
    pull["tasks"].as_u64().unwrap() / 100 + 1
}

/// Without the calendars scope, found by the doctor, a contact's appointments are read with
/// its tasks and notes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_doctor_finds_no_calendars_scope_appointments_are_read_per_contact() {
    const CONTACTS: u64 = 20;
    let world =
        std::sync::Arc::new(GhlWorld::start(CONTACTS as usize, Duration::from_secs(1)).await);
    world.sandbox.withdraw_scope("calendars/events.readonly");
    let w = world.clone();
    let (doctor, first) = blocking(move || {
        assert_success("bridge connect ghl", &w.connect());
        (w.bridge(&["doctor"]), w.pull())
    })
    .await;
    assert!(
        !doctor.status.success(),
        "the doctor names the missing scope"
    );
    assert_eq!(first["contactsChanged"], CONTACTS, "{first}");
    assert_eq!(
        first["requests"],
        search_pages(CONTACTS) + 2 * CONTACTS + task_search_pages(&first),
        "notes and appointments per contact, tasks by one search: {first}"
    );
    assert!(first["appointments"].as_u64().unwrap() > 0, "{first}");
    let stats = world.sandbox.stats();
    assert_eq!(
        stats.count("GET", "/contacts/{contactId}/appointments"),
        CONTACTS
    );
    assert_eq!(stats.rate_limited, 0);
}

/// GHL refusing the calendars read during a pull (no doctor run yet): the pull succeeds, the
/// refusal is recorded, and the next changed contact's appointments are read per contact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_calendars_read_falls_back_to_per_contact_reads() {
    const CONTACTS: u64 = 10;
    let world =
        std::sync::Arc::new(GhlWorld::start(CONTACTS as usize, Duration::from_secs(1)).await);
    world.sandbox.withdraw_scope("calendars.readonly");
    let w = world.clone();
    let (first, listed) = blocking(move || {
        assert_success("bridge connect ghl", &w.connect());
        (w.pull(), w.bridge(&["contacts", "--json"]))
    })
    .await;
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(first["contactsChanged"], CONTACTS, "{first}");
    assert_eq!(first["appointments"], 0, "{first}");
    // The notes of every contact and one task search, then the one refused calendar list.
    assert_eq!(
        first["requests"],
        search_pages(CONTACTS) + CONTACTS + task_search_pages(&first) + 1,
        "{first}"
    );

    // One contact changes in GHL: the next pull reads its appointments with its children.
    let ghl_id = listed[0]["contact"]["contactId"]
        .as_str()
        .unwrap()
        .to_string();
    let renamed = reqwest::Client::new()
        .put(format!("{}/contacts/{ghl_id}", world.sandbox.base_url()))
        .bearer_auth(world.sandbox.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"firstName": "Augusta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let w = world.clone();
    let second = blocking(move || w.pull()).await;
    assert_eq!(second["contactsChanged"], 1, "{second}");
    assert_eq!(
        second["requests"],
        second["searchPages"].as_u64().unwrap() + 3,
        "a task search, the notes and the appointments of the changed contact, no calendar read: {second}"
    );
    let stats = world.sandbox.stats();
    assert_eq!(stats.count("GET", "/contacts/{contactId}/appointments"), 1);
    assert_eq!(stats.count("GET", "/calendars/"), 1);
    assert_eq!(stats.count("GET", "/calendars/events"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_in_ghl_reach_the_contacts_timeline() {
    let world = std::sync::Arc::new(GhlWorld::start(20, Duration::from_secs(10)).await);
    let w = world.clone();
    let contacts: Value = blocking(move || {
        assert_success("connect", &w.connect());
        w.pull();
        let listed = w.bridge(&["contacts", "--json"]);
        assert_success("bridge contacts", &listed);
        serde_json::from_slice(&listed.stdout).unwrap()
    })
    .await;
    let contacts = contacts.as_array().unwrap();
    assert_eq!(contacts.len(), 20);
    let ghl_id = contacts[0]["contact"]["contactId"]
        .as_str()
        .unwrap()
        .to_string();
    let old_first_name = contacts[0]["contact"]["firstName"].clone();

    // An operator edits the contact in GHL: a new first name, a task and a tag.
    let http = reqwest::Client::new();
    let base = world.sandbox.base_url();
    let send = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(world.sandbox.private_token())
            .header("Version", "2021-07-28")
            .send()
    };
    let renamed = send(
        http.put(format!("{base}/contacts/{ghl_id}"))
            .json(&json!({"firstName": "Augusta"})),
    )
    .await
    .unwrap();
    assert_eq!(renamed.status(), 200);
    let task = send(
        http.post(format!("{base}/contacts/{ghl_id}/tasks"))
            .json(&json!({
                "title": "Call about the renewal",
                "dueDate": "2026-12-01T10:00:00Z",
                "completed": false
            })),
    )
    .await
    .unwrap();
    assert_eq!(task.status(), 201);
    let tagged = send(
        http.post(format!("{base}/contacts/{ghl_id}/tags"))
            .json(&json!({"tags": ["renewal-2026"]})),
    )
    .await
    .unwrap();
    assert!(tagged.status().is_success());

    let w = world.clone();
    let id = ghl_id.clone();
    let (pull, timeline) = blocking(move || {
        let pull = w.pull();
        let timeline = w.bridge(&["timeline", &id, "--json"]);
        assert_success("bridge timeline", &timeline);
        (
            pull,
            serde_json::from_slice::<Value>(&timeline.stdout).unwrap(),
        )
    })
    .await;
    assert_eq!(pull["contactsChanged"], 1, "{pull}");
    assert_eq!(
        pull["requests"],
        pull["searchPages"].as_u64().unwrap() + 2 + 1 + SEED_CALENDARS * WINDOW_SLICES,
        "a task search and the notes of the changed contact, then the location's appointments: {pull}"
    );

    let events = timeline.as_array().unwrap();
    let find = |title: &str| events.iter().find(|e| e["title"] == title);
    let rename = find("firstName changed").expect("a field change event");
    assert_eq!(rename["beforeValue"], old_first_name);
    assert_eq!(rename["afterValue"], "Augusta");
    assert!(
        find("Task added: Call about the renewal").is_some(),
        "{timeline}"
    );
    assert!(find("Tag added: renewal-2026").is_some(), "{timeline}");
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "the timeline is in time order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_reach_the_database_or_the_logs() {
    let world = std::sync::Arc::new(GhlWorld::start(10, Duration::from_secs(10)).await);
    let w = world.clone();
    let rejected = blocking(move || {
        assert_success("connect", &w.connect());
        w.pull();
        // A wrong token is refused with GHL's message, and is not echoed anywhere either.
        bridge_tests::run_bridge_env(
            w.scratch(),
            &[(TOKEN_ENV, "pit-wrong-0000-secret-value")],
            &[
                "connect",
                "ghl",
                "--location-id",
                &w.sandbox.location_id(),
                "--token-env",
                TOKEN_ENV,
                "--base-url",
                &w.sandbox.base_url(),
                "--name",
                "Second",
            ],
        )
    })
    .await;
    assert!(!rejected.status.success());
    let stderr = String::from_utf8_lossy(&rejected.stderr);
    assert!(stderr.contains("GHL"), "{stderr}");
    assert!(!stderr.contains("pit-wrong-0000-secret-value"), "{stderr}");

    let token = world.sandbox.private_token();
    let mut searched = 0;
    for entry in walk(world.scratch()) {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name == "secrets.json" {
            continue; // the CLI's 0600 secret file, used only when no keychain is reachable
        }
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in [token.as_str(), "pit-wrong-0000-secret-value"] {
            assert!(
                !text.contains(secret),
                "a token was found in {}",
                entry.display()
            );
        }
        searched += 1;
    }
    assert!(world.db_path().exists());
    assert!(
        searched >= 2,
        "the database and at least one log file were searched"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
