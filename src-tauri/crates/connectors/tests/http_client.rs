//! The HTTP client's retry, refresh, error and pacing behaviour against a local server.

// Test code: helpers panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge_connectors::ghl::wire::{ContactFields, NewContact};
use bridge_connectors::ghl::GhlClient;
use bridge_connectors::http::{RateBudget, RequestCounts, RetryPolicy};
use bridge_core::ErrorCode;
use serde_json::json;
use support::{
    ghl, http_client, static_token, MockServer, RefreshingToken, Reply, LOCATION, TOKEN,
};

fn contact_reply() -> Reply {
    Reply::json(
        200,
        json!({"contact": {"id": "c1", "email": "ann@example.com"}}),
    )
}

fn new_contact() -> NewContact {
    NewContact {
        fields: ContactFields {
            email: Some("ann@example.com".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let server = MockServer::sequence(vec![
        Reply::json(
            503,
            json!({"statusCode": 503, "message": "Service Unavailable"}),
        ),
        contact_reply(),
    ])
    .await;
    let client = ghl(&server);
    let contact = client.get_contact("c1").await.unwrap();
    assert_eq!(contact.id.as_deref(), Some("c1"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.path == "/contacts/c1"));
    assert_eq!(
        client.http().counts(),
        RequestCounts {
            sent: 2,
            rate_limited: 0,
            retried: 1
        }
    );
}

#[tokio::test]
async fn waits_out_retry_after_on_429_then_succeeds() {
    let server = MockServer::sequence(vec![
        Reply::json(
            429,
            json!({"statusCode": 429, "message": "Too many requests"}),
        )
        .header("Retry-After", "1"),
        contact_reply(),
    ])
    .await;
    let client = ghl(&server);
    let started = Instant::now();
    client.get_contact("c1").await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    assert_eq!(server.requests().len(), 2);
    let counts = client.http().counts();
    assert_eq!((counts.sent, counts.rate_limited), (2, 1));
}

#[tokio::test]
async fn refreshes_once_on_401_and_retries_with_the_new_token() {
    let server = MockServer::start(|request, _| {
        if request.header("authorization") == Some("Bearer old-token") {
            Reply::json(
                401,
                json!({"statusCode": 401, "message": "Invalid JWT", "error": "Unauthorized"}),
            )
        } else {
            contact_reply()
        }
    })
    .await;
    let tokens = RefreshingToken::new("old-token", "new-token");
    let client = GhlClient::with_http(http_client(&server.url, tokens.clone()), LOCATION).unwrap();

    client.get_contact("c1").await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer old-token")
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer new-token")
    );
    assert_eq!(tokens.refresh_count(), 1);
    assert_eq!(
        *tokens.rejected.lock().unwrap(),
        vec!["old-token".to_string()]
    );
}

#[tokio::test]
async fn a_second_401_after_the_refresh_gives_up_with_the_remotes_message() {
    let server = MockServer::sequence(vec![Reply::json(
        401,
        json!({"statusCode": 401, "message": "The token does not have access to this location", "error": "Unauthorized"}),
    )])
    .await;
    let tokens = RefreshingToken::new("old-token", "new-token");
    let client = GhlClient::with_http(http_client(&server.url, tokens.clone()), LOCATION).unwrap();

    let err = client.get_contact("c1").await.unwrap_err();

    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message
            .contains("The token does not have access to this location"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .starts_with("get GHL contact c1: GHL answered 401"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("new-token") && !err.message.contains("old-token"));
    assert_eq!(tokens.refresh_count(), 1, "refreshed exactly once");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_failed_refresh_keeps_its_code_and_the_remotes_message() {
    let server = MockServer::sequence(vec![Reply::json(
        401,
        json!({"statusCode": 401, "message": "Invalid JWT", "error": "Unauthorized"}),
    )])
    .await;
    let tokens = RefreshingToken::new("old-token", "");
    let client = GhlClient::with_http(http_client(&server.url, tokens.clone()), LOCATION).unwrap();
    let err = client.get_contact("c1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired);
    assert!(err.message.contains("Invalid JWT"), "{}", err.message);
    assert!(err.message.contains("invalid_grant"), "{}", err.message);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_pasted_token_rejected_asks_for_a_new_one_with_the_remotes_message() {
    let server = MockServer::sequence(vec![Reply::json(
        401,
        json!({"statusCode": 401, "message": "Invalid Private Integration token", "error": "Unauthorized"}),
    )])
    .await;
    // bridge-auth's own static token source, as production wires it.
    let pasted = bridge_auth::StaticToken::new(
        Arc::new(bridge_auth::MemoryStore::new()),
        "ghl/loc-1",
        "GHL location loc-1",
    );
    pasted
        .save(bridge_auth::Sensitive::new(TOKEN.to_string()))
        .await
        .unwrap();
    let client =
        GhlClient::with_http(http_client(&server.url, Arc::new(pasted)), LOCATION).unwrap();

    let err = client.get_contact("c1").await.unwrap_err();

    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("Invalid Private Integration token"),
        "{}",
        err.message
    );
    assert!(err.message.contains("was rejected"), "{}", err.message);
    assert!(!err.message.contains(TOKEN));
    assert_eq!(
        server.only_request().header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn a_422_keeps_the_message_array_and_is_not_retried() {
    let server = MockServer::sequence(vec![Reply::json(
        422,
        json!({"statusCode": 422, "message": ["property companyName should not exist", "email must be an email"], "error": "Unprocessable Entity"}),
    )])
    .await;
    let client = ghl(&server);
    let err = client
        .update_contact("c1", &ContactFields::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert_eq!(
        err.message,
        "update GHL contact c1: GHL answered 422 Unprocessable Entity to PUT /contacts/c1: \
         property companyName should not exist; email must be an email (Unprocessable Entity)"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn not_found_maps_to_not_found() {
    let server = MockServer::sequence(vec![Reply::json(
        404,
        json!({"statusCode": 404, "message": "Contact not found", "error": "Not Found"}),
    )])
    .await;
    let err = ghl(&server).get_contact("gone").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(err.message.contains("Contact not found"));
}

#[tokio::test]
async fn a_create_is_not_resent_after_a_502_but_is_after_a_503() {
    let server = MockServer::sequence(vec![Reply::json(
        502,
        json!({"statusCode": 502, "message": "Bad Gateway"}),
    )])
    .await;
    let err = ghl(&server)
        .create_contact(&new_contact())
        .await
        .unwrap_err();
    // Transient for the journal: the create may have happened; it is looked up, then retried.
    assert_eq!(err.code, ErrorCode::Network);
    assert!(
        err.message
            .starts_with("create GHL contact 'ann@example.com'"),
        "{}",
        err.message
    );
    assert_eq!(server.requests().len(), 1, "the contact may exist already");

    let server = MockServer::sequence(vec![
        Reply::json(
            503,
            json!({"statusCode": 503, "message": "Service Unavailable"}),
        ),
        Reply::json(201, json!({"contact": {"id": "new1"}})),
    ])
    .await;
    let created = ghl(&server).create_contact(&new_contact()).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("new1"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn timeouts_are_retried_for_reads_only() {
    let slow_then_fast = || {
        MockServer::sequence(vec![
            contact_reply().delayed(Duration::from_millis(800)),
            contact_reply(),
        ])
    };
    let short_timeout = |url: &str| {
        GhlClient::http_builder(url, static_token(), Arc::new(RateBudget::ghl(LOCATION)))
            .retry_policy(support::fast_retries())
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap()
    };

    let server = slow_then_fast().await;
    let client = GhlClient::with_http(short_timeout(&server.url), LOCATION).unwrap();
    client.get_contact("c1").await.unwrap();
    assert_eq!(server.requests().len(), 2);

    let server = slow_then_fast().await;
    let client = GhlClient::with_http(short_timeout(&server.url), LOCATION).unwrap();
    let err = client.create_contact(&new_contact()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Network);
    assert!(err.message.contains("after 1 attempt"), "{}", err.message);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_unreachable_host_is_a_network_error_after_the_attempts() {
    // A port nobody listens on: bind one, then free it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let client = GhlClient::with_http(http_client(&url, static_token()), LOCATION).unwrap();
    let err = client
        .find_duplicate(Some("private@example.com"), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Network);
    assert!(
        err.message
            .starts_with("look up a GHL duplicate contact: no answer from GHL to GET /contacts/search/duplicate after 4 attempts"),
        "{}",
        err.message
    );
    assert!(
        !err.message.contains("private"),
        "the query stays out: {}",
        err.message
    );
    assert_eq!(client.http().counts().sent, 4);
}

#[tokio::test]
async fn the_budget_adopts_the_servers_rate_headers_and_paces() {
    let server = MockServer::start(|_, i| {
        contact_reply()
            .header("X-RateLimit-Max", "2")
            .header("X-RateLimit-Interval-Milliseconds", "600")
            .header(
                "X-RateLimit-Remaining",
                &(1usize.saturating_sub(i % 2)).to_string(),
            )
            .header("X-RateLimit-Daily-Remaining", &(199_000 - i).to_string())
    })
    .await;
    let client = ghl(&server);
    let started = Instant::now();
    for _ in 0..3 {
        client.get_contact("c1").await.unwrap();
    }
    let elapsed = started.elapsed();
    let snapshot = client.http().budget().snapshot().await;
    assert_eq!(snapshot.max_per_window, 2);
    assert_eq!(snapshot.window, Duration::from_millis(600));
    assert_eq!(snapshot.daily_remaining, Some(198_998));
    assert!(
        elapsed >= Duration::from_millis(550),
        "the third request should wait for the 600 ms window, took {elapsed:?}"
    );
    assert_eq!(client.http().counts().rate_limited, 0);
}

#[tokio::test]
async fn a_body_we_cannot_read_is_a_remote_error_naming_the_request() {
    let server =
        MockServer::sequence(vec![Reply::json(200, json!({"contact": "not an object"}))]).await;
    let err = ghl(&server).get_contact("c1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(
        err.message
            .starts_with("get GHL contact c1: GHL answered 200 to GET /contacts/c1 with a body we could not read"),
        "{}",
        err.message
    );
}

#[test]
fn a_bad_base_url_is_invalid_input() {
    let build = |url: &str| {
        GhlClient::new(
            url,
            LOCATION,
            static_token(),
            Arc::new(RateBudget::ghl(LOCATION)),
        )
        .err()
        .map(|e| e.code)
    };
    assert_eq!(build("not a url"), Some(ErrorCode::InvalidInput));
    assert_eq!(build("ftp://example.com"), Some(ErrorCode::InvalidInput));
    assert_eq!(build("https://services.leadconnectorhq.com"), None);
    let empty_location = GhlClient::new(
        "https://services.leadconnectorhq.com",
        " ",
        static_token(),
        Arc::new(RateBudget::ghl(LOCATION)),
    );
    assert_eq!(
        empty_location.err().map(|e| e.code),
        Some(ErrorCode::InvalidInput)
    );
    // The default policy is what production uses; keep it retrying past a 10-second window.
    assert!(RetryPolicy::default().max_attempts >= 6);
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let server = MockServer::sequence(vec![
        Reply::json(302, json!({})).header("Location", "http://127.0.0.1:9/elsewhere")
    ])
    .await;
    let err = ghl(&server).delete_contact("c1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(
        err.message
            .starts_with("delete GHL contact c1: GHL answered 302 Found to DELETE /contacts/c1"),
        "{}",
        err.message
    );
    assert_eq!(server.requests().len(), 1);
}
