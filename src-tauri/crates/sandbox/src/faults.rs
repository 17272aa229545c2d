//! Fault injection: the failures a client meets on the real internet, on demand. A seeded RNG
//! decides which request fails, so a run with the same seed and the same request order fails
//! the same way.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::ghl::server::ConnHandle;
use crate::ghl::shared::{lock, AppState};

/// Which failures to inject; shares are probabilities in 0.0..=1.0 per request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Share of requests answered 500, 502 or 503 without being processed.
    pub error_rate: f64,
    /// Added to every request before it is handled.
    pub latency: Duration,
    /// Share of requests whose connection is closed without an answer. Half of them are
    /// processed first (the write happened, the answer is lost), half are not.
    pub drop_rate: f64,
    /// Share of requests that are processed and answered 200 with a truncated JSON body.
    pub malformed_rate: f64,
    /// Share of requests answered 429 Too Many Requests (in the app's own words and headers)
    /// without being processed. Honoured by the fakes of apps with unpublished or loosely
    /// documented limits (Nifty, Connectif, NiftyImages); GHL and Novi answer 429 from their
    /// own limiters.
    pub rate_limited_rate: f64,
    /// Share of writes (non-GET requests, told apart by method, path and body) answered 503
    /// with `Retry-After: 3600` without being processed, every time they are sent while this
    /// is set: a backend failing on some records for a while, which the client's retries do
    /// not get past.
    pub failing_writes: f64,
    /// Faults aimed at chosen requests, by method and path: deterministic, whatever the load
    /// or the order of other requests. Checked before the shares above.
    pub aimed: Vec<AimedFault>,
}

impl FaultConfig {
    pub fn none() -> Self {
        Self::default()
    }

    /// Only `aimed`, nothing drawn at random.
    pub fn aimed(fault: AimedFault) -> Self {
        Self {
            aimed: vec![fault],
            ..Self::default()
        }
    }
}

/// A fault for the next `times` requests with this method whose path ends with `path_suffix`,
/// once `skip` such requests have gone through untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AimedFault {
    pub method: String,
    pub path_suffix: String,
    pub kind: AimedKind,
    pub times: u32,
    pub skip: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AimedKind {
    /// The request is carried out, then its connection is cut: the write happened, the
    /// caller never hears of it.
    LoseAnswer,
    /// The connection is cut before the request is handled: nothing happened.
    DropUnhandled,
    /// Answered with this status (5xx, 401…) without being carried out.
    Status(u16),
    /// 503 with `Retry-After: 3600`, without being carried out: a client gives up at once.
    Unavailable,
    /// The request is carried out and its answer held for an hour: the caller waits at
    /// exactly this step, where a test kills it (SIGKILL right after a write happened).
    HoldAnswer,
}

impl AimedFault {
    pub fn new(method: &str, path_suffix: &str, kind: AimedKind, times: u32) -> Self {
        Self {
            method: method.to_string(),
            path_suffix: path_suffix.to_string(),
            kind,
            times,
            skip: 0,
        }
    }

    /// The same fault, for the matching requests after the first `skip` (the third write, not
    /// the first).
    pub fn after(self, skip: u32) -> Self {
        Self { skip, ..self }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    ServerError(StatusCode),
    /// 503 with `Retry-After: 3600`: down for maintenance, come back in an hour.
    Unavailable,
    DropBeforeHandling,
    DropAfterHandling,
    /// Handled, then the answer waits an hour before the connection is cut.
    HoldAfterHandling,
    Malformed,
}

#[derive(Debug)]
pub(crate) struct FaultState {
    config: FaultConfig,
    rng: SmallRng,
    /// A separate stream, so adding 429s leaves the other decisions of a seed unchanged.
    rate_rng: SmallRng,
}

impl FaultState {
    pub fn new(config: FaultConfig, seed: u64) -> Self {
        Self {
            config,
            rng: SmallRng::seed_from_u64(seed ^ 0xfa17_5eed),
            rate_rng: SmallRng::seed_from_u64(seed ^ 0x0429_5eed),
        }
    }

    pub fn set(&mut self, config: FaultConfig) {
        self.config = config;
    }

    pub fn latency(&self) -> Duration {
        self.config.latency
    }

    /// Whether this request is refused with a 429 (see [`FaultConfig::rate_limited_rate`]).
    pub fn draw_rate_limited(&mut self) -> bool {
        let draw: f64 = self.rate_rng.random();
        draw < self.config.rate_limited_rate
    }

    /// The aimed fault this request meets, if any (it counts one of that fault's `times`).
    pub fn aimed(&mut self, method: &str, path: &str) -> Option<Fault> {
        let fault = self.config.aimed.iter_mut().find(|f| {
            f.times > 0 && f.method.eq_ignore_ascii_case(method) && path.ends_with(&f.path_suffix)
        })?;
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        fault.times -= 1;
        Some(match fault.kind {
            AimedKind::LoseAnswer => Fault::DropAfterHandling,
            AimedKind::DropUnhandled => Fault::DropBeforeHandling,
            AimedKind::Unavailable => Fault::Unavailable,
            AimedKind::HoldAnswer => Fault::HoldAfterHandling,
            AimedKind::Status(code) => Fault::ServerError(
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            ),
        })
    }

    /// Whether this write is one of [`FaultConfig::failing_writes`]: a fixed hash of the
    /// request, so every attempt of the same write meets the same fate. Reads sent as POST
    /// (GHL's contact and task searches, Ninox's query) are reads: a search failing on every
    /// attempt would fail the whole pull, which is not the fault this models.
    fn failing_write(&self, method: &str, path: &str, body: &[u8]) -> bool {
        use std::hash::{Hash, Hasher};
        if self.config.failing_writes <= 0.0 || is_read(method, path) {
            return false;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (method, path, body).hash(&mut hasher);
        let share = (hasher.finish() % 10_000) as f64 / 10_000.0;
        share < self.config.failing_writes
    }

    /// Decides one request's fate. Always draws the same count of numbers, so the sequence
    /// of decisions depends only on the seed and the number of requests.
    pub fn draw(&mut self) -> Option<Fault> {
        let error: f64 = self.rng.random();
        let status = [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ][self.rng.random_range(0..3)];
        let drop: f64 = self.rng.random();
        let drop_after: bool = self.rng.random();
        let malformed: f64 = self.rng.random();
        if error < self.config.error_rate {
            Some(Fault::ServerError(status))
        } else if drop < self.config.drop_rate {
            Some(if drop_after {
                Fault::DropAfterHandling
            } else {
                Fault::DropBeforeHandling
            })
        } else if malformed < self.config.malformed_rate {
            Some(Fault::Malformed)
        } else {
            None
        }
    }
}

/// Whether a request only reads: a GET, or a POST the vendor documents as a search or query
/// (GHL's `/contacts/search` and `/locations/{id}/tasks/search`, Ninox's `/query`).
fn is_read(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("GET")
        || (method.eq_ignore_ascii_case("POST")
            && (path.ends_with("/search") || path.ends_with("/query")))
}

/// Adds the configured latency before anything else happens.
pub(crate) async fn delay(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let latency = lock(&shared.faults).latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

/// The fault `request` meets (aimed first, then a failing write, then the random draw), and
/// the request to pass on (its body read and put back when a failing write was looked for).
pub(crate) async fn choose(
    faults: &std::sync::Mutex<FaultState>,
    request: Request,
) -> (Option<Fault>, Request) {
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_string(),
    );
    if let Some(fault) = lock(faults).aimed(&method, &path) {
        return (Some(fault), request);
    }
    let mut request = request;
    if lock(faults).config.failing_writes > 0.0 && !is_read(&method, &path) {
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let failing = lock(faults).failing_write(&method, &path, &bytes);
        request = Request::from_parts(parts, Body::from(bytes));
        if failing {
            return (Some(Fault::Unavailable), request);
        }
    }
    let drawn = lock(faults).draw();
    (drawn, request)
}

/// Fails the request as drawn. Runs after authentication and the rate limit, so injected
/// failures still cost budget and carry the rate-limit headers, as a backend failure would.
pub(crate) async fn inject(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (fault, request) = choose(&shared.faults, request).await;
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    lock(&shared.stats).faults_injected += 1;
    apply(fault, request, next).await
}

/// Answers one request as `fault` says; shared by every fake's injector.
pub(crate) async fn apply(fault: Fault, request: Request, next: Next) -> Response {
    let connection = request
        .extensions()
        .get::<ConnectInfo<ConnHandle>>()
        .map(|info| info.0.clone());
    match fault {
        Fault::ServerError(status) => server_error(status),
        Fault::Unavailable => {
            let mut answer = server_error(StatusCode::SERVICE_UNAVAILABLE);
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            answer
        }
        Fault::DropBeforeHandling => cut(connection),
        Fault::DropAfterHandling => {
            let _lost = next.run(request).await;
            cut(connection)
        }
        Fault::HoldAfterHandling => {
            let _held = next.run(request).await;
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            cut(connection)
        }
        Fault::Malformed => {
            let answer = next.run(request).await;
            let (mut parts, body) = answer.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            // Half a JSON document never parses: the closing brackets are missing.
            let broken = if bytes.len() >= 2 {
                bytes.slice(..bytes.len() / 2)
            } else {
                axum::body::Bytes::from_static(b"{\"contacts\":[{\"id\":")
            };
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            Response::from_parts(parts, Body::from(broken))
        }
    }
}

fn cut(connection: Option<ConnHandle>) -> Response {
    match connection {
        Some(connection) => {
            connection.cut();
            // Never written: the connection refuses every byte from now on.
            StatusCode::OK.into_response()
        }
        // Served without our listener (not the case in GhlSandbox): the closest we can do.
        None => server_error(StatusCode::BAD_GATEWAY),
    }
}

fn server_error(status: StatusCode) -> Response {
    match status {
        // Gateways answer in HTML: clients must not assume every error body is JSON.
        StatusCode::BAD_GATEWAY => (
            status,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        )
            .into_response(),
        _ => {
            let reason = status.canonical_reason().unwrap_or("Error");
            let body = json!({"statusCode": status.as_u16(), "message": reason, "error": reason});
            (status, axum::Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aimed_fault_hits_its_requests_only_as_often_as_asked() {
        let mut state = FaultState::new(
            FaultConfig::aimed(AimedFault::new(
                "POST",
                "/complete",
                AimedKind::LoseAnswer,
                1,
            )),
            1,
        );
        assert_eq!(state.aimed("POST", "/tasks/t1"), None);
        assert_eq!(state.aimed("DELETE", "/tasks/t1/complete"), None);
        assert_eq!(
            state.aimed("POST", "/tasks/t1/complete"),
            Some(Fault::DropAfterHandling)
        );
        assert_eq!(state.aimed("POST", "/tasks/t2/complete"), None, "spent");
    }

    #[test]
    fn an_aimed_fault_after_n_lets_the_first_n_through() {
        let mut state = FaultState::new(
            FaultConfig::aimed(
                AimedFault::new("POST", "/records", AimedKind::HoldAnswer, 1).after(2),
            ),
            1,
        );
        assert_eq!(state.aimed("POST", "/t/records"), None);
        assert_eq!(
            state.aimed("GET", "/t/records"),
            None,
            "not a match: not counted"
        );
        assert_eq!(state.aimed("POST", "/t/records"), None);
        assert_eq!(
            state.aimed("POST", "/t/records"),
            Some(Fault::HoldAfterHandling)
        );
        assert_eq!(state.aimed("POST", "/t/records"), None, "spent");
    }

    #[test]
    fn a_failing_write_fails_every_time_and_reads_never() {
        let state = FaultState::new(
            FaultConfig {
                failing_writes: 0.2,
                ..FaultConfig::none()
            },
            1,
        );
        let failing: Vec<usize> = (0..1000)
            .filter(|n| {
                state.failing_write("POST", "/api/members", format!("{{\"n\":{n}}}").as_bytes())
            })
            .collect();
        assert!((120..280).contains(&failing.len()), "{}", failing.len());
        let again: Vec<usize> = (0..1000)
            .filter(|n| {
                state.failing_write("POST", "/api/members", format!("{{\"n\":{n}}}").as_bytes())
            })
            .collect();
        assert_eq!(failing, again, "the same writes, every attempt");
        assert!(!state.failing_write("GET", "/api/members", b""));
        // Searches and queries are reads, though sent as POST.
        for path in [
            "/contacts/search",
            "/locations/l1/tasks/search",
            "/databases/d/query",
        ] {
            assert!(
                (0..1000).all(|n| !state.failing_write(
                    "POST",
                    path,
                    format!("{{\"n\":{n}}}").as_bytes()
                )),
                "{path}"
            );
        }
    }

    #[test]
    fn no_faults_by_default() {
        let mut state = FaultState::new(FaultConfig::none(), 1);
        assert!((0..1000).all(|_| state.draw().is_none()));
    }

    #[test]
    fn certain_errors_are_always_5xx() {
        let config = FaultConfig {
            error_rate: 1.0,
            ..FaultConfig::none()
        };
        let mut state = FaultState::new(config, 1);
        for _ in 0..100 {
            match state.draw() {
                Some(Fault::ServerError(status)) => assert!(status.is_server_error()),
                other => panic!("expected a 5xx, got {other:?}"),
            }
        }
    }

    #[test]
    fn rate_limits_follow_their_share_on_their_own_stream() {
        let mut never = FaultState::new(FaultConfig::none(), 3);
        assert!((0..500).all(|_| !never.draw_rate_limited()));
        let config = FaultConfig {
            rate_limited_rate: 0.5,
            error_rate: 0.2,
            ..FaultConfig::none()
        };
        let mut with = FaultState::new(config.clone(), 3);
        let limited = (0..1000).filter(|_| with.draw_rate_limited()).count();
        assert!((350..650).contains(&limited), "{limited}");
        // The other faults are drawn as they would be without 429s.
        let mut a = FaultState::new(config.clone(), 3);
        let mut b = FaultState::new(config, 3);
        let plain: Vec<_> = (0..100).map(|_| a.draw()).collect();
        let mixed: Vec<_> = (0..100)
            .map(|_| {
                b.draw_rate_limited();
                b.draw()
            })
            .collect();
        assert_eq!(plain, mixed);
    }

    #[test]
    fn same_seed_same_decisions() {
        let config = FaultConfig {
            error_rate: 0.3,
            drop_rate: 0.3,
            malformed_rate: 0.3,
            latency: Duration::ZERO,
            rate_limited_rate: 0.0,
            failing_writes: 0.0,
            aimed: Vec::new(),
        };
        let mut a = FaultState::new(config.clone(), 9);
        let mut b = FaultState::new(config, 9);
        let first: Vec<_> = (0..200).map(|_| a.draw()).collect();
        let second: Vec<_> = (0..200).map(|_| b.draw()).collect();
        assert_eq!(first, second);
        assert!(first.iter().any(Option::is_none));
        assert!(first.contains(&Some(Fault::Malformed)));
        assert!(first.contains(&Some(Fault::DropAfterHandling)));
    }
}
