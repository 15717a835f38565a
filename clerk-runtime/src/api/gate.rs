//! The rate-limit gate of one `Clerk` instance: after a 429, no Backend API call is sent
//! until the wait Clerk asked for has elapsed.
//!
//! Clerk's limits are per instance (per secret key, spec §9), so one 429 speaks for every
//! caller of the instance: each of them failing fast costs nothing, while each retrying on
//! its own would keep the limit exceeded.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// How long the gate stays closed after a 429 without a readable `Retry-After`.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(1);
/// The longest the gate stays closed after one 429, whatever its `Retry-After` says: a
/// proxy's wrong header must not silence an instance for hours. After it, the next call
/// asks Clerk again (and meets another 429 if the limit still holds).
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// When the calls of an instance may be sent again.
#[derive(Debug, Default)]
pub(crate) struct RateLimitGate {
    closed_until: Mutex<Option<Instant>>,
}

impl RateLimitGate {
    /// How long the gate stays closed from now, `None` when it is open.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let mut closed_until = self
            .closed_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let until = (*closed_until)?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            *closed_until = None;
            return None;
        }
        Some(left)
    }

    /// Closes the gate for the wait a 429 answer asks for (its `Retry-After` in seconds,
    /// else [`DEFAULT_RATE_LIMIT_WAIT`]; at most [`MAX_RATE_LIMIT_WAIT`]). A later end
    /// than the current one wins.
    pub(crate) fn close_after_429(&self, headers: &HeaderMap) -> Duration {
        let wait = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_RATE_LIMIT_WAIT, Duration::from_secs)
            .min(MAX_RATE_LIMIT_WAIT);
        let until = Instant::now() + wait;
        let mut closed_until = self
            .closed_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if closed_until.is_none_or(|current| current < until) {
            *closed_until = Some(until);
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn retry_after(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn closes_for_the_wait_asked_within_bounds() {
        let gate = RateLimitGate::default();
        assert_eq!(gate.remaining(), None);
        assert_eq!(
            gate.close_after_429(&retry_after("3")),
            Duration::from_secs(3)
        );
        let left = gate.remaining().unwrap();
        assert!(left > Duration::from_secs(2) && left <= Duration::from_secs(3));
        // A shorter wait does not reopen it sooner.
        gate.close_after_429(&retry_after("0"));
        assert!(gate.remaining().unwrap() > Duration::from_secs(2));
        // No header, or one that is not whole seconds: the default; a huge one: the cap.
        let gate = RateLimitGate::default();
        assert_eq!(
            gate.close_after_429(&HeaderMap::new()),
            DEFAULT_RATE_LIMIT_WAIT
        );
        assert_eq!(
            RateLimitGate::default().close_after_429(&retry_after("Wed, 21 Oct 2015 07:28:00 GMT")),
            DEFAULT_RATE_LIMIT_WAIT
        );
        assert_eq!(
            RateLimitGate::default().close_after_429(&retry_after("99999999999")),
            MAX_RATE_LIMIT_WAIT
        );
        // A zero wait leaves it open.
        let gate = RateLimitGate::default();
        gate.close_after_429(&retry_after("0"));
        assert_eq!(gate.remaining(), None);
    }
}
