//! Novi's per-key limits: 20 calls per second (burst), 600 per minute, 100,000 per day. Both
//! windows slide; refused calls cost nothing. A refusal says how long to wait (Retry-After).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

#[derive(Debug)]
pub(crate) struct Limiter {
    per_second: u32,
    per_minute: u32,
    per_day: u32,
    recent: VecDeque<Instant>,
    day: Option<NaiveDate>,
    today: u32,
}

impl Limiter {
    pub fn new(per_second: u32, per_minute: u32, per_day: u32) -> Self {
        Self {
            per_second,
            per_minute,
            per_day,
            recent: VecDeque::new(),
            day: None,
            today: 0,
        }
    }

    /// Ok when the call may go ahead; otherwise the wait before it would.
    pub fn take(
        &mut self,
        now: Instant,
        today: NaiveDate,
        to_midnight: Duration,
    ) -> Result<(), Duration> {
        if self.day != Some(today) {
            self.day = Some(today);
            self.today = 0;
        }
        let minute = Duration::from_secs(60);
        let second = Duration::from_secs(1);
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= minute)
        {
            self.recent.pop_front();
        }
        if self.today >= self.per_day {
            return Err(to_midnight);
        }
        let in_second = self
            .recent
            .iter()
            .rev()
            .take_while(|t| now.duration_since(**t) < second)
            .count();
        if in_second >= self.per_second as usize {
            // The oldest call of the last second leaves the window first.
            let oldest = self.recent.len() - in_second;
            let wait = self
                .recent
                .get(oldest)
                .map_or(second, |t| second.saturating_sub(now.duration_since(*t)));
            return Err(wait);
        }
        if self.recent.len() >= self.per_minute as usize {
            let wait = self
                .recent
                .front()
                .map_or(minute, |t| minute.saturating_sub(now.duration_since(*t)));
            return Err(wait);
        }
        self.recent.push_back(now);
        self.today += 1;
        Ok(())
    }
}

/// Whole seconds, rounded up, at least 1: what `Retry-After` carries.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    #[test]
    fn per_second_then_per_minute_then_per_day() {
        let mut limiter = Limiter::new(3, 5, 7);
        let t0 = Instant::now();
        let midnight = Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limiter.take(t0, day(), midnight).is_ok());
        }
        let wait = limiter.take(t0, day(), midnight).unwrap_err();
        assert_eq!(retry_after_secs(wait), 1);
        let t1 = t0 + Duration::from_millis(1500);
        assert!(limiter.take(t1, day(), midnight).is_ok());
        assert!(limiter.take(t1, day(), midnight).is_ok());
        let wait = limiter.take(t1, day(), midnight).unwrap_err();
        assert_eq!(retry_after_secs(wait), 59, "minute window: {wait:?}");
        let t2 = t0 + Duration::from_secs(61);
        assert!(limiter.take(t2, day(), midnight).is_ok());
        assert!(limiter.take(t2, day(), midnight).is_ok());
        assert_eq!(
            limiter.take(t2, day(), midnight),
            Err(midnight),
            "daily cap"
        );
    }
}
