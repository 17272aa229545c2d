//! `bridge doctor` for a Novi AMS tenant: on a healthy tenant every check is OK; with the task
//! or the note activity type removed (one at a time) the failing check names it in one
//! sentence and the command exits non-zero.

use std::sync::Arc;

use bridge_sandbox::{default_activity_types, NoviActivityType};
use bridge_tests::novi_pair::Pair;
use serde_json::Value;

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

/// The Novi connection's checks: (capability, ok, message), and whether doctor succeeded.
fn novi_checks(pair: &Pair) -> (bool, Vec<(String, bool, String)>) {
    let output = pair.bridge(&["doctor", "--json"]);
    let reports: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let report = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["system"] == "novi")
        .unwrap_or_else(|| panic!("no Novi report: {reports}"))
        .clone();
    let checks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["capability"].as_str().unwrap().to_string(),
                c["ok"].as_bool().unwrap(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (output.status.success(), checks)
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_a_missing_activity_type() {
    let pair = Arc::new(Pair::start(5, 2).await);
    let p = pair.clone();
    let (success, checks) = blocking(move || {
        p.connect();
        novi_checks(&p)
    })
    .await;
    assert!(success, "{checks:?}");
    let capabilities: Vec<&str> = checks.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(capabilities, ["sign-in", "tasks", "notes", "events"]);
    assert!(checks.iter().all(|(_, ok, _)| *ok), "{checks:?}");
    assert!(checks[1].2.contains("\"Task\""), "{checks:?}");

    for (removed, capability, named) in [("Task", "tasks", "task"), ("Note", "notes", "\"note\"")] {
        let p = pair.clone();
        let (success, checks) = blocking(move || {
            assert!(p.novi.remove_activity_type(removed));
            novi_checks(&p)
        })
        .await;
        assert!(!success, "a failed check exits non-zero: {checks:?}");
        let (_, ok, sentence) = checks.iter().find(|(c, _, _)| c == capability).unwrap();
        assert!(!ok, "{checks:?}");
        assert!(sentence.contains(named), "{sentence}");
        assert_eq!(
            sentence.matches(". ").count(),
            0,
            "one sentence: {sentence}"
        );
    }
}

/// A tenant whose task type is called something else: doctor says which one, and the sync
/// writes GHL's tasks with it (the fake refuses a type the tenant does not have).
#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_with_its_own_task_type_gets_tasks_of_that_type() {
    let mut types: Vec<NoviActivityType> = default_activity_types()
        .into_iter()
        .filter(|t| !t.task)
        .collect();
    types.push(NoviActivityType::new("To-do", "to-do", true, true));
    let pair = Arc::new(Pair::start_with(20, 2, types).await);
    let to_dos = |activities: &[Value]| {
        activities
            .iter()
            .filter(|a| a["ActivityType"] == "To-do")
            .count()
    };
    let seeded = to_dos(&bridge_tests::novi_pair::novi_list(&pair, "activities").await);
    let p = pair.clone();
    let (checks, outcome) = blocking(move || {
        p.connect();
        (novi_checks(&p).1, p.sync())
    })
    .await;
    let tasks = checks.iter().find(|(c, _, _)| c == "tasks").unwrap();
    assert!(tasks.1 && tasks.2.contains("\"To-do\""), "{checks:?}");
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    let activities = bridge_tests::novi_pair::novi_list(&pair, "activities").await;
    assert!(
        to_dos(&activities) > seeded,
        "GHL's tasks arrive as To-do activities"
    );
    assert!(
        !activities.iter().any(|a| a["ActivityType"] == "Task"),
        "nothing is written as a type the tenant lacks"
    );
}

/// A failed check of one capability skips only that capability: with the tenant's task type
/// gone, the sync still writes the contacts and the notes, names "tasks" as refused with the
/// check's sentence, sends no task either way and makes no dead letter.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_task_check_skips_tasks_and_syncs_the_rest() {
    let pair = Arc::new(Pair::start(20, 3).await);
    let p = pair.clone();
    let (doctor, outcome) = blocking(move || {
        p.connect();
        assert!(p.novi.remove_activity_type("Task"));
        let doctor = novi_checks(&p);
        (doctor, p.sync())
    })
    .await;
    let (success, checks) = doctor;
    assert!(!success, "{checks:?}");
    assert!(
        checks.iter().any(|(c, ok, _)| c == "tasks" && !ok),
        "{checks:?}"
    );
    let refused = outcome["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{outcome:#}");
    let sentence = refused[0].as_str().unwrap();
    assert!(
        sentence.starts_with("tasks of ") && sentence.contains("bridge doctor"),
        "{sentence}"
    );
    // The contacts were synced.
    assert!(
        outcome["applied"]["done"].as_u64().unwrap() > 0,
        "{outcome:#}"
    );
    // No task was planned either way; notes were, and were written.
    let children = outcome["children"].as_array().unwrap();
    assert!(children.iter().all(|c| c["kind"] != "task"), "{outcome:#}");
    assert!(children.iter().any(|c| c["kind"] == "note"), "{outcome:#}");
    assert!(
        outcome["childrenApplied"]["done"].as_u64().unwrap() > 0,
        "{outcome:#}"
    );
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
}
