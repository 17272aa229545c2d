//! What the Novi and Ninox fakes share with each other (and, through `faults.rs` and
//! `ghl::server`, with the GHL fake): request statistics, latency and fault injection, and a
//! server task on a listener whose connections can be cut.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::faults::{self, FaultConfig, FaultState};
use crate::ghl::server::{ConnHandle, CuttableListener};
use crate::ghl::shared::lock;
use crate::RequestStats;

/// Statistics and fault injection of one fake.
pub(crate) struct Host {
    pub stats: Mutex<RequestStats>,
    pub faults: Mutex<FaultState>,
}

pub(crate) type HostRef = Arc<Host>;

impl Host {
    pub fn new(faults: FaultConfig, seed: u64) -> HostRef {
        Arc::new(Self {
            stats: Mutex::new(RequestStats::default()),
            faults: Mutex::new(FaultState::new(faults, seed)),
        })
    }

    pub fn stats(&self) -> RequestStats {
        lock(&self.stats).clone()
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        lock(&self.faults).set(faults);
    }

    pub fn count_rate_limited(&self) {
        lock(&self.stats).rate_limited += 1;
    }

    /// Whether the fault injector refuses this request with a 429 (counted when it does).
    pub fn draw_rate_limited(&self) -> bool {
        let limited = lock(&self.faults).draw_rate_limited();
        if limited {
            self.count_rate_limited();
        }
        limited
    }
}

/// Counts every request by (method, route template); outermost layer.
pub(crate) async fn count(State(host): State<HostRef>, request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_string();
    {
        let mut stats = lock(&host.stats);
        stats.total += 1;
        *stats
            .by_route
            .entry((request.method().to_string(), template))
            .or_insert(0) += 1;
    }
    next.run(request).await
}

/// Adds the configured latency before anything else happens.
pub(crate) async fn delay(State(host): State<HostRef>, request: Request, next: Next) -> Response {
    let latency = lock(&host.faults).latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

/// Fails the request as drawn (after authentication and the rate limit, like a backend).
pub(crate) async fn inject(State(host): State<HostRef>, request: Request, next: Next) -> Response {
    let (fault, request) = faults::choose(&host.faults, request).await;
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    lock(&host.stats).faults_injected += 1;
    faults::apply(fault, request, next).await
}

/// Only the aimed faults, for an OAuth token endpoint: random faults there would turn every
/// fault test into a sign-in failure, while a test may aim a refused refresh at it.
pub(crate) async fn inject_aimed(
    State(host): State<HostRef>,
    request: Request,
    next: Next,
) -> Response {
    let aimed = lock(&host.faults).aimed(request.method().as_str(), request.uri().path());
    let Some(fault) = aimed else {
        return next.run(request).await;
    };
    lock(&host.stats).faults_injected += 1;
    faults::apply(fault, request, next).await
}

/// A served router; stops on `shutdown` or when dropped.
pub(crate) struct Running {
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl Running {
    pub fn serve(listener: TcpListener, app: Router, name: &'static str) -> Self {
        let app = app.into_make_service_with_connect_info::<ConnHandle>();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve =
                axum::serve(CuttableListener::new(listener), app).with_graceful_shutdown(async {
                    let _ = stopped.await;
                });
            if let Err(err) = serve.await {
                tracing::warn!(%err, sandbox = name, "sandbox server stopped with an error");
            }
        });
        Self {
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Stops accepting, lets requests in flight finish (5 s at most), then returns.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// The start of the current UTC day: seeds end there, as in the GHL fake, so every write made
/// while a fake runs is newer than any seeded record.
pub(crate) fn seed_anchor() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DateTime, Utc};
    Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or_else(Utc::now, |t| DateTime::from_naive_utc_and_offset(t, Utc))
}

/// The contacts the GHL fake seeds in its primary location for (seed, count): the people the
/// other fakes share with GHL.
pub(crate) fn ghl_people(
    seed: u64,
    count: usize,
    anchor: chrono::DateTime<chrono::Utc>,
) -> Vec<crate::seed::SeedContact> {
    if count == 0 {
        return Vec::new();
    }
    let world = crate::seed::world(seed, count);
    match world.locations.first() {
        Some(location) => crate::seed::contacts(location, &world.users, anchor).collect(),
        None => Vec::new(),
    }
}

/// A deterministic UUID (Novi's UniqueIDs are GUIDs).
pub(crate) fn guid(rng: &mut impl rand::Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}
