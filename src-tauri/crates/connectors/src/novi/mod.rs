//! The client of Novi AMS, one association (tenant) per client.
//!
//! Facts (reference/target-apps.md, "Novi AMS"; field names confirmed against the vendor's
//! Postman collection as mirrored in MemberJunction's Novi integration metadata):
//! - Every tenant has its own host: the base URL is `https://<tenant>/api`.
//! - `Authorization: Basic <rawApiKey>`: the raw key, not base64 of user:password.
//! - PUT replaces the whole object: an update is GET, merge our changed fields into the full
//!   object, PUT it back ([`NoviClient::update_member`]). Fields we do not model ride along
//!   untouched because the merge works on the remote's own JSON object.
//! - Members are never deleted: "delete" sets `Active=false` by the same GET-merge-PUT.
//! - 20 requests/s, 600/min, 100,000/day per key; 429/503 carry `Retry-After` (honoured by the
//!   shared client). No rate headers are documented.

mod activities;
mod committees;
pub mod convert;
mod events;
mod members;
#[cfg(test)]
pub(crate) mod test_server;
#[cfg(test)]
mod tests;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::http::{
    AccessTokenSource, ApiRequest, AuthHeader, HttpClient, HttpClientBuilder, RateBudget,
    RateHeaderNames, RateLimits,
};

pub use activities::ActivityQuery;
pub use committees::{NoviCommittee, NoviCommitteeMember};
pub use members::MemberQuery;
pub use wire::{NoviActivity, NoviActivityType, NoviEvent, NoviMember, NoviPage};

/// Novi's documented limits are 20/s burst and 600/min sustained: 10 per second honours both
/// (a 20/s budget would hit the per-minute limit after 30 s of steady work).
pub const RATE_LIMITS: RateLimits = RateLimits {
    max_per_window: 10,
    window: Duration::from_secs(1),
};

/// Largest page asked for; Novi documents no maximum, the vendor's examples use 100.
pub const MAX_PAGE_SIZE: u32 = 1000;
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The budget of one Novi API key (`name` names the tenant in messages).
/// `requests_per_second` overrides [`RATE_LIMITS`] for a tenant whose plan allows more (or less).
pub fn rate_budget(tenant: &str, requests_per_second: Option<u32>) -> RateBudget {
    let limits = match requests_per_second {
        Some(n) => RateLimits {
            max_per_window: n.max(1),
            window: Duration::from_secs(1),
        },
        None => RATE_LIMITS,
    };
    RateBudget::new(
        format!("Novi AMS {tenant}"),
        limits,
        // Novi documents no rate headers; these common names are read if a tenant sends them.
        RateHeaderNames {
            max: "x-ratelimit-limit".into(),
            remaining: "x-ratelimit-remaining".into(),
            interval_ms: "x-ratelimit-interval-milliseconds".into(),
            daily_remaining: None,
        },
    )
}

/// `https://<host>/api` for a tenant's host ("www.myassociation.org"); a full URL is kept as
/// given, with `/api` added when its path is empty.
pub fn base_url_for_tenant(tenant: &str) -> String {
    let tenant = tenant.trim().trim_end_matches('/');
    if tenant.starts_with("http://") || tenant.starts_with("https://") {
        let after_scheme = tenant.split_once("://").map_or("", |(_, rest)| rest);
        if after_scheme.contains('/') {
            tenant.to_string()
        } else {
            format!("{tenant}/api")
        }
    } else {
        format!("https://{tenant}/api")
    }
}

/// A Novi client for one tenant. Cheap to clone; clones share the pool, budget and counters.
#[derive(Clone)]
pub struct NoviClient {
    http: HttpClient,
}

impl NoviClient {
    /// `base_url` is the tenant's API root, e.g. `https://www.myassociation.org/api` (see
    /// [`base_url_for_tenant`]); `api_key` gives the raw key (e.g. `bridge_auth::StaticToken`).
    pub fn new(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Ok(Self::with_http(
            Self::http_builder(base_url, api_key, budget).build()?,
        ))
    }

    /// The HTTP client's builder with Novi's name and `Authorization: Basic <raw key>`.
    pub fn http_builder(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("Novi AMS", base_url, api_key, budget).auth_header(AuthHeader {
            name: reqwest::header::AUTHORIZATION,
            prefix: "Basic".into(),
        })
    }

    /// Wraps a client built by [`NoviClient::http_builder`] (with the caller's timeout/retries).
    pub fn with_http(http: HttpClient) -> Self {
        Self { http }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, BridgeError> {
        self.http.send(request).await
    }

    /// GETs one record as the remote's own JSON object.
    async fn get_object(
        &self,
        segments: &[&str],
        context: String,
    ) -> Result<Map<String, Value>, BridgeError> {
        let value: Value = self
            .send(ApiRequest::get(segments).context(context.clone()))
            .await?;
        match value {
            Value::Object(object) => Ok(object),
            other => Err(remote(format!(
                "{context}: Novi AMS answered {} instead of the record's object",
                kind_of(&other)
            ))),
        }
    }

    /// The full-replacement update: GET the record, let `merge` change the object, PUT the
    /// whole object back. Answers the object as it was sent (or, when the remote answers an
    /// object, that one).
    async fn merge_put(
        &self,
        segments: &[&str],
        context: String,
        merge: impl FnOnce(&mut Map<String, Value>) -> Result<(), BridgeError>,
    ) -> Result<Map<String, Value>, BridgeError> {
        let mut object = self
            .get_object(segments, format!("{context} (reading it first)"))
            .await?;
        merge(&mut object)?;
        let answer = self
            .http
            .send_raw(
                ApiRequest::put(segments)
                    .json(&object)?
                    .context(context.clone()),
            )
            .await?;
        // Novi may answer the updated object, or nothing useful: then what we sent is the record.
        match serde_json::from_slice::<Value>(&answer.body) {
            Ok(Value::Object(updated)) if !updated.is_empty() => Ok(updated),
            _ => Ok(object),
        }
    }
}

/// Sets `changes` into `object`. A change whose name matches an existing key apart from case
/// replaces that key (no "Firstname" beside "FirstName").
pub fn merge_fields(object: &mut Map<String, Value>, changes: &Map<String, Value>) {
    for (name, value) in changes {
        let existing = object
            .keys()
            .find(|key| key.as_str() != name && key.eq_ignore_ascii_case(name))
            .cloned();
        match existing {
            Some(key) => {
                object.insert(key, value.clone());
            }
            None => {
                object.insert(name.clone(), value.clone());
            }
        }
    }
}

/// Refuses an empty id before it turns a record path into a collection path.
fn require_id<'a>(what: &str, id: &'a str) -> Result<&'a str, BridgeError> {
    let trimmed = id.trim();
    if trimmed.is_empty() {
        Err(BridgeError::invalid_input(format!(
            "Novi AMS {what} id is empty"
        )))
    } else {
        Ok(trimmed)
    }
}

fn remote(message: impl Into<String>) -> BridgeError {
    BridgeError::new(ErrorCode::Remote, message)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "an empty body",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads one record out of a JSON value; the error names the record and the remote's field.
fn parse_record<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, BridgeError> {
    serde_json::from_value(value).map_err(|e| remote(format!("{what}: unreadable field: {e}")))
}

/// The id of a record just created, from the answer's headers: `Location` (or
/// `Content-Location`) ending in the id, or a header carrying the id itself.
pub fn id_from_headers(headers: &HeaderMap) -> Option<String> {
    for name in ["location", "content-location"] {
        if let Some(id) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(last_path_segment)
        {
            return Some(id);
        }
    }
    for name in ["uniqueid", "x-uniqueid", "x-unique-id", "unique-id", "x-id"] {
        if let Some(id) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            return Some(id.trim_matches('"').to_string());
        }
    }
    None
}

fn last_path_segment(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .map(str::to_string)
}
