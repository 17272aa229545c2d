use std::time::{Duration, Instant};

use base64_free::encode_user_pass;
use bridge_sandbox::{FaultConfig, NoviConfig};
use reqwest::StatusCode;

use crate::common::{http, send, small, start, Api};

mod base64_free {
    /// What a client doing standard HTTP Basic would send for (key, ""): base64("key:").
    pub fn encode_user_pass(user: &str) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = format!("{user}:").into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[tokio::test]
async fn only_the_raw_key_in_basic_is_accepted() {
    let novi = start(small()).await;
    let url = format!("{}/members", novi.base_url());
    let client = http();
    let no_header = client.get(&url).send().await.unwrap();
    assert_eq!(no_header.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = no_header.json().await.unwrap();
    assert!(body["Message"].is_string());
    let wrong = client
        .get(&url)
        .header("Authorization", "Basic nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let standard_basic = client
        .get(&url)
        .header(
            "Authorization",
            format!("Basic {}", encode_user_pass(&novi.api_key())),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        standard_basic.status(),
        StatusCode::UNAUTHORIZED,
        "base64(user:pass) is not the scheme"
    );
    let bearer = client
        .get(&url)
        .bearer_auth(novi.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = send(Api::new(&novi).get("/members")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn more_than_twenty_calls_a_second_get_429_with_retry_after() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    let started = Instant::now();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..25 {
        let response = api.get("/events").send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
        statuses.push(response.status());
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the burst must fit in a second"
    );
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 20, "{statuses:?}");
    let retry: u64 = retry_after.expect("Retry-After on 429").parse().unwrap();
    assert!((1..=1).contains(&retry), "{retry}");
    assert_eq!(novi.stats().rate_limited, 5);
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (status, _) = send(api.get("/events")).await;
    assert_eq!(status, StatusCode::OK, "budget is back after Retry-After");
}

#[tokio::test]
async fn faults_are_injected_and_counted() {
    let novi = start(small()).await;
    let api = Api::new(&novi);
    novi.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::none()
    });
    for _ in 0..3 {
        let response = api.get("/events").send().await.unwrap();
        assert!(response.status().is_server_error(), "{}", response.status());
    }
    novi.set_faults(FaultConfig {
        malformed_rate: 1.0,
        ..FaultConfig::none()
    });
    let text = api
        .get("/events")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
    novi.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::none()
    });
    assert!(api.get("/events").send().await.is_err());
    novi.set_faults(FaultConfig::none());
    let (status, _) = send(api.get("/events")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(novi.stats().faults_injected, 5);
    assert!(novi.stats().count("GET", "/api/events") >= 6);
    // Auth comes first: a bad key is 401 even while faults are on.
    novi.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::none()
    });
    let response = http()
        .get(format!("{}/events", novi.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn same_seed_same_tenant() {
    let a = start(NoviConfig {
        members: 5,
        ghl_contacts: 10,
        ..NoviConfig::default()
    })
    .await;
    let b = start(NoviConfig {
        members: 5,
        ghl_contacts: 10,
        ..NoviConfig::default()
    })
    .await;
    assert_eq!(a.api_key(), b.api_key());
    assert_eq!(a.member_emails(), b.member_emails());
    let c = start(NoviConfig {
        seed: 7,
        members: 5,
        ghl_contacts: 10,
        ..NoviConfig::default()
    })
    .await;
    assert_ne!(a.member_emails(), c.member_emails());
    let (status, _) = send(Api::new(&a).get("/nothing-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
