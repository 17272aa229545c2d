//! GHL sign-in end to end: our loopback flow against the fake's authorize page and token
//! endpoint, tokens kept in the (test) keychain, rotating refresh tokens spent once.

use std::sync::Arc;
use std::time::Duration;

use bridge_auth::{LoopbackOptions, MemoryStore, Sensitive, TokenSet, TokenStore};
use bridge_core::{Clock, ErrorCode, FixedClock, SystemClock};
use bridge_sandbox::{GhlConfig, GhlSandbox};
use bridge_store::table::connections::{AuthKind, ConnectionRow};
use bridge_store::Store;
use bridge_sync::connections::{connect_ghl_oauth, ghl_client, GhlOauthConnect};
use bridge_tests::browser;

fn request(sandbox: &GhlSandbox) -> GhlOauthConnect {
    let (client_id, client_secret) = sandbox.oauth_client();
    GhlOauthConnect {
        name: Some("Main".into()),
        base_url: sandbox.base_url(),
        auth_url: sandbox.base_url(),
        client_id,
        client_secret: Sensitive::new(client_secret),
        loopback: LoopbackOptions {
            timeout: Duration::from_secs(30),
            ..LoopbackOptions::default()
        },
    }
}

/// The opener the desktop would hand the system browser to: here a task plays the browser.
fn browser_that_approves(
    tamper: fn(String) -> String,
    seen: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<browser::Visit>>>>,
) -> impl FnOnce(&url::Url) -> Result<(), bridge_core::BridgeError> {
    move |url| {
        let url = url.to_string();
        let visit = tokio::spawn(async move { browser::approve(&url, tamper).await });
        *seen.lock().unwrap() = Some(visit);
        Ok(())
    }
}

/// A GHL fake and a sign-in through its approve page: the fake, the store, the test
/// keychain, the new connection and what the browser saw at the callback.
async fn signed_in() -> (
    GhlSandbox,
    Store,
    Arc<MemoryStore>,
    ConnectionRow,
    browser::Visit,
) {
    let sandbox = GhlSandbox::start(GhlConfig {
        seed_contacts: 5,
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    let store = Store::open_in_memory().unwrap();
    let keychain = Arc::new(MemoryStore::new());
    let visit = Arc::new(std::sync::Mutex::new(None));
    let connection = connect_ghl_oauth(
        &store,
        keychain.clone(),
        Arc::new(SystemClock),
        request(&sandbox),
        browser_that_approves(|callback| callback, visit.clone()),
    )
    .await
    .unwrap();
    let browsing = visit.lock().unwrap().take().unwrap();
    let page = browsing.await.unwrap();
    (sandbox, store, keychain, connection, page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_through_the_approve_page_stores_working_tokens() {
    let (sandbox, _store, keychain, connection, page) = signed_in().await;
    assert_eq!(page.callback_status, 200, "{}", page.callback_body);

    assert_eq!(connection.auth_kind, AuthKind::Oauth);
    assert_eq!(connection.account_id, sandbox.location_id());
    let stored = keychain
        .get(&connection.secret_ref)
        .unwrap()
        .expect("tokens in the keychain");
    let tokens = TokenSet::from_secret_json(&stored).unwrap();
    assert!(tokens.refresh_token.is_some());
    // The database holds a reference, not the token.
    let row = serde_json::to_string(&connection).unwrap();
    assert!(!row.contains(tokens.access_token.expose().as_str()));

    // The stored tokens work: the client of the connection reads the location.
    let client = ghl_client(&connection, keychain.clone(), Arc::new(SystemClock)).unwrap();
    client.list_custom_fields().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_with_a_forged_state_is_rejected() {
    let sandbox = GhlSandbox::start(GhlConfig {
        seed_contacts: 5,
        ..GhlConfig::default()
    })
    .await
    .unwrap();
    let store = Store::open_in_memory().unwrap();
    let keychain = Arc::new(MemoryStore::new());
    let visit = Arc::new(std::sync::Mutex::new(None));
    let forged = |callback: String| {
        let mut url = url::Url::parse(&callback).unwrap();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let value = if k == "state" {
                    "forged".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url.to_string()
    };
    let result = connect_ghl_oauth(
        &store,
        keychain.clone(),
        Arc::new(SystemClock),
        request(&sandbox),
        browser_that_approves(forged, visit.clone()),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized, "{}", err.message);
    assert!(err.message.contains("state"), "{}", err.message);
    assert!(keychain.get("connection/ghl:Main").unwrap().is_none());
    assert!(bridge_store::table::connections::list(store.conn())
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_refreshes_spend_the_refresh_token_once() {
    let (sandbox, _store, keychain, connection, _) = signed_in().await;
    let before =
        TokenSet::from_secret_json(&keychain.get(&connection.secret_ref).unwrap().unwrap())
            .unwrap();
    let token_calls_before = sandbox.stats().count("POST", "/oauth/token");

    // Two days on, the day-long access token has expired: two clients of the same connection
    // (a sync and the window, say) both need a fresh one at once.
    let later: Arc<dyn Clock> =
        Arc::new(FixedClock(chrono::Utc::now() + chrono::Duration::days(2)));
    let a = ghl_client(&connection, keychain.clone(), later.clone()).unwrap();
    let b = ghl_client(&connection, keychain.clone(), later.clone()).unwrap();
    let (ra, rb) = tokio::join!(a.list_custom_fields(), b.list_custom_fields());
    ra.unwrap();
    rb.unwrap();

    assert_eq!(
        sandbox.stats().count("POST", "/oauth/token") - token_calls_before,
        1,
        "one refresh for both callers"
    );
    let after = TokenSet::from_secret_json(&keychain.get(&connection.secret_ref).unwrap().unwrap())
        .unwrap();
    assert_ne!(
        after.refresh_token.as_ref().map(|t| t.expose().clone()),
        before.refresh_token.as_ref().map(|t| t.expose().clone()),
        "the rotated refresh token was stored"
    );
    assert_ne!(after.access_token.expose(), before.access_token.expose());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_token_asks_for_a_reconnect() {
    let (_sandbox, _store, keychain, connection, _) = signed_in().await;
    let mut tokens =
        TokenSet::from_secret_json(&keychain.get(&connection.secret_ref).unwrap().unwrap())
            .unwrap();
    // A refresh token GHL no longer honours: its token endpoint answers oauth.json's 400
    // BadRequestDTO `{statusCode, message, error}`.
    tokens.refresh_token = Some(Sensitive::new("rt-revoked".into()));
    keychain
        .set(&connection.secret_ref, &tokens.to_secret_json().unwrap())
        .unwrap();
    let later: Arc<dyn Clock> =
        Arc::new(FixedClock(chrono::Utc::now() + chrono::Duration::days(2)));
    let client = ghl_client(&connection, keychain.clone(), later).unwrap();
    let err = client.list_custom_fields().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReconnectRequired, "{}", err.message);
    assert!(err.message.contains("reconnect"), "{}", err.message);
}

#[test]
fn the_sign_in_page_is_ghls_current_authorize_path() {
    let endpoints = bridge_auth::ghl_oauth::GhlEndpoints::official().unwrap();
    assert_eq!(
        endpoints.authorize_url.as_str(),
        "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"
    );
}
