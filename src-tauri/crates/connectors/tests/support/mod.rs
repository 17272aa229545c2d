//! A tiny local HTTP server for the connector tests: it records every request (method, raw
//! path, query, headers, body) and answers with what the test's responder returns. Bound to
//! 127.0.0.1:0, one per test.

// Test code: each test file uses a different part of it, and helpers panic on the unexpected.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use bridge_auth::Sensitive;
use bridge_connectors::ghl::GhlClient;
use bridge_connectors::http::{AccessTokenSource, HttpClient, RateBudget, RetryPolicy};
use bridge_core::{BridgeError, ErrorCode};
use futures::future::BoxFuture;
use serde_json::Value;

pub const LOCATION: &str = "loc-1";
pub const TOKEN: &str = "pit-test-token";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// As received, still percent-encoded.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of {} {} is not JSON ({e}): {:?}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Hold the answer this long (to provoke client timeouts).
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Responder = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    requests: Arc<Mutex<Vec<Recorded>>>,
    respond: Arc<Responder>,
}

pub struct MockServer {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl MockServer {
    /// Answers request number `i` (from 0) with `respond(&request, i)`.
    pub async fn start(
        respond: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            requests: requests.clone(),
            respond: Arc::new(respond),
        };
        let app = Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, requests }
    }

    /// Answers the i-th request with `replies[i]`, the last one again once they run out.
    pub async fn sequence(replies: Vec<Reply>) -> Self {
        Self::start(move |_, i| replies[i.min(replies.len() - 1)].clone()).await
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request: {requests:#?}"
        );
        requests.into_iter().next().unwrap()
    }
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap()
        .to_vec();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    };
    let index = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(recorded.clone());
        requests.len() - 1
    };
    let reply = (shared.respond)(&recorded, index);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// Retries fast enough for tests, otherwise the defaults.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
        retry_ambiguous: true,
    }
}

/// A token that cannot be refreshed, held in memory.
pub struct FixedToken(pub String);

impl AccessTokenSource for FixedToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, BridgeError>> {
        Box::pin(async move { Ok(Sensitive::new(self.0.clone())) })
    }

    fn on_unauthorized<'a>(
        &'a self,
        _rejected: &'a Sensitive<String>,
    ) -> BoxFuture<'a, Result<Sensitive<String>, BridgeError>> {
        Box::pin(async move {
            Err(BridgeError::new(
                ErrorCode::Unauthorized,
                "the test token was rejected",
            ))
        })
    }
}

pub fn static_token() -> Arc<dyn AccessTokenSource> {
    Arc::new(FixedToken(TOKEN.to_string()))
}

pub fn http_client(url: &str, tokens: Arc<dyn AccessTokenSource>) -> HttpClient {
    GhlClient::http_builder(url, tokens, Arc::new(RateBudget::ghl(LOCATION)))
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

pub fn ghl(server: &MockServer) -> GhlClient {
    GhlClient::with_http(http_client(&server.url, static_token()), LOCATION).unwrap()
}

/// An OAuth-like token source: answers `old` until refreshed, then `new`; counts refreshes.
pub struct RefreshingToken {
    current: Mutex<String>,
    new: String,
    pub refreshes: AtomicU32,
    /// What the refresh is handed (must be the rejected token).
    pub rejected: Mutex<Vec<String>>,
}

impl RefreshingToken {
    pub fn new(old: &str, new: &str) -> Arc<Self> {
        Arc::new(Self {
            current: Mutex::new(old.to_string()),
            new: new.to_string(),
            refreshes: AtomicU32::new(0),
            rejected: Mutex::new(Vec::new()),
        })
    }

    pub fn refresh_count(&self) -> u32 {
        self.refreshes.load(Ordering::SeqCst)
    }
}

impl AccessTokenSource for RefreshingToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Sensitive<String>, BridgeError>> {
        Box::pin(async move { Ok(Sensitive::new(self.current.lock().unwrap().clone())) })
    }

    fn on_unauthorized<'a>(
        &'a self,
        rejected: &'a Sensitive<String>,
    ) -> BoxFuture<'a, Result<Sensitive<String>, BridgeError>> {
        Box::pin(async move {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            self.rejected
                .lock()
                .unwrap()
                .push(rejected.expose().clone());
            if self.new.is_empty() {
                return Err(BridgeError::new(
                    ErrorCode::ReconnectRequired,
                    "GHL refused the refresh token (invalid_grant): reconnect the location",
                ));
            }
            *self.current.lock().unwrap() = self.new.clone();
            Ok(Sensitive::new(self.new.clone()))
        })
    }
}
