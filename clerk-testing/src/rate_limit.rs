//! Clerk's per-instance rate limit of the Backend API, when a test turns it on
//! ([`MockClerk::enforce_rate_limit`](crate::MockClerk::enforce_rate_limit)).

use std::time::{Duration, Instant};

/// A fixed window: at most `max_requests` Backend API requests per `window`, counted from
/// the first request of the window. `GET /v1/jwks` is not counted (Clerk does not
/// rate-limit it, spec §9).
#[derive(Debug)]
pub(crate) struct RateLimit {
    max_requests: u32,
    window: Duration,
    started: Instant,
    count: u32,
    refused: u64,
}

impl RateLimit {
    pub(crate) fn new(max_requests: u32, window: Duration) -> Self {
        Self {
            max_requests,
            window,
            started: Instant::now(),
            count: 0,
            refused: 0,
        }
    }

    /// Counts a request: `None` when it may be served, else the whole seconds until the
    /// window ends (the `Retry-After` of the 429).
    pub(crate) fn admit(&mut self) -> Option<u64> {
        let now = Instant::now();
        if now.duration_since(self.started) >= self.window {
            self.started = now;
            self.count = 0;
        }
        if self.count < self.max_requests {
            self.count += 1;
            return None;
        }
        self.refused += 1;
        let left = self.window.saturating_sub(now.duration_since(self.started));
        Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }

    /// How many requests were answered 429.
    pub(crate) fn refused(&self) -> u64 {
        self.refused
    }
}
