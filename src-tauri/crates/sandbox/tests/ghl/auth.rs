use reqwest::StatusCode;
use serde_json::json;

use crate::common::{any_contact, http, send, start, str_of, Api};

#[tokio::test]
async fn missing_version_header_is_a_400_envelope() {
    let ghl = start(5).await;
    let url = format!(
        "{}/contacts/?locationId={}",
        ghl.base_url(),
        ghl.location_id()
    );
    let (status, body) = send(http().get(&url).bearer_auth(ghl.private_token())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["statusCode"], 400);
    assert_eq!(body["error"], "Bad Request");
    assert!(str_of(&body, "message").contains("Version"), "{body}");

    let (status, _) = send(
        http()
            .get(&url)
            .bearer_auth(ghl.private_token())
            .header("Version", "2021-07-28"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn missing_or_unknown_bearer_is_401_invalid_jwt() {
    let ghl = start(5).await;
    let url = format!(
        "{}/contacts/?locationId={}",
        ghl.base_url(),
        ghl.location_id()
    );
    let (status, body) = send(http().get(&url).header("Version", "2021-07-28")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["statusCode"], 401);
    assert_eq!(body["message"], "Invalid JWT");

    let (status, body) = send(
        http()
            .get(&url)
            .bearer_auth("pit-not-a-real-token")
            .header("Version", "2021-07-28"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid JWT");

    let (status, _) = send(
        http()
            .get(&url)
            .header("Authorization", format!("Basic {}", ghl.private_token()))
            .header("Version", "2021-07-28"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "only Bearer is accepted");
}

#[tokio::test]
async fn another_locations_id_is_403() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let (status, body) = send(
        api.post("/contacts/search")
            .json(&json!({"locationId": "someOtherLocation00", "pageLimit": 10})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        "The token does not have access to this location."
    );
    assert_eq!(body["statusCode"], 403);
}

#[tokio::test]
async fn calendars_routes_want_their_own_version() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let (status, body) = send(api.get("/calendars/events/appointments/nope")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(str_of(&body, "message").contains("2021-04-15"), "{body}");

    let (status, body) = send(api.calendars().get("/calendars/events/appointments/nope")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Appointment not found");
}

#[tokio::test]
async fn unknown_routes_answer_like_nest() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let (status, body) = send(api.get("/contacts/x/nothing-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "Cannot GET /contacts/x/nothing-here");
    let contact = any_contact(&api, &ghl.location_id()).await;
    let (status, _) = send(api.request(
        reqwest::Method::PATCH,
        &format!("/contacts/{}", str_of(&contact, "id")),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
