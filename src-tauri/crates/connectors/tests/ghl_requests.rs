//! What each GHL call puts on the wire — method, path, query, headers, body — checked against
//! the specs (contacts.json, calendars.json, locations.json), and that the documented answers
//! are read.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use bridge_connectors::ghl::wire::{
    AppointmentStatus, AppointmentUpdate, ContactFields, CustomFieldInput, GhlContact,
    NewAppointment, NewContact, NewNote, NewTask, NoteUpdate, TaskUpdate,
};
use bridge_connectors::ghl::{GhlClient, BUSINESS_PAGE_LIMIT};
use bridge_core::ErrorCode;
use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use serde_json::{json, Value};
use support::{ghl, http_client, static_token, MockServer, Recorded, Reply, LOCATION, TOKEN};

const CONTACTS_VERSION: &str = "2021-07-28";
const CALENDARS_VERSION: &str = "2021-04-15";

/// Headers every call carries; `Content-Type` only with a body.
fn assert_headers(request: &Recorded, version: &str) {
    let what = format!("{} {}", request.method, request.path);
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "{what}"
    );
    assert_eq!(request.header("version"), Some(version), "{what}");
    assert_eq!(request.header("accept"), Some("application/json"), "{what}");
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("contact-bridge/")),
        "{what}"
    );
    if request.body.is_empty() {
        assert_eq!(request.header("content-type"), None, "{what}");
    } else {
        assert_eq!(
            request.header("content-type"),
            Some("application/json"),
            "{what}"
        );
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn contact_json(id: &str) -> Value {
    json!({"id": id, "locationId": LOCATION, "email": "ann@example.com", "tags": ["vip"],
           "dateUpdated": "2024-01-02T03:04:05.000Z"})
}

async fn one_call(reply: Reply) -> (MockServer, GhlClient) {
    let server = MockServer::sequence(vec![reply]).await;
    let client = ghl(&server);
    (server, client)
}

#[tokio::test]
async fn get_contact() {
    let (server, client) = one_call(Reply::json(200, json!({"contact": contact_json("c1")}))).await;
    let contact = client.get_contact("c1").await.unwrap();
    assert_eq!(contact.id.as_deref(), Some("c1"));
    assert_eq!(contact.tags, vec!["vip".to_string()]);
    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/contacts/c1")
    );
    assert_eq!(request.query, None);
    assert!(request.body.is_empty());
    assert_headers(&request, CONTACTS_VERSION);
}

#[tokio::test]
async fn create_contact_posts_create_contact_dto_with_the_location() {
    let (server, client) =
        one_call(Reply::json(201, json!({"contact": contact_json("new1")}))).await;
    let contact = NewContact {
        fields: ContactFields {
            first_name: Some("Ann".into()),
            email: Some("ann@example.com".into()),
            tags: Some(vec!["vip".into()]),
            custom_fields: Some(vec![CustomFieldInput::by_id("f1", json!("Gold"))]),
            ..Default::default()
        },
        gender: Some("female".into()),
        company_name: Some("Acme".into()),
    };
    let created = client.create_contact(&contact).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("new1"));

    let request = server.only_request();
    // The spec's path is "/contacts/", trailing slash included.
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/contacts/")
    );
    assert_headers(&request, CONTACTS_VERSION);
    assert_eq!(
        request.json(),
        json!({"locationId": LOCATION, "firstName": "Ann", "email": "ann@example.com",
               "tags": ["vip"], "customFields": [{"id": "f1", "field_value": "Gold"}],
               "gender": "female", "companyName": "Acme"})
    );
}

#[tokio::test]
async fn update_contact_puts_update_contact_dto_without_forbidden_fields() {
    let (server, client) = one_call(Reply::json(
        200,
        json!({"succeded": true, "contact": contact_json("c1")}),
    ))
    .await;
    let fields = ContactFields {
        last_name: Some("Lee".into()),
        phone: Some("+15550102000".into()),
        custom_fields: Some(vec![CustomFieldInput::by_key(
            "contact.level",
            json!("Gold"),
        )]),
        ..Default::default()
    };
    let updated = client.update_contact("c1", &fields).await.unwrap();
    assert_eq!(updated.and_then(|c| c.id).as_deref(), Some("c1"));

    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PUT", "/contacts/c1")
    );
    assert_headers(&request, CONTACTS_VERSION);
    let body = request.json();
    assert_eq!(
        body,
        json!({"lastName": "Lee", "phone": "+15550102000",
               "customFields": [{"key": "contact.level", "field_value": "Gold"}]})
    );
    for forbidden in ["locationId", "gender", "companyName"] {
        assert!(
            !keys(&body).contains(forbidden),
            "{forbidden} must not be sent on PUT"
        );
    }
}

#[tokio::test]
async fn a_cleared_name_email_or_phone_is_sent_as_null_as_the_spec_types_them() {
    // UpdateContactDto: firstName, lastName, email and phone are `nullable: true` strings; an
    // empty string is not a valid email or phone, and a field left out is kept.
    let (server, client) = one_call(Reply::json(
        200,
        json!({"succeded": true, "contact": contact_json("c1")}),
    ))
    .await;
    let fields = ContactFields {
        first_name: Some("Ann".into()),
        last_name: Some(String::new()),
        email: Some(String::new()),
        phone: Some(String::new()),
        ..Default::default()
    };
    client.update_contact("c1", &fields).await.unwrap();
    assert_eq!(
        server.only_request().json(),
        json!({"firstName": "Ann", "lastName": null, "email": null, "phone": null})
    );
}

#[tokio::test]
async fn update_contact_reported_unsuccessful_is_an_error() {
    let (_server, client) = one_call(Reply::json(200, json!({"succeded": false}))).await;
    let err = client
        .update_contact("c1", &ContactFields::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(err.message.contains("c1") && err.message.contains("did not succeed"));
}

#[tokio::test]
async fn delete_contact() {
    let (server, client) = one_call(Reply::json(200, json!({"succeded": true}))).await;
    client.delete_contact("c1").await.unwrap();
    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("DELETE", "/contacts/c1")
    );
    assert!(request.body.is_empty());
    assert_headers(&request, CONTACTS_VERSION);

    let (_server, client) = one_call(Reply::json(200, json!({"succeded": false}))).await;
    let err = client.delete_contact("c1").await.unwrap_err();
    assert_eq!(
        err.message,
        "delete GHL contact c1: GHL answered that the delete did not succeed"
    );

    // contacts.json documents 200/400/401 for this route: a missing contact answers 400,
    // which is "not found" (the delete a caller wanted already holds).
    let (_server, client) = one_call(Reply::json(
        400,
        json!({"statusCode": 400, "message": "Contact not found"}),
    ))
    .await;
    let err = client.delete_contact("c1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{}", err.message);
}

#[tokio::test]
async fn upsert_contact_posts_upsert_contact_dto() {
    let (server, client) = one_call(Reply::json(
        200,
        json!({"new": false, "contact": contact_json("c1"), "traceId": "trace-1"}),
    ))
    .await;
    let contact = NewContact {
        fields: ContactFields {
            email: Some("ann@example.com".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let upserted = client.upsert_contact(&contact, Some(false)).await.unwrap();
    assert_eq!(upserted.created, Some(false));
    assert_eq!(upserted.contact.id.as_deref(), Some("c1"));

    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/contacts/upsert")
    );
    assert_headers(&request, CONTACTS_VERSION);
    assert_eq!(
        request.json(),
        json!({"locationId": LOCATION, "email": "ann@example.com",
               "createNewIfDuplicateAllowed": false})
    );
}

#[tokio::test]
async fn duplicate_lookup_sends_encoded_email_and_number() {
    let (server, client) = one_call(Reply::json(200, json!({"contact": contact_json("c1")}))).await;
    let found = client
        .find_duplicate(Some("test+abc@gmail.com"), Some("+1423164516"))
        .await
        .unwrap();
    assert_eq!(found.and_then(|c| c.id).as_deref(), Some("c1"));

    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/contacts/search/duplicate")
    );
    assert_headers(&request, CONTACTS_VERSION);
    // The spec asks for `+` and `@` percent-encoded.
    assert_eq!(
        request.query.as_deref(),
        Some("locationId=loc-1&number=%2B1423164516&email=test%2Babc%40gmail.com")
    );

    let (_server, client) = one_call(Reply::json(200, json!({"contact": null}))).await;
    assert!(client
        .find_duplicate(Some("nobody@example.com"), None)
        .await
        .unwrap()
        .is_none());

    let (server, client) = one_call(Reply::json(200, json!({}))).await;
    let err = client.find_duplicate(Some(" "), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn contacts_of_a_business_stream_by_limit_and_skip() {
    let server = MockServer::start(|request, _| {
        let skip: usize = request
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == "skip")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap();
        let count = if skip == 0 {
            BUSINESS_PAGE_LIMIT as usize
        } else {
            3
        };
        let contacts: Vec<Value> = (0..count)
            .map(|i| contact_json(&format!("c{}", skip + i)))
            .collect();
        Reply::json(200, json!({"contacts": contacts, "count": 103}))
    })
    .await;
    let client = ghl(&server);
    let pages: Vec<Vec<GhlContact>> = client
        .contacts_of_business("biz 1")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![100, 3]);
    assert_eq!(pages[1][2].id.as_deref(), Some("c102"));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for (request, skip) in requests.iter().zip(["0", "100"]) {
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/contacts/business/biz%201");
        assert_headers(request, CONTACTS_VERSION);
        assert_eq!(
            request.query_pairs(),
            vec![
                ("locationId".to_string(), LOCATION.to_string()),
                ("limit".to_string(), "100".to_string()),
                ("skip".to_string(), skip.to_string()),
            ]
        );
    }
}

#[tokio::test]
async fn tags_are_added_with_post_and_removed_with_a_delete_body() {
    let server = MockServer::start(|request, _| match request.method.as_str() {
        "POST" => Reply::json(201, json!({"tags": ["a", "b", "vip"]})),
        _ => Reply::json(200, json!({"tags": ["b", "vip"]})),
    })
    .await;
    let client = ghl(&server);
    let after_add = client
        .add_tags("c1", &["a".to_string(), "b".to_string()])
        .await
        .unwrap();
    assert_eq!(after_add, ["a", "b", "vip"]);
    let after_remove = client.remove_tags("c1", &["a".to_string()]).await.unwrap();
    assert_eq!(after_remove, ["b", "vip"]);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/contacts/c1/tags")
    );
    assert_eq!(requests[0].json(), json!({"tags": ["a", "b"]}));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("DELETE", "/contacts/c1/tags")
    );
    assert_eq!(requests[1].json(), json!({"tags": ["a"]}));
    for request in &requests {
        assert_headers(request, CONTACTS_VERSION);
    }
}

#[tokio::test]
async fn task_calls() {
    let task = json!({"id": "t1", "title": "Call", "body": "about renewal", "dueDate": "2020-10-25T11:00:00.000Z",
                      "completed": false, "contactId": "c1"});
    let server = MockServer::start(move |request, _| {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/contacts/c1/tasks") => Reply::json(200, json!({"tasks": [task.clone()]})),
            ("POST", _) => Reply::json(201, json!({"task": task.clone()})),
            ("DELETE", _) => Reply::json(200, json!({"succeded": true})),
            _ => Reply::json(200, json!({"task": task.clone()})),
        }
    })
    .await;
    let client = ghl(&server);
    let due = Utc.with_ymd_and_hms(2020, 10, 25, 11, 0, 0).unwrap();

    let tasks = client.list_tasks("c1").await.unwrap();
    assert_eq!(tasks[0].title.as_deref(), Some("Call"));
    client.get_task("c1", "t1").await.unwrap();
    let created = client
        .create_task(
            "c1",
            &NewTask {
                title: "Call".into(),
                body: Some("about renewal".into()),
                due_date: due,
                completed: false,
                assigned_to: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(created.to_core("c1").unwrap().due_date, Some(due));
    client
        .update_task(
            "c1",
            "t1",
            &TaskUpdate {
                title: Some("Call again".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    client.set_task_completed("c1", "t1", true).await.unwrap();
    client.delete_task("c1", "t1").await.unwrap();

    let requests = server.requests();
    let shapes: Vec<(&str, &str, Option<Value>)> = requests
        .iter()
        .map(|r| {
            assert_headers(r, CONTACTS_VERSION);
            (
                r.method.as_str(),
                r.path.as_str(),
                (!r.body.is_empty()).then(|| r.json()),
            )
        })
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("GET", "/contacts/c1/tasks", None),
            ("GET", "/contacts/c1/tasks/t1", None),
            (
                "POST",
                "/contacts/c1/tasks",
                Some(json!({"title": "Call", "body": "about renewal",
                            "dueDate": "2020-10-25T11:00:00Z", "completed": false}))
            ),
            (
                "PUT",
                "/contacts/c1/tasks/t1",
                Some(json!({"title": "Call again"}))
            ),
            (
                "PUT",
                "/contacts/c1/tasks/t1/completed",
                Some(json!({"completed": true}))
            ),
            ("DELETE", "/contacts/c1/tasks/t1", None),
        ]
    );
}

#[tokio::test]
async fn note_calls() {
    let note = json!({"id": "n1", "body": "Met at the fair", "userId": "u1", "contactId": "c1",
                      "dateAdded": "2021-07-08T12:02:11.285Z"});
    let server = MockServer::start(move |request, _| {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/contacts/c1/notes") => Reply::json(200, json!({"notes": [note.clone()]})),
            ("POST", _) => Reply::json(201, json!({"note": note.clone()})),
            ("DELETE", _) => Reply::json(200, json!({"succeded": true})),
            _ => Reply::json(200, json!({"note": note.clone()})),
        }
    })
    .await;
    let client = ghl(&server);

    let notes = client.list_notes("c1").await.unwrap();
    assert_eq!(notes[0].to_core("c1").unwrap().body, "Met at the fair");
    client.get_note("c1", "n1").await.unwrap();
    client
        .create_note(
            "c1",
            &NewNote {
                body: "Met at the fair".into(),
                user_id: Some("u1".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    client
        .update_note(
            "c1",
            "n1",
            &NoteUpdate {
                body: Some("Met twice".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    client.delete_note("c1", "n1").await.unwrap();

    let shapes: Vec<(String, String, Option<Value>)> = server
        .requests()
        .iter()
        .map(|r| {
            assert_headers(r, CONTACTS_VERSION);
            (
                r.method.clone(),
                r.path.clone(),
                (!r.body.is_empty()).then(|| r.json()),
            )
        })
        .collect();
    let expected: Vec<(String, String, Option<Value>)> = vec![
        ("GET".into(), "/contacts/c1/notes".into(), None),
        ("GET".into(), "/contacts/c1/notes/n1".into(), None),
        (
            "POST".into(),
            "/contacts/c1/notes".into(),
            Some(json!({"body": "Met at the fair", "userId": "u1"})),
        ),
        (
            "PUT".into(),
            "/contacts/c1/notes/n1".into(),
            Some(json!({"body": "Met twice"})),
        ),
        ("DELETE".into(), "/contacts/c1/notes/n1".into(), None),
    ];
    assert_eq!(shapes, expected);
}

#[tokio::test]
async fn appointment_calls_use_the_calendars_version() {
    let event = json!({"id": "e1", "calendarId": "cal1", "locationId": LOCATION, "contactId": "c1",
                       "title": "Intro", "appointmentStatus": "confirmed",
                       "startTime": "2021-06-23T03:30:00+05:30", "endTime": "2021-06-23T04:30:00+05:30"});
    let server = MockServer::start(move |request, _| {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/contacts/c1/appointments") => {
                Reply::json(200, json!({"events": [event.clone()]}))
            }
            ("GET", _) => Reply::json(200, json!({"event": event.clone()})),
            ("DELETE", _) => Reply::json(201, json!({"succeeded": true})),
            _ => Reply::json(200, event.clone()),
        }
    })
    .await;
    let client = ghl(&server);
    let start = Utc.with_ymd_and_hms(2021, 6, 22, 22, 0, 0).unwrap();

    let events = client.contact_appointments("c1").await.unwrap();
    assert_eq!(events[0].to_core("c1").unwrap().start_time, Some(start));
    let fetched = client.get_appointment("e1").await.unwrap();
    assert_eq!(fetched.title.as_deref(), Some("Intro"));
    let mut appointment = NewAppointment::new("cal1", "c1", start);
    appointment.end_time = Some(start + chrono::Duration::hours(1));
    appointment.title = Some("Intro".into());
    appointment.appointment_status = Some(AppointmentStatus::Confirmed);
    let created = client.create_appointment(&appointment).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("e1"));
    client
        .update_appointment(
            "e1",
            &AppointmentUpdate {
                appointment_status: Some(AppointmentStatus::Cancelled),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    client.delete_appointment("e1").await.unwrap();

    let requests = server.requests();
    let versions: Vec<&str> = requests
        .iter()
        .map(|r| r.header("version").unwrap())
        .collect();
    assert_eq!(
        versions,
        [
            CONTACTS_VERSION,
            CALENDARS_VERSION,
            CALENDARS_VERSION,
            CALENDARS_VERSION,
            CALENDARS_VERSION
        ]
    );
    for request in &requests {
        assert_headers(request, request.header("version").unwrap());
    }
    let shapes: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("GET", "/contacts/c1/appointments"),
            ("GET", "/calendars/events/appointments/e1"),
            ("POST", "/calendars/events/appointments"),
            ("PUT", "/calendars/events/appointments/e1"),
            ("DELETE", "/calendars/events/e1"),
        ]
    );
    assert_eq!(
        requests[2].json(),
        json!({"locationId": LOCATION, "calendarId": "cal1", "contactId": "c1",
               "startTime": "2021-06-22T22:00:00Z", "endTime": "2021-06-22T23:00:00Z",
               "title": "Intro", "appointmentStatus": "confirmed"})
    );
    assert_eq!(
        requests[3].json(),
        json!({"appointmentStatus": "cancelled"})
    );
    // DeleteAppointmentSchema is `{}` and the spec marks the body required.
    assert_eq!(requests[4].json(), json!({}));
}

#[tokio::test]
async fn custom_fields_of_the_location() {
    let (server, client) = one_call(Reply::json(
        200,
        json!({"customFields": [
            {"id": "f1", "name": "Level", "fieldKey": "contact.level", "dataType": "TEXT",
             "placeholder": "", "position": 0, "picklistOptions": [], "model": "contact",
             "locationId": LOCATION},
            {"id": "f2", "name": "Plan", "fieldKey": "contact.plan", "dataType": "SINGLE_OPTIONS",
             "picklistOptions": ["Basic", "Pro"], "model": "contact"}
        ]}),
    ))
    .await;
    let index = client.custom_field_index().await.unwrap();
    assert_eq!(index.key_of("f2"), Some("contact.plan"));
    assert_eq!(index.id_of("contact.level"), Some("f1"));

    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/locations/loc-1/customFields")
    );
    assert_eq!(request.query.as_deref(), Some("model=contact"));
    assert_headers(&request, CONTACTS_VERSION);
}

#[tokio::test]
async fn ids_are_percent_encoded_and_the_base_path_is_kept() {
    let server = MockServer::sequence(vec![Reply::json(
        200,
        json!({"contact": contact_json("x")}),
    )])
    .await;
    let base = format!("{}/ghl-sandbox/", server.url);
    let client = GhlClient::with_http(http_client(&base, static_token()), LOCATION).unwrap();
    client.get_contact("a/b c?d").await.unwrap();
    let request = server.only_request();
    assert_eq!(request.path, "/ghl-sandbox/contacts/a%2Fb%20c%3Fd");
    assert_eq!(request.query, None);
}

#[tokio::test]
async fn empty_ids_are_refused_before_any_request() {
    let server = MockServer::sequence(vec![Reply::json(200, json!({}))]).await;
    let client = ghl(&server);
    let err = client.delete_contact("").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(err.message, "GHL contact id is empty");
    let err = client.delete_task("c1", " ").await.unwrap_err();
    assert_eq!(err.message, "GHL task id is empty");
    assert!(server.requests().is_empty());
}
