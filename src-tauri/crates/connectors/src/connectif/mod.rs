//! The client of Connectif: contacts keyed by email (read one, PATCH upsert), custom events,
//! and the asynchronous contacts and activities exports for bulk reads.
//!
//! Facts (reference/target-apps.md "Connectif", api-docs.connectif.cloud):
//! - Base `https://api.connectif.cloud`; `Authorization: apiKey {keyId}:{keySecret}` (the token
//!   source gives `keyId:keySecret`, e.g. a `StaticToken`).
//! - `GET /contacts/{email}`; `PATCH /contacts/{email}` creates the contact when it does not
//!   exist; custom fields go by their id (checkbox fields take a list of strings).
//! - `POST /custom-events/alias/{alias}?createContact=bool`, the body keyed by the event's field
//!   ids (one of them, of type email, names the contact).
//! - Bulk reads: `POST /exports/`, poll `GET /exports/{id}` until `finished`, download the CSV
//!   from `fileUrl` (a fresh URL per read, valid 100 minutes). A contacts export takes no date
//!   filter (`fromDate`/`toDate` are for activity exports only), so it always holds every
//!   contact (or one segment's): `export_contacts` filters by `_updatedAt` on our side.
//! - Export columns are named by display name and change with the export `version`
//!   (support.connectif.ai article 23243787114524): each column is tied to its field through
//!   `GET /contact-fields/` (id and display name), so rows are read by field id.
//! - Checkbox values are option ids (support.connectif.ai "Importing contacts"), "|" between
//!   them in files.
//! - A key has scopes; a route outside them answers 403 "Permission not granted to the API Key
//!   or account has been blocked." Custom event types belong to a custom integration and can
//!   be created through `POST /custom-integrations/{id}/custom-event-types/`.
//! - Rate headers `X-RateLimit-Limit`/`-Remaining`/`-Reset` [numbers unverified]; 429 retried.

mod activities;
mod contacts;
mod export;
mod export_csv;
pub mod fields;
mod integrations;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};

use crate::http::{
    AccessTokenSource, AuthHeader, HttpClient, HttpClientBuilder, RateBudget, RateHeaderNames,
    RateLimits,
};

pub use activities::{ActivityExport, ExportedActivity, UnreadableActivity, MAX_ACTIVITY_RANGE};
pub use export::{ExportOptions, ExportedContact};
pub use fields::{ContactField, FieldOption};
pub use integrations::{CustomEventType, CustomIntegration, EventTypeField, NewEventType};
pub use wire::{ConnectifContact, ContactPatch, ExportJob};

pub const DEFAULT_BASE_URL: &str = "https://api.connectif.cloud";

/// Assumed until the rate headers say otherwise [unverified: Connectif's examples show a
/// limit of 100; the window is not documented, a minute is the cautious reading].
pub const RATE_LIMITS: RateLimits = RateLimits {
    max_per_window: 100,
    window: Duration::from_secs(60),
};

/// The budget of one Connectif API key (`name` names the account in messages).
pub fn rate_budget(name: &str) -> RateBudget {
    RateBudget::new(
        format!("Connectif {name}"),
        RATE_LIMITS,
        RateHeaderNames {
            max: "x-ratelimit-limit".into(),
            remaining: "x-ratelimit-remaining".into(),
            // Connectif sends a reset instant, not a window length: the window stays ours.
            interval_ms: "x-ratelimit-interval-milliseconds".into(),
            daily_remaining: None,
        },
    )
}

/// A Connectif client for one account. Cheap to clone.
#[derive(Clone)]
pub struct ConnectifClient {
    http: HttpClient,
    /// Downloads export files: another host (signed URLs), no API key, long bodies.
    download: reqwest::Client,
}

impl ConnectifClient {
    /// `api_key` gives `keyId:keySecret`.
    pub fn new(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> Result<Self, BridgeError> {
        Self::with_http(Self::http_builder(base_url, api_key, budget).build()?)
    }

    /// The HTTP client's builder with Connectif's name and `Authorization: apiKey …`.
    pub fn http_builder(
        base_url: &str,
        api_key: Arc<dyn AccessTokenSource>,
        budget: Arc<RateBudget>,
    ) -> HttpClientBuilder {
        HttpClient::builder("Connectif", base_url, api_key, budget).auth_header(AuthHeader {
            name: reqwest::header::AUTHORIZATION,
            prefix: "apiKey".into(),
        })
    }

    pub fn with_http(http: HttpClient) -> Result<Self, BridgeError> {
        let download = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A stalled download fails; a long one that keeps moving does not.
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| BridgeError::internal(format!("could not set up the HTTP client: {e}")))?;
        Ok(Self { http, download })
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }
}

/// Connectif's path parameter: the email as given, trimmed; refused when it cannot be one.
fn require_email(email: &str) -> Result<&str, BridgeError> {
    let email = email.trim();
    if email.is_empty() || !email.contains('@') {
        Err(BridgeError::invalid_input(format!(
            "Connectif contacts are keyed by email; '{email}' is not an email address"
        )))
    } else {
        Ok(email)
    }
}

fn remote(message: impl Into<String>) -> BridgeError {
    BridgeError::new(ErrorCode::Remote, message)
}
