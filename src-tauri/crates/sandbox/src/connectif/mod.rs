//! The Connectif fake: contacts by email with PATCH upsert, contact fields, custom integrations
//! and their custom event types, custom events, and the asynchronous contacts export (a job
//! that takes `export_polls` reads to finish, then a CSV at its `fileUrl`), behind
//! `Authorization: apiKey {keyId}:{keySecret}`, with `X-RateLimit-Limit`/`-Remaining`/`-Reset`
//! on every answer.
//!
//! Sources: reference/target-apps.md "Connectif"; reference/api-fidelity.md (Connectif lines);
//! api-docs.connectif.cloud reference pages (guides/authentication: scopes chosen per key;
//! every route: 403 "Permission not granted to the API Key or account has been blocked.";
//! contacts, ContactPatch, ContactFieldList, exports/create-export with `version`,
//! custom-events/create-custom-event-by-alias, custom-event-types/create-custom-event-type);
//! support.connectif.ai "Importing contacts" (checkbox values are option ids, "|" between
//! them) and article 23243787114524 "Versions of the Contact Export API" (columns by display
//! name, changing with `version`).
//!
//! The prerequisites a check needs can be taken away one at a time: a scope of the key
//! ([`ConnectifSandbox::revoke_scope`]), an event type ([`ConnectifSandbox::remove_event_type`])
//! or a checkbox option ([`ConnectifSandbox::remove_tag_option`]).

mod activities;
mod api;
mod data;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};
use tokio::net::TcpListener;

use self::data::{Account, SeedPlan};
use crate::faults::FaultConfig;
use crate::ghl::shared::lock;
use crate::novi::host::{self, ghl_people, Host, HostRef, Running};
use crate::RequestStats;

pub use activities::ConnectifActivity;
pub use data::ConnectifEvent;

/// The key scopes the fake knows. // Guess: the names; Connectif's API-key page shows them as
/// "Read Contacts", "Write Contacts"… and the docs say which routes need which only by their
/// 403 answer.
pub const CONNECTIF_SCOPES: &[&str] = &[
    "contacts:read",
    "contacts:write",
    "exports",
    "custom-events:write",
    "custom-integrations",
];

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectifConfig {
    pub seed: u64,
    /// People only in Connectif.
    pub contacts: usize,
    /// The GHL fake's seed and contact count, to share people (same email) with it.
    pub ghl_seed: u64,
    pub ghl_contacts: usize,
    /// Share of those GHL contacts who are also Connectif contacts.
    pub ghl_overlap: f64,
    /// Reads of `GET /exports/{id}` before a job is finished.
    pub export_polls: usize,
    /// Requests per `rate_window` per key [unverified numbers].
    pub rate_limit: u32,
    pub rate_window: Duration,
    pub faults: FaultConfig,
}

impl Default for ConnectifConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            contacts: 40,
            ghl_seed: 42,
            ghl_contacts: 500,
            ghl_overlap: 0.5,
            export_polls: 4,
            rate_limit: 100,
            rate_window: Duration::from_secs(60),
            faults: FaultConfig::default(),
        }
    }
}

struct Window {
    started: Instant,
    started_at: DateTime<Utc>,
    used: u32,
}

pub(crate) struct Connectif {
    host: HostRef,
    root_url: String,
    key_id: String,
    key_secret: String,
    export_polls: usize,
    rate_limit: u32,
    rate_window: Duration,
    window: Mutex<Window>,
    account: Mutex<Account>,
    /// The key's scopes.
    scopes: Mutex<Vec<String>>,
}

pub(crate) type ConnectifState = Arc<Connectif>;

impl Connectif {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A running Connectif fake. Stops when `shutdown` is awaited or when dropped.
pub struct ConnectifSandbox {
    state: ConnectifState,
    running: Running,
}

impl ConnectifSandbox {
    pub async fn start(config: ConnectifConfig) -> std::io::Result<ConnectifSandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let root_url = format!("http://{}", listener.local_addr()?);
        let anchor = host::seed_anchor();
        let c = config.clone();
        let account = tokio::task::spawn_blocking(move || {
            let ghl = ghl_people(c.ghl_seed, c.ghl_contacts, anchor);
            let own = ghl_people(c.seed ^ 0x00c0_4e4c, c.contacts, anchor);
            data::seeded(&SeedPlan {
                seed: c.seed,
                ghl: &ghl,
                overlap: c.ghl_overlap,
                own: &own,
            })
        })
        .await
        .map_err(std::io::Error::other)?;
        let mut rng = SmallRng::seed_from_u64(config.seed ^ 0x006b_6579);
        let mut secret = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    char::from(
                        b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            [rng.random_range(0..62)],
                    )
                })
                .collect()
        };
        let (key_id, key_secret) = (secret(22), secret(22));
        let state = Arc::new(Connectif {
            host: Host::new(config.faults.clone(), config.seed),
            root_url,
            key_id,
            key_secret,
            export_polls: config.export_polls,
            rate_limit: config.rate_limit.max(1),
            rate_window: config.rate_window,
            window: Mutex::new(Window {
                started: Instant::now(),
                started_at: Utc::now(),
                used: 0,
            }),
            account: Mutex::new(account),
            scopes: Mutex::new(CONNECTIF_SCOPES.iter().map(|s| s.to_string()).collect()),
        });
        let running = Running::serve(listener, router(state.clone()), "connectif");
        Ok(ConnectifSandbox { state, running })
    }

    /// The API root (as `https://api.connectif.cloud`).
    pub fn base_url(&self) -> String {
        self.state.root_url.clone()
    }

    /// `keyId:keySecret`, to send as `Authorization: apiKey {keyId}:{keySecret}`.
    pub fn api_key(&self) -> String {
        format!("{}:{}", self.state.key_id, self.state.key_secret)
    }

    /// A contact as `GET /contacts/{email}` would answer it.
    pub fn contact(&self, email: &str) -> Option<Map<String, Value>> {
        lock(&self.state.account)
            .contacts
            .get(&email.trim().to_lowercase())
            .cloned()
    }

    /// Every contact's email (lower-cased).
    pub fn contact_emails(&self) -> Vec<String> {
        lock(&self.state.account).contacts.keys().cloned().collect()
    }

    /// The custom events received, oldest first.
    pub fn custom_events(&self) -> Vec<ConnectifEvent> {
        lock(&self.state.account).events.clone()
    }

    /// Takes a scope off the API key (as editing the key in Connectif does).
    pub fn revoke_scope(&self, scope: &str) {
        lock(&self.state.scopes).retain(|s| s != scope);
    }

    /// Gives the API key a scope again.
    pub fn grant_scope(&self, scope: &str) {
        let mut scopes = lock(&self.state.scopes);
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }

    /// Deletes the custom event type with this alias.
    pub fn remove_event_type(&self, alias: &str) {
        for integration in &mut lock(&self.state.account).integrations {
            integration.event_types.retain(|t| t.alias != alias);
        }
    }

    /// The aliases of every custom event type, integration by integration.
    pub fn event_type_aliases(&self) -> Vec<String> {
        lock(&self.state.account)
            .integrations
            .iter()
            .flat_map(|i| i.event_types.iter().map(|t| t.alias.clone()))
            .collect()
    }

    /// Removes the option labelled `tag` (any case) from the GHL tags checkbox.
    pub fn remove_tag_option(&self, tag: &str) {
        let mut account = lock(&self.state.account);
        if let Some(field) = account.fields.iter_mut().find(|f| f.id == data::TAGS_FIELD) {
            field
                .options
                .retain(|(_, label)| !label.eq_ignore_ascii_case(tag));
        }
    }

    /// Gives the GHL tags checkbox its option for `tag` back, as the operator adds one in
    /// Connectif (Contacts → Contact fields); answers the option's id.
    pub fn add_tag_option(&self, tag: &str) -> String {
        let mut account = lock(&self.state.account);
        let option = data::tag_option(tag);
        let id = option.0.clone();
        if let Some(field) = account.fields.iter_mut().find(|f| f.id == data::TAGS_FIELD) {
            if !field
                .options
                .iter()
                .any(|(_, label)| label.eq_ignore_ascii_case(tag))
            {
                field.options.push(option);
            }
        }
        id
    }

    /// The option id of the GHL tags checkbox labelled `tag` (any case).
    pub fn tag_option_id(&self, tag: &str) -> Option<String> {
        lock(&self.state.account)
            .fields
            .iter()
            .find(|f| f.id == data::TAGS_FIELD)?
            .options
            .iter()
            .find(|(_, label)| label.eq_ignore_ascii_case(tag))
            .map(|(id, _)| id.clone())
    }

    /// The next export job created ends with status `error`.
    /// Records something `email` did (`kind`: an activity type such as `email-opened`) at
    /// `at`, as Connectif's tracking would: its id.
    pub fn record_activity(
        &self,
        email: &str,
        kind: &str,
        custom_event: Option<&str>,
        at: DateTime<Utc>,
    ) -> String {
        let mut account = lock(&self.state.account);
        let id = account.new_id();
        account.activities.push(ConnectifActivity {
            id: id.clone(),
            kind: kind.into(),
            email: email.into(),
            at,
            custom_event: custom_event.map(str::to_string),
        });
        id
    }

    pub fn fail_next_export(&self) {
        lock(&self.state.account).fail_next_export = true;
    }

    pub fn stats(&self) -> RequestStats {
        self.state.host.stats()
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.host.set_faults(faults);
    }

    pub async fn shutdown(mut self) {
        self.running.shutdown().await;
    }
}

fn router(state: ConnectifState) -> Router {
    let host = state.host.clone();
    let api = Router::new()
        .route(
            "/contacts/{email}",
            get(api::get_contact).patch(api::patch_contact),
        )
        .route("/custom-events/alias/{alias}", post(api::custom_event))
        .route("/contact-fields/", get(api::list_contact_fields))
        .route("/contact-fields", get(api::list_contact_fields))
        .route("/custom-integrations/", get(api::list_integrations))
        .route("/custom-integrations", get(api::list_integrations))
        .route(
            "/custom-integrations/{id}/custom-event-types/",
            get(api::list_event_types).post(api::create_event_type),
        )
        .route(
            "/custom-integrations/{id}/custom-event-types",
            get(api::list_event_types).post(api::create_event_type),
        )
        .route("/exports/", post(api::create_export).get(api::list_exports))
        .route("/exports", post(api::create_export).get(api::list_exports))
        .route("/exports/{id}", get(api::get_export))
        .layer(from_fn_with_state(host.clone(), host::inject))
        .layer(from_fn_with_state(state.clone(), guard));
    Router::new()
        .merge(api)
        .route("/export-files/{id}/{token}/{file}", get(api::export_file))
        .fallback(not_found)
        .layer(from_fn_with_state(host.clone(), host::delay))
        .layer(from_fn_with_state(host, host::count))
        .with_state(state)
}

/// The API key, then the per-key window (every answer carries the rate headers).
async fn guard(State(c): State<ConnectifState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("apiKey "))
        .map(str::trim);
    let expected = format!("{}:{}", c.key_id, c.key_secret);
    if presented != Some(expected.as_str()) {
        return api::error(StatusCode::UNAUTHORIZED, "Not authorized to access API.");
    }
    // Guess: the key's scope is checked before the body is validated (403 before 422).
    let needed = required_scope(request.method(), request.uri().path());
    if !lock(&c.scopes).iter().any(|s| s == needed) {
        return api::error(
            StatusCode::FORBIDDEN,
            "Permission not granted to the API Key or account has been blocked.",
        );
    }
    let (allowed, remaining, reset) = {
        let mut window = lock(&c.window);
        if window.started.elapsed() >= c.rate_window {
            window.started = Instant::now();
            window.started_at = Utc::now();
            window.used = 0;
        }
        let allowed = window.used < c.rate_limit;
        if allowed {
            window.used += 1;
        }
        let reset = window.started_at
            + chrono::Duration::from_std(c.rate_window).unwrap_or(chrono::Duration::seconds(60));
        (allowed, c.rate_limit - window.used, reset.timestamp())
    };
    if !allowed {
        c.host.count_rate_limited();
    }
    // `draw_rate_limited` counts the injected ones itself.
    let mut answer = if !allowed || c.host.draw_rate_limited() {
        api::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Requests rate limit reached.",
        )
    } else {
        next.run(request).await
    };
    let headers = answer.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(c.rate_limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    answer
}

/// The scope a route needs (// Guess: one scope per resource, contacts split into read and
/// write as the API-key page shows them; contact fields are read with the contacts).
fn required_scope(method: &axum::http::Method, path: &str) -> &'static str {
    let resource = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match resource {
        "contacts" if method == axum::http::Method::GET => "contacts:read",
        "contacts" => "contacts:write",
        "contact-fields" => "contacts:read",
        "exports" => "exports",
        "custom-events" => "custom-events:write",
        _ => "custom-integrations",
    }
}

async fn not_found() -> Response {
    api::error(StatusCode::NOT_FOUND, "Resource not found")
}
