//! The spec-driven mock itself: it must reject what GHL rejects, or the client tests prove nothing.

use bridge_tests::spec_mock::SpecMock;

#[tokio::test]
async fn spec_mock_rejects_unknown_fields_and_missing_auth() {
    let mock = SpecMock::start().await;
    let http = reqwest::Client::new();
    let create = |body: serde_json::Value| {
        http.post(format!("{}/contacts/", mock.base_url()))
            .bearer_auth("test-token")
            .header("Version", "2021-07-28")
            .json(&body)
            .send()
    };
    let accepted = create(serde_json::json!({"locationId": "loc1", "firstName": "Ada"}))
        .await
        .unwrap();
    assert_eq!(accepted.status(), 201);

    let unknown = create(serde_json::json!({"locationId": "loc1", "nickname": "Ada"}))
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        422,
        "an unknown body field must be refused"
    );

    let no_auth = http
        .get(format!("{}/contacts/abc", mock.base_url()))
        .header("Version", "2021-07-28")
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 401);

    let calendar = http
        .delete(format!("{}/calendars/events/evt1", mock.base_url()))
        .bearer_auth("test-token")
        .header("Version", "2021-04-15")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert!(
        calendar.status().is_success(),
        "calendars routed: {}",
        calendar.status()
    );
}
