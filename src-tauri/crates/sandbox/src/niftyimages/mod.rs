//! The NiftyImages fake: one Custom Data Store behind its `ApiKey`, with its schema
//! (`GET /Store`), `POST /Store/AddRecord` upserting on the unique field and
//! `DELETE /Store/DeleteRecord` taking `{unique_field: value}` [body unverified]. Like the real
//! API it offers no way to read rows: tests use [`NiftyImagesSandbox::records`]. Errors answer
//! ASP.NET's `{Message}` (400s list the problems in `Errors`). Seeded with a share of the GHL
//! seed's people.
//!
//! Sources: the Pipedream component (PipedreamHQ/pipedream components/niftyimages:
//! common/types.ts gives a field as `{name, type, date_input_format?, unique}`,
//! add-data-store-record sends each field under its name with spaces replaced by `_` and asks
//! for DATE values "in the `<date_input_format>` format"); publicpreview.niftyimages.com
//! /DataSources (a data store can expire its rows after a record TTL).
//! Guess: a DATE value not in the field's format is refused with 400 like the other field
//! errors (the wording is ours); a DATE field without a format takes any string.
//! Guess: field names are matched ignoring case, and `_` stands for a space (Pipedream's form).
//! Guess: an expired row is gone as if deleted; writing its key again makes a new row.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use tokio::net::TcpListener;

mod dates;

use crate::faults::FaultConfig;
use crate::ghl::shared::lock;
use crate::novi::host::{self, ghl_people, Host, HostRef, Running};
use crate::RequestStats;

/// (name, type, date_input_format, unique): the seeded store's schema.
const SCHEMA: &[(&str, &str, Option<&str>, bool)] = &[
    ("email", "TEXT", None, true),
    ("first_name", "TEXT", None, false),
    ("last_name", "TEXT", None, false),
    ("next_appointment", "DATE", Some("yyyy-MM-dd HH:mm"), false),
    ("points", "NUMBER", None, false),
    ("vip", "BOOLEAN", None, false),
];

#[derive(Debug, Clone, PartialEq)]
pub struct NiftyImagesConfig {
    pub seed: u64,
    /// The GHL fake's seed and contact count, to share people (same email) with it.
    pub ghl_seed: u64,
    pub ghl_contacts: usize,
    /// Share of those GHL contacts already in the store.
    pub ghl_overlap: f64,
    /// The store's record TTL: a row not written for this long is gone. `None`: rows stay.
    pub record_ttl: Option<Duration>,
    pub faults: FaultConfig,
}

impl Default for NiftyImagesConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            ghl_seed: 42,
            ghl_contacts: 500,
            ghl_overlap: 0.3,
            record_ttl: None,
            faults: FaultConfig::default(),
        }
    }
}

/// One field of the store's schema.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    kind: String,
    date_input_format: Option<String>,
    unique: bool,
}

impl Field {
    /// Whether `key` of an AddRecord body names this field (see the module's guesses).
    fn named_by(&self, key: &str) -> bool {
        let canon = |s: &str| s.trim().replace(' ', "_").to_lowercase();
        canon(&self.name) == canon(key)
    }
}

/// A row and when it was last written (for the TTL).
struct Row {
    values: Map<String, Value>,
    written: Instant,
}

struct Store {
    host: HostRef,
    base_url: String,
    api_key: String,
    fields: Mutex<Vec<Field>>,
    record_ttl: Option<Duration>,
    /// In insertion order; the unique field's value identifies a row.
    records: Mutex<Vec<Row>>,
}

impl Store {
    /// The rows still alive, after the expired ones are dropped.
    fn live_records(&self) -> std::sync::MutexGuard<'_, Vec<Row>> {
        let mut records = lock(&self.records);
        if let Some(ttl) = self.record_ttl {
            let now = Instant::now();
            records.retain(|row| now.duration_since(row.written) < ttl);
        }
        records
    }
}

type StoreState = Arc<Store>;

/// A running NiftyImages fake. Stops when `shutdown` is awaited or when dropped.
pub struct NiftyImagesSandbox {
    state: StoreState,
    running: Running,
}

impl NiftyImagesSandbox {
    pub async fn start(config: NiftyImagesConfig) -> std::io::Result<NiftyImagesSandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/v1", listener.local_addr()?);
        let anchor = host::seed_anchor();
        let c = config.clone();
        let records = tokio::task::spawn_blocking(move || {
            let mut rng = SmallRng::seed_from_u64(c.seed ^ 0x0011_3a6e);
            let mut rows = Vec::new();
            for p in ghl_people(c.ghl_seed, c.ghl_contacts, anchor) {
                if rng.random::<f64>() >= c.ghl_overlap {
                    continue;
                }
                let mut row = Map::new();
                row.insert("email".into(), json!(p.email.to_lowercase()));
                row.insert("first_name".into(), json!(p.first_name));
                row.insert("last_name".into(), json!(p.last_name));
                row.insert("points".into(), json!(rng.random_range(0..500)));
                rows.push(row);
            }
            rows
        })
        .await
        .map_err(std::io::Error::other)?;
        let mut rng = SmallRng::seed_from_u64(config.seed ^ 0x00a9_16e7);
        let api_key: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
            .collect();
        let now = Instant::now();
        let records = records
            .into_iter()
            .map(|values| Row {
                values,
                written: now,
            })
            .collect();
        let fields = SCHEMA
            .iter()
            .map(|(name, kind, format, unique)| Field {
                name: name.to_string(),
                kind: kind.to_string(),
                date_input_format: format.map(str::to_string),
                unique: *unique,
            })
            .collect();
        let state = Arc::new(Store {
            host: Host::new(config.faults.clone(), config.seed),
            base_url,
            api_key,
            fields: Mutex::new(fields),
            record_ttl: config.record_ttl,
            records: Mutex::new(records),
        });
        let running = Running::serve(listener, router(state.clone()), "niftyimages");
        Ok(NiftyImagesSandbox { state, running })
    }

    /// The API root, e.g. `http://127.0.0.1:41234/v1` (as `https://api.niftyimages.com/v1`).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The data store's key, sent as `ApiKey: <key>`.
    pub fn api_key(&self) -> String {
        self.state.api_key.clone()
    }

    /// Every row written and not expired (the API cannot read them back).
    pub fn records(&self) -> Vec<Map<String, Value>> {
        self.state
            .live_records()
            .iter()
            .map(|row| row.values.clone())
            .collect()
    }

    /// The row whose unique field (`email`) is `value`.
    pub fn record(&self, value: &str) -> Option<Map<String, Value>> {
        self.records()
            .into_iter()
            .find(|r| r.get("email").and_then(Value::as_str) == Some(value))
    }

    /// The store loses a field, as when the operator deletes it in NiftyImages.
    pub fn remove_field(&self, name: &str) {
        lock(&self.state.fields).retain(|f| f.name != name);
    }

    /// Changes (or, with `None`, removes) a DATE field's `date_input_format`.
    pub fn set_date_format(&self, name: &str, format: Option<&str>) {
        for field in lock(&self.state.fields).iter_mut() {
            if field.name == name {
                field.date_input_format = format.map(str::to_string);
            }
        }
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

fn router(state: StoreState) -> Router {
    let host = state.host.clone();
    Router::new()
        .route("/v1/Store", get(schema))
        .route("/v1/Store/AddRecord", post(add_record))
        .route("/v1/Store/DeleteRecord", delete(delete_record))
        .fallback(not_found)
        .layer(from_fn_with_state(host.clone(), host::inject))
        .layer(from_fn_with_state(state.clone(), guard))
        .layer(from_fn_with_state(host.clone(), host::delay))
        .layer(from_fn_with_state(host, host::count))
        .with_state(state)
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "Message": text }))).into_response()
}

fn invalid(errors: Vec<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"Message": "The request is invalid.", "Errors": errors})),
    )
        .into_response()
}

async fn guard(State(store): State<StoreState>, request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if key != Some(store.api_key.as_str()) {
        return message(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
        );
    }
    if store.host.draw_rate_limited() {
        return message(StatusCode::TOO_MANY_REQUESTS, "Too many requests.");
    }
    next.run(request).await
}

async fn schema(State(store): State<StoreState>) -> Response {
    let fields: Vec<Value> = lock(&store.fields)
        .iter()
        .map(|f| {
            json!({"name": f.name, "type": f.kind, "date_input_format": f.date_input_format,
                   "unique": f.unique})
        })
        .collect();
    Json(fields).into_response()
}

fn body(bytes: &Bytes) -> Option<Map<String, Value>> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

fn unique_value(record: &Map<String, Value>) -> Option<String> {
    match record.get("email") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// POST /Store/AddRecord: validates every field, then upserts on `email`.
async fn add_record(State(store): State<StoreState>, bytes: Bytes) -> Response {
    let Some(record) = body(&bytes) else {
        return invalid(vec![
            "The body must be a JSON object of field values.".into()
        ]);
    };
    let mut errors = Vec::new();
    let fields = lock(&store.fields).clone();
    let mut row = Map::new();
    for (name, value) in &record {
        let Some(field) = fields.iter().find(|f| f.named_by(name)) else {
            errors.push(format!("Field '{name}' does not exist in this data store."));
            continue;
        };
        let kind = field.kind.as_str();
        let fits = match kind {
            "NUMBER" => {
                value.is_number()
                    || value
                        .as_str()
                        .is_some_and(|s| s.trim().parse::<f64>().is_ok())
            }
            "BOOLEAN" => value.is_boolean() || matches!(value.as_str(), Some("true" | "false")),
            // Clearing (empty or null) is always accepted.
            "DATE" if value.is_null() || value.as_str() == Some("") => true,
            "DATE" => match (value.as_str(), &field.date_input_format) {
                (Some(text), Some(format)) => dates::fits(text, format),
                (Some(_), None) => true,
                (None, _) => false,
            },
            _ => value.is_string() || value.is_null(),
        };
        if !fits {
            match (kind, &field.date_input_format) {
                ("DATE", Some(format)) => errors.push(format!(
                    "Field '{name}' expects a date in the format '{format}'."
                )),
                _ => errors.push(format!("Field '{name}' expects a {kind} value.")),
            }
        }
        row.insert(field.name.clone(), value.clone());
    }
    let record = row;
    let Some(key) = unique_value(&record) else {
        errors.push("The unique field 'email' is required.".into());
        return invalid(errors);
    };
    if !errors.is_empty() {
        return invalid(errors);
    }
    let mut records = store.live_records();
    match records
        .iter_mut()
        .find(|r| unique_value(&r.values).as_deref() == Some(key.as_str()))
    {
        Some(existing) => {
            existing.values.extend(record);
            existing.written = Instant::now();
        }
        None => records.push(Row {
            values: record,
            written: Instant::now(),
        }),
    }
    message(StatusCode::OK, "Record saved.")
}

/// DELETE /Store/DeleteRecord `{email: value}`.
async fn delete_record(State(store): State<StoreState>, bytes: Bytes) -> Response {
    let Some(key) = body(&bytes).as_ref().and_then(unique_value) else {
        return invalid(vec!["The unique field 'email' is required.".into()]);
    };
    let mut records = store.live_records();
    let before = records.len();
    records.retain(|r| unique_value(&r.values).as_deref() != Some(key.as_str()));
    if records.len() == before {
        return message(StatusCode::NOT_FOUND, "Record not found.");
    }
    message(StatusCode::OK, "Record deleted.")
}

async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No HTTP resource was found that matches the request URI.",
    )
}
