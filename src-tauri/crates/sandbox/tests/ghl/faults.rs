use std::time::{Duration, Instant};

use bridge_sandbox::{FaultConfig, GhlConfig};
use reqwest::StatusCode;

use crate::common::{start, start_with, Api};

fn customfields(ghl: &bridge_sandbox::GhlSandbox) -> String {
    format!("/locations/{}/customFields", ghl.location_id())
}

#[tokio::test]
async fn error_rate_one_answers_every_request_with_5xx() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    ghl.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::none()
    });
    for _ in 0..10 {
        let response = api.get(&customfields(&ghl)).send().await.unwrap();
        assert!(response.status().is_server_error(), "{}", response.status());
        assert!(response.headers().contains_key("x-ratelimit-remaining"));
    }
    assert_eq!(ghl.stats().faults_injected, 10);
    ghl.set_faults(FaultConfig::none());
    let response = api.get(&customfields(&ghl)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn dropped_connections_give_no_answer() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    ghl.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::none()
    });
    for _ in 0..4 {
        let result = api.get(&customfields(&ghl)).send().await;
        assert!(
            result.is_err(),
            "expected no answer, got {:?}",
            result.map(|r| r.status())
        );
    }
    ghl.set_faults(FaultConfig::none());
    let response = api.get(&customfields(&ghl)).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the fake itself survives"
    );
}

#[tokio::test]
async fn malformed_answers_are_200_with_broken_json() {
    let ghl = start(5).await;
    let api = Api::new(&ghl);
    ghl.set_faults(FaultConfig {
        malformed_rate: 1.0,
        ..FaultConfig::none()
    });
    let response = api.get(&customfields(&ghl)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.starts_with('{'), "{text}");
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_err(),
        "{text}"
    );
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let ghl = start_with(GhlConfig {
        seed_contacts: 5,
        faults: FaultConfig {
            latency: Duration::from_millis(150),
            ..FaultConfig::none()
        },
        ..GhlConfig::default()
    })
    .await;
    let api = Api::new(&ghl);
    let started = Instant::now();
    let response = api.get(&customfields(&ghl)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

async fn statuses(seed: u64) -> Vec<u16> {
    let ghl = start_with(GhlConfig {
        seed_contacts: 5,
        seed,
        faults: FaultConfig {
            error_rate: 0.5,
            ..FaultConfig::none()
        },
        ..GhlConfig::default()
    })
    .await;
    let api = Api::new(&ghl);
    let mut out = Vec::new();
    for _ in 0..24 {
        out.push(
            api.get(&customfields(&ghl))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    out
}

#[tokio::test]
async fn faults_follow_the_seed() {
    let first = statuses(5).await;
    assert_eq!(first, statuses(5).await);
    assert!(
        first.contains(&200) && first.iter().any(|s| *s >= 500),
        "{first:?}"
    );
    assert_ne!(first, statuses(6).await);
}
