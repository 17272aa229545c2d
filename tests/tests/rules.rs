//! The pairs' rules through the `bridge` binary and the GHL and Novi AMS fakes: switched on by
//! `bridge rules`, previewed "by rule: …" in the plan, written once through the journal even
//! when the sync is killed right after a rule's write happened.

use std::time::{Duration, Instant};

use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{
    edit_novi_member, email_of, linked_person, novi_list, novi_members, Pair,
};
use serde_json::{json, Value};

const VERSION: (&str, &str) = ("Version", "2021-07-28");

const WELCOME: &str = r#"{"starterTasks":[{"title":"Introductory call","dueInDays":2},
    {"title":"Send the member packet","dueInDays":7}],
    "note":"Welcome, {firstName} {lastName}! You are now in {app}."}"#;

async fn ghl_get(pair: &Pair, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An operator adds a contact in GHL: POST /contacts/ → its id.
async fn new_ghl_contact(pair: &Pair, first: &str, last: &str, email: &str) -> String {
    let created: Value = reqwest::Client::new()
        .post(format!("{}/contacts/", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .json(
            &json!({"locationId": pair.ghl.location_id(), "firstName": first,
                      "lastName": last, "email": email}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["contact"]["id"].as_str().unwrap().to_string()
}

fn texts(items: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t[field].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

async fn ghl_task_titles(pair: &Pair, contact: &str) -> Vec<String> {
    texts(
        &ghl_get(pair, &format!("/contacts/{contact}/tasks")).await["tasks"],
        "title",
    )
}

async fn ghl_note_bodies(pair: &Pair, contact: &str) -> Vec<String> {
    texts(
        &ghl_get(pair, &format!("/contacts/{contact}/notes")).await["notes"],
        "body",
    )
}

/// The Novi member holding `email`, and its activities' subjects (tasks) and notes (notes).
async fn novi_children_of(pair: &Pair, email: &str) -> (Vec<String>, Vec<String>) {
    let member = novi_members(pair)
        .await
        .into_iter()
        .find(|m| email_of(m, "Email") == email)
        .expect("the new contact is a Novi member");
    let id = member["UniqueID"].clone();
    let mut tasks = Vec::new();
    let mut notes = Vec::new();
    for activity in novi_list(pair, "activities").await {
        if activity["MemberUniqueId"] != id {
            continue;
        }
        match activity["ActivityType"].as_str() {
            Some("Task") => tasks.push(activity["Subject"].as_str().unwrap_or_default().into()),
            _ => notes.push(activity["Notes"].as_str().unwrap_or_default().to_string()),
        }
    }
    tasks.sort();
    notes.sort();
    (tasks, notes)
}

fn bridge_ok(pair: &Pair, args: &[&str]) -> String {
    let output = pair.bridge(args);
    assert_success(&args.join(" "), &output);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Connects both fakes, syncs once and switches the rule on: the pair's name.
async fn pair_with_rule(rule: &str, settings: Option<&str>) -> (Pair, String) {
    let pair = Pair::start(20, 3).await;
    pair.connect();
    let output = pair.bridge(&["sync", "--json", "--max-overwrite", "100"]);
    assert_success("first sync", &output);
    let first: Value = serde_json::from_slice(&output.stdout).unwrap();
    let name = first[0]["pairName"].as_str().unwrap().to_string();
    if let Some(settings) = settings {
        bridge_ok(&pair, &["rules", "set", &name, rule, settings]);
    }
    let shown = bridge_ok(&pair, &["rules", "enable", &name, rule]);
    assert!(shown.contains(" on "), "{shown}");
    (pair, name)
}

fn welcome_ops(outcome: &Value) -> Vec<&Value> {
    outcome["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["rule"] == "welcome")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ghl_contact_gets_starter_tasks_and_a_welcome_note_once_in_ghl_and_novi() {
    let (pair, _) = pair_with_rule("welcome", Some(WELCOME)).await;
    let grace = new_ghl_contact(&pair, "Grace", "Hopper", "grace.hopper@example.com").await;

    // The preview names the rule's writes as such.
    let preview = pair.bridge(&["sync", "--dry-run", "--json"]);
    assert_success("preview", &preview);
    let preview: Value = serde_json::from_slice(&preview.stdout).unwrap();
    let planned = welcome_ops(&preview[0]);
    assert_eq!(planned.len(), 3, "{:#}", preview[0]["children"]);
    assert!(planned
        .iter()
        .all(|op| op["reason"] == "by rule: welcome note" && op["target"] == "ghl"));
    let text = bridge_ok(&pair, &["sync", "--dry-run"]);
    assert!(text.contains("create task by rule: welcome note"), "{text}");
    assert!(text.contains("create note by rule: welcome note"), "{text}");
    assert!(
        ghl_note_bodies(&pair, &grace).await.is_empty(),
        "a preview writes nothing"
    );

    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    let note = "Welcome, Grace Hopper! You are now in Novi AMS.".to_string();
    let tasks = vec![
        "Introductory call".to_string(),
        "Send the member packet".to_string(),
    ];
    assert_eq!(ghl_task_titles(&pair, &grace).await, tasks);
    assert_eq!(ghl_note_bodies(&pair, &grace).await, vec![note.clone()]);
    // The contact reached Novi AMS, and the children engine copied the rule's writes there.
    assert_eq!(
        novi_children_of(&pair, "grace.hopper@example.com").await,
        (tasks.clone(), vec![note.clone()])
    );

    // Later syncs greet nobody again, and the contacts known before the switch are not greeted.
    for _ in 0..2 {
        assert!(welcome_ops(&pair.sync()).is_empty());
    }
    assert_eq!(ghl_task_titles(&pair, &grace).await, tasks);
    assert_eq!(ghl_note_bodies(&pair, &grace).await, vec![note.clone()]);
    let before = linked_person(&pair).await;
    assert!(
        !ghl_note_bodies(&pair, &before.ghl_id)
            .await
            .iter()
            .any(|n| n.starts_with("Welcome")),
        "a contact synced before the rule was switched on is not new"
    );
}

/// Runs `bridge sync` and SIGKILLs it once `written` says the held write happened (the fake
/// holds that answer, so the process is waiting at exactly that step).
async fn kill_when(pair: &Pair, what: &str, written: impl AsyncFn() -> bool) {
    let secrets = pair.secrets();
    let mut child = std::process::Command::new(bridge_tests::bridge_bin())
        .env("BRIDGE_SECRET_STORE", "file")
        .envs(secrets.iter().map(|(k, v)| (*k, v.as_str())))
        .arg("--db")
        .arg(pair.scratch.path().join("bridge.sqlite3"))
        .arg("--log-dir")
        .arg(pair.scratch.path().join("logs"))
        .args(["sync", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !written().await {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before {what} was written"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{what} was never written"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_right_after_a_welcome_write_makes_none_twice() {
    let (pair, _) = pair_with_rule("welcome", Some(WELCOME)).await;
    let ada = new_ghl_contact(&pair, "Ada", "Lovelace", "ada.rules@example.com").await;
    let note = "Welcome, Ada Lovelace! You are now in Novi AMS.".to_string();

    // Killed once GHL made the welcome note, before its answer arrived.
    pair.ghl.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/notes",
        AimedKind::HoldAnswer,
        1,
    )));
    kill_when(&pair, "the welcome note in GHL", async || {
        !ghl_note_bodies(&pair, &ada).await.is_empty()
    })
    .await;
    pair.ghl.set_faults(FaultConfig::none());

    // Killed again once Novi AMS made the copy of the note, before its answer arrived.
    pair.novi.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/activities",
        AimedKind::HoldAnswer,
        1,
    )));
    kill_when(&pair, "a copy in Novi AMS", async || {
        let (tasks, notes) = novi_children_of(&pair, "ada.rules@example.com").await;
        tasks.len() + notes.len() > 0
    })
    .await;
    pair.novi.set_faults(FaultConfig::none());

    for _ in 0..2 {
        let outcome = pair.sync();
        assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    }
    let tasks = vec![
        "Introductory call".to_string(),
        "Send the member packet".to_string(),
    ];
    assert_eq!(ghl_task_titles(&pair, &ada).await, tasks);
    assert_eq!(ghl_note_bodies(&pair, &ada).await, vec![note.clone()]);
    assert_eq!(
        novi_children_of(&pair, "ada.rules@example.com").await,
        (tasks, vec![note])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_in_novi_brings_one_summary_note_to_the_ghl_contact() {
    let (pair, name) = pair_with_rule("summary", None).await;
    let person = linked_person(&pair).await;
    let first = person.member["FirstName"].as_str().unwrap().to_string();
    edit_novi_member(&pair, &person.member_id, json!({"FirstName": "Augusta"})).await;

    let preview = pair.bridge(&["sync", "--dry-run", "--json"]);
    assert_success("preview", &preview);
    let preview: Value = serde_json::from_slice(&preview.stdout).unwrap();
    let planned: Vec<&Value> = preview[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op["reason"] == "by rule: summary note")
        .collect();
    assert_eq!(planned.len(), 1, "{:#}", preview[0]["children"]);

    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    let expected = format!("Updated from Novi AMS: First name: {first} → Augusta");
    let summaries = |notes: Vec<String>| -> Vec<String> {
        notes
            .into_iter()
            .filter(|n| n.starts_with("Updated from"))
            .collect()
    };
    assert_eq!(
        summaries(ghl_note_bodies(&pair, &person.ghl_id).await),
        vec![expected.clone()]
    );
    for _ in 0..2 {
        pair.sync();
    }
    assert_eq!(
        summaries(ghl_note_bodies(&pair, &person.ghl_id).await),
        vec![expected],
        "one note per change, not per sync"
    );
    // Novi AMS's API lists no engagement per contact: the follow-up rule is refused for it.
    let refused = pair.bridge(&["rules", "enable", &name, "follow_up"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned()
        + &String::from_utf8_lossy(&refused.stdout);
    assert!(
        said.contains("engagement") && said.contains("Connectif"),
        "{said}"
    );

    // The summary stays in GHL: Novi AMS is not sent its own changes back as a note.
    let email = email_of(&person.member, "Email");
    let (_, novi_notes) = novi_children_of(&pair, &email).await;
    assert!(summaries(novi_notes.clone()).is_empty(), "{novi_notes:?}");
}

/// A refused capability holds the rules' writes back like every other write: a welcome task
/// whose answer was lost waits (neither looked up nor sent again, no dead letter) while the
/// pair's tasks are refused, and no new welcome task is planned; once the check passes the
/// lost one is finished on the task GHL made and the rest is sent: each task once, in GHL and
/// in Novi AMS (the children engine of the sync that lost the answer leaves that task to the
/// rule's recovery rather than copying it as GHL's own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_capability_holds_the_rules_writes_back_until_its_check_passes() {
    let (pair, _) = pair_with_rule("welcome", Some(WELCOME)).await;
    let ada = new_ghl_contact(&pair, "Ada", "Byron", "ada.byron@example.com").await;
    pair.ghl.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/tasks",
        AimedKind::LoseAnswer,
        1,
    )));
    let lost = pair.sync();
    pair.ghl.set_faults(FaultConfig::none());
    assert_eq!(lost["childrenApplied"]["unconfirmed"], 1, "{lost:#}");
    let tasks = vec![
        "Introductory call".to_string(),
        "Send the member packet".to_string(),
    ];
    assert_eq!(ghl_task_titles(&pair, &ada).await, tasks);

    // The tenant's task type goes: the doctor's task check fails, tasks are refused.
    assert!(pair.novi.remove_activity_type("Task"));
    let doctor = pair.bridge(&["doctor"]);
    assert!(!doctor.status.success(), "the task check fails");
    // A second new contact: its welcome tasks are held back too, its note is written.
    let bea = new_ghl_contact(&pair, "Bea", "Held", "bea.held@example.com").await;
    for _ in 0..2 {
        let held = pair.sync();
        let waiting = held["waiting"].as_array().unwrap();
        assert_eq!(waiting.len(), 1, "{held:#}");
        assert!(
            waiting[0]
                .as_str()
                .unwrap()
                .starts_with("1 unfinished write of tasks"),
            "{held:#}"
        );
        assert_eq!(held["childrenApplied"]["alreadyDone"], 0, "{held:#}");
        assert_eq!(held["childrenApplied"]["dead"], 0, "{held:#}");
        assert!(
            !welcome_ops(&held).iter().any(|op| op["kind"] == "task"),
            "no welcome task is planned while tasks are refused: {held:#}"
        );
    }
    assert!(ghl_task_titles(&pair, &bea).await.is_empty());
    assert_eq!(
        ghl_note_bodies(&pair, &bea).await,
        vec!["Welcome, Bea Held! You are now in Novi AMS.".to_string()]
    );
    assert_eq!(
        pair.ghl
            .stats()
            .count_path("POST", &format!("/contacts/{bea}/tasks")),
        0,
        "no welcome task of the refused kind is sent"
    );

    // The type is back and the check passes: the lost task is finished on the one GHL made,
    // the held ones are sent.
    pair.novi
        .add_activity_type(bridge_sandbox::NoviActivityType::new(
            "Task", "task", true, true,
        ));
    assert_success("doctor", &pair.bridge(&["doctor"]));
    let resumed = pair.sync();
    assert_eq!(resumed["childrenApplied"]["alreadyDone"], 1, "{resumed:#}");
    assert!(
        resumed["waiting"].as_array().unwrap().is_empty(),
        "{resumed:#}"
    );
    pair.sync();
    assert_eq!(ghl_task_titles(&pair, &ada).await, tasks, "each task once");
    // The sync that lost the answer copied its other writes to Novi AMS, but not the task
    // whose answer it lost (the rule's recovery adopts it first): one copy of each in Novi.
    assert_eq!(
        novi_children_of(&pair, "ada.byron@example.com").await.0,
        tasks
    );
    assert_eq!(ghl_task_titles(&pair, &bea).await, tasks);
}

/// The breaker counts the rules' writes: a welcome rule that would greet more than the allowed
/// share of the pair's contacts in one sync (eight new people among some thirty) stops before
/// any greeting is sent, saying which rule; allowed with `--max-overwrite`, each is greeted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_stops_a_rule_that_would_write_to_too_many_contacts_at_once() {
    let (pair, _) = pair_with_rule("welcome", None).await;
    let mut new = Vec::new();
    for n in 0..8 {
        let email = format!("wave{n}@example.com");
        new.push(new_ghl_contact(&pair, "Wave", &format!("Person {n}"), &email).await);
    }
    let stopped = pair.bridge(&["sync", "--json"]);
    let said = String::from_utf8_lossy(&stopped.stdout).into_owned()
        + &String::from_utf8_lossy(&stopped.stderr);
    assert!(
        said.contains("by rule: welcome note") && said.contains("--max-overwrite"),
        "{said}"
    );
    for contact in &new {
        assert!(
            ghl_task_titles(&pair, contact).await.is_empty(),
            "nothing sent"
        );
        assert!(
            ghl_note_bodies(&pair, contact).await.is_empty(),
            "nothing sent"
        );
    }
    let allowed = pair.bridge(&["sync", "--json", "--max-overwrite", "100"]);
    assert_success("sync allowed", &allowed);
    pair.sync();
    for contact in &new {
        assert_eq!(ghl_task_titles(&pair, contact).await, ["Introductory call"]);
        assert_eq!(ghl_note_bodies(&pair, contact).await.len(), 1);
    }
}
