use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{any_contact, create_contact, search, send, start, str_of, Api};

#[tokio::test]
async fn unknown_body_field_is_422_with_message_array() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let (status, body) = send(api.post("/contacts/").json(&json!({
        "locationId": ghl.location_id(),
        "email": "new.person@example.com",
        "foo": "bar",
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"statusCode": 422, "message": ["property foo should not exist"], "error": "Unprocessable Entity"})
    );
}

#[tokio::test]
async fn invalid_values_are_422() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let (status, body) = send(api.post("/contacts/").json(&json!({
        "locationId": ghl.location_id(),
        "email": "not-an-email",
        "dnd": "yes",
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let messages: Vec<&str> = body["message"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(messages.contains(&"email must be an email"), "{body}");
    assert!(messages.contains(&"dnd must be a boolean value"), "{body}");

    let (status, body) = send(api.post("/contacts/").json(&json!({"email": "a@b.com"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["message"].to_string().contains("locationId"), "{body}");
}

#[tokio::test]
async fn update_rejects_company_name_and_gender_like_ghl() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let contact = any_contact(&api, &ghl.location_id()).await;
    let (status, body) = send(
        api.put(&format!("/contacts/{}", str_of(&contact, "id")))
            .json(&json!({"companyName": "Acme", "gender": "female"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        json!([
            "property companyName should not exist",
            "property gender should not exist"
        ])
    );
}

fn is_iso_ms(value: &Value) -> bool {
    let s = value.as_str().unwrap_or_default();
    s.len() == 24
        && s.ends_with('Z')
        && s.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[tokio::test]
async fn create_get_update_then_search_sees_the_change() {
    let ghl = start(30).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let created = create_contact(&api, &location, "Maria.Lopez@Example.com").await;
    let id = str_of(&created, "id").to_string();
    assert_eq!(id.len(), 20);
    assert_eq!(created["locationId"], location);
    assert_eq!(created["emailLowerCase"], "maria.lopez@example.com");
    assert!(is_iso_ms(&created["dateAdded"]), "{created}");
    assert_eq!(created["dateAdded"], created["dateUpdated"]);

    let (status, got) = send(api.get(&format!("/contacts/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["contact"]["email"], "Maria.Lopez@Example.com");
    assert_eq!(got["contact"]["firstName"], "Test");

    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, updated) = send(api.put(&format!("/contacts/{id}")).json(&json!({
        "firstName": "Maria",
        "phone": "(512) 555-0199",
        "tags": ["VIP", "newsletter"],
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["succeded"], true);
    let contact = &updated["contact"];
    assert_eq!(contact["firstName"], "Maria");
    assert_eq!(
        contact["phone"], "+15125550199",
        "phones are stored in E.164"
    );
    assert_eq!(contact["tags"], json!(["vip", "newsletter"]));
    assert!(is_iso_ms(&contact["dateUpdated"]));
    assert!(str_of(contact, "dateUpdated") > str_of(&created, "dateUpdated"));

    // PUT tags replaces all tags.
    let (_, replaced) = send(
        api.put(&format!("/contacts/{id}"))
            .json(&json!({"tags": ["customer"]})),
    )
    .await;
    assert_eq!(replaced["contact"]["tags"], json!(["customer"]));

    let found = search(
        &api,
        &location,
        json!({"pageLimit": 5, "filters": [{"field": "email", "operator": "eq", "value": "maria.lopez@example.com"}]}),
    )
    .await;
    assert_eq!(found["total"], 1);
    let hit = &found["contacts"][0];
    assert_eq!(hit["id"], id.as_str());
    assert_eq!(hit["firstName"], "Maria");
    assert_eq!(hit["dateUpdated"], replaced["contact"]["dateUpdated"]);

    let newest = search(
        &api,
        &location,
        json!({"pageLimit": 1, "sort": [{"field": "dateUpdated", "direction": "desc"}]}),
    )
    .await;
    assert_eq!(
        newest["contacts"][0]["id"],
        id.as_str(),
        "the latest write sorts last-updated first"
    );
}

#[tokio::test]
async fn duplicates_are_refused_with_the_existing_contact_id() {
    let ghl = start(10).await;
    let api = Api::new(&ghl);
    let existing = any_contact(&api, &ghl.location_id()).await;
    let (status, body) = send(api.post("/contacts/").json(&json!({
        "locationId": ghl.location_id(),
        "email": str_of(&existing, "email").to_uppercase(),
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        "This location does not allow duplicated contacts."
    );
    assert_eq!(body["meta"]["contactId"], existing["id"]);
    assert_eq!(body["meta"]["matchingField"], "email");

    let other = create_contact(&api, &ghl.location_id(), "someone.else@example.org").await;
    let (status, body) = send(
        api.put(&format!("/contacts/{}", str_of(&other, "id")))
            .json(&json!({"email": existing["email"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["meta"]["contactId"], existing["id"]);
}

#[tokio::test]
async fn upsert_matches_by_email_or_creates() {
    let ghl = start(10).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let existing = any_contact(&api, &location).await;
    let (status, body) = send(api.post("/contacts/upsert").json(&json!({
        "locationId": location,
        "email": existing["email"],
        "lastName": "Upserted",
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["new"], false);
    assert_eq!(body["contact"]["id"], existing["id"]);
    assert_eq!(body["contact"]["lastName"], "Upserted");
    assert!(body["traceId"].is_string());

    let (status, body) = send(api.post("/contacts/upsert").json(&json!({
        "locationId": location,
        "email": "brand.new@example.net",
        "firstName": "Brand",
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["new"], true);
    assert_ne!(body["contact"]["id"], existing["id"]);
}

#[tokio::test]
async fn delete_removes_the_contact_and_its_children() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let contact = create_contact(&api, &ghl.location_id(), "short.lived@example.com").await;
    let id = str_of(&contact, "id");
    let (status, _) = send(
        api.post(&format!("/contacts/{id}/notes"))
            .json(&json!({"body": "hello"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = send(api.delete(&format!("/contacts/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"succeded": true}));

    let (status, body) = send(api.get(&format!("/contacts/{id}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Contact not found");
    let (status, _) = send(api.get(&format!("/contacts/{id}/notes"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let again = create_contact(&api, &ghl.location_id(), "short.lived@example.com").await;
    assert_ne!(again["id"], contact["id"], "the email is free again");
}

#[tokio::test]
async fn custom_fields_write_by_id_or_key_and_read_as_id_value() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let (status, fields) =
        send(api.get(&format!("/locations/{location}/customFields?model=contact"))).await;
    assert_eq!(status, StatusCode::OK);
    let fields = fields["customFields"].as_array().unwrap().clone();
    assert!((3..=5).contains(&fields.len()));
    let field = |key: &str| {
        fields
            .iter()
            .find(|f| f["fieldKey"] == key)
            .unwrap_or_else(|| panic!("{key} in {fields:?}"))
            .clone()
    };
    let level = field("contact.membership_level");
    assert_eq!(level["dataType"], "SINGLE_OPTIONS");
    let value = field("contact.lifetime_value");
    assert_eq!(value["dataType"], "NUMERICAL");

    let contact = create_contact(&api, &location, "fields@example.com").await;
    let id = str_of(&contact, "id");
    let (status, body) = send(api.put(&format!("/contacts/{id}")).json(&json!({
        "customFields": [
            {"key": "membership_level", "field_value": "Gold"},
            {"id": value["id"], "fieldValue": "12.5"},
        ]
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read = body["contact"]["customFields"].as_array().unwrap();
    assert!(
        read.contains(&json!({"id": level["id"], "value": "Gold"})),
        "{read:?}"
    );
    assert!(
        read.contains(&json!({"id": value["id"], "value": 12.5})),
        "{read:?}"
    );

    for bad in [
        json!([{"key": "no_such_field", "field_value": "x"}]),
        json!([{"id": level["id"], "field_value": "Diamond"}]),
        json!([{"id": value["id"], "field_value": "lots"}]),
        json!([{"id": level["id"], "value": "Gold"}]),
    ] {
        let (status, body) = send(
            api.put(&format!("/contacts/{id}"))
                .json(&json!({"customFields": bad})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
    }
}

#[tokio::test]
async fn duplicate_lookup_by_email_or_number() {
    let ghl = start(10).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let existing = any_contact(&api, &location).await;
    let email = str_of(&existing, "email").to_uppercase();
    let (status, body) = send(
        api.get("/contacts/search/duplicate")
            .query(&[("locationId", location.as_str()), ("email", email.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["contact"]["id"], existing["id"]);

    let (_, body) = send(api.get("/contacts/search/duplicate").query(&[
        ("locationId", location.as_str()),
        ("email", "nobody@nowhere.io"),
    ]))
    .await;
    assert_eq!(body, json!({"contact": null}));

    let (status, _) = send(
        api.get("/contacts/search/duplicate")
            .query(&[("locationId", location.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn deprecated_list_pages_with_start_after() {
    let ghl = start(23).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let mut seen = Vec::new();
    let mut query = vec![
        ("locationId".to_string(), location.clone()),
        ("limit".into(), "7".into()),
    ];
    loop {
        let (status, body) = send(api.get("/contacts/").query(&query)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["meta"]["total"], 23);
        for contact in body["contacts"].as_array().unwrap() {
            seen.push((
                str_of(contact, "dateAdded").to_string(),
                str_of(contact, "id").to_string(),
            ));
        }
        let Some(after) = body["meta"]["startAfter"].as_i64() else {
            assert!(body["meta"]["nextPageUrl"].is_null());
            break;
        };
        assert!(body["meta"]["nextPageUrl"]
            .as_str()
            .unwrap()
            .starts_with(&ghl.base_url()));
        let after_id = str_of(&body["meta"], "startAfterId").to_string();
        query = vec![
            ("locationId".into(), location.clone()),
            ("limit".into(), "7".into()),
            ("startAfter".into(), after.to_string()),
            ("startAfterId".into(), after_id),
        ];
    }
    assert_eq!(seen.len(), 23);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");

    let (status, _) = send(
        api.get("/contacts/")
            .query(&[("locationId", location.as_str()), ("limit", "101")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn contacts_of_a_business() {
    let ghl = start(60).await;
    let api = Api::new(&ghl);
    let location = ghl.location_id();
    let with_business = search(
        &api,
        &location,
        json!({"pageLimit": 1, "filters": [{"field": "businessId", "operator": "exists"}]}),
    )
    .await;
    let business = str_of(&with_business["contacts"][0], "businessId").to_string();
    let (status, body) = send(
        api.get(&format!("/contacts/business/{business}"))
            .query(&[("locationId", location.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let contacts = body["contacts"].as_array().unwrap();
    assert!(!contacts.is_empty());
    assert_eq!(body["count"], contacts.len());
    assert!(contacts
        .iter()
        .all(|c| c["businessId"] == business.as_str()));
}
