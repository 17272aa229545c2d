//! GHL's rate limit: a burst window (100 requests per 10 s) and a daily cap (200,000), per app
//! per location. The burst window slides: each request counts for `window` after it was made.
//! Every authenticated answer reports the budget in the `X-RateLimit-*` headers.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    pub allowed: bool,
    pub max: u32,
    pub remaining: u32,
    pub window: Duration,
    pub daily_limit: u32,
    pub daily_remaining: u32,
}

impl Budget {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let mut put = |name: &'static str, value: u64| {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        };
        put("x-ratelimit-limit-daily", self.daily_limit.into());
        put("x-ratelimit-daily-remaining", self.daily_remaining.into());
        put(
            "x-ratelimit-interval-milliseconds",
            u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX),
        );
        put("x-ratelimit-max", self.max.into());
        put("x-ratelimit-remaining", self.remaining.into());
    }
}

#[derive(Debug)]
struct Bucket {
    recent: VecDeque<Instant>,
    day: NaiveDate,
    today: u32,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    window: Duration,
    max: u32,
    daily_limit: u32,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    pub fn new(window: Duration, max: u32, daily_limit: u32) -> Self {
        Self {
            window,
            max,
            daily_limit,
            buckets: HashMap::new(),
        }
    }

    /// Counts one request for `key` unless it is over a limit; refused requests cost nothing.
    pub fn take(&mut self, key: &str, now: Instant, today: NaiveDate) -> Budget {
        let bucket = self
            .buckets
            .entry(key.to_string())
            .or_insert_with(|| Bucket {
                recent: VecDeque::new(),
                day: today,
                today: 0,
            });
        if bucket.day != today {
            bucket.day = today;
            bucket.today = 0;
        }
        while let Some(oldest) = bucket.recent.front() {
            if now.duration_since(*oldest) >= self.window {
                bucket.recent.pop_front();
            } else {
                break;
            }
        }
        let in_window = u32::try_from(bucket.recent.len()).unwrap_or(u32::MAX);
        let allowed = in_window < self.max && bucket.today < self.daily_limit;
        if allowed {
            bucket.recent.push_back(now);
            bucket.today += 1;
        }
        let in_window = u32::try_from(bucket.recent.len()).unwrap_or(u32::MAX);
        Budget {
            allowed,
            max: self.max,
            remaining: self.max.saturating_sub(in_window),
            window: self.window,
            daily_limit: self.daily_limit,
            daily_remaining: self.daily_limit.saturating_sub(bucket.today),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn burst_window_counts_down_then_refuses_then_recovers() {
        let mut limiter = RateLimiter::new(Duration::from_secs(1), 3, 1000);
        let t0 = Instant::now();
        let remaining: Vec<u32> = (0..3)
            .map(|_| limiter.take("a", t0, day(1)).remaining)
            .collect();
        assert_eq!(remaining, vec![2, 1, 0]);
        let refused = limiter.take("a", t0, day(1));
        assert!(!refused.allowed);
        assert_eq!(
            refused.daily_remaining, 997,
            "refused requests are not counted"
        );
        assert!(
            limiter.take("b", t0, day(1)).allowed,
            "keys are independent"
        );
        let later = limiter.take("a", t0 + Duration::from_secs(1), day(1));
        assert!(later.allowed);
        assert_eq!(later.remaining, 2);
    }

    #[test]
    fn daily_cap_resets_the_next_day() {
        let mut limiter = RateLimiter::new(Duration::from_millis(1), 100, 2);
        let t0 = Instant::now();
        assert!(limiter.take("a", t0, day(1)).allowed);
        assert!(
            limiter
                .take("a", t0 + Duration::from_millis(5), day(1))
                .allowed
        );
        let capped = limiter.take("a", t0 + Duration::from_millis(10), day(1));
        assert!(!capped.allowed);
        assert_eq!(capped.daily_remaining, 0);
        assert!(
            limiter
                .take("a", t0 + Duration::from_millis(15), day(2))
                .allowed
        );
    }
}
