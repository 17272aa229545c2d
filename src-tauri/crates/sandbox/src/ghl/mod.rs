//! The GHL (LeadConnector API v2) fake: a stateful axum server on 127.0.0.1 that answers like
//! services.leadconnectorhq.com and the marketplace's OAuth pages, built from the official
//! spec files and reference/ghl-api.md.

mod appointments;
mod auth;
mod contact_json;
mod contacts;
mod custom_fields;
pub(crate) mod dates;
pub(crate) mod errors;
pub(crate) mod ids;
mod locations;
mod notes;
mod oauth;
pub(crate) mod oauth_page;
mod rate_limit;
mod search;
pub(crate) mod server;
pub(crate) mod shared;
mod state;
mod stats;
mod tags;
mod tasks;
mod validate;
pub(crate) mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::auth::{Guard, V2021_04_15, V2021_07_28};
use self::errors::ApiError;
use self::rate_limit::RateLimiter;
use self::server::{ConnHandle, CuttableListener};
use self::shared::{lock, AppState, Shared};
use self::state::{Data, UserType};
pub use self::stats::RequestStats;
pub use self::webhooks::{
    Delivery as WebhookDelivery, WebhookSigning, TEST_ED25519_PUBLIC_KEY_PEM,
    TEST_RSA_PUBLIC_KEY_PEM,
};
use crate::faults::{self, FaultConfig, FaultState};

/// How the fake behaves. `GhlConfig::default()` matches GHL's documented limits.
#[derive(Debug, Clone, PartialEq)]
pub struct GhlConfig {
    /// Contacts seeded in the primary location.
    pub seed_contacts: usize,
    /// Seeds the data and every random decision (ids, faults).
    pub seed: u64,
    /// The burst window of the rate limit (GHL: 10 s)…
    pub rate_window: Duration,
    /// …and the requests allowed in it per app and location (GHL: 100).
    pub rate_max: u32,
    /// Requests allowed per app, location and UTC day (GHL: 200,000).
    pub daily_limit: u32,
    /// Lifetime of OAuth access tokens (GHL: 86,399 s).
    pub access_token_ttl: Duration,
    pub faults: FaultConfig,
}

impl Default for GhlConfig {
    fn default() -> Self {
        Self {
            seed_contacts: 500,
            seed: 42,
            rate_window: Duration::from_secs(10),
            rate_max: 100,
            daily_limit: 200_000,
            access_token_ttl: Duration::from_secs(86_399),
            faults: FaultConfig::default(),
        }
    }
}

/// A running fake. Stops when `shutdown` is awaited or when dropped.
pub struct GhlSandbox {
    shared: AppState,
    base_url: String,
    location_id: String,
    private_token: String,
    client: (String, String),
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl GhlSandbox {
    /// Seeds the data and serves it on an ephemeral port of 127.0.0.1.
    pub async fn start(config: GhlConfig) -> std::io::Result<GhlSandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        // Seeds end at the start of today (UTC): same seed, same data all day, and every
        // write made while the fake runs is newer than any seeded record.
        let anchor = Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |t| DateTime::from_naive_utc_and_offset(t, Utc));
        let seed = config.seed;
        let contacts = config.seed_contacts;
        let data = tokio::task::spawn_blocking(move || Data::from_seed(seed, contacts, anchor))
            .await
            .map_err(std::io::Error::other)?;
        let location_id = data.locations[0].id.clone();
        let private_token = data
            .tokens
            .iter()
            .find(|(_, g)| g.scopes.is_none() && g.location_id.as_deref() == Some(&location_id))
            .map(|(token, _)| token.clone())
            .unwrap_or_default();
        let client = (data.client_id.clone(), data.client_secret.clone());
        let shared = Arc::new(Shared::new(
            base_url.clone(),
            config.access_token_ttl,
            data,
            RateLimiter::new(config.rate_window, config.rate_max, config.daily_limit),
            FaultState::new(config.faults.clone(), config.seed),
        ));
        let app = router(shared.clone()).into_make_service_with_connect_info::<ConnHandle>();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serve =
                axum::serve(CuttableListener::new(listener), app).with_graceful_shutdown(async {
                    let _ = stopped.await;
                });
            if let Err(err) = serve.await {
                tracing::warn!(%err, "GHL sandbox server stopped with an error");
            }
        });
        Ok(GhlSandbox {
            shared,
            base_url,
            location_id,
            private_token,
            client,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// e.g. `http://127.0.0.1:41234`: use it in place of https://services.leadconnectorhq.com.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The seeded sub-account (location).
    pub fn location_id(&self) -> String {
        self.location_id.clone()
    }

    /// The second seeded sub-account of the same agency (a few contacts of its own) and a
    /// Private Integration Token of it, with every scope: GHL issues one token per location,
    /// and a token answers for its own location only (a request naming another is refused).
    pub fn second_location(&self) -> (String, String) {
        let data = lock(&self.shared.data);
        let id = data
            .locations
            .get(1)
            .map(|l| l.id.clone())
            .unwrap_or_default();
        let token = data
            .tokens
            .iter()
            .find(|(_, g)| g.scopes.is_none() && g.location_id.as_deref() == Some(id.as_str()))
            .map(|(token, _)| token.clone())
            .unwrap_or_default();
        (id, token)
    }

    /// A Private Integration Token of that location, with every scope.
    pub fn private_token(&self) -> String {
        self.private_token.clone()
    }

    /// (client_id, client_secret) of the marketplace app registered on the fake.
    pub fn oauth_client(&self) -> (String, String) {
        self.client.clone()
    }

    /// The choose-location page at GHL's current path (`/v2/oauth/chooselocation`; the older
    /// `/oauth/chooselocation` is served too); add
    /// `response_type=code&client_id&redirect_uri&scope&state`.
    pub fn authorize_url(&self) -> String {
        format!("{}/v2/oauth/chooselocation", self.base_url)
    }

    /// Takes `scope` away from every token of the seeded location — its Private Integration
    /// Token, OAuth access tokens and the refresh grants behind them — as an operator unticking
    /// it in the app would. From the next request on, the routes needing it answer 401 "The
    /// token is not authorized for this scope.".
    pub fn withdraw_scope(&self, scope: &str) {
        let mut data = lock(&self.shared.data);
        let location = Some(self.location_id.clone());
        let all = || ROUTE_SCOPES.iter().map(|s| s.to_string()).collect();
        for grant in data.tokens.values_mut() {
            if grant.location_id == location {
                grant.scopes.get_or_insert_with(all).remove(scope);
            }
        }
        for grant in data.refresh_tokens.values_mut() {
            if grant.location_id == location {
                grant.scopes.remove(scope);
            }
        }
    }

    /// Gives `scope` back to every token of the seeded location (undoes
    /// [`GhlSandbox::withdraw_scope`]).
    pub fn restore_scope(&self, scope: &str) {
        let mut data = lock(&self.shared.data);
        let location = Some(self.location_id.clone());
        for grant in data.tokens.values_mut() {
            if let (true, Some(scopes)) = (grant.location_id == location, grant.scopes.as_mut()) {
                scopes.insert(scope.to_string());
            }
        }
        for grant in data.refresh_tokens.values_mut() {
            if grant.location_id == location {
                grant.scopes.insert(scope.to_string());
            }
        }
    }

    pub fn stats(&self) -> RequestStats {
        lock(&self.shared.stats).clone()
    }

    /// From now on, every successful write through the fake's API is sent to `url` as the
    /// webhook event GHL sends for it, signed with `signing` (see [`WebhookSigning`]).
    pub fn send_webhooks_to(&self, url: &str, signing: WebhookSigning) {
        lock(&self.shared.webhooks).target = Some((url.to_string(), signing));
    }

    /// The webhooks sent so far, each with the receiver's answer.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        webhooks::deliveries(&self.shared)
    }

    /// Changes the injected faults from the next request on.
    pub fn set_faults(&self, faults: FaultConfig) {
        lock(&self.shared.faults).set(faults);
    }

    /// Stops accepting, lets requests in flight finish (5 s at most), then returns.
    pub async fn shutdown(mut self) {
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

impl Drop for GhlSandbox {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Every scope a route of the fake demands (Scopes.md): what a Private Integration Token
/// created with every box ticked holds.
const ROUTE_SCOPES: &[&str] = &[
    "contacts.readonly",
    "contacts.write",
    "locations.readonly",
    "locations/customFields.readonly",
    "locations/customFields.write",
    "locations/tasks.readonly",
    "calendars.readonly",
    "calendars.write",
    "calendars/events.readonly",
    "calendars/events.write",
];

fn guarded(router: Router<AppState>, shared: &AppState, guard: Guard) -> Router<AppState> {
    router
        .layer(from_fn_with_state(shared.clone(), faults::inject))
        .layer(from_fn_with_state((shared.clone(), guard), auth::guard))
}

fn router(shared: AppState) -> Router {
    let contacts_guard = Guard {
        version: V2021_07_28,
        read_scope: "contacts.readonly",
        write_scope: "contacts.write",
        user_type: UserType::Location,
    };
    let contacts = Router::new()
        .route("/contacts/", get(contacts::list).post(contacts::create))
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route("/contacts/search/duplicate", get(contacts::duplicate))
        .route("/contacts/upsert", post(contacts::upsert))
        .route(
            "/contacts/business/{businessId}",
            get(contacts::by_business),
        )
        .route(
            "/contacts/{contactId}",
            get(contacts::get_one)
                .put(contacts::update)
                .delete(contacts::delete),
        )
        .route(
            "/contacts/{contactId}/tags",
            post(tags::add).delete(tags::remove),
        )
        .route(
            "/contacts/{contactId}/tasks",
            get(tasks::list).post(tasks::create),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}",
            get(tasks::get_one).put(tasks::update).delete(tasks::delete),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}/completed",
            put(tasks::set_completed),
        )
        .route(
            "/contacts/{contactId}/notes",
            get(notes::list).post(notes::create),
        )
        .route(
            "/contacts/{contactId}/notes/{id}",
            get(notes::get_one).put(notes::update).delete(notes::delete),
        )
        .route(
            "/contacts/{contactId}/appointments",
            get(appointments::for_contact),
        );
    // Search is a POST that only reads: it needs contacts.readonly (contacts.json).
    let contact_search = Router::new().route("/contacts/search", post(search::search));
    let custom_fields = Router::new().route(
        "/locations/{locationId}/customFields",
        get(custom_fields::list),
    );
    let location = Router::new().route("/locations/{locationId}", get(locations::get_one));
    let task_search =
        Router::new().route("/locations/{locationId}/tasks/search", post(tasks::search));
    let calendar_list = Router::new()
        .route("/calendars/", get(appointments::calendars))
        .route("/calendars", get(appointments::calendars));
    let events = Router::new()
        .route("/calendars/events", get(appointments::events))
        .route("/calendars/events/appointments", post(appointments::create))
        .route(
            "/calendars/events/appointments/{eventId}",
            get(appointments::get_one).put(appointments::update),
        )
        .route(
            "/calendars/events/{eventId}",
            axum::routing::delete(appointments::delete),
        );
    let agency = Router::new()
        .route("/oauth/locationToken", post(oauth::location_token))
        .route("/oauth/installedLocations", get(oauth::installed_locations));
    let public = Router::new()
        .route("/oauth/token", post(oauth::token))
        .layer(from_fn_with_state(shared.clone(), faults::inject))
        .route("/oauth/chooselocation", get(oauth::choose_location))
        .route("/v2/oauth/chooselocation", get(oauth::choose_location))
        .route(
            oauth::APPROVE_PATH,
            get(oauth::approve_link).post(oauth::approve_form),
        );
    let location_guard = |read, write, version| Guard {
        version,
        read_scope: read,
        write_scope: write,
        user_type: UserType::Location,
    };
    Router::new()
        .merge(guarded(contacts, &shared, contacts_guard))
        .merge(guarded(
            contact_search,
            &shared,
            location_guard("contacts.readonly", "contacts.readonly", V2021_07_28),
        ))
        .merge(guarded(
            custom_fields,
            &shared,
            location_guard(
                "locations/customFields.readonly",
                "locations/customFields.write",
                V2021_07_28,
            ),
        ))
        .merge(guarded(
            location,
            &shared,
            location_guard("locations.readonly", "locations.write", V2021_07_28),
        ))
        .merge(guarded(
            task_search,
            &shared,
            location_guard(
                "locations/tasks.readonly",
                "locations/tasks.readonly",
                V2021_07_28,
            ),
        ))
        .merge(guarded(
            calendar_list,
            &shared,
            location_guard("calendars.readonly", "calendars.write", V2021_04_15),
        ))
        .merge(guarded(
            events,
            &shared,
            location_guard(
                "calendars/events.readonly",
                "calendars/events.write",
                V2021_04_15,
            ),
        ))
        .merge(guarded(
            agency,
            &shared,
            Guard {
                version: V2021_07_28,
                read_scope: "oauth.readonly",
                write_scope: "oauth.write",
                user_type: UserType::Company,
            },
        ))
        .merge(public)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn_with_state(
            shared.clone(),
            webhooks::send_after_write,
        ))
        .layer(from_fn_with_state(shared.clone(), faults::delay))
        .layer(from_fn_with_state(shared.clone(), stats::count_request))
        .with_state(shared)
}

/// NestJS's answer to a route it does not have.
async fn not_found(request: Request) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {} {}", request.method(), request.uri().path()),
    )
    .into_response()
}
