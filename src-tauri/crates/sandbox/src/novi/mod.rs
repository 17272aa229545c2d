//! The Novi AMS fake: one association tenant's `/api`, with members (full-replacement PUT, no
//! delete), activities (tasks and notes; new id in the `Location` header), the tenant's activity
//! types, events (not paged), committees and their members ([`committees`]), the raw-key
//! `Authorization: Basic <key>` scheme, and 20/s + 600/min limits answered with 429 and
//! `Retry-After`.
//!
//! Sources: MemberJunction/MJ metadata/integrations/novi/.novi.integration.json (derived from
//! Novi's Postman collection: endpoints, `lastModifiedDate` as the member filter, paging,
//! full-replacement PUT, `/api/custom-activity-types`), the member JSON of a Novi test tenant
//! quoted in reference/api-fidelity.md (`CreatedDate`/`LastUpdatedDate` in tenant-local time with
//! an offset and seven fraction digits, `MemberStatus` slugs, `CustomerType`), and
//! reference/target-apps.md ("Novi AMS").

mod api;
mod committees;
mod data;
mod fields;
pub(crate) mod host;
mod limit;
mod types;

pub use types::{default_activity_types, NoviActivityType};

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, FixedOffset, Utc};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::net::TcpListener;

use self::data::{NoviData, SeedPlan};
use self::host::{ghl_people, guid, Host, HostRef, Running};
use self::limit::{retry_after_secs, Limiter};
use crate::faults::FaultConfig;
use crate::ghl::shared::lock;
use crate::RequestStats;

pub(crate) const DEFAULT_PAGE_SIZE: usize = 100;
pub(crate) const MAX_PAGE_SIZE: usize = 1000;

/// How the fake behaves. `NoviConfig::default()` matches Novi's documented limits and
/// overlaps with `GhlConfig::default()`'s contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct NoviConfig {
    /// Seeds the data and every random decision.
    pub seed: u64,
    /// People who are Novi members only (never in GHL); companies are added for their employers.
    pub members: usize,
    /// The GHL fake's seed and contact count (`GhlConfig::seed`/`seed_contacts`): the same
    /// people are regenerated here so a share of them are members with the same email.
    pub ghl_seed: u64,
    pub ghl_contacts: usize,
    /// Share of those GHL contacts who are also members (0.0..=1.0).
    pub ghl_overlap: f64,
    /// Calls per key per second (Novi: 20)…
    pub rate_per_second: u32,
    /// …per minute (600)…
    pub rate_per_minute: u32,
    /// …and per UTC day (100,000).
    pub daily_limit: u32,
    /// The tenant's offset from UTC in minutes: member stamps are written in it.
    /// Guess: a fixed offset (a real tenant's zone has daylight saving).
    pub utc_offset_minutes: i32,
    /// The tenant's activity types (`/api/custom-activity-types`).
    pub activity_types: Vec<NoviActivityType>,
    pub faults: FaultConfig,
}

impl Default for NoviConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            members: 60,
            ghl_seed: 42,
            ghl_contacts: 500,
            ghl_overlap: 0.6,
            rate_per_second: 20,
            rate_per_minute: 600,
            daily_limit: 100_000,
            utc_offset_minutes: -4 * 60,
            activity_types: default_activity_types(),
            faults: FaultConfig::default(),
        }
    }
}

pub(crate) struct Novi {
    host: HostRef,
    api_key: String,
    /// `http://127.0.0.1:PORT/api`
    base_url: String,
    data: Mutex<NoviData>,
    limiter: Mutex<Limiter>,
    rng: Mutex<SmallRng>,
    activity_types: Mutex<Vec<NoviActivityType>>,
    /// The `lastModifiedDate` of every member listing asked for, in order (None: no filter).
    member_listings: Mutex<Vec<Option<String>>>,
    committees: Mutex<committees::Committees>,
}

pub(crate) type NoviState = Arc<Novi>;

impl Novi {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A running Novi fake. Stops when `shutdown` is awaited or when dropped.
pub struct NoviSandbox {
    state: NoviState,
    running: Running,
}

impl NoviSandbox {
    /// Seeds the data and serves it on an ephemeral port of 127.0.0.1.
    pub async fn start(config: NoviConfig) -> std::io::Result<NoviSandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}/api", listener.local_addr()?);
        let anchor = host::seed_anchor();
        let plan_config = config.clone();
        let zone = FixedOffset::east_opt(config.utc_offset_minutes * 60).ok_or_else(|| {
            std::io::Error::other(format!(
                "utc_offset_minutes {} is out of range",
                config.utc_offset_minutes
            ))
        })?;
        let seed_type = |task: bool| {
            config
                .activity_types
                .iter()
                .find(|t| t.active && t.task == task)
                .map_or_else(String::new, |t| t.name.clone())
        };
        let (task_type, note_type) = (seed_type(true), seed_type(false));
        let (data, api_key) = tokio::task::spawn_blocking(move || {
            let c = plan_config;
            let ghl = ghl_people(c.ghl_seed, c.ghl_contacts, anchor);
            let own_world_seed = c.seed ^ 0x4e4f_5649_4f4e_4c59;
            let novi_only = ghl_people(own_world_seed, c.members, anchor);
            let data = data::seeded(&SeedPlan {
                seed: c.seed,
                zone,
                task_type: &task_type,
                note_type: &note_type,
                ghl: &ghl,
                overlap: c.ghl_overlap,
                novi_only: &novi_only,
                anchor,
            });
            let mut rng = SmallRng::seed_from_u64(c.seed ^ 0x006b_6579);
            (data, guid(&mut rng))
        })
        .await
        .map_err(std::io::Error::other)?;
        let mut seat_rng = SmallRng::seed_from_u64(config.seed ^ 0xc0_4417);
        let seeded_committees = committees::Committees {
            list: committees::SEEDED
                .iter()
                .map(|name| committees::Committee {
                    id: guid(&mut seat_rng),
                    name: (*name).to_string(),
                })
                .collect(),
            seats: Vec::new(),
        };
        let state = Arc::new(Novi {
            host: Host::new(config.faults.clone(), config.seed),
            api_key,
            base_url,
            data: Mutex::new(data),
            limiter: Mutex::new(Limiter::new(
                config.rate_per_second,
                config.rate_per_minute,
                config.daily_limit,
            )),
            rng: Mutex::new(SmallRng::seed_from_u64(config.seed ^ 0x1d5)),
            activity_types: Mutex::new(config.activity_types.clone()),
            member_listings: Mutex::new(Vec::new()),
            committees: Mutex::new(seeded_committees),
        });
        let running = Running::serve(listener, router(state.clone()), "novi");
        Ok(NoviSandbox { state, running })
    }

    /// The tenant's API root, e.g. `http://127.0.0.1:41234/api` (as `https://www.<assoc>.org/api`).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The raw API key: send `Authorization: Basic <key>` (not base64 of user:password).
    pub fn api_key(&self) -> String {
        self.state.api_key.clone()
    }

    /// Every member's email as seeded or written since (for tests that check the overlap).
    pub fn member_emails(&self) -> Vec<String> {
        lock(&self.state.data)
            .members
            .iter()
            .filter_map(|m| m.get("Email").and_then(|e| e.as_str()).map(str::to_string))
            .collect()
    }

    pub fn stats(&self) -> RequestStats {
        self.state.host.stats()
    }

    /// The `lastModifiedDate` each member listing passed (`None`: no filter), oldest first.
    pub fn member_listing_filters(&self) -> Vec<Option<String>> {
        lock(&self.state.member_listings).clone()
    }

    /// The members seated on the committee named `name` (without case), as an administrator
    /// sees them in Novi.
    pub fn committee_members(&self, name: &str) -> Vec<String> {
        let committees = lock(&self.state.committees);
        let Some(committee) = committees
            .list
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
        else {
            return Vec::new();
        };
        committees
            .seats
            .iter()
            .filter(|s| s.committee == committee.id)
            .map(|s| s.member.clone())
            .collect()
    }

    /// Seats `member` on the committee named `name`, as an administrator would in Novi. False
    /// when there is no such committee.
    pub fn seat_on_committee(&self, name: &str, member: &str) -> bool {
        let id = guid(&mut *lock(&self.state.rng));
        let mut committees = lock(&self.state.committees);
        let Some(committee) = committees
            .list
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| c.id.clone())
        else {
            return false;
        };
        committees.seats.push(committees::Seat {
            id,
            committee,
            member: member.to_string(),
            inherited: false,
        });
        true
    }

    /// Takes every seat of `member` on the committee named `name` away, as an administrator
    /// would in Novi; answers how many there were.
    pub fn unseat_from_committee(&self, name: &str, member: &str) -> usize {
        let mut committees = lock(&self.state.committees);
        let Some(committee) = committees
            .list
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| c.id.clone())
        else {
            return 0;
        };
        let before = committees.seats.len();
        committees
            .seats
            .retain(|s| !(s.committee == committee && s.member == member));
        before - committees.seats.len()
    }

    /// Takes an activity type away from the tenant (for doctor tests). False when absent.
    pub fn remove_activity_type(&self, name: &str) -> bool {
        let mut types = lock(&self.state.activity_types);
        let before = types.len();
        types.retain(|t| !t.name.eq_ignore_ascii_case(name));
        types.len() != before
    }

    /// Gives the tenant an activity type (again), as its administrator would.
    pub fn add_activity_type(&self, activity_type: NoviActivityType) {
        lock(&self.state.activity_types).push(activity_type);
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

fn router(state: NoviState) -> Router {
    let host = state.host.clone();
    let api = Router::new()
        .route(
            "/api/members",
            get(api::list_members).post(api::create_member),
        )
        .route(
            "/api/members/{uniqueId}",
            get(api::get_member)
                .put(api::replace_member)
                .delete(not_allowed),
        )
        .route(
            "/api/activities",
            get(api::list_activities).post(api::create_activity),
        )
        .route(
            "/api/activities/{activityUniqueId}",
            get(api::get_activity)
                .put(api::replace_activity)
                .delete(api::delete_activity),
        )
        .route("/api/custom-activity-types", get(types::list))
        .route("/api/committees", get(committees::list))
        .route(
            "/api/committees/{committeeId}/members",
            get(committees::members).post(committees::add),
        )
        .route(
            "/api/committees/{committeeId}/members/{membershipId}",
            axum::routing::delete(committees::remove),
        )
        .route("/api/events", get(api::list_events).post(api::create_event))
        .route(
            "/api/events/{eventId}",
            get(api::get_event).put(api::replace_event),
        )
        .method_not_allowed_fallback(not_allowed)
        .layer(from_fn_with_state(host.clone(), host::inject))
        .layer(from_fn_with_state(state.clone(), guard));
    Router::new()
        .merge(api)
        .fallback(not_found)
        .layer(from_fn_with_state(host.clone(), host::delay))
        .layer(from_fn_with_state(host, host::count))
        .with_state(state)
}

/// `Authorization: Basic <rawApiKey>`, then the per-key rate limit.
async fn guard(State(novi): State<NoviState>, request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(str::trim);
    if key != Some(novi.api_key.as_str()) {
        return api::message(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request.",
        );
    }
    let now = Utc::now();
    let to_midnight = now
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| {
            (t.and_utc() - now)
                .to_std()
                .unwrap_or(Duration::from_secs(1))
        })
        .unwrap_or(Duration::from_secs(86_400));
    let verdict = lock(&novi.limiter).take(Instant::now(), now.date_naive(), to_midnight);
    if let Err(wait) = verdict {
        novi.host.count_rate_limited();
        let mut answer = api::message(
            StatusCode::TOO_MANY_REQUESTS,
            "API rate limit exceeded. Please retry later.",
        );
        answer.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after_secs(wait)),
        );
        return answer;
    }
    next.run(request).await
}

// Members: reference/target-apps.md documents no DELETE ("set Active=false"); a deactivation
// is the full-replacement PUT with `Active: false`, and the scan leaves inactive members out.
/// ASP.NET Web API's answer to a verb a resource does not have (members cannot be deleted).
async fn not_allowed(request: Request) -> Response {
    let mut answer = api::message(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "The requested resource does not support http method '{}'.",
            request.method()
        ),
    );
    answer
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, PUT"));
    answer.into_response()
}

async fn not_found(request: Request) -> Response {
    api::message(
        StatusCode::NOT_FOUND,
        format!(
            "No HTTP resource was found that matches the request URI '{}'.",
            request.uri()
        ),
    )
}
