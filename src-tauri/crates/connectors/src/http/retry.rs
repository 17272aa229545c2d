//! When to try a request again, as a pure function of what happened (like async-stripe's
//! `RequestStrategy`), so every rule is unit-tested without a server or a clock.
//!
//! Rules: only 429, 5xx and network failures are retried; `Retry-After` is honoured; otherwise
//! exponential backoff with jitter, capped; a bounded number of attempts; a 401 earns exactly one
//! token refresh. Failures after which the remote may already have acted (a timeout, a reset, a
//! 500 on a create) are retried only for idempotent requests: for the rest the sync journal looks
//! the record up before sending it again, instead of risking a duplicate.

use std::time::{Duration, SystemTime};

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkErrorKind {
    /// No connection was made: the remote never saw the request.
    Connect,
    /// No complete answer in time: the remote may have acted.
    Timeout,
    /// The connection broke mid-exchange: the remote may have acted.
    Reset,
    /// Anything else (TLS, redirect loop, a body we could not decode): retrying will not help.
    Other,
}

/// What one attempt produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status(u16),
    Network(NetworkErrorKind),
}

/// Where a request stands when an attempt has failed. The attempt number alone cannot tell
/// whether the token was already refreshed (a 503 may come before the 401), so it is carried here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// The token in use came from a refresh made during this request.
    pub token_refreshed: bool,
}

impl Attempt {
    pub fn first() -> Self {
        Self {
            number: 1,
            token_refreshed: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled for each further one.
    pub base_delay: Duration,
    /// No computed backoff is longer than this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited out: the request gives up instead.
    pub max_retry_after: Duration,
    /// Retry failures after which the remote may already have acted (timeouts, resets, 5xx
    /// other than 503). True for idempotent requests (GET, PUT, DELETE, searches, upserts).
    pub retry_ambiguous: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            // Backoff alone (no Retry-After, no rate headers) then spans 15-31 s, longer than
            // GHL's 10-second window.
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            retry_ambiguous: true,
        }
    }
}

impl RetryPolicy {
    /// The same policy for a request that must not be repeated when the remote may have acted.
    pub fn non_idempotent(&self) -> Self {
        Self {
            retry_ambiguous: false,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Retry(Duration),
    RefreshThenRetry,
    GiveUp,
}

/// Decides what to do after `attempt` ended in `outcome`.
/// `jitter` is a number in 0..1 supplied by the caller (random in production, fixed in tests).
pub fn decide(
    attempt: Attempt,
    outcome: &Outcome,
    retry_after: Option<Duration>,
    policy: &RetryPolicy,
    jitter: f64,
) -> Decision {
    if attempt.number >= policy.max_attempts {
        return Decision::GiveUp;
    }
    match *outcome {
        Outcome::Status(401) if !attempt.token_refreshed => Decision::RefreshThenRetry,
        Outcome::Status(429) => wait(attempt, retry_after, policy, jitter),
        // 503 says the remote did not take the request on, so even a create may be resent.
        Outcome::Status(503) => wait(attempt, retry_after, policy, jitter),
        Outcome::Status(500..=599) if policy.retry_ambiguous => {
            wait(attempt, retry_after, policy, jitter)
        }
        Outcome::Network(NetworkErrorKind::Connect) => wait(attempt, None, policy, jitter),
        Outcome::Network(NetworkErrorKind::Timeout | NetworkErrorKind::Reset)
            if policy.retry_ambiguous =>
        {
            wait(attempt, None, policy, jitter)
        }
        _ => Decision::GiveUp,
    }
}

fn wait(
    attempt: Attempt,
    retry_after: Option<Duration>,
    policy: &RetryPolicy,
    jitter: f64,
) -> Decision {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    match retry_after {
        Some(asked) if asked > policy.max_retry_after => Decision::GiveUp,
        // Wait at least what the server asked; the jittered extra keeps tasks that share a
        // budget from all coming back in the same instant.
        Some(asked) => Decision::Retry(asked + policy.base_delay.mul_f64(jitter)),
        None => Decision::Retry(backoff(attempt.number, policy, jitter)),
    }
}

/// Exponential backoff with "equal jitter": half of the step is fixed, half random, so a retry
/// never comes back instantly yet tasks spread out.
fn backoff(attempt_number: u32, policy: &RetryPolicy, jitter: f64) -> Duration {
    let doublings = attempt_number.saturating_sub(1).min(16);
    let step = policy
        .base_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay);
    step / 2 + (step / 2).mul_f64(jitter)
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
/// A date in the past means "now"; anything unreadable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1_000),
            max_retry_after: Duration::from_secs(60),
            retry_ambiguous: true,
        }
    }

    fn attempt(number: u32) -> Attempt {
        Attempt {
            number,
            token_refreshed: false,
        }
    }

    #[test]
    fn retries_429_5xx_and_network_failures() {
        for outcome in [
            Outcome::Status(429),
            Outcome::Status(500),
            Outcome::Status(502),
            Outcome::Status(503),
            Outcome::Status(504),
            Outcome::Network(NetworkErrorKind::Connect),
            Outcome::Network(NetworkErrorKind::Timeout),
            Outcome::Network(NetworkErrorKind::Reset),
        ] {
            assert!(
                matches!(
                    decide(attempt(1), &outcome, None, &policy(), 0.0),
                    Decision::Retry(_)
                ),
                "{outcome:?} should be retried"
            );
        }
    }

    #[test]
    fn other_4xx_and_unknown_network_errors_give_up_at_once() {
        for outcome in [
            Outcome::Status(400),
            Outcome::Status(403),
            Outcome::Status(404),
            Outcome::Status(409),
            Outcome::Status(422),
            Outcome::Network(NetworkErrorKind::Other),
        ] {
            assert_eq!(
                decide(attempt(1), &outcome, None, &policy(), 0.5),
                Decision::GiveUp,
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn backoff_doubles_then_caps_with_equal_jitter() {
        let p = policy();
        let delay = |n, jitter| match decide(attempt(n), &Outcome::Status(503), None, &p, jitter) {
            Decision::Retry(d) => d,
            other => panic!("expected a retry, got {other:?}"),
        };
        // No jitter: half of the step.
        assert_eq!(delay(1, 0.0), Duration::from_millis(50));
        assert_eq!(delay(2, 0.0), Duration::from_millis(100));
        assert_eq!(delay(3, 0.0), Duration::from_millis(200));
        // Full jitter: the whole step.
        assert_eq!(delay(3, 1.0), Duration::from_millis(400));
        // Capped at max_delay however late the attempt.
        let late = RetryPolicy {
            max_attempts: 100,
            ..policy()
        };
        let capped = |jitter| match decide(attempt(40), &Outcome::Status(503), None, &late, jitter)
        {
            Decision::Retry(d) => d,
            other => panic!("expected a retry, got {other:?}"),
        };
        assert_eq!(capped(1.0), Duration::from_millis(1_000));
        assert_eq!(capped(0.0), Duration::from_millis(500));
    }

    #[test]
    fn out_of_range_jitter_is_clamped() {
        let p = policy();
        assert_eq!(
            decide(attempt(2), &Outcome::Status(429), None, &p, 7.0),
            Decision::Retry(Duration::from_millis(200))
        );
        assert_eq!(
            decide(attempt(2), &Outcome::Status(429), None, &p, f64::NAN),
            Decision::Retry(Duration::from_millis(100))
        );
    }

    #[test]
    fn retry_after_is_honoured_and_too_long_gives_up() {
        let p = policy();
        assert_eq!(
            decide(
                attempt(1),
                &Outcome::Status(429),
                Some(Duration::from_secs(7)),
                &p,
                0.0
            ),
            Decision::Retry(Duration::from_secs(7))
        );
        // Jitter only ever adds to what the server asked.
        assert_eq!(
            decide(
                attempt(1),
                &Outcome::Status(503),
                Some(Duration::from_secs(7)),
                &p,
                1.0
            ),
            Decision::Retry(Duration::from_millis(7_100))
        );
        assert_eq!(
            decide(
                attempt(1),
                &Outcome::Status(429),
                Some(Duration::from_secs(61)),
                &p,
                0.0
            ),
            Decision::GiveUp
        );
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = policy();
        assert!(matches!(
            decide(attempt(4), &Outcome::Status(429), None, &p, 0.0),
            Decision::Retry(_)
        ));
        assert_eq!(
            decide(attempt(5), &Outcome::Status(429), None, &p, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn first_401_refreshes_once_then_gives_up() {
        let p = policy();
        assert_eq!(
            decide(Attempt::first(), &Outcome::Status(401), None, &p, 0.0),
            Decision::RefreshThenRetry
        );
        // A 401 after a 503 is still the first 401.
        assert_eq!(
            decide(attempt(2), &Outcome::Status(401), None, &p, 0.0),
            Decision::RefreshThenRetry
        );
        let refreshed = Attempt {
            number: 2,
            token_refreshed: true,
        };
        assert_eq!(
            decide(refreshed, &Outcome::Status(401), None, &p, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn non_idempotent_requests_retry_only_when_the_remote_did_not_act() {
        let p = policy().non_idempotent();
        for outcome in [
            Outcome::Status(429),
            Outcome::Status(503),
            Outcome::Network(NetworkErrorKind::Connect),
        ] {
            assert!(
                matches!(
                    decide(attempt(1), &outcome, None, &p, 0.0),
                    Decision::Retry(_)
                ),
                "{outcome:?} should be retried"
            );
        }
        for outcome in [
            Outcome::Status(500),
            Outcome::Status(502),
            Outcome::Status(504),
            Outcome::Network(NetworkErrorKind::Timeout),
            Outcome::Network(NetworkErrorKind::Reset),
        ] {
            assert_eq!(
                decide(attempt(1), &outcome, None, &p, 0.0),
                Decision::GiveUp,
                "{outcome:?} may have created the record already"
            );
        }
    }

    #[test]
    fn parses_retry_after_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
