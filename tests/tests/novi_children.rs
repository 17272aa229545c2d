//! Tasks and notes of the GHL ↔ Novi AMS pair through the `bridge` binary: created or changed
//! on either side, each reaches the other after one sync, once, and shows on the contact's
//! timeline. Records are made and read through each fake's documented endpoints.

use bridge_tests::ghl_world::assert_success;
use bridge_tests::novi_pair::{linked_person, novi_list, writes, Pair};
use serde_json::{json, Value};

const VERSION: (&str, &str) = ("Version", "2021-07-28");

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

async fn ghl_post(pair: &Pair, path: &str, body: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "GHL refused {path}");
    answer.json().await.unwrap()
}

/// POST /api/activities: Novi answers the new id in the Location header.
async fn novi_create_activity(pair: &Pair, activity: Value) -> String {
    let answer = reqwest::Client::new()
        .post(format!("{}/activities", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(&activity)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "Novi refused the activity");
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    location.rsplit('/').next().unwrap().to_string()
}

/// Every activity of one member, through the documented list (all pages).
async fn novi_activities_of(pair: &Pair, member: &str) -> Vec<Value> {
    novi_list(pair, "activities")
        .await
        .into_iter()
        .filter(|a| a["MemberUniqueId"] == member)
        .collect()
}

fn titles(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t[field].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_and_notes_cross_both_ways_once_and_reach_the_timeline() {
    let pair = Pair::start(20, 3).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;

    // One task made in each app, and a note in Novi.
    novi_create_activity(
        &pair,
        json!({"MemberUniqueId": person.member_id, "ActivityType": "Task",
               "Subject": "Send the renewal packet", "Date": "2026-12-01T15:00:00Z",
               "TaskComplete": false}),
    )
    .await;
    novi_create_activity(
        &pair,
        json!({"MemberUniqueId": person.member_id, "ActivityType": "Note",
               "Subject": "Prefers email", "Notes": "Prefers email over calls.",
               "Date": "2026-11-20T10:00:00Z"}),
    )
    .await;
    ghl_post(
        &pair,
        &format!("/contacts/{}/tasks", person.ghl_id),
        json!({"title": "Call about the dues", "dueDate": "2026-12-02T09:00:00Z", "completed": false}),
    )
    .await;
    let outcome = pair.sync();
    assert_eq!(outcome["childrenApplied"]["dead"], 0, "{outcome:#}");

    let ghl_tasks = ghl_get(&pair, &format!("/contacts/{}/tasks", person.ghl_id)).await;
    assert!(
        titles(&ghl_tasks["tasks"], "title").contains(&"Send the renewal packet".to_string()),
        "{ghl_tasks:#}"
    );
    let ghl_notes = ghl_get(&pair, &format!("/contacts/{}/notes", person.ghl_id)).await;
    assert!(
        titles(&ghl_notes["notes"], "body").contains(&"Prefers email over calls.".to_string()),
        "{ghl_notes:#}"
    );
    let novi = novi_activities_of(&pair, &person.member_id).await;
    let subjects: Vec<&str> = novi.iter().filter_map(|a| a["Subject"].as_str()).collect();
    assert!(subjects.contains(&"Call about the dues"), "{subjects:?}");
    assert_eq!(
        subjects
            .iter()
            .filter(|s| **s == "Send the renewal packet")
            .count(),
        1,
        "not echoed back as a second activity"
    );

    // Nothing changed: two more syncs write nothing anywhere.
    let (ghl_writes, novi_writes) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    pair.sync();
    pair.sync();
    assert_eq!(writes(&pair.ghl.stats()), ghl_writes);
    assert_eq!(writes(&pair.novi.stats()), novi_writes);

    // Completed in Novi: GHL's task is completed by one write, and nothing comes back.
    let activity = novi
        .iter()
        .find(|a| a["Subject"] == "Call about the dues")
        .unwrap()
        .clone();
    let id = activity["UniqueID"].as_str().unwrap();
    let mut done = activity.clone();
    done["TaskComplete"] = json!(true);
    let answer = reqwest::Client::new()
        .put(format!("{}/activities/{id}", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .json(&done)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let (ghl_writes, novi_writes) = (writes(&pair.ghl.stats()), writes(&pair.novi.stats()));
    for _ in 0..3 {
        pair.sync();
    }
    assert_eq!(
        writes(&pair.ghl.stats()),
        ghl_writes + 1,
        "one write to GHL"
    );
    assert_eq!(writes(&pair.novi.stats()), novi_writes, "none back to Novi");
    let ghl_tasks = ghl_get(&pair, &format!("/contacts/{}/tasks", person.ghl_id)).await;
    let task = ghl_tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "Call about the dues")
        .unwrap();
    assert_eq!(task["completed"], true);

    // The contact's timeline shows the Novi task and the Novi note.
    let output = pair.bridge(&["timeline", &person.ghl_id, "--json"]);
    assert_success("timeline", &output);
    let events: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(events.iter().any(|e| e["system"] == "novi"
        && e["kind"] == "task"
        && e["title"]
            .as_str()
            .unwrap()
            .contains("Send the renewal packet")));
    assert!(events
        .iter()
        .any(|e| e["kind"] == "note" && e["body"] == "Prefers email over calls."));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ghl_note_travels_in_the_next_sync_though_its_contact_did_not_change() {
    let pair = Pair::start(12, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    ghl_post(
        &pair,
        &format!("/contacts/{}/notes", person.ghl_id),
        json!({"body": "Met at the spring conference."}),
    )
    .await;
    // GHL has no location-wide note list and a note does not move its contact's dateUpdated:
    // each sync reads the notes of the next linked contacts in rotation (all of them, in an
    // account this small).
    pair.sync();
    let novi = novi_activities_of(&pair, &person.member_id).await;
    let notes: Vec<&Value> = novi
        .iter()
        .filter(|a| a["ActivityType"] == "Note" && a["Notes"] == "Met at the spring conference.")
        .collect();
    assert_eq!(notes.len(), 1, "{novi:#?}");
    // And once only.
    pair.sync();
    let again = novi_activities_of(&pair, &person.member_id).await;
    assert_eq!(again.len(), novi.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn ghl_appointments_become_novi_events_once() {
    let pair = Pair::start(15, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );

    // Every appointment of a contact linked to a member is now an event, once.
    let events: Value = reqwest::Client::new()
        .get(format!("{}/events", pair.novi.base_url()))
        .header("Authorization", format!("Basic {}", pair.novi.api_key()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = events
        .as_array()
        .cloned()
        .or_else(|| events["Results"].as_array().cloned())
        .unwrap();
    let names: Vec<&str> = events.iter().filter_map(|e| e["Name"].as_str()).collect();
    let mut seen = 0;
    for contact in bridge_tests::novi_pair::ghl_contacts(&pair.ghl).await {
        let id = contact["id"].as_str().unwrap();
        let linked = contact["email"].is_string();
        let appointments = ghl_get(&pair, &format!("/contacts/{id}/appointments")).await;
        for appointment in appointments["events"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let title = appointment["title"].as_str().unwrap_or_default();
            if linked && !title.is_empty() {
                seen += 1;
                assert!(names.contains(&title), "{title} is not a Novi event");
            }
        }
    }
    assert!(seen > 0, "the seed gave linked contacts appointments");

    // Nothing changed: no event written again.
    let novi_writes = writes(&pair.novi.stats());
    pair.sync();
    assert_eq!(writes(&pair.novi.stats()), novi_writes);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_completed_in_ghl_is_completed_in_novi() {
    let pair = Pair::start(12, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    let created = ghl_post(
        &pair,
        &format!("/contacts/{}/tasks", person.ghl_id),
        json!({"title": "Renew the membership", "dueDate": "2026-12-05T09:00:00Z", "completed": false}),
    )
    .await;
    pair.sync();
    let task_id = created["task"]["id"].as_str().unwrap();
    // Completed in GHL: it leaves the open-task search, so the sync reads it on its own.
    let answer = reqwest::Client::new()
        .put(format!(
            "{}/contacts/{}/tasks/{task_id}/completed",
            pair.ghl.base_url(),
            person.ghl_id
        ))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .json(&json!({"completed": true}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    pair.sync();
    let novi = novi_activities_of(&pair, &person.member_id).await;
    let renewal: Vec<&Value> = novi
        .iter()
        .filter(|a| a["Subject"] == "Renew the membership")
        .collect();
    assert_eq!(renewal.len(), 1, "{novi:#?}");
    assert_eq!(renewal[0]["TaskComplete"], true);
}

/// Two linked people (after a first sync): distinct members with emails, active.
async fn two_linked_people(pair: &Pair) -> [bridge_tests::novi_pair::Person; 2] {
    let members: Vec<Value> = bridge_tests::novi_pair::novi_members(pair)
        .await
        .into_iter()
        .filter(|m| {
            m["FirstName"].is_string() && m["Email"].is_string() && m["Active"] == Value::Bool(true)
        })
        .collect();
    let mut people = Vec::new();
    for member in members {
        let email = bridge_tests::novi_pair::email_of(&member, "Email");
        if let Some(ghl_id) = bridge_tests::novi_pair::ghl_id_of_email(&pair.ghl, &email).await {
            people.push(bridge_tests::novi_pair::Person {
                member_id: member["UniqueID"].as_str().unwrap().to_string(),
                ghl_id,
                member,
            });
        }
        if people.len() == 2 {
            break;
        }
    }
    let [a, b]: [_; 2] = people.try_into().ok().expect("two linked people");
    [a, b]
}

async fn ghl_put(pair: &Pair, path: &str, body: Value) {
    let answer = reqwest::Client::new()
        .put(format!("{}{path}", pair.ghl.base_url()))
        .bearer_auth(pair.ghl.private_token())
        .header(VERSION.0, VERSION.1)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "GHL refused {path}");
}

fn subjects(activities: &[Value]) -> Vec<String> {
    activities
        .iter()
        .filter_map(|a| a["Subject"].as_str().map(str::to_string))
        .collect()
}

/// #12: a dead letter holds back its own record only. Novi refuses every update of one
/// contact's task; the other contact's tasks sync in the same run and in later ones, and the
/// refused write is not planned again while its values stay the same.
#[tokio::test(flavor = "multi_thread")]
async fn a_dead_letter_on_one_contacts_task_does_not_stop_other_contacts_tasks() {
    use bridge_sandbox::faults::{AimedFault, AimedKind, FaultConfig};
    let pair = Pair::start(20, 6).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let [a, b] = two_linked_people(&pair).await;
    let task_of = |title: &str| json!({"title": title, "dueDate": "2026-12-02T09:00:00Z", "completed": false});
    let a_task = ghl_post(
        &pair,
        &format!("/contacts/{}/tasks", a.ghl_id),
        task_of("Call A"),
    )
    .await;
    let b_task = ghl_post(
        &pair,
        &format!("/contacts/{}/tasks", b.ghl_id),
        task_of("Call B"),
    )
    .await;
    let first = pair.sync();
    assert_eq!(first["childrenApplied"]["dead"], 0, "{first:#}");
    let a_activity = novi_activities_of(&pair, &a.member_id)
        .await
        .into_iter()
        .find(|x| x["Subject"] == "Call A")
        .expect("A's task reached Novi");
    let a_activity_id = a_activity["UniqueID"].as_str().unwrap().to_string();

    // Novi refuses every update of A's activity from now on.
    pair.novi.set_faults(FaultConfig::aimed(AimedFault::new(
        "PUT",
        &format!("/activities/{a_activity_id}"),
        AimedKind::Status(400),
        1000,
    )));
    let (a_id, b_id) = (
        a_task["task"]["id"].as_str().unwrap(),
        b_task["task"]["id"].as_str().unwrap(),
    );
    ghl_put(
        &pair,
        &format!("/contacts/{}/tasks/{a_id}", a.ghl_id),
        json!({"title": "Call A again"}),
    )
    .await;
    ghl_put(
        &pair,
        &format!("/contacts/{}/tasks/{b_id}", b.ghl_id),
        json!({"title": "Call B again"}),
    )
    .await;
    let second = pair.sync();
    assert_eq!(second["childrenApplied"]["dead"], 1, "{second:#}");
    // The same run: B's rename reached Novi beside A's dead letter.
    assert!(
        subjects(&novi_activities_of(&pair, &b.member_id).await).contains(&"Call B again".into()),
        "{second:#}"
    );

    // Later runs: a new task and a new rename of B arrive; A's refused write is not sent again.
    ghl_put(
        &pair,
        &format!("/contacts/{}/tasks/{b_id}", b.ghl_id),
        json!({"title": "Call B a third time"}),
    )
    .await;
    ghl_post(
        &pair,
        &format!("/contacts/{}/tasks", b.ghl_id),
        task_of("Send B the form"),
    )
    .await;
    for round in 0..2 {
        let later = pair.sync();
        assert_eq!(
            later["childrenApplied"]["dead"], 0,
            "round {round}: {later:#}"
        );
        let planned: Vec<&Value> = later["children"].as_array().unwrap().iter().collect();
        assert!(
            planned.iter().all(|op| op["sourceId"] != a_id),
            "round {round}: A's refused write is held back, not planned again: {later:#}"
        );
        if round == 0 {
            assert_eq!(planned.len(), 2, "B's rename and new task: {later:#}");
        } else {
            assert!(planned.is_empty(), "nothing left to do: {later:#}");
        }
    }
    let b_subjects = subjects(&novi_activities_of(&pair, &b.member_id).await);
    assert!(
        b_subjects.contains(&"Call B a third time".into()),
        "{b_subjects:?}"
    );
    assert!(
        b_subjects.contains(&"Send B the form".into()),
        "{b_subjects:?}"
    );
    let a_subjects = subjects(&novi_activities_of(&pair, &a.member_id).await);
    assert!(a_subjects.contains(&"Call A".into()), "{a_subjects:?}");
}

/// GET then PUT /activities/{id}: Novi replaces the record with what is sent.
async fn novi_edit_activity(pair: &Pair, id: &str, changes: Value) {
    let client = reqwest::Client::new();
    let url = format!("{}/activities/{id}", pair.novi.base_url());
    let auth = format!("Basic {}", pair.novi.api_key());
    let mut current: Value = client
        .get(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (key, value) in changes.as_object().unwrap() {
        current[key] = value.clone();
    }
    let answer = client
        .put(&url)
        .header("Authorization", &auth)
        .json(&current)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "Novi refused the edit");
}

/// #12: tasks merge field by field. Novi AMS completes a task while GHL renames it: after one
/// sync the task is renamed and completed on both sides, and the next sync writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_completion_in_novi_and_a_rename_in_ghl_both_hold_on_both_sides() {
    let pair = Pair::start(12, 2).await;
    pair.connect();
    assert_success(
        "first sync",
        &pair.bridge(&["sync", "--max-overwrite", "100"]),
    );
    let person = linked_person(&pair).await;
    let created = ghl_post(
        &pair,
        &format!("/contacts/{}/tasks", person.ghl_id),
        json!({"title": "Renew the membership", "dueDate": "2026-12-05T09:00:00Z", "completed": false}),
    )
    .await;
    let task_id = created["task"]["id"].as_str().unwrap().to_string();
    pair.sync();
    let activity = novi_activities_of(&pair, &person.member_id)
        .await
        .into_iter()
        .find(|a| a["Subject"] == "Renew the membership")
        .expect("the task reached Novi");
    let activity_id = activity["UniqueID"].as_str().unwrap().to_string();

    novi_edit_activity(&pair, &activity_id, json!({"TaskComplete": true})).await;
    ghl_put(
        &pair,
        &format!("/contacts/{}/tasks/{task_id}", person.ghl_id),
        json!({"title": "Renew the membership for 2027"}),
    )
    .await;
    let merged = pair.sync();
    assert_eq!(merged["childrenApplied"]["dead"], 0, "{merged:#}");

    let ghl_tasks = ghl_get(&pair, &format!("/contacts/{}/tasks", person.ghl_id)).await;
    let task = ghl_tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == task_id.as_str())
        .expect("the GHL task")
        .clone();
    assert_eq!(task["title"], "Renew the membership for 2027", "{task:#}");
    assert_eq!(task["completed"], true, "{task:#}");
    let novi = novi_activities_of(&pair, &person.member_id).await;
    let copies: Vec<&Value> = novi
        .iter()
        .filter(|a| a["UniqueID"] == activity_id.as_str())
        .collect();
    assert_eq!(
        copies[0]["Subject"], "Renew the membership for 2027",
        "{novi:#?}"
    );
    assert_eq!(copies[0]["TaskComplete"], true, "{novi:#?}");
    assert_eq!(
        subjects(&novi)
            .iter()
            .filter(|s| s.starts_with("Renew the membership"))
            .count(),
        1,
        "one record: {novi:#?}"
    );

    let quiet = pair.sync();
    assert_eq!(quiet["children"], json!([]), "settled: {quiet:#}");
}
