//! Counts what clients spend, so tests can assert how many requests a sync needed.

use std::collections::BTreeMap;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::shared::{lock, AppState};

/// Requests seen by the fake since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// Every request received, whatever its answer.
    pub total: u64,
    /// Requests per (method, path template), e.g. `("GET", "/contacts/{contactId}")`.
    /// Paths no route matched count under `"(unmatched)"`.
    pub by_route: BTreeMap<(String, String), u64>,
    /// Requests per (method, path as sent), e.g. `("GET", "/contacts/abc/notes")`: which
    /// records were read, not only how often a route was used.
    pub by_path: BTreeMap<(String, String), u64>,
    /// Answers that were 429 Too Many Requests.
    pub rate_limited: u64,
    /// Requests the fault injector answered with 5xx, dropped or garbled.
    pub faults_injected: u64,
}

impl RequestStats {
    /// Requests made to one route, e.g. `count("POST", "/contacts/search")`.
    pub fn count(&self, method: &str, path_template: &str) -> u64 {
        self.by_route
            .get(&(method.to_string(), path_template.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Requests made to one path, e.g. `count_path("GET", "/contacts/abc/notes")`.
    pub fn count_path(&self, method: &str, path: &str) -> u64 {
        self.by_path
            .get(&(method.to_string(), path.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

pub(crate) async fn count_request(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_string();
    {
        let mut stats = lock(&shared.stats);
        stats.total += 1;
        *stats
            .by_route
            .entry((request.method().to_string(), template))
            .or_insert(0) += 1;
        *stats
            .by_path
            .entry((
                request.method().to_string(),
                request.uri().path().to_string(),
            ))
            .or_insert(0) += 1;
    }
    next.run(request).await
}
