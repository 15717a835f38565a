//! Pacing of the Backend API calls that browser input triggers: handshake nonce exchanges
//! and server-side refreshes. Each costs one call whatever the request carries (a made-up
//! nonce, an expired token of the sender's own with a made-up refresh cookie), so a flood
//! could spend the instance's Backend API rate limit. Calls are paced (a rate with a burst,
//! GCRA): within the pace nothing changes; beyond it a call waits for its slot, up to
//! `max_wait`, and only then is it refused (as an unreachable Backend API would be). A
//! sequence of calls that merely comes fast is slowed, never decided differently.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How fast an instance calls the Backend API for handshake nonce exchanges and
/// server-side refreshes ([`ClerkBuilder::handshake_call_pacing`](crate::ClerkBuilder::handshake_call_pacing)).
///
/// The default, 50 calls per second after a burst of 50, waiting at most 3 s for a slot,
/// keeps half of Clerk's per-instance Backend API limit (100 calls per second) for the
/// rest of the app.
///
/// ```
/// use std::time::Duration;
/// use clerk_runtime::HandshakeCallPacing;
///
/// let pacing = HandshakeCallPacing {
///     calls_per_second: 20,
///     ..HandshakeCallPacing::default()
/// };
/// assert_eq!(pacing.burst, 50);
/// assert_eq!(pacing.max_wait, Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeCallPacing {
    /// Sustained calls per second (0: every call beyond the burst is refused).
    pub calls_per_second: u32,
    /// Calls that may go at once before the pace applies (at least 1).
    pub burst: u32,
    /// The longest a request waits for its slot before the call is refused.
    pub max_wait: Duration,
}

impl Default for HandshakeCallPacing {
    fn default() -> Self {
        Self {
            calls_per_second: 50,
            burst: 50,
            max_wait: Duration::from_secs(3),
        }
    }
}

/// The pace of one instance (GCRA: the theoretical arrival time of the next call).
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    tolerance: Duration,
    max_wait: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    pub(crate) fn new(pacing: HandshakeCallPacing) -> Self {
        // A zero rate: one call takes "forever", so nothing waits its way in.
        let interval = match pacing.calls_per_second {
            0 => Duration::from_secs(365 * 24 * 3600),
            rate => Duration::from_secs(1) / rate,
        };
        Self {
            interval,
            tolerance: interval.saturating_mul(pacing.burst.max(1) - 1),
            max_wait: pacing.max_wait,
            next: Mutex::new(None),
        }
    }

    /// Waits for this call's slot; `false` when it would wait longer than `max_wait` (or
    /// at all outside a Tokio runtime): the call is refused.
    pub(crate) async fn admit(&self) -> bool {
        let wait = match self.reserve(Instant::now()) {
            Some(wait) => wait,
            None => return false,
        };
        if wait.is_zero() {
            return true;
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return false;
        }
        tokio::time::sleep(wait).await;
        true
    }

    /// Takes the next slot at `now`: how long to wait for it, or `None` (nothing taken)
    /// when that is beyond `max_wait`.
    fn reserve(&self, now: Instant) -> Option<Duration> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let arrival = next.map_or(now, |t| t.max(now));
        let wait = arrival.saturating_duration_since(now + self.tolerance);
        if wait > self.max_wait {
            return None;
        }
        *next = Some(arrival + self.interval);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(rate: u32, burst: u32, max_wait_ms: u64) -> Pacer {
        Pacer::new(HandshakeCallPacing {
            calls_per_second: rate,
            burst,
            max_wait: Duration::from_millis(max_wait_ms),
        })
    }

    #[test]
    fn a_burst_goes_at_once_then_calls_wait_for_their_slot() {
        let p = pacer(10, 3, 1_000);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(p.reserve(t0), Some(Duration::ZERO));
        }
        // 10 per second: the next slots are 100 ms apart.
        assert_eq!(p.reserve(t0), Some(Duration::from_millis(100)));
        assert_eq!(p.reserve(t0), Some(Duration::from_millis(200)));
        // Time passing frees slots again.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(p.reserve(later), Some(Duration::ZERO));
    }

    #[test]
    fn beyond_max_wait_a_call_is_refused_and_takes_no_slot() {
        let p = pacer(10, 1, 250);
        let t0 = Instant::now();
        assert_eq!(p.reserve(t0), Some(Duration::ZERO));
        assert_eq!(p.reserve(t0), Some(Duration::from_millis(100)));
        assert_eq!(p.reserve(t0), Some(Duration::from_millis(200)));
        assert_eq!(p.reserve(t0), None);
        assert_eq!(p.reserve(t0), None);
        // The refusals took nothing: 300 ms on, the next slot is free at once.
        assert_eq!(
            p.reserve(t0 + Duration::from_millis(300)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn a_zero_rate_allows_only_the_burst() {
        let p = pacer(0, 2, 3_000);
        let t0 = Instant::now();
        assert_eq!(p.reserve(t0), Some(Duration::ZERO));
        assert_eq!(p.reserve(t0), Some(Duration::ZERO));
        assert_eq!(p.reserve(t0), None);
    }
}
