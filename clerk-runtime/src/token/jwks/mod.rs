//! The instance's signing keys: a PEM given up front, or the JWKS served by the Backend API.
//!
//! [`JwksCache`] is owned by one [`Clerk`](crate::Clerk) (never process-global) and is
//! built for the request path:
//!
//! * **lock-free reads**: keys are parsed once into an immutable snapshot behind an
//!   `ArcSwap`; a verification on a warm cache takes no lock and allocates nothing;
//! * **single flight**: one fetch runs at a time; requests that arrive meanwhile wait for
//!   its result instead of fetching again (1,000 concurrent cold requests → one fetch);
//! * **TTL**: the key set is refreshed after [`DEFAULT_JWKS_TTL`] (5 min, as Clerk's SDKs);
//!   keys that disappear from the JWKS stay valid for one TTL after they were last seen;
//!   a key whose material (kid, modulus, exponent) a refresh finds unchanged keeps its
//!   object, so the tokens the verified-token cache holds for it stay cached;
//! * **stale-while-revalidate**: once the TTL has passed, a request whose key the cache
//!   holds gets it at once while the refresh runs in the background (one at a time, on
//!   the Tokio runtime), as long as the keys are within the staleness bound and the last
//!   fetch was not refused. A request waits for a fetch only when it needs a key the cache
//!   does not have (a cold cache, an unknown kid), when the keys are beyond the bound or
//!   were refused, or when there is no runtime to refresh on;
//! * **unknown kids**: an unknown `kid` triggers at most one refetch per cooldown
//!   ([`DEFAULT_REFETCH_COOLDOWN`]); a flood of forged kids costs at most one fetch;
//! * **stale-if-error**: when a refresh fails, the keys already held keep serving for up to
//!   [`DEFAULT_MAX_STALENESS`] after the last successful fetch, so a Clerk outage does not
//!   sign everybody out. A refusal (`clerk_key_invalid`, another 4xx, an empty key set)
//!   is not an outage: the keys may have been revoked, so they stop serving. Within the
//!   failure backoff ([`DEFAULT_FAILURE_BACKOFF`], configurable) of a failed fetch no new
//!   fetch starts;
//! * **bounded**: per-attempt timeout, at most [`FETCH_ATTEMPTS`] attempts with exponential
//!   backoff and jitter, and a response body limit of [`MAX_JWKS_BYTES`].
//!
//! The fetch goes through the Backend API transport of the instance, as every Backend API
//! call does, with the retry policy of the JWKS (its own value: the attempts, backoff and
//! body limit above, and which failures are transient).

pub(crate) mod fetch;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use super::error::{TokenVerificationError, TokenVerificationErrorReason as Reason};
use super::keys::VerifyingKey;
use crate::api::{CallPolicy, Transport};
pub(crate) use fetch::JWKS_POLICY;
use fetch::{Failure, FetchedKeys};

/// How long a fetched key set is trusted before it is refreshed.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(300);
/// Minimum time between two refetches caused by unknown `kid`s.
pub const DEFAULT_REFETCH_COOLDOWN: Duration = Duration::from_secs(300);
/// How long cached keys keep serving after the last successful fetch when refreshes fail.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(3600);
/// Timeout of one JWKS request.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per fetch (the first try plus retries), as `@clerk/backend`.
pub const FETCH_ATTEMPTS: u32 = 5;
/// Largest JWKS response body accepted.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// After a failed fetch, requests within this window get the cached keys (or the failure)
/// at once instead of starting another fetch. The default of
/// [`ClerkBuilder::jwks_failure_backoff`](crate::ClerkBuilder::jwks_failure_backoff).
pub const DEFAULT_FAILURE_BACKOFF: Duration = Duration::from_secs(10);
/// The default failure backoff, under its former name.
#[deprecated(
    note = "renamed to DEFAULT_FAILURE_BACKOFF; set it with ClerkBuilder::jwks_failure_backoff"
)]
pub const FAILURE_BACKOFF: Duration = DEFAULT_FAILURE_BACKOFF;
/// Largest number of keys kept from one JWKS.
const MAX_KEYS: usize = 64;

/// Where a verification gets its key.
#[derive(Clone, Debug)]
pub(crate) enum KeySource {
    /// Networkless: one key, whatever the `kid`.
    Pem(Arc<VerifyingKey>),
    /// The instance JWKS.
    Jwks(Arc<JwksCache>),
    /// Nothing configured: `jwk-failed-to-resolve`.
    Unresolvable,
}

impl KeySource {
    /// A PEM as `@clerk/backend` treats it: one that cannot be parsed fails every token with
    /// `token-invalid-signature` rather than being refused up front.
    pub(crate) fn from_pem_lenient(pem: &str) -> Self {
        Self::Pem(Arc::new(
            VerifyingKey::from_pem(pem).unwrap_or_else(|_| VerifyingKey::unusable()),
        ))
    }

    pub(crate) async fn resolve(
        &self,
        kid: Option<&str>,
    ) -> Result<Arc<VerifyingKey>, TokenVerificationError> {
        match self {
            KeySource::Pem(key) => Ok(key.clone()),
            KeySource::Jwks(cache) => cache.get(kid).await,
            KeySource::Unresolvable => Err(TokenVerificationError::new(
                Reason::JwkFailedToResolve,
                "Failed to resolve JWK during verification: set a JWT key (CLERK_JWT_KEY) or a secret key (CLERK_SECRET_KEY).",
            )),
        }
    }
}

/// How long the fetched keys are trusted, and the policy of the fetch. The request
/// timeout is the HTTP client's, the secret key the transport's.
#[derive(Clone, Debug)]
pub(crate) struct JwksSettings {
    /// The JWKS URL, for error messages and `Debug`.
    pub url: String,
    pub ttl: Duration,
    pub refetch_cooldown: Duration,
    pub max_staleness: Duration,
    pub failure_backoff: Duration,
    pub policy: CallPolicy,
}

impl JwksSettings {
    pub(crate) fn new(api_url: &str, api_version: &str) -> Self {
        Self {
            url: format!(
                "{}/{}/jwks",
                api_url.trim_end_matches('/'),
                api_version.trim_matches('/')
            ),
            ttl: DEFAULT_JWKS_TTL,
            refetch_cooldown: DEFAULT_REFETCH_COOLDOWN,
            max_staleness: DEFAULT_MAX_STALENESS,
            failure_backoff: DEFAULT_FAILURE_BACKOFF,
            policy: JWKS_POLICY,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    kid: String,
    key: Arc<VerifyingKey>,
    last_seen: Instant,
}

/// An immutable view of the cache; replaced whole on every fetch.
#[derive(Debug, Default)]
struct Snapshot {
    keys: Vec<Entry>,
    /// Last successful fetch.
    fetched_at: Option<Instant>,
    /// Last fetch caused by an unknown kid, or that did not find the kid it was made for.
    kid_refetch_at: Option<Instant>,
    /// Counts finished fetch attempts, successful or not; waiters compare it.
    generation: u64,
    /// The error of the last fetch, if it failed, and when.
    last_error: Option<TokenVerificationError>,
    /// Whether that error may go away by itself (stale keys may serve meanwhile).
    last_error_transient: bool,
    failed_at: Option<Instant>,
}

impl Snapshot {
    /// The key for `kid`: one served by the last successful fetch, or one that has since
    /// disappeared from the JWKS but was last seen less than `ttl` ago.
    fn find(&self, kid: &str, now: Instant, ttl: Duration) -> Option<&Arc<VerifyingKey>> {
        self.keys
            .iter()
            .find(|e| {
                e.kid == kid
                    && (Some(e.last_seen) == self.fetched_at
                        || now.saturating_duration_since(e.last_seen) < ttl)
            })
            .map(|e| &e.key)
    }
}

/// The JWKS of one Clerk instance; see the [module docs](self).
pub struct JwksCache {
    settings: JwksSettings,
    transport: Arc<Transport>,
    snapshot: ArcSwap<Snapshot>,
    fetch_lock: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
    /// Whether a background refresh has been started and has not finished.
    refreshing: AtomicBool,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.snapshot.load();
        f.debug_struct("JwksCache")
            .field("settings", &self.settings)
            .field(
                "kids",
                &snap.keys.iter().map(|e| e.kid.as_str()).collect::<Vec<_>>(),
            )
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish()
    }
}

/// What a request needs to get its key.
enum Need {
    /// Nothing: the key set is fresh.
    Ready(Arc<VerifyingKey>),
    /// Nothing now, but the key set is due for a refresh (in the background).
    Stale(Arc<VerifyingKey>),
    /// A fetch, waited for.
    Refetch { kid_miss: bool },
    /// Nothing: the kid is unknown and its refetch cooling down.
    Mismatch,
    /// Nothing: a fetch failed moments ago (the cached key may still serve).
    Failed(TokenVerificationError),
}

/// The outcome of one fetch, stored.
enum Refreshed {
    Fetched(Arc<Snapshot>),
    Failed(Arc<Snapshot>, TokenVerificationError),
}

/// Clears the "refreshing" flag when the background refresh ends, or is dropped unrun
/// (its runtime shut down), so that the next stale request can start another.
struct RefreshingFlag(Arc<JwksCache>);

impl Drop for RefreshingFlag {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

impl JwksCache {
    pub(crate) fn new(settings: JwksSettings, transport: Arc<Transport>) -> Self {
        Self {
            settings,
            transport,
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
            refreshing: AtomicBool::new(false),
        }
    }

    /// HTTP requests made to the JWKS endpoint so far (each retry counts). For tests.
    #[doc(hidden)]
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Whether a background refresh (stale-while-revalidate) has started and not yet
    /// stored its outcome. For tests.
    #[doc(hidden)]
    pub fn background_refresh_running(&self) -> bool {
        self.refreshing.load(Ordering::Acquire)
    }

    /// The `kid`s currently held.
    pub fn kids(&self) -> Vec<String> {
        self.snapshot
            .load()
            .keys
            .iter()
            .map(|e| e.kid.clone())
            .collect()
    }

    fn assess(&self, snap: &Snapshot, kid: &str, now: Instant) -> Need {
        let age = snap.fetched_at.map(|t| now.saturating_duration_since(t));
        let found = snap.find(kid, now, self.settings.ttl);
        if age.is_some_and(|age| age < self.settings.ttl) {
            return match found {
                Some(key) => Need::Ready(key.clone()),
                None => {
                    let cooling = snap.kid_refetch_at.is_some_and(|t| {
                        now.saturating_duration_since(t) < self.settings.refetch_cooldown
                    });
                    if cooling {
                        Need::Mismatch
                    } else {
                        Need::Refetch { kid_miss: true }
                    }
                }
            };
        }
        // A fetch failed moments ago: do not hammer a failing endpoint.
        if let (Some(err), Some(failed_at)) = (&snap.last_error, snap.failed_at) {
            if now.saturating_duration_since(failed_at) < self.settings.failure_backoff {
                return Need::Failed(err.clone());
            }
        }
        // Due for a refresh. A request whose key is held, within the staleness bound and
        // not refused, need not wait for it.
        let usable = (snap.last_error.is_none() || snap.last_error_transient)
            && age.is_some_and(|age| age < self.settings.max_staleness);
        match found {
            Some(key) if usable => Need::Stale(key.clone()),
            _ => Need::Refetch { kid_miss: false },
        }
    }

    /// The key for `kid`, fetching the JWKS if needed. A missing `kid` behaves like an
    /// unknown one, as in `@clerk/backend`.
    pub(crate) async fn get(
        self: &Arc<Self>,
        kid: Option<&str>,
    ) -> Result<Arc<VerifyingKey>, TokenVerificationError> {
        let kid = kid.unwrap_or("");
        let snap = self.snapshot.load();
        let kid_miss = match self.assess(&snap, kid, Instant::now()) {
            Need::Ready(key) => return Ok(key),
            Need::Stale(key) => {
                if self.refresh_in_background(snap.generation) {
                    return Ok(key);
                }
                // No runtime to refresh on: wait, as before the staleness.
                false
            }
            Need::Mismatch => return Err(kid_mismatch()),
            Need::Failed(err) => return self.stale_or(&snap, kid, err),
            Need::Refetch { kid_miss } => kid_miss,
        };
        if tokio::runtime::Handle::try_current().is_err() {
            // reqwest (and its timers) need a Tokio runtime; without one, fail cleanly and
            // leave the cache as it is.
            return Err(TokenVerificationError::new(
                Reason::RemoteJwkFailedToLoad,
                "Error loading Clerk JWKS: a Tokio runtime is required to reach the Backend API.",
            ));
        }
        let seen_generation = snap.generation;
        drop(snap);

        let _guard = self.fetch_lock.lock().await;
        let snap = self.snapshot.load_full();
        if snap.generation != seen_generation {
            // Another fetch ran while we waited: use its outcome.
            return match self.assess(&snap, kid, Instant::now()) {
                Need::Ready(key) | Need::Stale(key) => Ok(key),
                Need::Mismatch => Err(kid_mismatch()),
                Need::Failed(err) => self.stale_or(&snap, kid, err),
                Need::Refetch { kid_miss } => self.refetch(&snap, kid, kid_miss).await,
            };
        }
        self.refetch(&snap, kid, kid_miss).await
    }

    /// Starts a refresh on the current Tokio runtime unless one is under way; the request
    /// does not wait for it. `false` when there is no runtime to run it on.
    fn refresh_in_background(self: &Arc<Self>, seen_generation: u64) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return true;
        }
        let flag = RefreshingFlag(self.clone());
        runtime.spawn(async move {
            let cache = &flag.0;
            let _guard = cache.fetch_lock.lock().await;
            let snap = cache.snapshot.load_full();
            // A fetch that ran meanwhile (for an unknown kid, say) was this refresh.
            if snap.generation == seen_generation {
                cache.refresh(&snap, None).await;
            }
        });
        true
    }

    /// A fetch a request waits for, and the key it needed from it.
    async fn refetch(
        &self,
        snap: &Snapshot,
        kid: &str,
        kid_miss: bool,
    ) -> Result<Arc<VerifyingKey>, TokenVerificationError> {
        match self.refresh(snap, Some((kid, kid_miss))).await {
            Refreshed::Fetched(next) => next
                .keys
                .iter()
                .find(|e| e.kid == kid)
                .map(|e| e.key.clone())
                .ok_or_else(kid_mismatch),
            Refreshed::Failed(next, err) => self.stale_or(&next, kid, err),
        }
    }

    /// Fetches the key set and stores the outcome as the next snapshot. `for_kid`: the
    /// kid a waiting request needs and whether it was unknown (the fetch then counts as
    /// that kid's refetch); `None` for a background refresh.
    async fn refresh(&self, snap: &Snapshot, for_kid: Option<(&str, bool)>) -> Refreshed {
        let started = Instant::now();
        let result = self.fetch().await;
        let now = Instant::now();
        let kid_refetch_at = match for_kid {
            Some((_, true)) => Some(started),
            _ => snap.kid_refetch_at,
        };
        match result {
            Ok(fetched) => {
                let next = Arc::new(self.fetched_snapshot(snap, fetched, for_kid, started, now));
                self.snapshot.store(next.clone());
                Refreshed::Fetched(next)
            }
            Err(failure) => {
                let (err, transient) = match failure {
                    Failure::Transient(err) => (err, true),
                    Failure::Final(err) => (err, false),
                };
                tracing::warn!(
                    reason = err.reason(),
                    "clerk: JWKS fetch failed: {}",
                    err.message()
                );
                let next = Arc::new(Snapshot {
                    keys: snap.keys.clone(),
                    fetched_at: snap.fetched_at,
                    kid_refetch_at,
                    generation: snap.generation + 1,
                    last_error: Some(err.clone()),
                    last_error_transient: transient,
                    failed_at: Some(now),
                });
                self.snapshot.store(next.clone());
                Refreshed::Failed(next, err)
            }
        }
    }

    /// The snapshot after a successful fetch at `now`.
    fn fetched_snapshot(
        &self,
        snap: &Snapshot,
        fetched: FetchedKeys,
        for_kid: Option<(&str, bool)>,
        started: Instant,
        now: Instant,
    ) -> Snapshot {
        let mut keys: Vec<Entry> = fetched
            .into_iter()
            .map(|(kid, key)| {
                // An unchanged key keeps its object: the verified-token cache only counts
                // a hit when the key is the very object that verified the token.
                let key = snap
                    .keys
                    .iter()
                    .find(|old| old.kid == kid && old.key.same_material(&key))
                    .map_or(key, |old| old.key.clone());
                Entry {
                    kid,
                    key,
                    last_seen: now,
                }
            })
            .collect();
        // Keep keys that vanished from the JWKS for one TTL after they were last seen.
        for old in &snap.keys {
            if keys.len() < MAX_KEYS
                && !keys.iter().any(|e| e.kid == old.kid)
                && now.saturating_duration_since(old.last_seen) < self.settings.ttl
            {
                keys.push(old.clone());
            }
        }
        // A fetch that did not find the kid it was made for (a cold start or a TTL refresh)
        // counts as that kid's refetch, so a flood of forged kids costs one fetch in all.
        let kid_refetch_at = match for_kid {
            Some((kid, _)) if !keys.iter().any(|e| e.kid == kid) => Some(started),
            Some((_, true)) => Some(started),
            _ => snap.kid_refetch_at,
        };
        Snapshot {
            keys,
            fetched_at: Some(now),
            kid_refetch_at,
            generation: snap.generation + 1,
            last_error: None,
            last_error_transient: false,
            failed_at: None,
        }
    }

    /// After a failed refresh: the cached key if the failure was transient (the endpoint
    /// down, slow, 5xx, 429, garbage) and the keys are within the staleness bound, else
    /// `err`. A refusal (`clerk_key_invalid`, another 4xx, an empty key set) is final: the
    /// keys may have been revoked, so they stop serving.
    fn stale_or(
        &self,
        snap: &Snapshot,
        kid: &str,
        err: TokenVerificationError,
    ) -> Result<Arc<VerifyingKey>, TokenVerificationError> {
        if !snap.last_error_transient {
            return Err(err);
        }
        let now = Instant::now();
        let within_bound = snap
            .fetched_at
            .is_some_and(|t| now.saturating_duration_since(t) < self.settings.max_staleness);
        match snap.find(kid, now, self.settings.ttl) {
            Some(key) if within_bound => {
                tracing::debug!(
                    "clerk: serving a cached JWKS key while the Backend API is failing"
                );
                Ok(key.clone())
            }
            _ => Err(err),
        }
    }
}

fn kid_mismatch() -> TokenVerificationError {
    TokenVerificationError::new(
        Reason::JwkKidMismatch,
        "Unable to find a signing key in JWKS that matches the kid of the provided session token.",
    )
}
