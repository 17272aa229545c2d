//! Refreshing against a token server whose refresh tokens rotate and are single-use.

// Test code (helpers included): a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use bridge_auth::ghl_oauth::{ghl_provider, location_token, GhlEndpoints};
use bridge_auth::{
    AccessTokenSource, MemoryStore, OAuthClient, Sensitive, TokenManager, TokenSet, TokenStore,
};
use bridge_core::{BridgeError, Clock, ErrorCode};
use chrono::{DateTime, TimeZone, Utc};
use support::{client_secret, loopback_http, TestClock, TestOAuthServer, CLIENT_ID};

const LABEL: &str = "GHL \"Main office\"";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
}

struct Setup {
    server: TestOAuthServer,
    client: Arc<OAuthClient>,
    store: Arc<MemoryStore>,
    clock: Arc<TestClock>,
    key: String,
}

impl Setup {
    /// A connection whose stored tokens are `at-0`/`rt-0`, expiring at `expires_at`.
    async fn new(expires_at: DateTime<Utc>) -> Self {
        let server = TestOAuthServer::start().await;
        let endpoints = GhlEndpoints::new(&server.base, &server.base);
        let clock = TestClock::at(t0());
        let client = Arc::new(OAuthClient::with_http_client(
            ghl_provider(&endpoints, CLIENT_ID, client_secret(), vec![]),
            loopback_http(),
            clock.clone(),
        ));
        let store = Arc::new(MemoryStore::new());
        // A fresh key per test: refresh locks are process-wide per key.
        let key = format!("ghl/{}/oauth", rand::random::<u64>());
        server.issue_refresh_token("rt-0");
        let setup = Self {
            server,
            client,
            store,
            clock,
            key,
        };
        setup.store_tokens("at-0", "rt-0", expires_at);
        setup
    }

    fn store_tokens(&self, access: &str, refresh: &str, expires_at: DateTime<Utc>) {
        let set = TokenSet {
            access_token: Sensitive::new(access.into()),
            refresh_token: Some(Sensitive::new(refresh.into())),
            expires_at: Some(expires_at),
            scope: None,
            location_id: Some(support::LOCATION_ID.into()),
            company_id: None,
            user_type: Some("Location".into()),
            user_id: None,
        };
        self.store
            .set(&self.key, &set.to_secret_json().unwrap())
            .unwrap();
    }

    fn manager(&self) -> TokenManager {
        self.manager_on(self.store.clone())
    }

    fn manager_on(&self, store: Arc<dyn TokenStore>) -> TokenManager {
        TokenManager::new(
            store,
            self.key.clone(),
            LABEL,
            self.client.clone(),
            self.clock.clone(),
        )
    }

    fn stored(&self) -> TokenSet {
        TokenSet::from_secret_json(&self.store.get(&self.key).unwrap().unwrap()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_spend_the_refresh_token_once() {
    let setup = Setup::new(t0() - chrono::Duration::minutes(1)).await;
    // Hold each refresh answer, so all callers are past their first read before it lands.
    setup.server.set_refresh_delay(Duration::from_millis(300));
    let first = setup.manager();
    let second = setup.manager(); // another component's manager of the same connection

    let (a, b, c) = tokio::join!(
        first.access_token(),
        second.access_token(),
        first.access_token()
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());

    assert_eq!(
        setup.server.refresh_grants(),
        1,
        "the refresh token was spent more than once"
    );
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_ne!(a.expose(), "at-0");
    let stored = setup.stored();
    assert_eq!(stored.access_token, a);
    let rotated = stored.refresh_token.unwrap();
    assert_ne!(
        rotated.expose(),
        "rt-0",
        "the rotated refresh token must be stored"
    );
    assert_eq!(
        stored.expires_at,
        Some(t0() + chrono::Duration::seconds(86399))
    );
    assert_eq!(stored.location_id.as_deref(), Some(support::LOCATION_ID));

    // The server really does reject a spent refresh token, which is what a second,
    // unserialized refresh would have hit.
    let old = TokenSet {
        refresh_token: Some(Sensitive::new("rt-0".into())),
        ..setup.stored()
    };
    let err = setup.client.refresh(&old).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired);
}

#[tokio::test]
async fn invalid_grant_means_reconnect() {
    let setup = Setup::new(t0() - chrono::Duration::minutes(1)).await;
    setup.store_tokens("at-0", "rt-revoked", t0() - chrono::Duration::minutes(1));

    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired);
    assert!(err.message.starts_with(LABEL), "{}", err.message);
    assert!(
        err.message.contains("reconnect the connection"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("refresh token is invalid"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("rt-revoked"));
    // Nothing was overwritten: the operator's reconnect replaces it.
    assert_eq!(setup.stored().refresh_token.unwrap().expose(), "rt-revoked");
}

#[tokio::test]
async fn refreshes_five_minutes_before_expiry_by_the_injected_clock() {
    let setup = Setup::new(t0() + chrono::Duration::minutes(10)).await;
    let manager = setup.manager();

    assert_eq!(manager.access_token().await.unwrap().expose(), "at-0");
    assert_eq!(setup.server.refresh_grants(), 0);

    setup.clock.advance(chrono::Duration::minutes(4));
    assert_eq!(manager.access_token().await.unwrap().expose(), "at-0");
    assert_eq!(setup.server.refresh_grants(), 0);

    setup.clock.advance(chrono::Duration::minutes(2)); // 4 minutes left: inside the margin
    let fresh = manager.access_token().await.unwrap();
    assert_ne!(fresh.expose(), "at-0");
    assert_eq!(setup.server.refresh_grants(), 1);

    assert_eq!(manager.access_token().await.unwrap(), fresh);
    assert_eq!(setup.server.refresh_grants(), 1);
    assert_eq!(
        setup.stored().expires_at,
        Some(setup.clock.now() + chrono::Duration::seconds(86399))
    );
}

#[tokio::test]
async fn a_401_refreshes_once_and_a_stale_401_reuses_the_new_token() {
    let setup = Setup::new(t0() + chrono::Duration::hours(20)).await;
    let manager = setup.manager();
    let source: &dyn AccessTokenSource = &manager;

    let rejected = source.access_token().await.unwrap();
    assert_eq!(rejected.expose(), "at-0");
    let retry_with = source.on_unauthorized(&rejected).await.unwrap();
    assert_ne!(retry_with, rejected);
    assert_eq!(setup.server.refresh_grants(), 1);

    // Another request that went out with at-0 comes back 401 later: no second refresh.
    let again = source.on_unauthorized(&rejected).await.unwrap();
    assert_eq!(again, retry_with);
    assert_eq!(setup.server.refresh_grants(), 1);
}

/// Reads from an inner store but refuses every write.
struct ReadOnlyStore(Arc<MemoryStore>);

impl TokenStore for ReadOnlyStore {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, BridgeError> {
        self.0.get(key)
    }
    fn set(&self, _key: &str, _secret: &Sensitive<String>) -> Result<(), BridgeError> {
        Err(BridgeError::new(
            ErrorCode::SecretStore,
            "the OS keychain is not reachable: locked",
        ))
    }
    fn delete(&self, _key: &str) -> Result<(), BridgeError> {
        Ok(())
    }
}

#[tokio::test]
async fn new_tokens_that_cannot_be_stored_are_not_used() {
    let setup = Setup::new(t0() - chrono::Duration::minutes(1)).await;
    let manager = setup.manager_on(Arc::new(ReadOnlyStore(setup.store.clone())));

    let err = manager.access_token().await.unwrap_err();
    assert_eq!(setup.server.refresh_grants(), 1);
    assert_eq!(err.code, ErrorCode::SecretStore);
    assert!(
        err.message.contains("could not be saved"),
        "{}",
        err.message
    );
    assert!(err.message.contains("reconnect"), "{}", err.message);
}

#[tokio::test]
async fn a_passing_refresh_failure_keeps_a_still_valid_token() {
    let setup = Setup::new(t0() + chrono::Duration::minutes(2)).await;
    setup
        .server
        .fail_refreshes_with(Some(StatusCode::SERVICE_UNAVAILABLE));
    let manager = setup.manager();

    // Inside the margin but not expired: the early refresh fails, the old token still works.
    assert_eq!(manager.access_token().await.unwrap().expose(), "at-0");

    // Once it has expired there is nothing left to fall back on.
    setup.clock.advance(chrono::Duration::minutes(3));
    let err = manager.access_token().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote);
    assert!(err.message.contains("HTTP 503"), "{}", err.message);
}

#[tokio::test]
async fn a_connection_without_stored_tokens_asks_for_a_connect() {
    let setup = Setup::new(t0()).await;
    setup.store.delete(&setup.key).unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired);
    assert!(err.message.starts_with(LABEL));
}

#[tokio::test]
async fn agency_token_is_exchanged_for_a_location_token() {
    let server = TestOAuthServer::start().await;
    let endpoints = GhlEndpoints::new(&server.base, &server.base);
    let set = location_token(
        &loopback_http(),
        &endpoints,
        &Sensitive::new(support::AGENCY_TOKEN.into()),
        support::COMPANY_ID,
        "loc-7",
        t0(),
    )
    .await
    .unwrap();
    assert!(set.access_token.expose().starts_with("loc-at-"));
    assert_eq!(set.refresh_token, None);
    assert_eq!(set.location_id.as_deref(), Some("loc-7"));
    assert_eq!(set.company_id.as_deref(), Some(support::COMPANY_ID));
    assert_eq!(set.user_type.as_deref(), Some("Location"));
    assert_eq!(
        set.expires_at,
        Some(t0() + chrono::Duration::seconds(86399))
    );

    let (headers, form) = &server.location_requests()[0];
    assert_eq!(headers["version"], "2021-07-28");
    assert_eq!(form["companyId"], support::COMPANY_ID);
    assert_eq!(form["locationId"], "loc-7");

    let err = location_token(
        &loopback_http(),
        &endpoints,
        &Sensitive::new("agency-at-expired".into()),
        support::COMPANY_ID,
        "loc-7",
        t0(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("access token is invalid"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("agency-at-expired"));
}

#[tokio::test]
async fn a_location_token_cannot_be_refreshed() {
    let setup = Setup::new(t0()).await;
    let set = TokenSet {
        refresh_token: None,
        ..setup.stored()
    };
    let err = setup.client.refresh(&set).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired);
    assert_eq!(setup.server.refresh_grants(), 0);
}
