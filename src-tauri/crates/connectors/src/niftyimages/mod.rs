//! The client of a NiftyImages Custom Data Store: write-only rows for personalized images.
//!
//! Facts (reference/target-apps.md "NiftyImages", the Pipedream NiftyImages component):
//! - Base `https://api.niftyimages.com/v1`, header `ApiKey: <key>`; each data store has its own
//!   key, and only Custom Stores can be written.
//! - `GET /Store` → the store's fields `[{name, type, date_input_format, unique}]` (types seen:
//!   TEXT, NUMBER, BOOLEAN, DATE).
//! - `POST /Store/AddRecord {field: value, …}` creates or updates a row, matched on the unique
//!   field [unverified: "create or update" is documented, the match key is inferred].
//! - `DELETE /Store/DeleteRecord`: the body is not documented; we send the unique field alone,
//!   `{unique_field: value}`, like an AddRecord body [unverified].
//! - No way to read rows back, no webhooks, no published limits.
//! - Field names: Pipedream's client sends each field under its name with spaces replaced by
//!   `_`; we match names ignoring case, spaces and `_` and send them the same way.
//! - DATE values: in the field's `date_input_format` ([`format_date`]).

mod dates;

pub use dates::{chrono_pattern, format_date};

use std::sync::Arc;
use std::time::Duration;

use bridge_core::BridgeError;
use reqwest::header::HeaderName;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::http::{
    AccessTokenSource, ApiRequest, AuthHeader, HttpClient, HttpClientBuilder, RateBudget,
    RateHeaderNames, RateLimits,
};

pub const DEFAULT_BASE_URL: &str = "https://api.niftyimages.com/v1";

/// No published limits: a polite guess.
pub const RATE_LIMITS: RateLimits = RateLimits {
    max_per_window: 5,
    window: Duration::from_secs(1),
};

pub fn rate_budget(name: &str) -> RateBudget {
    RateBudget::new(
        format!("NiftyImages {name}"),
        RATE_LIMITS,
        RateHeaderNames {
            max: "x-ratelimit-limit".into(),
            remaining: "x-ratelimit-remaining".into(),
            interval_ms: "x-ratelimit-interval-milliseconds".into(),
            daily_remaining: None,
        },
    )
}

/// One field of the store's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreField {
    pub name: String,
    /// e.g. "TEXT", "NUMBER", "BOOLEAN", "DATE".
    #[serde(rename = "type")]
    pub field_type: String,
    /// How a DATE value must be written, e.g. "yyyy-MM-dd HH:mm".
    #[serde(default)]
    pub date_input_format: Option<String>,
    #[serde(default)]
    pub unique: bool,
}

/// Whether two field names mean the same field: case, spaces and `_` do not matter
/// (`First Name`, `first_name` and `FIRSTNAME` are one field).
pub fn same_field(a: &str, b: &str) -> bool {
    let canon = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    canon(a) == canon(b)
}

/// The key a row carries for `field`: its name with spaces as `_`, as Pipedream's client
/// sends it.
pub fn wire_name(field: &StoreField) -> String {
    field.name.trim().replace(' ', "_")
}

/// The field rows are matched on, if the store has one.
pub fn unique_field(fields: &[StoreField]) -> Option<&StoreField> {
    fields.iter().find(|f| f.unique)
}

/// A client for one data store (its key). Cheap to clone.
#[derive(Clone)]
pub struct NiftyImagesClient {
    http: HttpClient,
}

impl NiftyImagesClient {
    /// `store_key` gives the data store's API key.
    pub fn new(
        base_url: &str,
        store_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Ok(Self::with_http(
            Self::http_builder(base_url, store_key, budget).build()?,
        ))
    }

    /// The HTTP client's builder with NiftyImages' name and the bare `ApiKey` header.
    pub fn http_builder(
        base_url: &str,
        store_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("NiftyImages", base_url, store_key, budget).auth_header(AuthHeader {
            name: HeaderName::from_static("apikey"),
            prefix: String::new(),
        })
    }

    pub fn with_http(http: HttpClient) -> Self {
        Self { http }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// `GET /Store`: the store's fields.
    pub async fn store_fields(&self) -> Result<Vec<StoreField>, BridgeError> {
        self.http
            .send(ApiRequest::get(&["Store"]).context("read the NiftyImages data store's fields"))
            .await
    }

    /// `POST /Store/AddRecord`: creates the row, or updates the one with the same unique
    /// value. Safe to repeat (an upsert by key).
    pub async fn add_record(&self, record: &Map<String, Value>) -> Result<(), BridgeError> {
        if record.is_empty() {
            return Err(BridgeError::invalid_input(
                "a NiftyImages record needs at least one field",
            ));
        }
        self.http
            .send_raw(
                ApiRequest::post(&["Store", "AddRecord"])
                    .json(record)?
                    .idempotent(true)
                    .context(format!("write NiftyImages record {}", describe(record))),
            )
            .await?;
        Ok(())
    }

    /// `DELETE /Store/DeleteRecord {unique_field: value}` (body shape unverified).
    pub async fn delete_record(
        &self,
        unique_field: &str,
        value: &Value,
    ) -> Result<(), BridgeError> {
        if unique_field.trim().is_empty() || value.is_null() {
            return Err(BridgeError::invalid_input(
                "deleting a NiftyImages record needs the unique field and its value",
            ));
        }
        let mut body = Map::new();
        body.insert(unique_field.to_string(), value.clone());
        self.http
            .send_raw(
                ApiRequest::delete(&["Store", "DeleteRecord"])
                    .json(&body)?
                    .context(format!("delete NiftyImages record {unique_field}={value}")),
            )
            .await?;
        Ok(())
    }
}

/// A record named for messages by its first string value (usually the unique email).
fn describe(record: &Map<String, Value>) -> String {
    record
        .iter()
        .find_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .unwrap_or_else(|| "(no text field)".into())
}
