//! The Nifty fake: one workspace's `/api/v1.0` (tasks, completion, labels, task comments,
//! projects, task groups) behind OAuth 2.0 bearer tokens, with Nifty's authorize page and
//! token endpoint.
//!
//! Sources: reference/target-apps.md "Nifty"; reference/api-fidelity.md (Nifty lines);
//! activepieces/activepieces packages/pieces/community/nifty (src/lib/common/client.ts: the
//! `{message, errors}` envelope, 403 `{message: "Forbidden resource"}` for a scope the
//! connection lacks, in test/client.test.ts; `hasMore` on list answers); PipedreamHQ/pipedream
//! components/nifty (nifty.app.mjs: redirect URLs are registered in the Nifty app and the app's
//! scopes are enabled there; sources/new-task-created/test-event.mjs: a task without `name`).
//!
//! What the fake enforces from those sources: lists answer at most 100 items per request with
//! `hasMore`; `GET /tasks` leaves completed tasks out unless `completed=true` is asked; every
//! API route needs its scope in the token (403 `{"message":"Forbidden resource"}`); the
//! authorize page and the token endpoint refuse a `redirect_uri` the app did not register.
//!
//! Nifty publishes no rate limits: 429s come only from `FaultConfig::rate_limited_rate`.

mod api;
mod data;
mod oauth;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::net::TcpListener;

use self::data::{SeedPlan, Workspace};
use self::oauth::{OAuthState, TokenGrant};
use crate::faults::FaultConfig;
use crate::ghl::shared::lock;
use crate::novi::host::{self, ghl_people, Host, HostRef, Running};
use crate::RequestStats;

const API_PREFIX: &str = "/api/v1.0";

/// The scopes Nifty documents (reference/target-apps.md), all enabled on the fake's app unless
/// [`NiftyConfig::app_scopes`] says otherwise.
pub const NIFTY_SCOPES: &[&str] = &[
    "file",
    "label",
    "doc",
    "milestone",
    "message",
    "subtask",
    "project",
    "task_group",
    "task",
    "subteam",
    "member",
    "folder",
];

/// The redirect URL registered in the fake's app by default: the `bridge` CLI's default
/// loopback port for Nifty.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:53683/callback";

/// How the fake behaves. The default overlaps with `GhlConfig::default()`'s contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct NiftyConfig {
    /// Seeds the data, ids and credentials.
    pub seed: u64,
    /// The GHL fake's seed and contact count: a share of those contacts' tasks are mirrored
    /// into the "Client follow-ups" project (name and email in the task).
    pub ghl_seed: u64,
    pub ghl_contacts: usize,
    /// Share of those GHL contacts whose tasks are in Nifty (0.0..=1.0).
    pub ghl_overlap: f64,
    /// Extra tasks in "Client follow-ups", to measure full scans of a big project.
    pub extra_tasks: usize,
    /// Lifetime of access tokens issued by `/oauth/token` (and of the pre-issued one).
    pub access_token_ttl: Duration,
    /// The redirect URLs registered in the Nifty app (exact match, as OAuth providers compare).
    pub redirect_uris: Vec<String>,
    /// The scopes enabled on the Nifty app: a token gets the requested ones among them.
    pub app_scopes: Vec<String>,
    pub faults: FaultConfig,
}

impl Default for NiftyConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            ghl_seed: 42,
            ghl_contacts: 500,
            ghl_overlap: 0.3,
            extra_tasks: 0,
            access_token_ttl: Duration::from_secs(3600),
            redirect_uris: vec![DEFAULT_REDIRECT_URI.to_string()],
            app_scopes: NIFTY_SCOPES.iter().map(|s| s.to_string()).collect(),
            faults: FaultConfig::default(),
        }
    }
}

pub(crate) struct Nifty {
    host: HostRef,
    root_url: String,
    client_id: String,
    client_secret: String,
    access_token_ttl: Duration,
    /// (registered redirect URLs, enabled scopes): the app's settings, changeable by tests.
    app: Mutex<(Vec<String>, Vec<String>)>,
    workspace: Mutex<Workspace>,
    oauth: Mutex<OAuthState>,
    secrets: Mutex<SmallRng>,
    /// A token issued at start, for tests and tools that skip the sign-in.
    initial_token: String,
}

pub(crate) type NiftyState = Arc<Nifty>;

impl Nifty {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn new_secret(&self) -> String {
        let mut rng = lock(&self.secrets);
        (0..40)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
            .collect()
    }
}

/// A running Nifty fake. Stops when `shutdown` is awaited or when dropped.
pub struct NiftySandbox {
    state: NiftyState,
    running: Running,
}

impl NiftySandbox {
    /// Seeds the workspace and serves it on an ephemeral port of 127.0.0.1.
    pub async fn start(config: NiftyConfig) -> std::io::Result<NiftySandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let root_url = format!("http://{}", listener.local_addr()?);
        let anchor = host::seed_anchor();
        let c = config.clone();
        let workspace = tokio::task::spawn_blocking(move || {
            let ghl = ghl_people(c.ghl_seed, c.ghl_contacts, anchor);
            data::seeded(&SeedPlan {
                seed: c.seed,
                ghl: &ghl,
                overlap: c.ghl_overlap,
                extra_tasks: c.extra_tasks,
                anchor,
            })
        })
        .await
        .map_err(std::io::Error::other)?;
        let mut secrets = SmallRng::seed_from_u64(config.seed ^ 0x6e69_6674_7973);
        let mut secret = |n: usize| -> String {
            (0..n)
                .map(|_| char::from(b"0123456789abcdef"[secrets.random_range(0..16)]))
                .collect()
        };
        let (client_id, client_secret, initial_token) = (secret(20), secret(40), secret(40));
        let mut oauth = OAuthState::default();
        oauth.access_tokens.insert(
            initial_token.clone(),
            TokenGrant {
                expires_at: Instant::now() + config.access_token_ttl,
                scopes: config.app_scopes.clone(),
            },
        );
        let state = Arc::new(Nifty {
            host: Host::new(config.faults.clone(), config.seed),
            root_url,
            client_id,
            client_secret,
            access_token_ttl: config.access_token_ttl,
            app: Mutex::new((config.redirect_uris.clone(), config.app_scopes.clone())),
            workspace: Mutex::new(workspace),
            oauth: Mutex::new(oauth),
            secrets: Mutex::new(SmallRng::seed_from_u64(config.seed ^ 0x5ec7)),
            initial_token,
        });
        let running = Running::serve(listener, router(state.clone()), "nifty");
        Ok(NiftySandbox { state, running })
    }

    /// The API root, e.g. `http://127.0.0.1:41234/api/v1.0` (as `https://openapi.niftypm.com/api/v1.0`).
    pub fn base_url(&self) -> String {
        format!("{}{API_PREFIX}", self.state.root_url)
    }

    /// The consent page (as `https://nifty.pm/authorize`).
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.state.root_url)
    }

    /// The token endpoint (as `https://openapi.niftypm.com/oauth/token`).
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.state.root_url)
    }

    /// The registered app: (client id, client secret).
    pub fn oauth_client(&self) -> (String, String) {
        (
            self.state.client_id.clone(),
            self.state.client_secret.clone(),
        )
    }

    /// An access token issued at start (valid for `access_token_ttl`), for skipping the sign-in.
    pub fn access_token(&self) -> String {
        self.state.initial_token.clone()
    }

    /// Makes every access token issued so far stop working (as after their expiry), so the
    /// next request answers 401 and the client must refresh.
    pub fn expire_access_tokens(&self) {
        let past = Instant::now();
        for grant in lock(&self.state.oauth).access_tokens.values_mut() {
            grant.expires_at = past;
        }
    }

    /// Enables a scope on the Nifty app again; tokens issued so far get it back (// Guess: as
    /// after the operator re-approves; lets a test take scopes away one at a time).
    pub fn restore_scope(&self, scope: &str) {
        let mut app = lock(&self.state.app);
        if !app.1.iter().any(|s| s == scope) {
            app.1.push(scope.to_string());
        }
        drop(app);
        for grant in lock(&self.state.oauth).access_tokens.values_mut() {
            if !grant.scopes.iter().any(|s| s == scope) {
                grant.scopes.push(scope.to_string());
            }
        }
    }

    /// Registers exactly these redirect URLs in the Nifty app (as its settings page does).
    pub fn set_redirect_uris(&self, uris: &[String]) {
        lock(&self.state.app).0 = uris.to_vec();
    }

    /// Disables a scope on the Nifty app: tokens issued so far and later lose it (// Guess:
    /// Nifty documents no revocation; the fake applies it at once so a check can see it).
    pub fn revoke_scope(&self, scope: &str) {
        lock(&self.state.app).1.retain(|s| s != scope);
        for grant in lock(&self.state.oauth).access_tokens.values_mut() {
            grant.scopes.retain(|s| s != scope);
        }
    }

    /// (id, name) of every project, "Client follow-ups" first.
    pub fn projects(&self) -> Vec<(String, String)> {
        lock(&self.state.workspace)
            .projects
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect()
    }

    /// (id, name) of a project's task groups.
    pub fn task_groups(&self, project_id: &str) -> Vec<(String, String)> {
        lock(&self.state.workspace)
            .task_groups
            .iter()
            .filter(|g| g.project == project_id)
            .map(|g| (g.id.clone(), g.name.clone()))
            .collect()
    }

    /// Every task (archived and subtasks included) as the API would answer it.
    pub fn tasks(&self) -> Vec<Value> {
        lock(&self.state.workspace)
            .tasks
            .iter()
            .map(|t| t.to_json())
            .collect()
    }

    pub fn stats(&self) -> RequestStats {
        self.state.host.stats()
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

fn router(state: NiftyState) -> Router {
    let host = state.host.clone();
    let api = Router::new()
        .route("/tasks", get(api::list_tasks).post(api::create_task))
        .route(
            "/tasks/{id}",
            get(api::get_task)
                .put(api::update_task)
                .delete(api::delete_task),
        )
        .route(
            "/tasks/{id}/complete",
            post(api::complete_task).delete(api::uncomplete_task),
        )
        .route(
            "/tasks/{id}/labels",
            put(api::add_labels).delete(api::remove_labels),
        )
        .route("/labels", get(api::list_labels).post(api::create_label))
        .route(
            "/messages",
            get(api::list_messages).post(api::create_message),
        )
        .route("/projects", get(api::list_projects))
        .route("/taskgroups", get(api::list_task_groups))
        .fallback(not_found)
        .layer(from_fn_with_state(host.clone(), host::inject))
        .layer(from_fn_with_state(state.clone(), guard));
    Router::new()
        .nest(API_PREFIX, api)
        .route("/authorize", get(oauth::authorize))
        .route(oauth::APPROVE_PATH, post(oauth::approve))
        .route(
            "/oauth/token",
            post(oauth::token).layer(from_fn_with_state(host.clone(), host::inject_aimed)),
        )
        .fallback(not_found)
        .layer(from_fn_with_state(host.clone(), host::delay))
        .layer(from_fn_with_state(host, host::count))
        .with_state(state)
}

/// `Authorization: Bearer <access token>` (unknown or expired → 401), then injected 429s.
async fn guard(State(nifty): State<NiftyState>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let scopes = lock(&nifty.oauth)
        .access_tokens
        .get(token)
        .filter(|grant| grant.expires_at > Instant::now())
        .map(|grant| grant.scopes.clone());
    let Some(scopes) = scopes else {
        return api::error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            &["The access token is missing, invalid or expired".into()],
        );
    };
    let path = request.uri().path();
    if let Some(needed) = required_scope(path) {
        if !scopes.iter().any(|s| s == needed) {
            return api::forbidden();
        }
    }
    if nifty.host.draw_rate_limited() {
        return api::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            &["Rate limit exceeded, retry later".into()],
        );
    }
    next.run(request).await
}

/// The scope a route needs (the path below `/api/v1.0`). // Guess: Nifty names its scopes
/// after its resources and documents no table; each route takes its resource's scope, task
/// completion and task labels the `task` scope.
fn required_scope(path: &str) -> Option<&'static str> {
    let inner = path.strip_prefix(API_PREFIX).unwrap_or(path);
    let resource = inner
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    match resource {
        "tasks" => Some("task"),
        "labels" => Some("label"),
        "messages" => Some("message"),
        "projects" => Some("project"),
        "taskgroups" => Some("task_group"),
        _ => None,
    }
}

async fn not_found(request: Request) -> Response {
    api::error(
        StatusCode::NOT_FOUND,
        "Not Found",
        &[format!(
            "Cannot {} {}",
            request.method(),
            request.uri().path()
        )],
    )
}
