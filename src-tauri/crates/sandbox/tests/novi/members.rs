use std::collections::HashSet;

use bridge_sandbox::{GhlConfig, GhlSandbox, NoviConfig};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{all_members, send, small, start, Api};

#[tokio::test]
async fn paging_reports_total_count_and_walks_every_member_once() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let (status, first) = send(api.get("/members?pageSize=5&offset=0")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let total = first["TotalCount"].as_u64().unwrap() as usize;
    assert_eq!(first["Results"].as_array().unwrap().len(), 5);
    assert!(total > 10, "{total}");
    let all = all_members(&api).await;
    assert_eq!(all.len(), total);
    let ids: HashSet<_> = all
        .iter()
        .map(|m| m["UniqueID"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), total, "no duplicates across pages");
    let (_, past_end) = send(api.get(&format!("/members?pageSize=5&offset={total}"))).await;
    assert_eq!(past_end["TotalCount"].as_u64().unwrap() as usize, total);
    assert!(past_end["Results"].as_array().unwrap().is_empty());
    let (status, _) = send(api.get("/members?pageSize=abc")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_share_of_ghl_contacts_are_members_with_the_same_email() {
    let ghl = GhlSandbox::start(GhlConfig {
        seed_contacts: 50,
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    let novi = start(NoviConfig {
        ghl_contacts: 50,
        members: 20,
        ..NoviConfig::default()
    })
    .await;
    let http = crate::common::http();
    let mut ghl_emails = HashSet::new();
    let answer: serde_json::Value = http
        .post(format!("{}/contacts/search", ghl.base_url()))
        .bearer_auth(ghl.private_token())
        .header("Version", "2021-07-28")
        .json(&json!({"locationId": ghl.location_id(), "pageLimit": 100}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for contact in answer["contacts"].as_array().unwrap() {
        ghl_emails.insert(contact["email"].as_str().unwrap().to_lowercase());
    }
    assert_eq!(ghl_emails.len(), 50);
    let members = all_members(&Api::new(&novi)).await;
    let shared = members
        .iter()
        .filter_map(|m| m["Email"].as_str())
        .filter(|e| ghl_emails.contains(&e.trim().to_lowercase()))
        .count();
    assert!(
        (20..=40).contains(&shared),
        "about 60% of 50 shared, got {shared}"
    );
    assert!(
        members.len() > shared + 15,
        "plus Novi-only members and companies"
    );
    assert!(
        members
            .iter()
            .any(|m| m["ParentCustomerUniqueID"].is_string()),
        "some people belong to a company"
    );
}

#[tokio::test]
async fn put_replaces_the_whole_member_and_clears_what_is_left_out() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let all = all_members(&api).await;
    let member = all
        .iter()
        .find(|m| {
            m["FirstName"].is_string() && m["Phone"].is_string() && m["Active"] == json!(true)
        })
        .expect("a person with a phone");
    let id = member["UniqueID"].as_str().unwrap();
    let before = member["LastUpdatedDate"].as_str().unwrap().to_string();
    let created = member["CreatedDate"].as_str().unwrap().to_string();
    // Tenant-local time with its offset and seven fraction digits (-04:00 by default).
    assert!(
        chrono::DateTime::parse_from_str(&before, "%Y-%m-%dT%H:%M:%S%.f%:z").is_ok()
            && before.ends_with("-04:00")
            && before.split(['.', '-']).nth(3).map(str::len) == Some(7),
        "{before}"
    );
    // A partial PUT, as a careless client would send it.
    let (status, updated) = send(
        api.put(&format!("/members/{id}"))
            .json(&json!({"FirstName": "Changed", "Name": "Changed Person"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let (_, read_back) = send(api.get(&format!("/members/{id}"))).await;
    assert_eq!(read_back["FirstName"], "Changed");
    assert_eq!(read_back["UniqueID"], id);
    assert!(
        read_back["Phone"].is_null(),
        "phone was cleared: {read_back}"
    );
    assert!(read_back["Email"].is_null(), "email was cleared");
    assert_eq!(read_back["Active"], json!(false), "a missing bool is false");
    assert_ne!(read_back["LastUpdatedDate"].as_str().unwrap(), before);
    assert_eq!(read_back["CreatedDate"], created.as_str(), "created stays");
    assert_eq!(
        read_back["CustomerType"], member["CustomerType"],
        "the type stays"
    );

    // GET, merge, PUT keeps everything.
    let mut full = read_back.clone();
    full["Email"] = json!("restored@example.org");
    full["Active"] = json!(true);
    let (status, _) = send(api.put(&format!("/members/{id}")).json(&full)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, again) = send(api.get(&format!("/members/{id}"))).await;
    assert_eq!(again["Email"], "restored@example.org");
    assert_eq!(again["FirstName"], "Changed");
    assert_eq!(again["Active"], json!(true));
}

#[tokio::test]
async fn members_cannot_be_deleted_only_deactivated() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let member = &all_members(&api).await[5];
    let id = member["UniqueID"].as_str().unwrap();
    let (status, body) = send(api.delete(&format!("/members/{id}"))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert!(body["Message"].as_str().unwrap().contains("DELETE"));
    let (status, still) = send(api.get(&format!("/members/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(still["UniqueID"], id);
    let mut archived = still.clone();
    archived["Active"] = json!(false);
    let (status, _) = send(api.put(&format!("/members/{id}")).json(&archived)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = send(api.get(&format!("/members/{id}"))).await;
    assert_eq!(read["Active"], json!(false));
    assert_eq!(read["Email"], still["Email"]);
}

#[tokio::test]
async fn create_then_find_by_last_modified_date() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let (status, created) = send(api.post("/members").json(&json!({
        "Name": "Grace Hopper", "FirstName": "Grace", "LastName": "Hopper",
        "Email": "grace@example.org", "Active": true, "MemberStatus": "current"
    })))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["UniqueID"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a GUID");
    assert_eq!(created["CustomerType"], "Person");
    assert_eq!(novi.member_listing_filters(), Vec::<Option<String>>::new());
    let since = before.format("%Y-%m-%dT%H:%M:%S").to_string();
    let (status, changed) = send(api.get(&format!("/members?lastModifiedDate={since}"))).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["TotalCount"], 1,
        "only the new member changed since: {changed}"
    );
    assert_eq!(changed["Results"][0]["UniqueID"], id.as_str());
    assert_eq!(novi.member_listing_filters(), vec![Some(since.clone())]);
    let (status, _) = send(api.get("/members?lastModifiedDate=not-a-date")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(api.post("/members").json(&json!({"Email": "x@y.z"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "Name is required");
    let (status, _) = send(
        api.put("/members/00000000-0000-0000-0000-000000000000")
            .json(&json!({"Name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(api.put(&format!("/members/{id}")).body("{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
