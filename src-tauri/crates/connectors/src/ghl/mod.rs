//! The client of the hub: GHL (LeadConnector) API v2, one location per client.
//! Endpoints, bodies and versions follow the official specs in ../shared/specs/ghl and the
//! facts in reference/ghl-api.md; each endpoint family lives in its own module.

mod appointments;
mod contacts;
pub mod convert;
mod custom_fields;
mod notes;
mod search;
mod tags;
mod tasks;
pub mod wire;

use std::sync::Arc;

use bridge_core::BridgeError;
use serde::de::DeserializeOwned;

use crate::http::{AccessTokenSource, ApiRequest, HttpClient, HttpClientBuilder, RateBudget};

pub use contacts::BUSINESS_PAGE_LIMIT;
pub use custom_fields::CustomFieldIndex;
pub use search::{ChangedContactsQuery, SearchPage, MAX_PAGE_LIMIT};
pub use tasks::{CONTACTS_PER_TASK_SEARCH, TASK_SEARCH_PAGE};

/// GHL's API host. White-label and sandbox connections pass their own.
pub const DEFAULT_BASE_URL: &str = "https://services.leadconnectorhq.com";

/// The `Version` header of the contacts and locations APIs.
const VERSION_CONTACTS: &str = "2021-07-28";
/// The `Version` header of the calendars API.
const VERSION_CALENDARS: &str = "2021-04-15";

/// GHL's answer to a token without the route's scope: 401 "The token is not authorized for
/// this scope." (GoHighLevel/highlevel-api-docs issue #217), which names no scope.
pub fn is_scope_refusal(e: &BridgeError) -> bool {
    e.code == bridge_core::ErrorCode::Unauthorized
        && e.message.contains("not authorized for this scope")
}

/// A GHL client for one location. Cheap to clone; clones share the connection pool, the rate
/// budget and the request counters.
#[derive(Clone)]
pub struct GhlClient {
    http: HttpClient,
    location_id: Arc<str>,
}

impl GhlClient {
    /// `token_source` gives a Location token (OAuth with user_type Location, or the location's
    /// Private Integration Token); `budget` is the location's (see [`RateBudget::ghl`]).
    pub fn new(
        base_url: &str,
        location_id: impl Into<String>,
        token_source: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Self::with_http(
            Self::http_builder(base_url, token_source, budget).build()?,
            location_id,
        )
    }

    /// The HTTP client's builder with GHL's name, for callers that set their own timeout or
    /// retry policy before [`GhlClient::with_http`].
    pub fn http_builder(
        base_url: &str,
        token_source: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("GHL", base_url, token_source, budget)
    }

    pub fn with_http(
        http: HttpClient,
        location_id: impl Into<String>,
    ) -> Result<Self, BridgeError> {
        let location_id: String = location_id.into();
        if location_id.trim().is_empty() {
            return Err(BridgeError::invalid_input(
                "GHL connection: the location id is empty",
            ));
        }
        Ok(Self {
            http,
            location_id: location_id.into(),
        })
    }

    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// The underlying client: request counters and the rate budget.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Sends a contacts/locations API request (`Version: 2021-07-28`).
    async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, BridgeError> {
        self.http
            .send(request.header("version", VERSION_CONTACTS))
            .await
    }

    /// Sends a calendars API request (`Version: 2021-04-15`).
    async fn send_calendars<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
    ) -> Result<T, BridgeError> {
        self.http
            .send(request.header("version", VERSION_CALENDARS))
            .await
    }
}

/// Refuses an empty id before it turns a record path into a collection path
/// (`DELETE /contacts/` + "" is not "delete this contact").
fn require_id<'a>(what: &str, id: &'a str) -> Result<&'a str, BridgeError> {
    if id.trim().is_empty() {
        Err(BridgeError::invalid_input(format!(
            "GHL {what} id is empty"
        )))
    } else {
        Ok(id)
    }
}

/// GHL answers deletes with `{succeded: true}`; an explicit false is a failure.
fn check_deleted(
    outcome: &wire::DeleteOutcome,
    what: impl FnOnce() -> String,
) -> Result<(), BridgeError> {
    match outcome.succeded {
        Some(false) => Err(BridgeError::new(
            bridge_core::ErrorCode::Remote,
            format!("{}: GHL answered that the delete did not succeed", what()),
        )),
        _ => Ok(()),
    }
}
