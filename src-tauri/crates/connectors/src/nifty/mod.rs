//! The client of Nifty (niftypm.com): tasks, labels, task comments (messages), projects and
//! task groups of one workspace, with an OAuth 2.0 bearer token.
//!
//! Facts (reference/target-apps.md "Nifty", the vendor's API reference as read by the
//! Pipedream and Activepieces Nifty components):
//! - Base `https://openapi.niftypm.com/api/v1.0`; `Authorization: Bearer <access token>`
//!   (bridge-auth's `TokenManager` with [`bridge_auth::nifty_oauth::nifty_provider`]).
//! - Lists page by `limit`/`offset`, at most 100 per request, and say `hasMore` (three sources
//!   in reference/api-fidelity.md; Activepieces asks for 1000, which a capped answer would
//!   silently cut): pages are followed while `hasMore` is true, or, where an answer has no
//!   `hasMore`, while a page is full. Tasks come as `{tasks: […]}`, projects and task groups as
//!   `{items: […]}` (older answers say `{projects: […]}`: both are read).
//! - `GET /tasks` leaves completed tasks out unless `completed=true` is asked: a query for
//!   open and completed tasks alike is two scans, open first.
//! - Tasks have no `updated_at` and no updated-since filter: changes are found by hashing the
//!   content of a full scan.
//! - A missing scope answers 403 `{"message": "Forbidden resource"}` (Activepieces' tests).
//! - No published rate limits: the budget below is our own guess, and 429s are retried.

mod collections;
mod tasks;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::{
    AccessTokenSource, ApiRequest, HttpClient, HttpClientBuilder, RateBudget, RateHeaderNames,
    RateLimits,
};

pub use tasks::TaskQuery;
pub use wire::{
    NewNiftyLabel, NewNiftyTask, NiftyLabel, NiftyMessage, NiftyProject, NiftyTask, NiftyTaskGroup,
    NiftyTaskUpdate,
};

/// Nifty's public API root.
pub const DEFAULT_BASE_URL: &str = "https://openapi.niftypm.com/api/v1.0";

/// The largest page Nifty serves on its lists.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Nifty publishes no limits: 10 requests per second is a polite guess that a full scan of a
/// 10,000-task project (10 requests) never notices.
pub const RATE_LIMITS: RateLimits = RateLimits {
    max_per_window: 10,
    window: Duration::from_secs(1),
};

/// The budget of one Nifty workspace connection (`name` names it in messages).
pub fn rate_budget(name: &str) -> RateBudget {
    rate_budget_per_second(name, RATE_LIMITS.max_per_window)
}

/// [`rate_budget`] with the operator's own requests per second (a workspace whose limits
/// Nifty told them, or a sandbox).
pub fn rate_budget_per_second(name: &str, per_second: u32) -> RateBudget {
    RateBudget::new(
        format!("Nifty {name}"),
        RateLimits {
            max_per_window: per_second,
            window: Duration::from_secs(1),
        },
        // None documented; the common names are read if Nifty ever sends them.
        RateHeaderNames {
            max: "x-ratelimit-limit".into(),
            remaining: "x-ratelimit-remaining".into(),
            interval_ms: "x-ratelimit-interval-milliseconds".into(),
            daily_remaining: None,
        },
    )
}

/// A Nifty client for one workspace. Cheap to clone; clones share the pool, budget and counters.
#[derive(Clone)]
pub struct NiftyClient {
    http: HttpClient,
}

impl NiftyClient {
    /// `tokens` gives the OAuth access token (refreshed on 401 by the token source).
    pub fn new(
        base_url: &str,
        tokens: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Ok(Self::with_http(
            Self::http_builder(base_url, tokens, budget).build()?,
        ))
    }

    /// The HTTP client's builder with Nifty's name and bearer auth, for callers that set their
    /// own timeout or retry policy before [`NiftyClient::with_http`].
    pub fn http_builder(
        base_url: &str,
        tokens: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("Nifty", base_url, tokens, budget)
    }

    pub fn with_http(http: HttpClient) -> Self {
        Self { http }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, BridgeError> {
        self.http.send(request).await
    }
}

/// Refuses an empty id before it turns a record path into a collection path.
fn require_id<'a>(what: &str, id: &'a str) -> Result<&'a str, BridgeError> {
    let trimmed = id.trim();
    if trimmed.is_empty() {
        Err(BridgeError::invalid_input(format!(
            "Nifty {what} id is empty"
        )))
    } else {
        Ok(trimmed)
    }
}

fn remote(message: impl Into<String>) -> BridgeError {
    BridgeError::new(ErrorCode::Remote, message)
}

/// Where the next page starts, after `got` items from `offset` with `limit` asked: Nifty's
/// `hasMore` when the answer has it, else whether the page was full.
fn next_offset(body: &Value, offset: u64, got: usize, limit: u32) -> Option<u64> {
    let more = match body.get("hasMore").and_then(Value::as_bool) {
        Some(more) => more && got > 0,
        None => got as u64 >= u64::from(limit),
    };
    more.then(|| offset + got as u64)
}

/// The records of a list answer: the array under the first of `keys` present, or a bare array
/// (Nifty's envelopes differ between endpoints and API versions). Each record is read as `T`;
/// an unreadable one is named by its position and id.
fn read_list<T: DeserializeOwned>(
    body: Value,
    keys: &[&str],
    what: &str,
    context: &str,
) -> Result<Vec<T>, BridgeError> {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(mut envelope) => {
            match keys.iter().find_map(|key| envelope.remove(*key)) {
                Some(Value::Array(items)) => items,
                Some(Value::Null) => Vec::new(),
                Some(_) | None => {
                    return Err(remote(format!(
                        "{context}: Nifty answered an object without a list of {what}s (expected one of: {})",
                        keys.join(", ")
                    )))
                }
            }
        }
        _ => {
            return Err(remote(format!(
                "{context}: Nifty answered something other than a list of {what}s"
            )))
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| read_record(item, what, index, context))
        .collect()
}

fn read_record<T: DeserializeOwned>(
    item: Value,
    what: &str,
    index: usize,
    context: &str,
) -> Result<T, BridgeError> {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("#{}", index + 1), |id| format!("'{id}'"));
    serde_json::from_value(item)
        .map_err(|e| remote(format!("{context}: Nifty {what} {id} is unreadable: {e}")))
}
