//! What every handler shares: the data behind one lock, the rate limiter, the request
//! statistics and the fault injector.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bridge_core::{Clock, SystemClock};
use chrono::{DateTime, Utc};

use super::dates::to_millis;
use super::rate_limit::RateLimiter;
use super::state::Data;
use super::stats::RequestStats;
use super::webhooks::Webhooks;
use crate::faults::FaultState;

pub(crate) type AppState = Arc<Shared>;

pub(crate) struct Shared {
    pub base_url: String,
    pub access_token_ttl: Duration,
    pub clock: Box<dyn Clock>,
    pub data: Mutex<Data>,
    pub limiter: Mutex<RateLimiter>,
    pub stats: Mutex<RequestStats>,
    pub faults: Mutex<FaultState>,
    pub webhooks: Mutex<Webhooks>,
}

impl Shared {
    pub fn new(
        base_url: String,
        access_token_ttl: Duration,
        data: Data,
        limiter: RateLimiter,
        faults: FaultState,
    ) -> Self {
        Self {
            base_url,
            access_token_ttl,
            clock: Box::new(SystemClock),
            data: Mutex::new(data),
            limiter: Mutex::new(limiter),
            stats: Mutex::new(RequestStats::default()),
            faults: Mutex::new(faults),
            webhooks: Mutex::new(Webhooks::default()),
        }
    }

    /// Now, at the millisecond precision GHL stores.
    pub fn now(&self) -> DateTime<Utc> {
        to_millis(self.clock.now())
    }
}

/// Locks a mutex; a panic in another request must not take the whole fake down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
