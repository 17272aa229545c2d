//! A tiny OAuth 2.0 authorization server on 127.0.0.1 that behaves as RFC 6749 and GHL's docs
//! say: single-use codes bound to their redirect_uri, PKCE S256 when a challenge was sent,
//! refresh tokens that rotate and are spent on use (a reused one gets `invalid_grant`), and
//! GHL's agency → location exchange.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use bridge_auth::Sensitive;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

pub const CLIENT_ID: &str = "client-1";
pub const CLIENT_SECRET: &str = "client-secret-1";
pub const LOCATION_ID: &str = "loc-1";
pub const COMPANY_ID: &str = "comp-1";
pub const AGENCY_TOKEN: &str = "agency-at-1";

/// What the authorize page does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizeMode {
    /// Redirects back with a code and the state it was given.
    Approve,
    /// Redirects back with a code and somebody else's state.
    WrongState,
    /// Redirects back with `error=access_denied`.
    Deny,
}

/// One token request as the server received it.
#[derive(Debug, Clone, Default)]
pub struct SeenTokenRequest {
    pub content_type: String,
    pub basic_auth: Option<(String, String)>,
    pub params: HashMap<String, String>,
}

#[derive(Default)]
struct Inner {
    authorize_mode: Option<AuthorizeMode>,
    authorize_queries: Vec<HashMap<String, String>>,
    /// code → (redirect_uri, PKCE challenge)
    codes: HashMap<String, (String, Option<String>)>,
    live_refresh_tokens: HashSet<String>,
    refresh_grants: usize,
    issued: usize,
    refresh_delay: Duration,
    refresh_fails_with: Option<StatusCode>,
    token_requests: Vec<SeenTokenRequest>,
    location_requests: Vec<(HeaderMap, HashMap<String, String>)>,
}

#[derive(Clone)]
pub struct TestOAuthServer {
    pub base: Url,
    inner: Arc<Mutex<Inner>>,
}

impl TestOAuthServer {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            authorize_mode: Some(AuthorizeMode::Approve),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/oauth/chooselocation", get(authorize))
            .route("/v2/oauth/chooselocation", get(authorize))
            .route("/oauth/token", post(token))
            .route("/oauth/locationToken", post(location_token))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, inner }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }

    pub fn set_authorize_mode(&self, mode: AuthorizeMode) {
        self.with(|s| s.authorize_mode = Some(mode));
    }

    /// Holds each refresh answer back, so concurrent refreshes really overlap.
    pub fn set_refresh_delay(&self, delay: Duration) {
        self.with(|s| s.refresh_delay = delay);
    }

    pub fn fail_refreshes_with(&self, status: Option<StatusCode>) {
        self.with(|s| s.refresh_fails_with = status);
    }

    /// Makes `refresh_token` one the server will accept once.
    pub fn issue_refresh_token(&self, refresh_token: &str) {
        self.with(|s| s.live_refresh_tokens.insert(refresh_token.to_string()));
    }

    pub fn refresh_grants(&self) -> usize {
        self.with(|s| s.refresh_grants)
    }

    pub fn authorize_queries(&self) -> Vec<HashMap<String, String>> {
        self.with(|s| s.authorize_queries.clone())
    }

    pub fn token_requests(&self) -> Vec<SeenTokenRequest> {
        self.with(|s| s.token_requests.clone())
    }

    pub fn location_requests(&self) -> Vec<(HeaderMap, HashMap<String, String>)> {
        self.with(|s| s.location_requests.clone())
    }
}

fn pairs(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

async fn authorize(State(inner): State<Arc<Mutex<Inner>>>, RawQuery(query): RawQuery) -> Response {
    let query = pairs(query.as_deref().unwrap_or(""));
    let mut s = inner.lock().unwrap();
    s.authorize_queries.push(query.clone());
    let (Some(redirect_uri), Some(state)) = (query.get("redirect_uri"), query.get("state")) else {
        return (
            StatusCode::BAD_REQUEST,
            "redirect_uri and state are required",
        )
            .into_response();
    };
    if query.get("response_type").map(String::as_str) != Some("code")
        || query.get("client_id").map(String::as_str) != Some(CLIENT_ID)
    {
        return (StatusCode::BAD_REQUEST, "bad response_type or client_id").into_response();
    }
    let mut target = Url::parse(redirect_uri).unwrap();
    match s.authorize_mode.unwrap_or(AuthorizeMode::Approve) {
        AuthorizeMode::Deny => {
            target
                .query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("error_description", "The user declined")
                .append_pair("state", state);
        }
        mode => {
            s.issued += 1;
            let code = format!("code-{}", s.issued);
            s.codes.insert(
                code.clone(),
                (redirect_uri.clone(), query.get("code_challenge").cloned()),
            );
            let state = if mode == AuthorizeMode::WrongState {
                "forged-state".to_string()
            } else {
                state.clone()
            };
            target
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &state);
        }
    }
    Redirect::to(target.as_str()).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn token(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let params: HashMap<String, String> = if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        value
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        pairs(std::str::from_utf8(&body).unwrap_or_default())
    };
    let basic_auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });

    let (delay, fail_with) = {
        let mut s = inner.lock().unwrap();
        s.token_requests.push(SeenTokenRequest {
            content_type,
            basic_auth: basic_auth.clone(),
            params: params.clone(),
        });
        (s.refresh_delay, s.refresh_fails_with)
    };

    let (client_id, client_secret) = basic_auth.unwrap_or_else(|| {
        (
            params.get("client_id").cloned().unwrap_or_default(),
            params.get("client_secret").cloned().unwrap_or_default(),
        )
    });
    if client_id != CLIENT_ID || client_secret != CLIENT_SECRET {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }

    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let mut s = inner.lock().unwrap();
            let code = params.get("code").cloned().unwrap_or_default();
            // Codes are single-use: removed whether or not the rest checks out.
            let Some((redirect_uri, challenge)) = s.codes.remove(&code) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Unknown or used code",
                );
            };
            if params.get("redirect_uri") != Some(&redirect_uri) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri mismatch",
                );
            }
            if let Some(challenge) = challenge {
                let verifier = params.get("code_verifier").cloned().unwrap_or_default();
                if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "PKCE verification failed",
                    );
                }
            }
            issue(&mut s, true)
        }
        Some("refresh_token") => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let mut s = inner.lock().unwrap();
            if let Some(status) = fail_with {
                return (status, "upstream unavailable").into_response();
            }
            s.refresh_grants += 1;
            let presented = params.get("refresh_token").cloned().unwrap_or_default();
            // Rotation: the presented token is spent now, whatever happens next.
            if !s.live_refresh_tokens.remove(&presented) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid grant: refresh token is invalid",
                );
            }
            issue(&mut s, true)
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "bad grant_type",
        ),
    }
}

fn issue(s: &mut Inner, with_refresh: bool) -> Response {
    s.issued += 1;
    let n = s.issued;
    let refresh_token = format!("rt-{n}");
    if with_refresh {
        s.live_refresh_tokens.insert(refresh_token.clone());
    }
    Json(json!({
        "access_token": format!("at-{n}"),
        "token_type": "Bearer",
        "expires_in": 86399,
        "refresh_token": refresh_token,
        "scope": "contacts.readonly contacts.write",
        "userType": "Location",
        "locationId": LOCATION_ID,
        "companyId": COMPANY_ID,
        "userId": "user-1"
    }))
    .into_response()
}

async fn location_token(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = pairs(std::str::from_utf8(&body).unwrap_or_default());
    let mut s = inner.lock().unwrap();
    s.location_requests.push((headers.clone(), params.clone()));
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(AGENCY_TOKEN) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"statusCode": 401, "message": "Invalid token: access token is invalid", "error": "Unauthorized"})),
        )
            .into_response();
    }
    if params.get("companyId").map(String::as_str) != Some(COMPANY_ID) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"statusCode": 400, "message": "companyId does not match the token"})),
        )
            .into_response();
    }
    s.issued += 1;
    Json(json!({
        "access_token": format!("loc-at-{}", s.issued),
        "token_type": "Bearer",
        "expires_in": 86399,
        "scope": "contacts.readonly",
        "locationId": params.get("locationId").cloned().unwrap_or_default(),
        "userId": "user-1"
    }))
    .into_response()
}

/// A clock the test moves by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(now: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(now)))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl bridge_core::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// An HTTP client that never goes through a proxy, for loopback-only tests.
pub fn loopback_http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn client_secret() -> Sensitive<String> {
    Sensitive::new(CLIENT_SECRET.to_string())
}
