//! [`ReplayGuard`]: refuses a message id seen within the timestamp tolerance.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use super::{verify::unix_now, WebhookError, TIMESTAMP_TOLERANCE};

/// The default number of message ids a [`ReplayGuard`] remembers.
pub const DEFAULT_REPLAY_CAPACITY: usize = 65_536;

/// A bounded, in-memory record of the message ids (`svix-id`) accepted recently, so that
/// a captured webhook sent again within the five-minute timestamp tolerance is refused.
///
/// Svix's answer to replays is the timestamp tolerance (an older message fails
/// verification) plus idempotency on `svix-id` (every retry of a message carries the
/// same id). This guard is the second half, for one process: an id is remembered until
/// its own timestamp leaves the tolerance (`svix-timestamp` + 5 min), after which the
/// timestamp check refuses the message anyway. When `capacity` ids are remembered, the
/// one closest to expiry is forgotten first (only verified messages are recorded, so a
/// forger cannot flush it).
///
/// The [`Webhook`](super::Webhook) extractor uses the guard of its
/// [`WebhookConfig`](super::WebhookConfig) (on by default) and answers a replay with
/// `409 Conflict`. Several processes behind a load balancer each have their own guard:
/// for exactly-once processing, also record [`Webhook::id`](super::Webhook::id) in your
/// database.
///
/// ```
/// use clerk_runtime::webhooks::{ReplayGuard, WebhookError};
/// let guard = ReplayGuard::new();
/// let now = 1_700_000_000;
/// assert_eq!(guard.check_and_record_at("msg_1", now, now), Ok(()));
/// assert_eq!(guard.check_and_record_at("msg_1", now, now + 10), Err(WebhookError::Replayed));
/// // Once its timestamp is out of the tolerance, the id is forgotten.
/// assert_eq!(guard.check_and_record_at("msg_1", now, now + 301), Ok(()));
/// ```
#[derive(Clone)]
pub struct ReplayGuard {
    inner: Arc<Mutex<Seen>>,
    capacity: usize,
}

#[derive(Default)]
struct Seen {
    /// id → expiry (Unix seconds).
    ids: HashMap<String, i64>,
    /// (expiry, id), to expire and evict in order.
    by_expiry: BTreeSet<(i64, String)>,
    warned_full: bool,
}

impl Seen {
    fn remove(&mut self, id: &str) -> bool {
        match self.ids.remove(id) {
            Some(expiry) => {
                self.by_expiry.remove(&(expiry, id.to_owned()));
                true
            }
            None => false,
        }
    }

    fn expire(&mut self, now: i64) {
        while let Some((expiry, _)) = self.by_expiry.first() {
            if *expiry >= now {
                break;
            }
            let (_, id) = self.by_expiry.pop_first().expect("checked non-empty");
            self.ids.remove(&id);
        }
    }
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ReplayGuard {
    /// A guard remembering up to [`DEFAULT_REPLAY_CAPACITY`] ids.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_REPLAY_CAPACITY)
    }

    /// A guard remembering up to `capacity` ids (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Seen::default())),
            capacity: capacity.max(1),
        }
    }

    /// Records the id of a verified message whose `svix-timestamp` is `timestamp`, or
    /// refuses it with [`WebhookError::Replayed`] when it was recorded before and has
    /// not expired. Check and record are one atomic step: of two concurrent deliveries
    /// of one id, exactly one passes.
    pub fn check_and_record(&self, id: &str, timestamp: i64) -> Result<(), WebhookError> {
        self.check_and_record_at(id, timestamp, unix_now())
    }

    /// [`check_and_record`](Self::check_and_record) with an explicit current time (Unix
    /// seconds).
    pub fn check_and_record_at(
        &self,
        id: &str,
        timestamp: i64,
        now: i64,
    ) -> Result<(), WebhookError> {
        let expiry = timestamp.saturating_add(TIMESTAMP_TOLERANCE.as_secs() as i64);
        let mut seen = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        seen.expire(now);
        if seen.ids.contains_key(id) {
            return Err(WebhookError::Replayed);
        }
        if expiry < now {
            // Already outside the tolerance: the timestamp check refuses it anyway.
            return Ok(());
        }
        while seen.ids.len() >= self.capacity {
            if !seen.warned_full {
                seen.warned_full = true;
                tracing::warn!(
                    capacity = self.capacity,
                    "clerk: the webhook replay guard is full; forgetting the ids closest to expiry (raise ReplayGuard::with_capacity)"
                );
            }
            let Some((_, oldest)) = seen.by_expiry.pop_first() else {
                break;
            };
            seen.ids.remove(&oldest);
        }
        seen.ids.insert(id.to_owned(), expiry);
        seen.by_expiry.insert((expiry, id.to_owned()));
        Ok(())
    }

    /// Forgets an id, so that the next delivery of that message is accepted. Returns
    /// whether it was remembered.
    pub fn forget(&self, id: &str) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
    }

    /// Whether the id is remembered (and not expired).
    pub fn contains(&self, id: &str) -> bool {
        let mut seen = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        seen.expire(unix_now());
        seen.ids.contains_key(id)
    }

    /// How many ids are remembered (expired ones included until the next check).
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The maximum number of ids remembered.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_evicts_the_id_closest_to_expiry() {
        let guard = ReplayGuard::with_capacity(2);
        let now = 1_000_000;
        guard.check_and_record_at("a", now - 100, now).unwrap();
        guard.check_and_record_at("b", now, now).unwrap();
        guard.check_and_record_at("c", now, now).unwrap();
        assert_eq!(guard.len(), 2);
        // `a` (expiring first) was evicted; `b` and `c` are still refused.
        assert_eq!(
            guard.check_and_record_at("b", now, now),
            Err(WebhookError::Replayed)
        );
        assert_eq!(
            guard.check_and_record_at("c", now, now),
            Err(WebhookError::Replayed)
        );
    }

    #[test]
    fn forget_allows_the_next_delivery() {
        let guard = ReplayGuard::new();
        guard.check_and_record_at("a", 10, 10).unwrap();
        assert!(guard.forget("a"));
        assert!(!guard.forget("a"));
        guard.check_and_record_at("a", 10, 10).unwrap();
    }

    #[test]
    fn expired_ids_are_dropped() {
        let guard = ReplayGuard::new();
        guard.check_and_record_at("a", 10, 10).unwrap();
        guard.check_and_record_at("b", 400, 400).unwrap();
        assert_eq!(guard.len(), 1);
    }
}
