//! The HTTP client every connector sends through: base URL per connection, timeout, default
//! headers, the connection's rate budget, retries by [`decide`], one token refresh after a 401,
//! and counters for `bridge pull` and benchmarks.
//!
//! Logs carry method, path and status only: never a token, a query string or a body.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bridge_auth::{AccessTokenSource, Sensitive};
use bridge_core::{BridgeError, ErrorCode};
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use url::Url;

use super::rate_budget::RateBudget;
use super::remote_error::error_from_answer;
use super::request::ApiRequest;
use super::retry::{
    decide, parse_retry_after, Attempt, Decision, NetworkErrorKind, Outcome, RetryPolicy,
};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the token goes into a request: `Authorization: Bearer <token>` unless the app says otherwise.
#[derive(Debug, Clone)]
pub struct AuthHeader {
    pub name: HeaderName,
    /// Put before the token with a space, e.g. "Bearer"; empty for a bare key.
    pub prefix: String,
}

impl Default for AuthHeader {
    fn default() -> Self {
        Self {
            name: reqwest::header::AUTHORIZATION,
            prefix: "Bearer".into(),
        }
    }
}

/// Requests sent and 429s met by one client (and its clones) since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub sent: u64,
    pub rate_limited: u64,
    pub retried: u64,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    rate_limited: AtomicU64,
    retried: AtomicU64,
}

/// Cheap to clone: clones share the connection pool, the budget and the counters.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// The app's name in messages, e.g. "GHL".
    app: String,
    http: reqwest::Client,
    base_url: Url,
    timeout: Duration,
    default_headers: HeaderMap,
    auth: AuthHeader,
    tokens: Arc<dyn AccessTokenSource>,
    budget: Arc<RateBudget>,
    retry: RetryPolicy,
    counters: Counters,
}

pub struct HttpClientBuilder {
    app: String,
    base_url: String,
    tokens: Arc<dyn AccessTokenSource>,
    budget: Arc<RateBudget>,
    timeout: Duration,
    default_headers: HeaderMap,
    auth: AuthHeader,
    retry: RetryPolicy,
}

impl HttpClientBuilder {
    /// The longest one attempt may take, answer body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    pub fn auth_header(mut self, auth: AuthHeader) -> Self {
        self.auth = auth;
        self
    }

    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn build(self) -> Result<HttpClient, BridgeError> {
        let base_url = Url::parse(self.base_url.trim()).map_err(|e| {
            BridgeError::invalid_input(format!(
                "{} base URL '{}' is not a URL: {e}",
                self.app, self.base_url
            ))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(BridgeError::invalid_input(format!(
                "{} base URL '{}' must be an http(s) URL",
                self.app, self.base_url
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            // An API that redirects is misconfigured (a wrong base URL): report the 3xx rather
            // than resend a POST as a GET somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| BridgeError::internal(format!("could not set up the HTTP client: {e}")))?;
        let mut default_headers = self.default_headers;
        default_headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        default_headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(concat!(
                "contact-bridge/",
                env!("CARGO_PKG_VERSION")
            )));
        Ok(HttpClient {
            inner: Arc::new(Inner {
                app: self.app,
                http,
                base_url,
                timeout: self.timeout,
                default_headers,
                auth: self.auth,
                tokens: self.tokens,
                budget: self.budget,
                retry: self.retry,
                counters: Counters::default(),
            }),
        })
    }
}

/// A successful answer as received (see [`HttpClient::send_raw`]).
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// How one attempt ended when it got no HTTP answer.
struct NetworkFailure {
    kind: NetworkErrorKind,
    detail: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl HttpClient {
    /// `app` names the remote in messages ("GHL"); `base_url` is the connection's (the real
    /// host, a white-label domain, the sandbox).
    pub fn builder(
        app: impl Into<String>,
        base_url: impl Into<String>,
        tokens: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClientBuilder {
            app: app.into(),
            base_url: base_url.into(),
            tokens,
            budget,
            timeout: DEFAULT_TIMEOUT,
            default_headers: HeaderMap::new(),
            auth: AuthHeader::default(),
            retry: RetryPolicy::default(),
        }
    }

    pub fn counts(&self) -> RequestCounts {
        let c = &self.inner.counters;
        RequestCounts {
            sent: c.sent.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
        }
    }

    pub fn budget(&self) -> &Arc<RateBudget> {
        &self.inner.budget
    }

    pub fn app(&self) -> &str {
        &self.inner.app
    }

    /// Sends `request` (with retries) and reads the JSON answer as `T`.
    /// An empty body reads as JSON `null`, so `T = Option<_>` or `()` accept it.
    pub async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, BridgeError> {
        let url = self.url_for(&request)?;
        let answer = self.execute(&request, &url).await?;
        let body: &[u8] = if answer.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &answer.body
        };
        serde_json::from_slice(body).map_err(|e| {
            BridgeError::new(
                ErrorCode::Remote,
                format!(
                    "{}: {} answered {} to {} with a body we could not read: {e}",
                    self.context(&request, &url),
                    self.inner.app,
                    answer.status.as_u16(),
                    describe(&request, &url),
                ),
            )
        })
    }

    /// Sends `request` (with the same retries as [`HttpClient::send`]) and hands back the
    /// successful answer unread: for the few calls whose result is in a header (Novi answers a
    /// created activity's id in `Location`) or whose body must be checked before it is read as
    /// JSON (Ninox v4 answers a wrong path with a 200 HTML page).
    pub async fn send_raw(&self, request: ApiRequest) -> Result<RawAnswer, BridgeError> {
        let url = self.url_for(&request)?;
        let answer = self.execute(&request, &url).await?;
        Ok(RawAnswer {
            status: answer.status.as_u16(),
            headers: answer.headers,
            body: answer.body,
        })
    }

    fn url_for(&self, request: &ApiRequest) -> Result<Url, BridgeError> {
        let mut url = self.inner.base_url.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| {
                BridgeError::internal(format!("{} base URL cannot take a path", self.inner.app))
            })?;
            path.pop_if_empty();
            path.extend(&request.segments);
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }

    fn context(&self, request: &ApiRequest, url: &Url) -> String {
        request
            .context
            .clone()
            .unwrap_or_else(|| describe(request, url))
    }

    async fn execute(&self, request: &ApiRequest, url: &Url) -> Result<Answer, BridgeError> {
        let inner = &self.inner;
        let policy = if request.idempotent {
            inner.retry.clone()
        } else {
            inner.retry.non_idempotent()
        };
        let mut token = inner.tokens.access_token().await?;
        let mut attempt = Attempt::first();
        loop {
            let permit = inner.budget.acquire().await?;
            inner.counters.sent.fetch_add(1, Ordering::Relaxed);
            let outcome = self.attempt_once(request, url, &token).await;

            let (decision, outcome) = match outcome {
                Ok(answer) => {
                    inner.budget.observe(&permit, &answer.headers).await;
                    tracing::debug!(
                        app = %inner.app,
                        method = %request.method,
                        path = %url.path(),
                        status = answer.status.as_u16(),
                        "answered"
                    );
                    if answer.status.is_success() {
                        return Ok(answer);
                    }
                    let retry_after = answer
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let outcome = Outcome::Status(answer.status.as_u16());
                    let decision = decide(attempt, &outcome, retry_after, &policy, jitter());
                    if answer.status == StatusCode::TOO_MANY_REQUESTS {
                        inner.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                        // Everyone sharing the quota waits, not only this request.
                        if let Decision::Retry(delay) = decision {
                            inner.budget.pause_for(delay).await;
                        }
                    } else if answer.status == StatusCode::SERVICE_UNAVAILABLE
                        && retry_after.is_some()
                    {
                        // The remote said when to come back: nobody sharing it asks sooner.
                        if let Decision::Retry(delay) = decision {
                            inner.budget.pause_for(delay).await;
                        }
                    }
                    (decision, Ok(answer))
                }
                Err(failure) => {
                    tracing::debug!(
                        app = %inner.app,
                        method = %request.method,
                        path = %url.path(),
                        kind = ?failure.kind,
                        "no answer"
                    );
                    let outcome = Outcome::Network(failure.kind);
                    (
                        decide(attempt, &outcome, None, &policy, jitter()),
                        Err(failure),
                    )
                }
            };

            match decision {
                Decision::Retry(delay) => {
                    tracing::warn!(
                        app = %inner.app,
                        method = %request.method,
                        path = %url.path(),
                        attempt = attempt.number,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "retrying"
                    );
                    inner.counters.retried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(delay).await;
                }
                Decision::RefreshThenRetry => {
                    tracing::info!(
                        app = %inner.app,
                        method = %request.method,
                        path = %url.path(),
                        "token rejected; refreshing once"
                    );
                    token = match inner.tokens.on_unauthorized(&token).await {
                        Ok(fresh) => fresh,
                        Err(refresh_error) => {
                            return Err(self.refresh_failed(request, url, &outcome, refresh_error))
                        }
                    };
                    attempt.token_refreshed = true;
                    inner.counters.retried.fetch_add(1, Ordering::Relaxed);
                }
                Decision::GiveUp => return Err(self.final_error(request, url, attempt, outcome)),
            }
            attempt.number += 1;
        }
    }

    async fn attempt_once(
        &self,
        request: &ApiRequest,
        url: &Url,
        token: &Sensitive<String>,
    ) -> Result<Answer, NetworkFailure> {
        let inner = &self.inner;
        let mut builder = inner
            .http
            .request(request.method.clone(), url.clone())
            .timeout(inner.timeout)
            .headers(inner.default_headers.clone())
            .headers(request.headers.clone())
            .header(inner.auth.name.clone(), auth_value(&inner.auth, token)?);
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = builder.send().await.map_err(network_failure)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(network_failure)?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn final_error(
        &self,
        request: &ApiRequest,
        url: &Url,
        attempt: Attempt,
        outcome: Result<Answer, NetworkFailure>,
    ) -> BridgeError {
        let context = self.context(request, url);
        match outcome {
            Ok(answer) => {
                let mut error = error_from_answer(
                    &self.inner.app,
                    &context,
                    &describe(request, url),
                    answer.status,
                    &answer.body,
                );
                if request.missing_on_bad_request && answer.status == StatusCode::BAD_REQUEST {
                    error.code = ErrorCode::NotFound;
                }
                error
            }
            Err(failure) => BridgeError::new(
                ErrorCode::Network,
                format!(
                    "{context}: no answer from {} to {} after {} attempt{}: {}",
                    self.inner.app,
                    describe(request, url),
                    attempt.number,
                    if attempt.number == 1 { "" } else { "s" },
                    failure.detail
                ),
            ),
        }
    }

    /// The token was rejected and could not be refreshed: keep the refresh's code (e.g.
    /// `ReconnectRequired`) and both messages, the remote's first.
    fn refresh_failed(
        &self,
        request: &ApiRequest,
        url: &Url,
        outcome: &Result<Answer, NetworkFailure>,
        refresh_error: BridgeError,
    ) -> BridgeError {
        let rejected = match outcome {
            Ok(answer) => {
                error_from_answer(
                    &self.inner.app,
                    &self.context(request, url),
                    &describe(request, url),
                    answer.status,
                    &answer.body,
                )
                .message
            }
            Err(failure) => failure.detail.clone(),
        };
        BridgeError::new(
            refresh_error.code,
            format!("{rejected}; {}", refresh_error.message),
        )
    }
}

fn describe(request: &ApiRequest, url: &Url) -> String {
    format!("{} {}", request.method, url.path())
}

fn auth_value(auth: &AuthHeader, token: &Sensitive<String>) -> Result<HeaderValue, NetworkFailure> {
    let text = if auth.prefix.is_empty() {
        token.expose().clone()
    } else {
        format!("{} {}", auth.prefix, token.expose())
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| NetworkFailure {
        kind: NetworkErrorKind::Other,
        // Never echo the token itself.
        detail: "the stored token holds characters an HTTP header cannot carry".into(),
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn network_failure(error: reqwest::Error) -> NetworkFailure {
    let kind = if error.is_timeout() {
        NetworkErrorKind::Timeout
    } else if error.is_connect() {
        NetworkErrorKind::Connect
    } else if error.is_request() || error.is_body() {
        // The connection broke after the request went out: the remote may have acted.
        NetworkErrorKind::Reset
    } else {
        NetworkErrorKind::Other
    };
    // The URL's query can hold an email address: leave it out of the message.
    let error = error.without_url();
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    NetworkFailure { kind, detail }
}

/// A number in 0..1 for spreading retries; quality does not matter, independence between
/// calls does, which `RandomState`'s per-instance keys give without a dependency.
fn jitter() -> f64 {
    let bits = RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let samples: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(samples.iter().all(|j| (0.0..1.0).contains(j)));
        let first = samples[0];
        assert!(samples.iter().any(|j| *j != first));
    }

    #[test]
    fn auth_value_is_marked_sensitive_and_prefixed() {
        let token = Sensitive::new("abc".to_string());
        let value = auth_value(&AuthHeader::default(), &token).ok().unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().unwrap(), "Bearer abc");
        let bare = AuthHeader {
            name: HeaderName::from_static("x-api-key"),
            prefix: String::new(),
        };
        assert_eq!(
            auth_value(&bare, &token).ok().unwrap().to_str().unwrap(),
            "abc"
        );
        let broken = Sensitive::new("line\nbreak".to_string());
        let failure = auth_value(&AuthHeader::default(), &broken).err().unwrap();
        assert!(!failure.detail.contains("line"));
    }
}
