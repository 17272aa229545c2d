//! Crash safety of the journal: `bridge sync` of a 2,000-contact pair, killed with SIGKILL at
//! 20 moments and rerun each time, must end exactly where one uninterrupted sync ends — no
//! record doubled on either side, no change lost.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use bridge_tests::novi_pair::{email_of, ghl_contacts, novi_list, novi_members, Pair};
use serde_json::Value;

const CONTACTS: usize = 2_000;
const NOVI_ONLY: usize = 200;
const KILLS: usize = 20;

/// Email → (first name, last name, how many records carry it), per side.
type Side = BTreeMap<String, (String, String, usize)>;

fn tally(records: &[Value], email: &str, first: &str, last: &str) -> Side {
    let mut side = Side::new();
    for record in records {
        let entry = side.entry(email_of(record, email)).or_insert_with(|| {
            (
                record[first].as_str().unwrap_or_default().to_string(),
                record[last].as_str().unwrap_or_default().to_string(),
                0,
            )
        });
        entry.2 += 1;
    }
    side
}

/// (person's email, kind, title) → how many records carry it, per side.
type Children = BTreeMap<(String, String, String), usize>;

/// Every GHL task through the location-wide task search, and every Novi activity, keyed by
/// their person's email (ids differ between the two runs).
async fn children(pair: &Pair, ghl: &[Value], members: &[Value]) -> (Children, Children) {
    let ghl_email: BTreeMap<&str, String> = ghl
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), email_of(c, "email")))
        .collect();
    let mut ghl_tasks = Children::new();
    let mut skip = 0;
    loop {
        let page: Value = reqwest::Client::new()
            .post(format!(
                "{}/locations/{}/tasks/search",
                pair.ghl.base_url(),
                pair.ghl.location_id()
            ))
            .bearer_auth(pair.ghl.private_token())
            .header("Version", "2021-07-28")
            .json(&serde_json::json!({"skip": skip, "limit": 500}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tasks = page["tasks"].as_array().cloned().unwrap_or_default();
        for task in &tasks {
            let email = ghl_email
                .get(task["contactId"].as_str().unwrap_or_default())
                .cloned()
                .unwrap_or_default();
            let key = (
                email,
                "task".into(),
                task["title"].as_str().unwrap_or_default().into(),
            );
            *ghl_tasks.entry(key).or_default() += 1;
        }
        skip += tasks.len();
        if tasks.len() < 500 {
            break;
        }
    }
    let member_email: BTreeMap<&str, String> = members
        .iter()
        .map(|m| (m["UniqueID"].as_str().unwrap(), email_of(m, "Email")))
        .collect();
    let mut novi_children = Children::new();
    for activity in novi_list(pair, "activities").await {
        let email = member_email
            .get(activity["MemberUniqueId"].as_str().unwrap_or_default())
            .cloned()
            .unwrap_or_default();
        let key = (
            email,
            activity["ActivityType"].as_str().unwrap_or_default().into(),
            activity["Subject"].as_str().unwrap_or_default().into(),
        );
        *novi_children.entry(key).or_default() += 1;
    }
    (ghl_tasks, novi_children)
}

struct FinalState {
    ghl: Side,
    novi: Side,
    ghl_tasks: Children,
    novi_activities: Children,
}

async fn final_state(pair: &Pair) -> FinalState {
    let ghl = ghl_contacts(&pair.ghl).await;
    let all_members = novi_members(pair).await;
    let members: Vec<Value> = all_members
        .iter()
        .filter(|m| m["Active"] == Value::Bool(true) && m["FirstName"].is_string())
        .cloned()
        .collect();
    let (ghl_tasks, novi_activities) = children(pair, &ghl, &all_members).await;
    FinalState {
        ghl: tally(&ghl, "email", "firstName", "lastName"),
        novi: tally(&members, "Email", "FirstName", "LastName"),
        ghl_tasks,
        novi_activities,
    }
}

/// Deterministic moments (ms) to kill at, spread over a sync's lifetime.
fn kill_moments() -> Vec<u64> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..KILLS)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            150 + state % 4_000
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_twenty_times_ends_where_an_uninterrupted_one_does() {
    // The reference: the same seeded accounts, synced without interruption.
    let reference = std::sync::Arc::new(Pair::start(CONTACTS, NOVI_ONLY).await);
    let r = reference.clone();
    tokio::task::spawn_blocking(move || {
        r.connect();
        r.sync();
    })
    .await
    .unwrap();
    let expected = final_state(&reference).await;

    let crashed = std::sync::Arc::new(Pair::start(CONTACTS, NOVI_ONLY).await);
    let c = crashed.clone();
    let finished_early = tokio::task::spawn_blocking(move || {
        c.connect();
        let secrets = c.secrets();
        let mut finished_early = 0;
        for moment in kill_moments() {
            let mut child = Command::new(bridge_tests::bridge_bin())
                .arg("--db")
                .arg(c.scratch.path().join("bridge.sqlite3"))
                .arg("--log-dir")
                .arg(c.scratch.path().join("logs"))
                .args(["sync", "--json"])
                .envs(secrets.iter().map(|(k, v)| (*k, v.as_str())))
                // As every test's CLI run: secrets in the scratch file store.
                .env("BRIDGE_SECRET_STORE", "file")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(moment));
            if child.try_wait().unwrap().is_some() {
                finished_early += 1;
            }
            // SIGKILL: no cleanup, no flush, whatever the sync was doing.
            let _ = child.kill();
            let _ = child.wait();
        }
        // Then runs to completion until there is nothing left to do.
        for _ in 0..3 {
            let outcome = c.sync();
            let empty = |v: &Value| v.as_array().is_some_and(Vec::is_empty);
            if empty(&outcome["plan"]["operations"]) && empty(&outcome["children"]) {
                break;
            }
        }
        finished_early
    })
    .await
    .unwrap();
    assert!(
        finished_early < KILLS,
        "every run finished before its kill: the test killed nothing"
    );

    let got = final_state(&crashed).await;
    let doubled: Vec<_> = got
        .ghl
        .iter()
        .chain(got.novi.iter())
        .filter(|(_, (_, _, n))| *n > 1)
        .collect();
    assert!(doubled.is_empty(), "records created twice: {doubled:?}");
    assert_eq!(got.ghl.len(), expected.ghl.len(), "GHL contacts");
    assert_eq!(got.novi.len(), expected.novi.len(), "Novi members");
    assert!(
        got.ghl == expected.ghl,
        "GHL differs from the uninterrupted run"
    );
    assert!(
        got.novi == expected.novi,
        "Novi differs from the uninterrupted run"
    );
    // Tasks and notes too: the same ones, none doubled by a create whose answer was lost.
    assert!(
        expected.novi_activities.len() > NOVI_ONLY,
        "the reference carried tasks and notes over"
    );
    let differs = |a: &Children, b: &Children| -> Vec<String> {
        a.iter()
            .filter(|(k, n)| b.get(*k) != Some(n))
            .map(|(k, n)| format!("{k:?}: {n} vs {:?}", b.get(k)))
            .take(5)
            .collect()
    };
    assert_eq!(
        differs(&got.ghl_tasks, &expected.ghl_tasks),
        Vec::<String>::new(),
        "GHL tasks differ from the uninterrupted run"
    );
    assert_eq!(got.ghl_tasks.len(), expected.ghl_tasks.len());
    assert_eq!(
        differs(&got.novi_activities, &expected.novi_activities),
        Vec::<String>::new(),
        "Novi activities differ from the uninterrupted run"
    );
    assert_eq!(got.novi_activities.len(), expected.novi_activities.len());
}
