//! `bridge doctor` for a Novi AMS tenant: on a healthy tenant every check is OK; with the task
//! or the note activity type removed (one at a time) the failing check names it in one
//! sentence and the command exits non-zero.

use std::sync::Arc;

use bridge_sandbox::{default_activity_types, NoviActivityType};
use bridge_tests::doctor::{assert_one_sentence, checks_of, CheckLine};
use bridge_tests::{blocking, novi_pair::Pair};
use serde_json::Value;

/// The Novi connection's checks, and whether the doctor succeeded.
fn novi_checks(pair: &Pair) -> (bool, Vec<CheckLine>) {
    checks_of(&pair.bridge(&["doctor", "--json"]), "novi")
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
        assert_one_sentence(sentence);
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

/// #11: recovery leaves a refused capability's unfinished writes waiting. A task create whose
/// answer was lost (the activity was made in Novi) is `failed`; the tenant's task type then
/// goes and the doctor's task check fails. The next sync neither sends it again nor makes it
/// a dead letter, and says so; once the type is back and the check passes, recovery finds the
/// activity it made: one activity, never two.
#[tokio::test(flavor = "multi_thread")]
async fn recovery_leaves_a_refused_capabilitys_unfinished_writes_waiting() {
    use bridge_sandbox::{AimedFault, AimedKind, FaultConfig};
    use bridge_tests::novi_pair::{linked_person, novi_list};
    const TITLE: &str = "Call about the renewal";
    let pair = Arc::new(Pair::start(10, 2).await);
    let p = pair.clone();
    let first = blocking(move || {
        p.connect();
        p.sync()
    })
    .await;
    assert_eq!(first["childrenApplied"]["dead"], 0, "{first:#}");
    let person = linked_person(&pair).await;
    let created = reqwest::Client::new()
        .post(format!("{}/contacts/{}/tasks", pair.ghl.base_url(), person.ghl_id))
        .bearer_auth(pair.ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&serde_json::json!({"title": TITLE, "dueDate": "2026-12-20T09:00:00Z", "completed": false}))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let titled = |activities: &[Value]| activities.iter().filter(|a| a["Subject"] == TITLE).count();
    // The create is carried out, its answer lost: the write stays unconfirmed.
    pair.novi.set_faults(FaultConfig::aimed(AimedFault::new(
        "POST",
        "/activities",
        AimedKind::LoseAnswer,
        1,
    )));
    let p = pair.clone();
    let lost = blocking(move || p.sync()).await;
    assert_eq!(lost["childrenApplied"]["unconfirmed"], 1, "{lost:#}");
    assert_eq!(titled(&novi_list(&pair, "activities").await), 1);

    // The task type goes; the doctor's task check fails.
    assert!(pair.novi.remove_activity_type("Task"));
    let p = pair.clone();
    let (doctor, held) = blocking(move || (novi_checks(&p), p.sync())).await;
    assert!(
        doctor.1.iter().any(|(c, ok, _)| c == "tasks" && !ok),
        "{doctor:?}"
    );
    let activity_writes = |stats: &bridge_sandbox::RequestStats| -> u64 {
        stats
            .by_route
            .iter()
            .filter(|((method, path), _)| method != "GET" && path.contains("activities"))
            .map(|(_, n)| n)
            .sum()
    };
    let writes_before = activity_writes(&pair.novi.stats());
    let p = pair.clone();
    let again = blocking(move || p.sync()).await;
    for outcome in [&held, &again] {
        let waiting = outcome["waiting"].as_array().unwrap();
        assert_eq!(waiting.len(), 1, "{outcome:#}");
        let sentence = waiting[0].as_str().unwrap();
        assert!(
            sentence.starts_with("1 unfinished write of tasks of ")
                && sentence.contains("not dead"),
            "{sentence}"
        );
        assert_eq!(outcome["childrenApplied"]["alreadyDone"], 0, "{outcome:#}");
        assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");
    }
    assert_eq!(
        activity_writes(&pair.novi.stats()),
        writes_before,
        "nothing of the refused tasks is sent"
    );
    let p = pair.clone();
    let dead = blocking(move || p.bridge(&["dead-letters", "--json"])).await;
    let dead: Value = serde_json::from_slice(&dead.stdout).unwrap();
    assert_eq!(dead.as_array().map(Vec::len), Some(0), "{dead}");

    // The type is back and the check passes: recovery finishes the write on the activity it
    // made.
    pair.novi
        .add_activity_type(NoviActivityType::new("Task", "task", true, true));
    let p = pair.clone();
    let (doctor, resumed) = blocking(move || (novi_checks(&p), p.sync())).await;
    assert!(doctor.0, "{doctor:?}");
    assert_eq!(resumed["childrenApplied"]["alreadyDone"], 1, "{resumed:#}");
    assert!(
        resumed["waiting"].as_array().unwrap().is_empty(),
        "{resumed:#}"
    );
    assert_eq!(
        titled(&novi_list(&pair, "activities").await),
        1,
        "one activity, never two"
    );
}
