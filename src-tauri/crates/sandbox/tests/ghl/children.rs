use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{create_contact, send, start, str_of, Api};

#[tokio::test]
async fn tags_are_added_and_removed_with_a_body_on_delete() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let contact = create_contact(&api, &ghl.location_id(), "tagged@example.com").await;
    let id = str_of(&contact, "id");

    let (status, body) = send(
        api.post(&format!("/contacts/{id}/tags"))
            .json(&json!({"tags": ["Webinar-2026", "lead"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body, json!({"tags": ["webinar-2026", "lead"]}));

    tokio::time::sleep(Duration::from_millis(3)).await;
    let (status, body) = send(
        api.delete(&format!("/contacts/{id}/tags"))
            .json(&json!({"tags": ["webinar-2026"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"tags": ["lead"]}));

    let (_, got) = send(api.get(&format!("/contacts/{id}"))).await;
    assert_eq!(got["contact"]["tags"], json!(["lead"]));
    assert!(str_of(&got["contact"], "dateUpdated") > str_of(&contact, "dateUpdated"));

    // A body sent without Content-Type is not read, as with Express: tags are missing.
    let (status, body) = send(
        api.delete(&format!("/contacts/{id}/tags"))
            .body(r#"{"tags":["lead"]}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn tasks_crud() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let contact = create_contact(&api, &ghl.location_id(), "tasks@example.com").await;
    let id = str_of(&contact, "id");

    let (status, body) = send(
        api.post(&format!("/contacts/{id}/tasks"))
            .json(&json!({"title": "Call back", "dueDate": "2026-10-25T11:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        json!(["completed must be a boolean value"])
    );

    let (status, created) = send(api.post(&format!("/contacts/{id}/tasks")).json(&json!({
        "title": "Call back",
        "body": "About the renewal",
        "dueDate": "2026-10-25T11:00:00Z",
        "completed": false,
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let task = &created["task"];
    let task_id = str_of(task, "id");
    assert_eq!(task["dueDate"], "2026-10-25T11:00:00.000Z");
    assert_eq!(task["completed"], false);
    assert_eq!(task["contactId"], id);

    let (status, list) = send(api.get(&format!("/contacts/{id}/tasks"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["tasks"], json!([task]));

    let (status, got) = send(api.get(&format!("/contacts/{id}/tasks/{task_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&got["task"], task);

    let (status, updated) = send(
        api.put(&format!("/contacts/{id}/tasks/{task_id}"))
            .json(&json!({"title": "Call back today"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["task"]["title"], "Call back today");
    assert_eq!(updated["task"]["body"], "About the renewal");

    let (status, done) = send(
        api.put(&format!("/contacts/{id}/tasks/{task_id}/completed"))
            .json(&json!({"completed": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["task"]["completed"], true);

    let (status, body) = send(api.delete(&format!("/contacts/{id}/tasks/{task_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"succeded": true}));
    let (status, _) = send(api.get(&format!("/contacts/{id}/tasks/{task_id}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn notes_crud() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let contact = create_contact(&api, &ghl.location_id(), "notes@example.com").await;
    let id = str_of(&contact, "id");

    let (status, _) = send(
        api.post(&format!("/contacts/{id}/notes"))
            .json(&json!({"title": "no body"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, created) = send(
        api.post(&format!("/contacts/{id}/notes"))
            .json(&json!({"body": "<b>Prefers</b> email", "userId": "GCs5KuzPqTls7vWclkEV"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let note = &created["note"];
    let note_id = str_of(note, "id");
    assert_eq!(note["body"], "<b>Prefers</b> email");
    assert_eq!(note["contactId"], id);
    assert!(note["dateAdded"].is_string());

    let (_, list) = send(api.get(&format!("/contacts/{id}/notes"))).await;
    assert_eq!(list["notes"], json!([note]));
    let (status, got) = send(api.get(&format!("/contacts/{id}/notes/{note_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&got["note"], note);

    let (status, updated) = send(
        api.put(&format!("/contacts/{id}/notes/{note_id}"))
            .json(&json!({"body": "Prefers phone now", "pinned": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["note"]["body"], "Prefers phone now");
    assert_eq!(updated["note"]["pinned"], true);

    let (status, body) = send(api.delete(&format!("/contacts/{id}/notes/{note_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"succeded": true}));
    let (_, list) = send(api.get(&format!("/contacts/{id}/notes"))).await;
    assert_eq!(list["notes"], json!([]));
}

#[tokio::test]
async fn appointments_crud_through_the_calendars_api() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let calendars = api.calendars();
    let location = ghl.location_id();
    let contact = create_contact(&api, &location, "booked@example.com").await;
    let contact_id = str_of(&contact, "id");

    let (status, list) = send(
        calendars
            .get("/calendars/")
            .query(&[("locationId", location.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let calendar_id = str_of(&list["calendars"][0], "id").to_string();

    let booking = json!({
        "calendarId": calendar_id,
        "locationId": location,
        "contactId": contact_id,
        "startTime": "2030-06-23T03:30:00+05:30",
        "endTime": "2030-06-23T04:00:00+05:30",
        "title": "Intro call",
        "appointmentStatus": "confirmed",
    });
    let (status, created) = send(
        calendars
            .post("/calendars/events/appointments")
            .json(&booking),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let event_id = str_of(&created, "id").to_string();
    assert_eq!(created["contactId"], contact_id);
    assert_eq!(created["startTime"], "2030-06-23T03:30:00+05:30");

    let (status, clash) = send(
        calendars
            .post("/calendars/events/appointments")
            .json(&booking),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the slot is taken: {clash}"
    );

    let (status, got) =
        send(calendars.get(&format!("/calendars/events/appointments/{event_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["event"]["title"], "Intro call");
    assert_eq!(got["event"]["appointmentStatus"], "confirmed");

    let (status, events) = send(api.get(&format!("/contacts/{contact_id}/appointments"))).await;
    assert_eq!(status, StatusCode::OK);
    let listed: &Value = &events["events"][0];
    assert_eq!(listed["id"], event_id.as_str());
    assert_eq!(listed["startTime"], "2030-06-23 03:30:00");

    let (status, moved) = send(
        calendars
            .put(&format!("/calendars/events/appointments/{event_id}"))
            .json(&json!({"startTime": "2030-06-24T10:00:00Z", "appointmentStatus": "showed"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["startTime"], "2030-06-24T10:00:00Z");
    assert_eq!(
        moved["endTime"], "2030-06-24T10:30:00Z",
        "the duration is kept"
    );
    assert_eq!(moved["appointmentStatus"], "showed");

    let (status, body) = send(
        calendars
            .delete(&format!("/calendars/events/{event_id}"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body, json!({"succeeded": true}));
    let (_, events) = send(api.get(&format!("/contacts/{contact_id}/appointments"))).await;
    assert_eq!(events["events"], json!([]));
}

#[tokio::test]
async fn location_task_search_filters_by_completion() {
    let ghl = start(80).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let (status, open) = send(
        api.post(&format!("/locations/{location}/tasks/search"))
            .json(&json!({"completed": false, "limit": 500})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{open}");
    let open = open["tasks"].as_array().unwrap();
    assert!(!open.is_empty());
    assert!(open
        .iter()
        .all(|t| t["completed"] == false && t["contactId"].is_string()));
    let (_, page) = send(
        api.post(&format!("/locations/{location}/tasks/search"))
            .json(&json!({"completed": false, "limit": 2, "skip": 1})),
    )
    .await;
    assert_eq!(page["tasks"].as_array().unwrap().as_slice(), &open[1..3]);
}
