//! The NiftyImages fake on its own: key check, schema, no read of rows, upsert on the unique
//! field, seed overlap with GHL.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bridge_sandbox::{NiftyImagesConfig, NiftyImagesSandbox};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn serves_the_schema_writes_rows_and_never_reads_them_back() {
    let store = NiftyImagesSandbox::start(NiftyImagesConfig {
        ghl_contacts: 30,
        ..NiftyImagesConfig::default()
    })
    .await
    .unwrap();
    let http = Client::new();
    let url = |path: &str| format!("{}{path}", store.base_url());

    let refused = http.get(url("/Store")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    let schema: Value = http
        .get(url("/Store"))
        .header("ApiKey", store.api_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unique: Vec<&str> = schema
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["unique"] == true)
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(unique, vec!["email"]);
    assert!(schema
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("date_input_format").is_some()));

    // No endpoint reads rows.
    for path in ["/Store/Records", "/Store/GetRecords"] {
        let answer = http
            .get(url(path))
            .header("ApiKey", store.api_key())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }

    let seeded = store.records();
    assert!(!seeded.is_empty(), "the seed shares people with GHL");
    let email = seeded[0]["email"].as_str().unwrap().to_string();
    let answer = http
        .post(url("/Store/AddRecord"))
        .header("ApiKey", store.api_key())
        .json(&json!({"email": email, "points": "12"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(store.records().len(), seeded.len());
    assert_eq!(store.record(&email).unwrap()["points"], "12");
    assert_eq!(
        store.record(&email).unwrap()["first_name"],
        seeded[0]["first_name"]
    );

    let bad = http
        .post(url("/Store/AddRecord"))
        .header("ApiKey", store.api_key())
        .json(&json!({"email": "x@example.org", "vip": "maybe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["Errors"][0], "Field 'vip' expects a BOOLEAN value.");
}
