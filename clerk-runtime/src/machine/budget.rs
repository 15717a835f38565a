//! The budget of Backend API calls that verify opaque machine tokens, per `Clerk`
//! instance: a rate (calls in the last second) and a concurrency cap, part of each
//! reserved for tokens the instance verified before.
//!
//! Every new `ak_…`/`mt_…`/`oat_…` string costs a call, and Clerk's rate limit is per
//! instance (1,000 requests per 10 s in production, spec §9): without a budget, a flood of
//! made-up tokens on one route would spend the quota of every server on the secret key.
//! Beyond the budget an unknown token is refused at once (`token-invalid`), without
//! waiting; the reserve keeps the keys in use working through such a flood.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many Backend API calls one `Clerk` may make to verify opaque machine tokens
/// (set with [`ClerkBuilder::machine_verification_budget`](crate::ClerkBuilder::machine_verification_budget)).
///
/// * **Rate**: at most `calls_per_second` calls in any one second (a sliding window). The
///   default, 50, is half of Clerk's production limit (1,000 requests per 10 s per
///   instance), leaving the rest to the instance's other Backend API calls.
/// * **Concurrency**: at most `max_concurrent` calls in flight (default 20).
/// * **Reserve**: of each, `reserved_calls_per_second` (default 10) and
///   `reserved_concurrent` (default 4) are kept for tokens this instance verified before:
///   the refresh of a cached token in use (done ahead of its expiry, see
///   [`MachineTokenCacheConfig`](crate::MachineTokenCacheConfig)) and the re-verification
///   of one whose cache entry has expired. A token never seen is refused when only the
///   reserve is left.
///
/// Beyond the budget, a token that is not cached is refused at once with `token-invalid`
/// (no call, no waiting), and a warning is logged at most every 10 s. A budget of zero
/// calls refuses every opaque token that is not cached.
///
/// ```
/// use clerk_runtime::MachineVerificationBudget;
/// let clerk = clerk_runtime::Clerk::builder()
///     .secret_key("sk_test_abc")
///     .machine_verification_budget(MachineVerificationBudget {
///         calls_per_second: 20,
///         max_concurrent: 8,
///         ..Default::default()
///     })
///     .without_env()
///     .build()
///     .unwrap();
/// # let _ = clerk;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineVerificationBudget {
    /// Largest number of verification calls in any one second (default 50).
    pub calls_per_second: u32,
    /// Largest number of verification calls in flight at once (default 20).
    pub max_concurrent: u32,
    /// Part of the rate only tokens verified before may use (default 10).
    pub reserved_calls_per_second: u32,
    /// Part of the concurrency only tokens verified before may use (default 4).
    pub reserved_concurrent: u32,
}

impl Default for MachineVerificationBudget {
    fn default() -> Self {
        Self {
            calls_per_second: 50,
            max_concurrent: 20,
            reserved_calls_per_second: 10,
            reserved_concurrent: 4,
        }
    }
}

/// Whose call it is: a token never verified here, or one verified before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Not in the positive cache at all: may not use the reserve.
    Unknown,
    /// Verified before (a refresh, or an expired entry): may use the whole budget.
    Known,
}

/// The budget of one instance, as it is being spent.
pub(crate) struct VerifyBudget {
    config: MachineVerificationBudget,
    /// When the calls of the last second started, oldest first.
    recent: Mutex<VecDeque<Instant>>,
    in_flight: AtomicU32,
    /// Refusals since the last warning, and when it was logged (ms since `created`).
    refused: AtomicU64,
    warned_at_ms: AtomicU64,
    created: Instant,
}

/// The window of `calls_per_second`.
const WINDOW: Duration = Duration::from_secs(1);
/// The longest gap between two warnings about a spent budget.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// One call's share of the budget; dropping it frees its concurrency slot.
pub(crate) struct Permit<'a>(&'a AtomicU32);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl VerifyBudget {
    pub(crate) fn new(config: MachineVerificationBudget) -> Self {
        let now = Instant::now();
        Self {
            config,
            recent: Mutex::new(VecDeque::new()),
            in_flight: AtomicU32::new(0),
            refused: AtomicU64::new(0),
            warned_at_ms: AtomicU64::new(u64::MAX),
            created: now,
        }
    }

    /// A share of the budget for one call, or `None` (at once) when it is spent for this
    /// priority.
    pub(crate) fn try_acquire(&self, priority: Priority) -> Option<Permit<'_>> {
        let c = &self.config;
        let (max_in_flight, max_per_second) = match priority {
            Priority::Known => (c.max_concurrent, c.calls_per_second),
            Priority::Unknown => (
                c.max_concurrent.saturating_sub(c.reserved_concurrent),
                c.calls_per_second
                    .saturating_sub(c.reserved_calls_per_second),
            ),
        };
        let slot = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max_in_flight).then_some(n + 1)
            });
        let permit = match slot {
            Ok(_) => Permit(&self.in_flight),
            Err(_) => return self.refuse(),
        };
        if !self.take_call(max_per_second) {
            drop(permit);
            return self.refuse();
        }
        Some(permit)
    }

    /// Counts one call now if fewer than `max` started within the last second.
    fn take_call(&self, max: u32) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        while recent
            .front()
            .is_some_and(|started| now.saturating_duration_since(*started) >= WINDOW)
        {
            recent.pop_front();
        }
        if recent.len() < max as usize {
            recent.push_back(now);
            true
        } else {
            false
        }
    }

    /// Counts a refusal, and warns when the last warning is old enough.
    fn refuse<'a>(&self) -> Option<Permit<'a>> {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let now_ms = self.created.elapsed().as_millis() as u64;
        let last = self.warned_at_ms.load(Ordering::Relaxed);
        let due = last == u64::MAX || now_ms.saturating_sub(last) >= WARN_EVERY.as_millis() as u64;
        if due
            && self
                .warned_at_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let refused = self.refused.swap(0, Ordering::Relaxed);
            tracing::warn!(
                refused,
                calls_per_second = self.config.calls_per_second,
                max_concurrent = self.config.max_concurrent,
                "clerk: the machine-token verification budget is spent: tokens that are not cached are refused without a Backend API call"
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(
        rate: u32,
        concurrent: u32,
        reserved_rate: u32,
        reserved_concurrent: u32,
    ) -> VerifyBudget {
        VerifyBudget::new(MachineVerificationBudget {
            calls_per_second: rate,
            max_concurrent: concurrent,
            reserved_calls_per_second: reserved_rate,
            reserved_concurrent,
        })
    }

    #[test]
    fn the_rate_is_a_sliding_second_with_a_reserve() {
        let b = budget(10, 100, 3, 0);
        // 7 unknown calls, then only known ones, 3 of them.
        let unknown = (0..20)
            .filter(|_| b.try_acquire(Priority::Unknown).is_some())
            .count();
        assert_eq!(unknown, 7);
        let known = (0..20)
            .filter(|_| b.try_acquire(Priority::Known).is_some())
            .count();
        assert_eq!(known, 3);
        // Not before a second has passed since those calls.
        std::thread::sleep(Duration::from_millis(300));
        assert!(b.try_acquire(Priority::Known).is_none());
        std::thread::sleep(Duration::from_millis(750));
        let refilled = (0..20)
            .filter(|_| b.try_acquire(Priority::Unknown).is_some())
            .count();
        assert_eq!(refilled, 7);
    }

    #[test]
    fn concurrency_is_capped_with_a_reserve() {
        let b = budget(1000, 3, 0, 1);
        let first = b.try_acquire(Priority::Unknown).unwrap();
        let second = b.try_acquire(Priority::Unknown).unwrap();
        assert!(b.try_acquire(Priority::Unknown).is_none());
        let third = b.try_acquire(Priority::Known).unwrap();
        assert!(b.try_acquire(Priority::Known).is_none());
        // Slots held by known tokens count for unknown ones too.
        drop(first);
        assert!(b.try_acquire(Priority::Unknown).is_none());
        drop(third);
        assert!(b.try_acquire(Priority::Unknown).is_some());
        drop(second);
        assert_eq!(b.in_flight.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_zero_budget_refuses_everything() {
        let b = budget(0, 0, 0, 0);
        assert!(b.try_acquire(Priority::Known).is_none());
        let b = budget(0, 10, 0, 0);
        assert!(b.try_acquire(Priority::Known).is_none());
        assert_eq!(b.in_flight.load(Ordering::Relaxed), 0);
    }
}
