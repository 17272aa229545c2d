//! A request budget per (app, connection): requests wait for room instead of provoking 429s.
//!
//! The budget is a sliding window: at most `max` requests in any `window`-long span. That
//! honours the remote's limit whatever the alignment of its own (fixed) windows, and lets a
//! caller going flat out send exactly `max` per window. The remote's rate headers, read from
//! every answer, adjust the limit and reveal requests made by others with the same
//! credentials (another install, a Zapier zap): that usage occupies room here too.
//!
//! Our own stamps are taken when a request leaves; the remote counts it when it arrives. Under
//! load the two drift apart (a process starved of CPU stamps early and answers late), so:
//! - a request's slot frees one window after its answer arrived here, if that is later than
//!   its send stamp plus the margin: the remote surely counted it before answering;
//! - the remote's own count is honoured before each send: after an answer said `remaining`
//!   requests were left, no more than that many of ours go out until one of the slots held
//!   then frees. A remote that says 0 is waited out, never met with a 429.
//!
//! Time is tokio's, so tests drive it with `tokio::time::pause()`.

use std::collections::VecDeque;
use std::time::Duration;

use bridge_core::{BridgeError, ErrorCode};
use reqwest::header::HeaderMap;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// After the daily quota ran out, one request is let through this often to learn whether the
/// remote's day has rolled over (the headers do not say when it resets).
const DAILY_PROBE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// The remote stamps a request when it arrives, we when we let it go: a request delayed on
/// its way is counted later there than here, so a slot is reused only this much after the
/// window frees it (3% of the window, at least 30 ms).
fn safety_margin(window: Duration) -> Duration {
    (window * 3 / 100).max(Duration::from_millis(30))
}

/// The largest request count per window and the longest window taken from a remote's headers.
const MAX_TRUSTED_PER_WINDOW: u64 = 10_000;
const MAX_TRUSTED_WINDOW_MS: u64 = 60 * 60 * 1000;

/// The response headers an app reports its limits in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateHeaderNames {
    /// Requests allowed per window.
    pub max: String,
    /// Requests left in the current window.
    pub remaining: String,
    /// The window's length in milliseconds.
    pub interval_ms: String,
    /// Requests left today, for apps with a daily quota.
    pub daily_remaining: Option<String>,
}

impl RateHeaderNames {
    /// GHL's headers (ghl-api.md, "Rate limits").
    pub fn ghl() -> Self {
        Self {
            max: "x-ratelimit-max".into(),
            remaining: "x-ratelimit-remaining".into(),
            interval_ms: "x-ratelimit-interval-milliseconds".into(),
            daily_remaining: Some("x-ratelimit-daily-remaining".into()),
        }
    }
}

/// The limits assumed until the remote's headers say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub max_per_window: u32,
    pub window: Duration,
}

impl RateLimits {
    /// GHL: 100 requests per 10 s burst, per app per location.
    pub const GHL: RateLimits = RateLimits {
        max_per_window: 100,
        window: Duration::from_secs(10),
    };
}

/// Proof that a request was given room; hand it back to [`RateBudget::observe`] with the answer.
#[derive(Debug, Clone, Copy)]
pub struct Permit {
    acquired_at: Instant,
}

/// What the budget believes now (for `bridge pull` output and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetSnapshot {
    pub max_per_window: u32,
    pub window: Duration,
    /// Requests (ours and others' seen in the headers) in the current window.
    pub used_in_window: usize,
    pub daily_remaining: Option<u64>,
}

pub struct RateBudget {
    /// Names the connection in messages, e.g. "GHL location abc123".
    name: String,
    headers: RateHeaderNames,
    state: Mutex<State>,
}

struct State {
    max: u32,
    window: Duration,
    /// The requests in the window, by when they were sent, oldest first; includes others'.
    sent: VecDeque<Slot>,
    daily_remaining: Option<u64>,
    /// When the daily quota was last seen at zero, for probing.
    daily_exhausted_at: Option<Instant>,
    /// No request before this (set after a 429, or a 503 with `Retry-After`).
    paused_until: Option<Instant>,
    /// The remote's count from its latest answer.
    remote: Option<RemoteCount>,
}

/// One request in the window.
#[derive(Debug, Clone, Copy)]
struct Slot {
    sent_at: Instant,
    /// Send stamp plus the window and margin, or its answer's arrival plus the window.
    frees_at: Instant,
    answered: bool,
}

/// What the remote said about its window in one answer.
#[derive(Debug, Clone, Copy)]
struct RemoteCount {
    /// Requests it would still take in its window.
    remaining: u64,
    /// When the request it answered left here: ours sent after it may not be counted yet.
    request_sent_at: Instant,
    /// The first of the slots held when the answer came to free: once it has, the count is
    /// stale (the remote has room again).
    first_free_then: Option<Instant>,
}

impl RateBudget {
    pub fn new(name: impl Into<String>, limits: RateLimits, headers: RateHeaderNames) -> Self {
        Self {
            name: name.into(),
            headers,
            state: Mutex::new(State {
                max: limits.max_per_window.max(1),
                window: limits.window,
                sent: VecDeque::new(),
                daily_remaining: None,
                daily_exhausted_at: None,
                paused_until: None,
                remote: None,
            }),
        }
    }

    /// A budget with GHL's limits and headers for one location.
    pub fn ghl(location_id: &str) -> Self {
        Self::new(
            format!("GHL location {location_id}"),
            RateLimits::GHL,
            RateHeaderNames::ghl(),
        )
    }

    /// Waits until a request may be sent. Fails only when the daily quota is used up.
    pub async fn acquire(&self) -> Result<Permit, BridgeError> {
        loop {
            let wake_at = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                state.check_daily(now, &self.name)?;
                state.forget_expired(now);
                let paused = state.paused_until.filter(|until| *until > now);
                let waits = [paused, state.remote_room_at(now), state.next_room_at()];
                match waits.into_iter().flatten().max() {
                    None => {
                        let frees_at = now + state.span();
                        state.sent.push_back(Slot {
                            sent_at: now,
                            frees_at,
                            answered: false,
                        });
                        state.daily_remaining = state.daily_remaining.map(|n| n.saturating_sub(1));
                        return Ok(Permit { acquired_at: now });
                    }
                    Some(at) => at,
                }
            };
            // The lock is released while waiting, so answers can still be observed.
            tokio::time::sleep_until(wake_at).await;
        }
    }

    /// Adopts what the remote's rate headers say, from the answer to the request `permit` let
    /// through. Missing or unreadable headers change nothing.
    pub async fn observe(&self, permit: &Permit, headers: &HeaderMap) {
        let read = |name: &str| -> Option<u64> {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.trim().parse::<u64>().ok())
        };
        let max = read(&self.headers.max);
        let remaining = read(&self.headers.remaining);
        let interval_ms = read(&self.headers.interval_ms);
        let daily = self.headers.daily_remaining.as_deref().and_then(read);

        let mut state = self.state.lock().await;
        // Remote numbers are clamped: a broken or hostile header must not make the budget
        // track billions of slots or stop every request for days.
        if let Some(max) = max.filter(|m| *m > 0) {
            state.max = u32::try_from(max.min(MAX_TRUSTED_PER_WINDOW)).unwrap_or(1);
        }
        if let Some(ms) = interval_ms.filter(|ms| *ms > 0) {
            state.window = Duration::from_millis(ms.min(MAX_TRUSTED_WINDOW_MS));
        }
        state.answered(permit.acquired_at, Instant::now());
        if let Some(remaining) = remaining {
            state.count_others(permit.acquired_at, remaining);
            // Only a newer request's answer replaces the count (answers arrive out of order).
            if state
                .remote
                .is_none_or(|known| known.request_sent_at <= permit.acquired_at)
            {
                let first_free_then = state.sent.iter().map(|slot| slot.frees_at).min();
                state.remote = Some(RemoteCount {
                    remaining,
                    request_sent_at: permit.acquired_at,
                    first_free_then,
                });
            }
        }
        if let Some(daily) = daily {
            state.daily_remaining = Some(daily);
            if daily > 0 {
                state.daily_exhausted_at = None;
            }
        }
    }

    /// The remote answered 429 although the budget gave room (someone else shares the quota):
    /// hold every task sharing this budget for `pause`, not just the one that retries.
    pub async fn pause_for(&self, pause: Duration) {
        let mut state = self.state.lock().await;
        let until = Instant::now() + pause;
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
        }
    }

    pub async fn snapshot(&self) -> BudgetSnapshot {
        let mut state = self.state.lock().await;
        state.forget_expired(Instant::now());
        BudgetSnapshot {
            max_per_window: state.max,
            window: state.window,
            used_in_window: state.sent.len(),
            daily_remaining: state.daily_remaining,
        }
    }
}

impl State {
    /// How long a request occupies its slot: the window plus the safety margin.
    fn span(&self) -> Duration {
        self.window + safety_margin(self.window)
    }

    fn forget_expired(&mut self, now: Instant) {
        self.sent.retain(|slot| slot.frees_at > now);
    }

    /// The answer to the request sent at `sent_at` arrived at `now`: the remote counted it by
    /// then, so its slot is held until one window after.
    fn answered(&mut self, sent_at: Instant, now: Instant) {
        let window = self.window;
        if let Some(slot) = self
            .sent
            .iter_mut()
            .find(|slot| slot.sent_at == sent_at && !slot.answered)
        {
            slot.answered = true;
            slot.frees_at = slot.frees_at.max(now + window);
        }
    }

    /// None when the remote's last count leaves room for one more of ours; otherwise when
    /// every request it had counted has left its window. A count older than a window says
    /// nothing any more and is forgotten.
    fn remote_room_at(&mut self, now: Instant) -> Option<Instant> {
        let known = self.remote?;
        let Some(clear_at) = known.first_free_then.filter(|at| *at > now) else {
            self.remote = None;
            return None;
        };
        let ours_since = self
            .sent
            .iter()
            .filter(|slot| slot.sent_at > known.request_sent_at)
            .count() as u64;
        (ours_since >= known.remaining).then_some(clear_at)
    }

    /// None when there is room now; otherwise when the next slot frees up.
    fn next_room_at(&self) -> Option<Instant> {
        let max = self.max as usize;
        if self.sent.len() < max {
            return None;
        }
        // The window may hold more than `max` after the remote lowered it.
        let mut frees: Vec<Instant> = self.sent.iter().map(|slot| slot.frees_at).collect();
        frees.sort_unstable();
        frees.get(self.sent.len() - max).copied()
    }

    /// The remote says `remaining` requests were left when it handled a request we sent at
    /// `acquired_at`. Whatever it counted beyond our own requests of that span was sent by
    /// someone else; it occupies room here until it leaves the window.
    fn count_others(&mut self, acquired_at: Instant, remaining: u64) {
        let used_by_remote_count = u64::from(self.max).saturating_sub(remaining);
        let span_start = acquired_at.checked_sub(self.window);
        // All our requests the remote can have counted were sent in (acquired_at - window, now].
        let ours = self
            .sent
            .iter()
            .filter(|slot| span_start.is_none_or(|start| slot.sent_at > start))
            .count() as u64;
        let others = used_by_remote_count.saturating_sub(ours);
        let room_left = (self.max as usize).saturating_sub(self.sent.len()) as u64;
        let at = self
            .sent
            .partition_point(|slot| slot.sent_at <= acquired_at);
        let other = Slot {
            sent_at: acquired_at,
            frees_at: acquired_at + self.span(),
            // Not ours: no answer of ours will settle it.
            answered: true,
        };
        for _ in 0..others.min(room_left) {
            self.sent.insert(at, other);
        }
    }

    fn check_daily(&mut self, now: Instant, name: &str) -> Result<(), BridgeError> {
        if self.daily_remaining != Some(0) {
            return Ok(());
        }
        match self.daily_exhausted_at {
            Some(since) if now < since + DAILY_PROBE_INTERVAL => Err(BridgeError::new(
                ErrorCode::RateLimited,
                format!(
                    "{name}: the daily request quota is used up (the remote reports 0 requests \
                     left today); syncing resumes after the remote's daily reset"
                ),
            )),
            Some(_) => {
                // Let one request through to learn whether the day has rolled over.
                self.daily_exhausted_at = Some(now);
                Ok(())
            }
            None => {
                self.daily_exhausted_at = Some(now);
                Err(BridgeError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "{name}: the daily request quota is used up (the remote reports 0 \
                         requests left today); syncing resumes after the remote's daily reset"
                    ),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests;
