//! A sync of several GHL locations: each location's pairs one after another, sharing one GHL
//! client and one GHL read; up to `parallel` locations at a time, each on a database
//! connection of its own, all under the one lease the caller holds. A location that fails
//! (its GHL sign-in, its pairs) is reported beside the others, which finish.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bridge_auth::TokenStore;
use bridge_core::{BridgeError, Clock, ErrorCode, System};
use bridge_store::table::connections::ConnectionRow;
use bridge_store::Store;
use futures::StreamExt;
use serde::Serialize;

use super::{Observer, Step, SyncRequest};
use crate::app::app_side;
use crate::connections::ghl_client;
use crate::lease::Lease;
use crate::pair::{contact_mapping, LocationRead, Pair, SyncOutcome};
use crate::pairs::Location;
use crate::plan::Breaker;

/// A pair that did not sync, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairFailure {
    /// The GHL location's name (empty for an app connection paired with none yet).
    pub ghl: String,
    /// The app connection's name.
    pub pair: String,
    pub error: BridgeError,
}

/// What a sync of several pairs did: the pairs that synced, and those that failed.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub outcomes: Vec<SyncOutcome>,
    pub failures: Vec<PairFailure>,
}

impl SyncReport {
    /// The outcomes when every pair synced; else one error naming each failed pair (the one
    /// failure as it is when it was the only pair, its code telling the caller what to do).
    pub fn into_result(mut self) -> Result<Vec<SyncOutcome>, BridgeError> {
        let pairs = self.outcomes.len() + self.failures.len();
        match self.failures.len() {
            0 => Ok(self.outcomes),
            1 if pairs == 1 => Err(self.failures.remove(0).error),
            _ => Err(self.error(pairs)),
        }
    }

    /// One error naming each failed pair with its location.
    pub fn error(&self, pairs: usize) -> BridgeError {
        let code = self
            .failures
            .first()
            .map_or(ErrorCode::Internal, |f| f.error.code);
        BridgeError::new(
            code,
            format!(
                "{} of {} pairs failed (the others were synced; see `bridge runs`): {}",
                self.failures.len(),
                pairs,
                self.failures
                    .iter()
                    .map(|f| if f.ghl.is_empty() {
                        format!("{}: {}", f.pair, f.error.message)
                    } else {
                        format!("{} ↔ {}: {}", f.ghl, f.pair, f.error.message)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
    }
}

/// Progress across every pair of the sync, shared by the locations running at once.
struct Shared<'o> {
    observer: Observer<'o>,
    /// Pairs started so far (the next one's number is this + 1).
    started: usize,
    /// Writes of the pairs finished so far (their totals).
    finished: u64,
}

/// What every location's run reads and shares.
struct Context<'a, 'o> {
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: &'a SyncRequest,
    cancel: &'a AtomicBool,
    lease: &'a Lease,
    shared: Mutex<Shared<'o>>,
    pairs: usize,
    /// Several locations: each pair's name in the progress line names its location too.
    several: bool,
}

pub(super) async fn sync_locations(
    store: &mut Store,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    request: &SyncRequest,
    cancel: &AtomicBool,
    observer: Observer<'_>,
    lease: &Lease,
) -> Result<SyncReport, BridgeError> {
    let (locations, unbound) = crate::pairs::to_sync(
        store,
        request.ghl.as_deref(),
        request.pair.as_deref(),
        clock.now(),
    )?;
    let pairs: usize = locations.iter().map(|l| l.apps.len()).sum::<usize>() + unbound.len();
    if pairs == 0 {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            match (&request.pair, &request.ghl) {
                (Some(name), _) => format!("no app connection is named \"{name}\""),
                (None, Some(ghl)) => format!("no app connection is paired with \"{ghl}\" (see `bridge pair list`)"),
                (None, None) => "nothing to sync: connect an app with `bridge connect novi`, `bridge connect ninox` or `bridge connect nifty`".into(),
            },
        ));
    }
    let mut report = SyncReport {
        outcomes: Vec::new(),
        failures: unbound
            .into_iter()
            .map(|(pair, error)| PairFailure {
                ghl: String::new(),
                pair,
                error,
            })
            .collect(),
    };
    let context = Context {
        tokens,
        clock,
        request,
        cancel,
        lease,
        shared: Mutex::new(Shared {
            observer,
            started: 0,
            finished: 0,
        }),
        pairs,
        several: locations.len() > 1,
    };
    let parallel = request.parallel.max(1);
    match store.path().map(std::path::Path::to_path_buf) {
        // Each location at once on a connection of its own (SQLite in WAL: one writer at a
        // time, each write transaction short and never held across a request).
        Some(path) if parallel > 1 && locations.len() > 1 => {
            let context = &context;
            let mut runs = futures::stream::iter(locations.iter())
                .map(|location| {
                    let path = path.clone();
                    async move {
                        match Store::open(&path) {
                            Ok(mut own) => sync_location(&mut own, location, context).await,
                            Err(e) => LocationReport::failed(location, &e),
                        }
                    }
                })
                .buffer_unordered(parallel);
            while let Some(location) = runs.next().await {
                report.outcomes.extend(location.outcomes);
                report.failures.extend(location.failures);
            }
        }
        _ => {
            for location in &locations {
                let done = sync_location(store, location, &context).await;
                report.outcomes.extend(done.outcomes);
                report.failures.extend(done.failures);
            }
        }
    }
    Ok(report)
}

type LocationReport = SyncReport;

impl SyncReport {
    /// Every pair of `location` failed with `error` (the location could not start).
    fn failed(location: &Location, error: &BridgeError) -> Self {
        Self {
            outcomes: Vec::new(),
            failures: location
                .apps
                .iter()
                .map(|app| PairFailure {
                    ghl: location.ghl.name.clone(),
                    pair: app.name.clone(),
                    error: error.clone(),
                })
                .collect(),
        }
    }
}

/// One location's pairs, one after another, sharing its GHL client and its one GHL read. One
/// pair's failure (its app down, its breaker tripped) does not stop the others.
async fn sync_location(
    store: &mut Store,
    location: &Location,
    context: &Context<'_, '_>,
) -> LocationReport {
    let ghl = match ghl_client(&location.ghl, context.tokens.clone(), context.clock.clone()) {
        Ok(ghl) => ghl,
        Err(e) => return SyncReport::failed(location, &e),
    };
    let read = LocationRead::default();
    let mut report = SyncReport::default();
    for app_connection in &location.apps {
        if context.cancel.load(Ordering::Relaxed) {
            break;
        }
        let outcome = match context.lease.check() {
            Ok(()) => sync_pair(store, location, app_connection, &ghl, &read, context).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(outcome) => report.outcomes.push(outcome),
            Err(error) => report.failures.push(PairFailure {
                ghl: location.ghl.name.clone(),
                pair: app_connection.name.clone(),
                error,
            }),
        }
    }
    report
}

async fn sync_pair(
    store: &mut Store,
    location: &Location,
    app_connection: &ConnectionRow,
    ghl: &bridge_connectors::ghl::GhlClient,
    read: &LocationRead,
    context: &Context<'_, '_>,
) -> Result<SyncOutcome, BridgeError> {
    let ghl_connection = &location.ghl;
    if let Some(refusal) = super::refused_by_checks(store, &[ghl_connection, app_connection])? {
        return Err(refusal);
    }
    let number = context
        .shared
        .lock()
        .map(|mut shared| {
            shared.started += 1;
            shared.started
        })
        .unwrap_or(1);
    let pair_name = if context.several {
        format!("{} · {}", ghl_connection.name, app_connection.name)
    } else {
        app_connection.name.clone()
    };
    let mut pair_total = 0u64;
    // The pair's first total is its contact writes; a larger one means its tasks, notes
    // and appointments are being written.
    let mut contacts_total: Option<u64> = None;
    let mut pair_progress = |done: u64, total: u64| {
        pair_total = total;
        let first = *contacts_total.get_or_insert(total);
        if let Ok(mut shared) = context.shared.lock() {
            let step = Step {
                pair: number,
                pairs: context.pairs,
                pair_name: pair_name.clone(),
                // Nifty pairs write tasks (and their labels) only.
                phase: if app_connection.system == System::Nifty {
                    "tasks"
                } else if total == first && done <= first {
                    "contacts"
                } else {
                    "tasks, notes and appointments"
                },
                done,
                total,
                done_before: shared.finished,
            };
            (shared.observer)(&step);
        }
    };
    let clock = context.clock.clone();
    let outcome = async {
        let app = app_side(app_connection, context.tokens.clone(), clock.clone())?;
        let mut mapping = contact_mapping(store, app_connection)?;
        crate::rules::with_tag_groups(store, app_connection, &mut mapping)?;
        let capabilities =
            crate::doctor::Capabilities::of(store, &[ghl_connection, app_connection])?
                .with_mapping(&mut mapping);
        let pair = Pair {
            ghl_connection,
            ghl,
            app: app.as_ref(),
            mapping: &mapping,
            breaker: Breaker {
                max_overwrite_share: context.request.max_overwrite_share,
                ..Breaker::default()
            },
            location: read,
            trigger: context.request.trigger,
            capabilities: &capabilities,
        };
        pair.sync(
            store,
            clock.as_ref(),
            context.request.dry_run,
            context.cancel,
            &mut pair_progress,
        )
        .await
    }
    .await;
    if let Ok(mut shared) = context.shared.lock() {
        shared.finished += pair_total;
    }
    outcome
}
