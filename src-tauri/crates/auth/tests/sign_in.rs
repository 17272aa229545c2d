//! The browser sign-in end to end on loopback: our listener, a test authorization server that
//! redirects straight back, and the test playing the browser.

// Test code (helpers included): a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge_auth::ghl_oauth::{ghl_provider, GhlEndpoints};
use bridge_auth::loopback::authorize;
use bridge_auth::nifty_oauth::nifty_provider;
use bridge_auth::{
    LoopbackOptions, MemoryStore, OAuthClient, ProviderConfig, TokenManager, TokenSet, TokenStore,
};
use bridge_core::{BridgeError, ErrorCode, SystemClock};
use support::{
    client_secret, loopback_http, AuthorizeMode, TestOAuthServer, CLIENT_ID, CLIENT_SECRET,
};
use tokio::task::JoinHandle;
use url::Url;

/// What the browser saw: each response's status and, for the last, its page.
#[derive(Debug)]
struct BrowserVisit {
    authorize_status: u16,
    callback_status: u16,
    callback_page: String,
    csp: Option<String>,
}

/// Plays the browser: opens the authorize URL, follows its redirect to our callback.
fn browser(url: &Url) -> JoinHandle<BrowserVisit> {
    let url = url.clone();
    tokio::spawn(async move {
        let http = loopback_http();
        let answer = http.get(url).send().await.unwrap();
        let authorize_status = answer.status().as_u16();
        let location = answer.headers()["location"].to_str().unwrap().to_string();
        let callback = http.get(&location).send().await.unwrap();
        BrowserVisit {
            authorize_status,
            callback_status: callback.status().as_u16(),
            csp: callback
                .headers()
                .get("content-security-policy")
                .map(|v| v.to_str().unwrap().to_string()),
            callback_page: callback.text().await.unwrap(),
        }
    })
}

fn ghl(server: &TestOAuthServer) -> ProviderConfig {
    let endpoints = GhlEndpoints::new(&server.base, &server.base);
    ghl_provider(
        &endpoints,
        CLIENT_ID,
        client_secret(),
        vec!["contacts.readonly".into(), "contacts.write".into()],
    )
}

fn short(timeout_ms: u64) -> LoopbackOptions {
    LoopbackOptions {
        timeout: Duration::from_millis(timeout_ms),
        ..LoopbackOptions::default()
    }
}

/// Starts the browser from inside the opener and hands its handle out.
fn opener_into(
    slot: &mut Option<JoinHandle<BrowserVisit>>,
) -> impl FnOnce(&Url) -> Result<(), BridgeError> + '_ {
    move |url| {
        *slot = Some(browser(url));
        Ok(())
    }
}

#[tokio::test]
async fn sign_in_returns_the_code_and_the_tokens_land_in_the_store() {
    let server = TestOAuthServer::start().await;
    let provider = ghl(&server);
    let mut visit = None;
    let code = authorize(&provider, &short(10_000), opener_into(&mut visit))
        .await
        .unwrap();
    let visit = visit.unwrap().await.unwrap();

    assert_eq!(visit.authorize_status, 303, "the test server redirects");
    assert_eq!(visit.callback_status, 200);
    assert!(
        visit
            .callback_page
            .contains("You can close this tab and return to Contact Bridge"),
        "{}",
        visit.callback_page
    );
    assert!(visit.csp.unwrap().contains("default-src 'none'"));

    // What went to the authorize page: the documented GHL parameters, no PKCE.
    let query = &server.authorize_queries()[0];
    assert_eq!(query["scope"], "contacts.readonly contacts.write");
    assert_eq!(query["redirect_uri"], code.redirect_uri);
    assert!(code.redirect_uri.starts_with("http://127.0.0.1:"));
    assert!(code.redirect_uri.ends_with("/callback"));
    assert!(!query.contains_key("code_challenge"));
    assert!(code.pkce_verifier.is_none());

    // Exchange at the token endpoint and keep the result.
    let client = Arc::new(OAuthClient::with_http_client(
        provider,
        loopback_http(),
        Arc::new(SystemClock),
    ));
    let tokens = client.exchange_code(&code).await.unwrap();
    assert_eq!(tokens.location_id.as_deref(), Some(support::LOCATION_ID));
    assert_eq!(tokens.user_type.as_deref(), Some("Location"));
    assert!(tokens.expires_at.is_some());

    let seen = &server.token_requests()[0];
    assert!(seen
        .content_type
        .starts_with("application/x-www-form-urlencoded"));
    assert_eq!(seen.params["grant_type"], "authorization_code");
    assert_eq!(seen.params["user_type"], "Location");
    assert_eq!(seen.params["client_secret"], CLIENT_SECRET);
    assert_eq!(seen.params["redirect_uri"], code.redirect_uri);
    assert!(seen.basic_auth.is_none());

    let store = Arc::new(MemoryStore::new());
    let manager = TokenManager::new(
        store.clone(),
        "ghl/main/oauth",
        "GHL \"Main office\"",
        client,
        Arc::new(SystemClock),
    );
    manager.save(&tokens).await.unwrap();
    let stored =
        TokenSet::from_secret_json(&store.get("ghl/main/oauth").unwrap().unwrap()).unwrap();
    assert_eq!(stored, tokens);
    assert_eq!(manager.access_token().await.unwrap(), tokens.access_token);
}

#[tokio::test]
async fn sign_in_helper_does_both_steps() {
    let server = TestOAuthServer::start().await;
    let client =
        OAuthClient::with_http_client(ghl(&server), loopback_http(), Arc::new(SystemClock));
    let mut visit = None;
    let tokens = client
        .sign_in(&short(10_000), opener_into(&mut visit))
        .await
        .unwrap();
    assert_eq!(visit.unwrap().await.unwrap().callback_status, 200);
    assert!(tokens.access_token.expose().starts_with("at-"));
    assert!(tokens.refresh_token.is_some());
}

#[tokio::test]
async fn a_callback_with_another_state_is_rejected() {
    let server = TestOAuthServer::start().await;
    server.set_authorize_mode(AuthorizeMode::WrongState);
    let mut visit = None;
    let err = authorize(&ghl(&server), &short(10_000), opener_into(&mut visit))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(
        err.message.contains("state does not match"),
        "{}",
        err.message
    );
    let visit = visit.unwrap().await.unwrap();
    assert_eq!(visit.callback_status, 400);
    assert!(visit.callback_page.contains("Sign-in failed"));
}

#[tokio::test]
async fn access_denied_is_surfaced() {
    let server = TestOAuthServer::start().await;
    server.set_authorize_mode(AuthorizeMode::Deny);
    let mut visit = None;
    let err = authorize(&ghl(&server), &short(10_000), opener_into(&mut visit))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthorized);
    assert!(err.message.contains("access_denied"), "{}", err.message);
    assert!(err.message.contains("The user declined"), "{}", err.message);
    assert_eq!(visit.unwrap().await.unwrap().callback_status, 400);
}

#[tokio::test]
async fn the_wait_times_out() {
    let server = TestOAuthServer::start().await;
    let mut opened = None;
    let started = Instant::now();
    let err = authorize(&ghl(&server), &short(200), |url: &Url| {
        // A browser that never comes back.
        opened = Some(url.clone());
        Ok(())
    })
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert!(err.message.contains("within 200 ms"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(5));

    // The listener is gone afterwards.
    let opened = opened.unwrap();
    let redirect: Url = opened
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| Url::parse(&v).unwrap())
        .unwrap();
    assert!(loopback_http().get(redirect).send().await.is_err());
}

#[tokio::test]
async fn stray_requests_do_not_end_the_sign_in() {
    let server = TestOAuthServer::start().await;
    let mut visit = None;
    let mut favicon = None;
    let code = authorize(&ghl(&server), &short(10_000), |url: &Url| {
        let redirect = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| Url::parse(&v).unwrap())
            .unwrap();
        let url = url.clone();
        let (stray_tx, stray_rx) = tokio::sync::oneshot::channel();
        favicon = Some(stray_rx);
        visit = Some(tokio::spawn(async move {
            let stray = loopback_http()
                .get(redirect.join("/favicon.ico").unwrap())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            stray_tx.send(stray).unwrap();
            browser(&url).await.unwrap()
        }));
        Ok(())
    })
    .await
    .unwrap();
    assert!(!code.code.expose().is_empty());
    assert_eq!(favicon.unwrap().await.unwrap(), 404);
    assert_eq!(visit.unwrap().await.unwrap().callback_status, 200);
}

#[tokio::test]
async fn an_opener_failure_ends_the_sign_in_at_once() {
    let server = TestOAuthServer::start().await;
    let err = authorize(&ghl(&server), &short(10_000), |_: &Url| {
        Err(BridgeError::internal("no browser"))
    })
    .await
    .unwrap_err();
    assert_eq!(err.message, "no browser");
}

#[tokio::test]
async fn nifty_style_provider_uses_pkce_basic_auth_and_a_json_body() {
    let server = TestOAuthServer::start().await;
    let provider = nifty_provider(
        server.base.join("/oauth/chooselocation").unwrap(),
        server.base.join("/oauth/token").unwrap(),
        CLIENT_ID,
        client_secret(),
        vec!["task".into(), "project".into()],
        true,
    );
    let client = OAuthClient::with_http_client(provider, loopback_http(), Arc::new(SystemClock));
    let mut visit = None;
    let tokens = client
        .sign_in(&short(10_000), opener_into(&mut visit))
        .await
        .unwrap();
    assert_eq!(visit.unwrap().await.unwrap().callback_status, 200);
    assert!(tokens.refresh_token.is_some());

    let query = &server.authorize_queries()[0];
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);

    // The server checked the verifier against the challenge before answering.
    let seen = &server.token_requests()[0];
    assert!(
        seen.content_type.starts_with("application/json"),
        "{}",
        seen.content_type
    );
    assert_eq!(
        seen.basic_auth,
        Some((CLIENT_ID.to_string(), CLIENT_SECRET.to_string()))
    );
    assert!(!seen.params.contains_key("client_secret"));
    assert!(!seen.params.contains_key("client_id"));
    assert!(seen.params.contains_key("code_verifier"));

    // A refresh goes the same way.
    client.refresh(&tokens).await.unwrap();
    let refresh = &server.token_requests()[1];
    assert_eq!(refresh.params["grant_type"], "refresh_token");
    assert!(refresh.basic_auth.is_some());
    assert!(refresh.content_type.starts_with("application/json"));
}
