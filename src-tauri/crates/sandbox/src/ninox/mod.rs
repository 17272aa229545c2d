//! The Ninox fake: one team → database "CRM" → table "Contacts", served both by the classic
//! v3 API (`/v1/teams/…`, personal key) and the Ninox 4 API (`/api/v1/workspace/…`,
//! workspace key) over the same records. Sources: docs.ninox.com/en/api/introduction/
//! tables-fields-records (the classic API: record shape, zone-less UTC times, appointment
//! values), specs/ninox/ninox-public-openapi-original.json (the Ninox 4 API), and
//! reference/target-apps.md ("Ninox").
//!
//! The Ninox 4 API takes at most 6 MB in a POST or PATCH of records ("max. 6MB payload size",
//! its OpenAPI): a larger body is refused with 413 (the status is a guess; the document names
//! none, and axum answers so). The classic API documents no limit (a guess: the same).
//!
//! Ninox documents no rate limits, only that parallel calls are limited: more than
//! `max_concurrent` requests in flight are answered 429. Like go.ninox.com, a path the API
//! does not know answers 200 with the web app's HTML page.

mod store;
mod v3;
mod v4;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;

use self::store::Store;
use crate::faults::FaultConfig;
use crate::ghl::shared::lock;
use crate::novi::host::{self, ghl_people, Host, HostRef, Running};
use crate::RequestStats;

pub(crate) const TABLE_ID: &str = "A";
pub(crate) const TABLE_NAME: &str = "Contacts";
pub(crate) const MODULE_NAME: &str = "crm";
pub(crate) const TABLE_V4_NAME: &str = "contacts";

/// How the fake behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct NinoxConfig {
    /// Seeds the data, ids and keys.
    pub seed: u64,
    /// People only in Ninox (never in GHL).
    pub records: usize,
    /// The GHL fake's seed and contact count, to share people (same email) with it.
    pub ghl_seed: u64,
    pub ghl_contacts: usize,
    /// Share of those GHL contacts who are also in the Ninox table (0.0..=1.0).
    pub ghl_overlap: f64,
    /// Requests in flight above this are answered 429.
    pub max_concurrent: usize,
    pub faults: FaultConfig,
}

impl Default for NinoxConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            records: 40,
            ghl_seed: 42,
            ghl_contacts: 500,
            ghl_overlap: 0.5,
            max_concurrent: 5,
            faults: FaultConfig::default(),
        }
    }
}

pub(crate) struct Ninox {
    host: HostRef,
    personal_key: String,
    workspace_key: String,
    pub team_id: String,
    pub database_id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub store: Mutex<Store>,
    max_concurrent: usize,
    in_flight: AtomicUsize,
}

pub(crate) type NinoxState = Arc<Ninox>;

/// A running Ninox fake. Stops when `shutdown` is awaited or when dropped.
pub struct NinoxSandbox {
    state: NinoxState,
    root: String,
    running: Running,
}

fn token(rng: &mut SmallRng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl NinoxSandbox {
    /// Seeds the data and serves it on an ephemeral port of 127.0.0.1.
    pub async fn start(config: NinoxConfig) -> std::io::Result<NinoxSandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let root = format!("http://{}", listener.local_addr()?);
        let anchor = host::seed_anchor();
        let mut rng = SmallRng::seed_from_u64(config.seed ^ 0x004e_494e_4f58);
        let team_id = token(&mut rng, MIXED, 14);
        let database_id = token(&mut rng, LOWER, 12);
        let workspace_id = token(&mut rng, LOWER, 12);
        let user_id = token(&mut rng, LOWER, 16);
        let personal_key = format!(
            "{}-{}-{}-{}-{}",
            token(&mut rng, LOWER, 8),
            token(&mut rng, LOWER, 4),
            token(&mut rng, LOWER, 4),
            token(&mut rng, LOWER, 4),
            token(&mut rng, LOWER, 12)
        );
        let workspace_key = format!("nx_{}", token(&mut rng, MIXED, 40));
        let c = config.clone();
        let seeding_user = user_id.clone();
        let store = tokio::task::spawn_blocking(move || {
            let ghl = ghl_people(c.ghl_seed, c.ghl_contacts, anchor);
            let own = ghl_people(c.seed ^ 0x4e49_4e4f_584f_4e4c, c.records, anchor);
            store::seeded(c.seed, &ghl, c.ghl_overlap, &own, &seeding_user, anchor)
        })
        .await
        .map_err(std::io::Error::other)?;
        let state = Arc::new(Ninox {
            host: Host::new(config.faults.clone(), config.seed),
            personal_key,
            workspace_key,
            team_id,
            database_id,
            workspace_id,
            user_id,
            store: Mutex::new(store),
            max_concurrent: config.max_concurrent.max(1),
            in_flight: AtomicUsize::new(0),
        });
        let running = Running::serve(listener, router(state.clone()), "ninox");
        Ok(NinoxSandbox {
            state,
            root,
            running,
        })
    }

    /// The classic API root, e.g. `http://127.0.0.1:41234/v1` (as `https://api.ninox.com/v1`).
    pub fn base_url_v3(&self) -> String {
        format!("{}/v1", self.root)
    }

    /// The Ninox 4 host root (as `https://go.ninox.com`); paths start `/api/v1/workspace/…`.
    pub fn base_url_v4(&self) -> String {
        self.root.clone()
    }

    /// The personal API key for the classic API: `Authorization: Bearer <key>`.
    pub fn api_key(&self) -> String {
        self.state.personal_key.clone()
    }

    /// The workspace API key for the Ninox 4 API: `Authorization: Bearer <key>`.
    pub fn workspace_api_key(&self) -> String {
        self.state.workspace_key.clone()
    }

    pub fn team_id(&self) -> String {
        self.state.team_id.clone()
    }

    pub fn database_id(&self) -> String {
        self.state.database_id.clone()
    }

    /// The v3 table id of "Contacts".
    pub fn table_id(&self) -> String {
        TABLE_ID.to_string()
    }

    pub fn workspace_id(&self) -> String {
        self.state.workspace_id.clone()
    }

    /// The v4 module name ("crm").
    pub fn module_name(&self) -> String {
        MODULE_NAME.to_string()
    }

    /// The v4 table name ("contacts").
    pub fn table_name(&self) -> String {
        TABLE_V4_NAME.to_string()
    }

    /// Every record's email (for tests that check the overlap with GHL).
    pub fn record_emails(&self) -> Vec<String> {
        lock(&self.state.store)
            .records
            .values()
            .filter_map(|r| {
                r.values
                    .get("C")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect()
    }

    pub fn stats(&self) -> RequestStats {
        self.state.host.stats()
    }

    /// Deletes a field from the table, by caption, v3 id or v4 name (for doctor tests): it is
    /// no longer listed, read or writable. False when there is no such field.
    pub fn remove_field(&self, key: &str) -> bool {
        let mut store = lock(&self.state.store);
        match store.field(key) {
            Some(f) => store.removed_fields.insert(f.id),
            None => false,
        }
    }

    /// Takes an option off the Tags multiple-choice field (for doctor tests). Records keep
    /// their values; writing the option is refused from now on.
    pub fn remove_tag_option(&self, option: &str) -> bool {
        let mut store = lock(&self.state.store);
        store.tag_options().contains(&option) && store.removed_options.insert(option.to_string())
    }

    /// Gives the Tags field its option back, as the operator adds it in Ninox. False when it
    /// was not taken away.
    pub fn restore_tag_option(&self, option: &str) -> bool {
        lock(&self.state.store).removed_options.remove(option)
    }

    /// Changes the injected faults from the next request on.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.host.set_faults(faults);
    }

    /// Stops accepting, lets requests in flight finish (5 s at most), then returns.
    pub async fn shutdown(mut self) {
        self.running.shutdown().await;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Api {
    V3,
    V4,
}

fn api_error(api: Api, status: StatusCode, message: &str) -> Response {
    match api {
        Api::V3 => v3::error(status, message),
        Api::V4 => v4::error(status, message),
    }
}

/// The largest write body Ninox 4 takes (6 MB, its OpenAPI).
const MAX_WRITE_BODY: usize = 6 * 1024 * 1024;

fn router(state: NinoxState) -> Router {
    let host = state.host.clone();
    let team = "/v1/teams/{teamId}/databases/{dbId}";
    let classic = Router::new()
        .route("/v1/teams", get(v3::teams))
        .route("/v1/teams/{teamId}/databases", get(v3::databases))
        .route(team, get(v3::database))
        .route(&format!("{team}/tables"), get(v3::tables))
        .route(&format!("{team}/tables/{{tableId}}"), get(v3::table))
        .route(
            &format!("{team}/tables/{{tableId}}/records"),
            get(v3::list_records).post(v3::save_records),
        )
        .route(
            &format!("{team}/tables/{{tableId}}/records/{{recordId}}"),
            get(v3::get_record).delete(v3::delete_record),
        );
    let ws = "/api/v1/workspace/{workspaceId}";
    let table = "/api/v1/workspace/{workspaceId}/modules/{moduleName}/tables/{tableName}";
    let four = Router::new()
        .route(ws, get(v4::workspace))
        .route(&format!("{ws}/modules"), get(v4::modules))
        .route(&format!("{ws}/modules/{{moduleName}}"), get(v4::module))
        .route(
            &format!("{ws}/modules/{{moduleName}}/tables"),
            get(v4::tables),
        )
        .route(table, get(v4::table))
        .route(&format!("{table}/fields"), get(v4::fields))
        .route(&format!("{table}/fields/{{fieldName}}"), get(v4::one_field))
        .route(
            &format!("{table}/records"),
            get(v4::list_records)
                .post(v4::add_records)
                .patch(v4::update_records)
                .delete(v4::delete_records),
        );
    // axum's own default (2 MB) would refuse bodies Ninox takes.
    let body_limit = axum::extract::DefaultBodyLimit::max(MAX_WRITE_BODY);
    let classic = classic.layer(body_limit);
    let four = four.layer(body_limit);
    let classic = guarded(classic, &state, &host, Api::V3);
    let four = guarded(four, &state, &host, Api::V4);
    Router::new()
        .merge(classic)
        .merge(four)
        .fallback(unknown_path)
        .method_not_allowed_fallback(unknown_path)
        .layer(from_fn_with_state(host, host::count))
        .with_state(state)
}

fn guarded(
    router: Router<NinoxState>,
    state: &NinoxState,
    host: &HostRef,
    api: Api,
) -> Router<NinoxState> {
    router
        .layer(from_fn_with_state(host.clone(), host::inject))
        // Latency counts as time in flight, so slow answers make parallel calls pile up.
        .layer(from_fn_with_state(host.clone(), host::delay))
        .layer(from_fn_with_state((state.clone(), api), parallel))
        .layer(from_fn_with_state((state.clone(), api), auth))
}

async fn auth(
    State((ninox, api)): State<(NinoxState, Api)>,
    request: Request,
    next: Next,
) -> Response {
    let expected = match api {
        Api::V3 => &ninox.personal_key,
        Api::V4 => &ninox.workspace_key,
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given != Some(expected.as_str()) {
        return api_error(api, StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    next.run(request).await
}

struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Ninox limits parallel calls, not their rate: too many at once → 429.
async fn parallel(
    State((ninox, api)): State<(NinoxState, Api)>,
    request: Request,
    next: Next,
) -> Response {
    let before = ninox.in_flight.fetch_add(1, Ordering::SeqCst);
    let _slot = InFlight(&ninox.in_flight);
    if before >= ninox.max_concurrent {
        ninox.host.count_rate_limited();
        let mut answer = api_error(api, StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return answer;
    }
    next.run(request).await
}

/// go.ninox.com serves its web app for any path it has no API route for; the classic API
/// host answers 404.
async fn unknown_path(request: Request) -> Response {
    let path = request.uri().path();
    if path == "/v1" || path.starts_with("/v1/") {
        return v3::error(StatusCode::NOT_FOUND, format!("Not found: {path}"));
    }
    Html(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ninox</title></head>\
         <body><div id=\"root\"></div><script src=\"/static/js/main.js\"></script></body></html>",
    )
    .into_response()
}
