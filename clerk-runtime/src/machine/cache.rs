//! The positive-result cache of opaque machine tokens, and single-flight verification.
//!
//! * **Positive results only.** A token the Backend API verified is remembered for a short
//!   TTL. Clerk's refusals go to the short negative cache (`negative.rs`); other failures
//!   are not remembered at all. A token that was not verified never enters this cache, so
//!   a flood of made-up tokens cannot evict the tokens in use.
//! * **Keyed by the whole token.** A hit needs the exact token string that was verified;
//!   no hash or prefix alone decides.
//! * **Never past the token's `expiration`**, and at most `max_entries` tokens: expired
//!   entries are dropped first; when the cache is still full, new tokens are verified but
//!   not remembered (the entries already there stay).
//! * **Refreshed while in use.** A hit past three quarters of its entry's life starts one
//!   verification in the background (with the budget's reserve for known tokens), and the
//!   entry is replaced when it succeeds: a token in use is never left uncached, whatever
//!   the traffic of other tokens. A refresh that fails leaves the entry until its end and
//!   is tried again a second later; one Clerk refuses removes it.
//! * **Single flight.** Concurrent requests carrying the same token (a burst from one
//!   client) share one Backend API call; when every waiting request is cancelled, the call
//!   is dropped with them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt as _, Shared};

use super::{MachineAuth, MachineTokenVerificationError};

/// Limits of the caches of opaque machine tokens (see
/// [`ClerkBuilder::machine_token_cache`](crate::ClerkBuilder::machine_token_cache)): the
/// positive cache of verified tokens, and the negative cache of the tokens Clerk refused
/// (unknown, revoked, expired; never a failure that may go away, such as a 5xx, a 429 or
/// a timeout).
///
/// A verified token in use is refreshed in the background from three quarters of its
/// `ttl` on, so that it stays cached while it is used.
///
/// ```
/// use std::time::Duration;
/// use clerk_runtime::MachineTokenCacheConfig;
/// let config = MachineTokenCacheConfig {
///     ttl: Duration::from_secs(30),
///     negative_ttl: Duration::from_secs(2),
///     ..Default::default()
/// };
/// let clerk = clerk_runtime::Clerk::builder()
///     .secret_key("sk_test_abc")
///     .machine_token_cache(config)
///     .without_env()
///     .build()
///     .unwrap();
/// # let _ = clerk;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineTokenCacheConfig {
    /// How long a verified token is remembered (default 10 s). It is also the longest time
    /// a revoked token may keep working on this instance. Zero turns the cache off.
    pub ttl: Duration,
    /// Largest number of tokens remembered (default 10,000).
    pub max_entries: usize,
    /// How long Clerk's refusal of a token (404, revoked, expired) is remembered (default
    /// 5 s): the same token within that time is refused without a call. Zero turns the
    /// negative cache off.
    pub negative_ttl: Duration,
    /// Largest number of refusals remembered (default 10,000; 32 bytes of key each).
    pub max_negative_entries: usize,
}

impl Default for MachineTokenCacheConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(10),
            max_entries: 10_000,
            negative_ttl: Duration::from_secs(5),
            max_negative_entries: 10_000,
        }
    }
}

type Outcome = Result<MachineAuth, MachineTokenVerificationError>;
type Flight = Shared<BoxFuture<'static, Outcome>>;

struct Entry {
    auth: MachineAuth,
    valid_until: Instant,
    /// When a hit starts a refresh (ms since the cache's `epoch`); `CLAIMED` while one runs.
    refresh_at_ms: AtomicU64,
}

/// `refresh_at_ms` of an entry whose refresh is running.
const CLAIMED: u64 = u64::MAX;
/// How long after a failed refresh the next one may start.
const REFRESH_RETRY: Duration = Duration::from_secs(1);

/// What the positive cache knows of a token.
pub(crate) enum Lookup {
    /// Verified, and valid.
    Fresh(MachineAuth),
    /// Verified and valid, and this caller is to refresh it (in the background).
    Refresh(MachineAuth),
    /// Verified before, but the entry has expired: the token is known to this instance.
    Expired,
    /// Never verified here (or the cache is off).
    Unknown,
}

/// The cache and the flights in progress of one `Clerk` instance.
pub(crate) struct MachineCache {
    config: MachineTokenCacheConfig,
    entries: RwLock<HashMap<Box<str>, Entry>>,
    inflight: Mutex<HashMap<Box<str>, (u64, Flight)>>,
    next_flight: AtomicU64,
    epoch: Instant,
}

impl MachineCache {
    pub(crate) fn new(config: MachineTokenCacheConfig) -> Self {
        Self {
            config,
            entries: RwLock::new(HashMap::new()),
            inflight: Mutex::new(HashMap::new()),
            next_flight: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    fn enabled(&self) -> bool {
        !self.config.ttl.is_zero() && self.config.max_entries > 0
    }

    fn ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// The remembered verification of exactly this token, if still valid.
    #[cfg(test)]
    pub(crate) fn get(&self, token: &str) -> Option<MachineAuth> {
        match self.lookup(token) {
            Lookup::Fresh(auth) | Lookup::Refresh(auth) => Some(auth),
            Lookup::Expired | Lookup::Unknown => None,
        }
    }

    /// What is known of this token. Past the refresh point, the first caller gets
    /// [`Lookup::Refresh`] and the others [`Lookup::Fresh`] until that refresh is over.
    pub(crate) fn lookup(&self, token: &str) -> Lookup {
        if !self.enabled() {
            return Lookup::Unknown;
        }
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = entries.get(token) else {
            return Lookup::Unknown;
        };
        let now = Instant::now();
        if now >= entry.valid_until {
            return Lookup::Expired;
        }
        let at = entry.refresh_at_ms.load(Ordering::Acquire);
        let claimed = at != CLAIMED
            && self.ms(now) >= at
            && entry
                .refresh_at_ms
                .compare_exchange(at, CLAIMED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        if claimed {
            Lookup::Refresh(entry.auth.clone())
        } else {
            Lookup::Fresh(entry.auth.clone())
        }
    }

    /// A refresh of this token failed without Clerk refusing it: the entry stays until
    /// its end, and the next refresh may start in a second.
    pub(crate) fn refresh_failed(&self, token: &str) {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get(token) {
            let retry_at = self.ms(Instant::now() + REFRESH_RETRY);
            let _ = entry.refresh_at_ms.compare_exchange(
                CLAIMED,
                retry_at,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    /// Forgets a token (Clerk refused it).
    pub(crate) fn remove(&self, token: &str) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(token);
    }

    /// Remembers a verified token for the TTL, never past `expiration` (Unix ms).
    pub(crate) fn insert(&self, token: &str, auth: &MachineAuth, now_ms: i64) {
        if !self.enabled() {
            return;
        }
        let mut ttl = self.config.ttl;
        if let Some(expiration) = auth.expiration() {
            let left = u64::try_from(expiration.saturating_sub(now_ms)).unwrap_or(0);
            ttl = ttl.min(Duration::from_millis(left));
        }
        if ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.config.max_entries && !entries.contains_key(token) {
            entries.retain(|_, e| now < e.valid_until);
            if entries.len() >= self.config.max_entries {
                return;
            }
        }
        entries.insert(
            token.into(),
            Entry {
                auth: auth.clone(),
                valid_until: now + ttl,
                refresh_at_ms: AtomicU64::new(self.ms(now + ttl.mul_f64(0.75))),
            },
        );
    }

    /// How many tokens are remembered (expired ones included until they are dropped).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Runs `verify` for `token`, or joins the verification of the same token already in
    /// progress.
    pub(crate) async fn single_flight<F>(&self, token: &str, verify: impl FnOnce() -> F) -> Outcome
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let (id, flight) = {
            let mut inflight = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            match inflight.get(token) {
                Some((id, flight)) => (*id, flight.clone()),
                None => {
                    let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
                    let flight = verify().boxed().shared();
                    inflight.insert(token.into(), (id, flight.clone()));
                    (id, flight)
                }
            }
        };
        let mut waiter = Waiter {
            cache: self,
            token,
            id,
            flight,
        };
        (&mut waiter.flight).await
    }
}

/// One request waiting for a flight. Dropped (finished or cancelled), it removes the
/// flight from the map when the flight is over or when no other request waits for it.
struct Waiter<'a> {
    cache: &'a MachineCache,
    token: &'a str,
    id: u64,
    flight: Flight,
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut inflight = self
            .cache
            .inflight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let ours = inflight
            .get(self.token)
            .is_some_and(|(id, _)| *id == self.id);
        // `None`: this waiter polled the flight to completion. Otherwise the map and this
        // waiter hold two references; more mean other requests still wait.
        let last = self.flight.strong_count().is_none_or(|n| n <= 2);
        if ours && last {
            inflight.remove(self.token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::auth::MachineShared;
    use crate::machine::TokenType;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    fn auth(expiration: Option<i64>) -> MachineAuth {
        MachineAuth::new(MachineShared {
            token_type: TokenType::ApiKey,
            id: "ak_1".into(),
            subject: "user_1".into(),
            scopes: vec![],
            claims: None,
            name: None,
            client_id: None,
            expiration,
            jwt: false,
            token: "ak_secret".into(),
        })
    }

    #[test]
    fn remembers_positive_results_within_bounds() {
        let cache = MachineCache::new(MachineTokenCacheConfig {
            ttl: Duration::from_secs(60),
            max_entries: 2,
            ..Default::default()
        });
        cache.insert("ak_a", &auth(None), 0);
        assert!(cache.get("ak_a").is_some());
        assert!(cache.get("ak_a2").is_none() && cache.get("ak_").is_none());
        cache.insert("ak_b", &auth(None), 0);
        cache.insert("ak_c", &auth(None), 0);
        assert_eq!(cache.len(), 2, "full: not remembered");
        assert!(cache.get("ak_c").is_none());
        // Already expired: never remembered.
        cache.insert("ak_d", &auth(Some(1_000)), 2_000);
        assert!(cache.get("ak_d").is_none());
        let off = MachineCache::new(MachineTokenCacheConfig {
            ttl: Duration::ZERO,
            ..Default::default()
        });
        off.insert("ak_a", &auth(None), 0);
        assert!(off.get("ak_a").is_none());
    }

    #[test]
    fn entries_in_use_are_refreshed_ahead_of_their_end() {
        let cache = MachineCache::new(MachineTokenCacheConfig {
            ttl: Duration::from_secs(1),
            ..Default::default()
        });
        cache.insert("ak_a", &auth(None), 0);
        assert!(matches!(cache.lookup("ak_a"), Lookup::Fresh(_)));
        assert!(matches!(cache.lookup("ak_b"), Lookup::Unknown));
        std::thread::sleep(Duration::from_millis(800));
        assert!(matches!(cache.lookup("ak_a"), Lookup::Refresh(_)));
        assert!(
            matches!(cache.lookup("ak_a"), Lookup::Fresh(_)),
            "one refresh at a time"
        );
        cache.refresh_failed("ak_a");
        assert!(
            matches!(cache.lookup("ak_a"), Lookup::Fresh(_)),
            "the next try waits a second"
        );
        std::thread::sleep(Duration::from_millis(300));
        assert!(matches!(cache.lookup("ak_a"), Lookup::Expired));
        // A refresh replaces the entry.
        cache.insert("ak_a", &auth(None), 0);
        assert!(matches!(cache.lookup("ak_a"), Lookup::Fresh(_)));
        cache.remove("ak_a");
        assert!(matches!(cache.lookup("ak_a"), Lookup::Unknown));
    }

    #[tokio::test]
    async fn concurrent_verifications_share_one_call_and_cancellation_cleans_up() {
        let cache = Arc::new(MachineCache::new(MachineTokenCacheConfig::default()));
        let calls = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::watch::channel(false);
        let run = |cache: Arc<MachineCache>| {
            let calls = calls.clone();
            let rx = rx.clone();
            async move {
                cache
                    .single_flight("ak_x", move || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        let mut rx = rx;
                        let _ = rx.wait_for(|go| *go).await;
                        Ok(auth(None))
                    })
                    .await
            }
        };
        let a = tokio::spawn(run(cache.clone()));
        let b = tokio::spawn(run(cache.clone()));
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx.send(true).unwrap();
        assert!(a.await.unwrap().is_ok() && b.await.unwrap().is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(cache.inflight.lock().unwrap().is_empty());

        // A cancelled sole waiter leaves nothing behind.
        let (_tx2, rx2) = tokio::sync::watch::channel(false);
        let pending = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .single_flight("ak_y", move || async move {
                        let mut rx = rx2;
                        let _ = rx.wait_for(|go| *go).await;
                        Ok(auth(None))
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(cache.inflight.lock().unwrap().len(), 1);
        pending.abort();
        let _ = pending.await;
        assert!(cache.inflight.lock().unwrap().is_empty());
    }
}
