use reqwest::StatusCode;
use serde_json::json;

use crate::common::{all_members, send, small, start, Api};

#[tokio::test]
async fn create_returns_the_id_in_the_location_header_then_get_put_delete() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let member = all_members(&api).await[3]["UniqueID"]
        .as_str()
        .unwrap()
        .to_string();
    let response = api
        .post("/activities")
        .json(&json!({
            "MemberUniqueId": member,
            "ActivityType": "Task",
            "Subject": "Call about renewal",
            "Date": "2026-05-01T10:00:00Z",
            "Notes": "Bring the invoice",
            "TaskComplete": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let id = location.rsplit('/').next().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/activities/", novi.base_url())),
        "{location}"
    );
    assert_eq!(id.len(), 36);

    let (status, activity) = send(api.get(&format!("/activities/{id}"))).await;
    assert_eq!(status, StatusCode::OK, "{activity}");
    assert_eq!(activity["Subject"], "Call about renewal");
    assert_eq!(activity["MemberUniqueId"], member.as_str());
    assert!(activity["MemberName"].is_string());

    // PUT replaces: Notes left out is cleared.
    let (status, _) = send(api.put(&format!("/activities/{id}")).json(&json!({
        "MemberUniqueId": member, "ActivityType": "Task", "Subject": "Call about renewal",
        "Date": "2026-05-01T10:00:00Z", "TaskComplete": true, "TaskCompletedDate": "2026-05-02"
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, done) = send(api.get(&format!("/activities/{id}"))).await;
    assert_eq!(done["TaskComplete"], json!(true));
    assert!(done["Notes"].is_null());
    assert_eq!(done["TaskCompletedDate"], "2026-05-02T00:00:00.000Z");

    let (status, _) = send(api.delete(&format!("/activities/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(api.get(&format!("/activities/{id}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn activities_filter_by_date_and_member() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let member = all_members(&api).await[4]["UniqueID"]
        .as_str()
        .unwrap()
        .to_string();
    for date in ["2030-01-05", "2030-02-05", "2030-03-05"] {
        let response = api
            .post("/activities")
            .json(&json!({"MemberUniqueId": member, "ActivityType": "Note", "Subject": date, "Date": date}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let (status, window) = send(api.get("/activities?dateFrom=2030-01-01&dateTo=2030-02-28")).await;
    assert_eq!(status, StatusCode::OK, "{window}");
    assert_eq!(window["TotalCount"], 2, "{window}");
    let (_, mine) = send(api.get(&format!(
        "/activities?memberUniqueId={member}&dateFrom=2030-01-01"
    )))
    .await;
    assert_eq!(mine["TotalCount"], 3);
    let (_, all) = send(api.get("/activities?pageSize=1000")).await;
    assert!(
        all["TotalCount"].as_u64().unwrap() > 3,
        "seeded activities exist too"
    );
    let (status, _) = send(
        api.post("/activities")
            .json(&json!({"ActivityType": "Note"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "MemberUniqueId is required"
    );
}

#[tokio::test]
async fn events_are_one_unpaged_array_and_put_replaces() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let (status, events) = send(api.get("/events")).await;
    assert_eq!(status, StatusCode::OK);
    let seeded = events.as_array().unwrap().len();
    assert!(seeded >= 3);
    let (status, created) = send(api.post("/events").json(&json!({
        "Name": "Gala", "StartDate": "2030-06-01T18:00:00Z", "EndDate": "2030-06-01T22:00:00Z",
        "TimeZone": "Central Standard Time", "LocationName": "Hall", "Active": true
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["EventUniqueId"].as_str().unwrap();
    let (status, _) = send(api.put(&format!("/events/{id}")).json(&json!({
        "Name": "Gala (moved)", "StartDate": "2030-06-02T18:00:00Z", "EndDate": "2030-06-02T22:00:00Z"
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, events) = send(api.get("/events")).await;
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), seeded + 1);
    let moved = events.iter().find(|e| e["EventUniqueId"] == id).unwrap();
    assert_eq!(moved["Name"], "Gala (moved)");
    assert!(moved["LocationName"].is_null(), "replaced, not merged");
    let (status, _) = send(api.post("/events").json(&json!({
        "Name": "Backwards", "StartDate": "2030-06-02", "EndDate": "2030-06-01"
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Activity types are the tenant's (`/api/custom-activity-types`); an activity must name one.
#[tokio::test]
async fn activity_types_are_tenant_data_and_activities_must_name_one() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let (status, types) = send(api.get("/custom-activity-types")).await;
    assert_eq!(status, StatusCode::OK, "{types}");
    let results = types["Results"].as_array().unwrap();
    assert_eq!(types["TotalCount"], results.len());
    let task = results.iter().find(|t| t["Task"] == json!(true)).unwrap();
    for key in ["UniqueID", "Name", "Slug"] {
        assert!(task[key].is_string(), "{key} in {task}");
    }
    assert!(task["SystemType"].is_boolean() && task["Active"].is_boolean());
    let member = all_members(&api).await[3]["UniqueID"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = send(api.post("/activities").json(&json!({
        "MemberUniqueId": member, "ActivityType": "Carrier pigeon", "Subject": "x"
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(novi.remove_activity_type("Note"));
    let (_, types) = send(api.get("/custom-activity-types")).await;
    assert!(!types["Results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["Name"] == "Note"));
    let (status, _) = send(api.post("/activities").json(&json!({
        "MemberUniqueId": member, "ActivityType": "Note", "Subject": "x"
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a removed type is refused");
}
