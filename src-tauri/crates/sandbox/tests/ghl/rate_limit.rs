use std::time::Duration;

use bridge_sandbox::GhlConfig;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{start_with, Api};

fn header(response: &reqwest::Response, name: &str) -> u64 {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn sixth_request_in_the_window_is_429_and_headers_count_down() {
    let ghl = start_with(GhlConfig {
        seed_contacts: 5,
        rate_max: 5,
        rate_window: Duration::from_secs(1),
        daily_limit: 1_000,
        ..GhlConfig::default()
    })
    .await;
    let api = Api::new(&ghl);
    let path = format!("/locations/{}/customFields", ghl.location_id());
    let mut remaining = Vec::new();
    let mut daily = Vec::new();
    for _ in 0..5 {
        let response = api.get(&path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "x-ratelimit-max"), 5);
        assert_eq!(
            header(&response, "x-ratelimit-interval-milliseconds"),
            1_000
        );
        assert_eq!(header(&response, "x-ratelimit-limit-daily"), 1_000);
        remaining.push(header(&response, "x-ratelimit-remaining"));
        daily.push(header(&response, "x-ratelimit-daily-remaining"));
    }
    assert_eq!(remaining, vec![4, 3, 2, 1, 0]);
    assert_eq!(daily, vec![999, 998, 997, 996, 995]);

    let refused = api.get(&path).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), 0);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({"statusCode": 429, "message": "Too many requests"})
    );
    assert_eq!(ghl.stats().rate_limited, 1);
    assert_eq!(ghl.stats().total, 6);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let again = api.get(&path).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK, "the window slid on");
    assert_eq!(header(&again, "x-ratelimit-remaining"), 4);
    assert_eq!(header(&again, "x-ratelimit-daily-remaining"), 994);
}

#[tokio::test]
async fn error_answers_carry_the_rate_headers_too() {
    let ghl = start_with(GhlConfig {
        seed_contacts: 5,
        ..GhlConfig::default()
    })
    .await;
    let api = Api::new(&ghl);
    let response = api
        .get("/contacts/doesNotExist000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(header(&response, "x-ratelimit-max"), 100);
    assert_eq!(header(&response, "x-ratelimit-remaining"), 99);
    assert_eq!(
        header(&response, "x-ratelimit-interval-milliseconds"),
        10_000
    );
    assert_eq!(header(&response, "x-ratelimit-daily-remaining"), 199_999);
}
