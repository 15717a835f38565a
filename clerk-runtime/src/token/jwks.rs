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
//! * **unknown kids**: an unknown `kid` triggers at most one refetch per cooldown
//!   ([`DEFAULT_REFETCH_COOLDOWN`]); a flood of forged kids costs at most one fetch;
//! * **stale-if-error**: when a refresh fails, the keys already held keep serving for up to
//!   [`DEFAULT_MAX_STALENESS`] after the last successful fetch, so a Clerk outage does not
//!   sign everybody out;
//!   Within [`FAILURE_BACKOFF`] of a failed fetch no new fetch starts;
//! * **bounded**: per-attempt timeout, at most [`FETCH_ATTEMPTS`] attempts with exponential
//!   backoff and jitter, and a response body limit of [`MAX_JWKS_BYTES`].
//!
//! The fetch goes through the Backend API transport of the instance, as every Backend API
//! call does, with the retry policy of the JWKS (its own value: the attempts, backoff and
//! body limit above, and which failures are transient).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use serde::Deserialize;

use super::b64;
use super::error::{TokenVerificationError, TokenVerificationErrorReason as Reason};
use super::keys::VerifyingKey;
use crate::api::{
    ApiRequest, AttemptError, CallPolicy, Failed, Jitter, Judged, RetryPolicy, Transport,
};

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
/// at once instead of starting another fetch.
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(10);
/// Largest number of keys kept from one JWKS.
const MAX_KEYS: usize = 64;

/// How the JWKS is fetched, as `@clerk/backend` does: [`FETCH_ATTEMPTS`] attempts, 125 ms
/// doubled per retry plus up to as much again of jitter, no time budget (the attempts
/// bound it), answers up to [`MAX_JWKS_BYTES`]. Which failures are retried is decided
/// by [`JwksCache::judge`].
pub(crate) const JWKS_POLICY: CallPolicy = CallPolicy {
    retry: RetryPolicy {
        max_retries: FETCH_ATTEMPTS - 1,
        initial_delay: Duration::from_millis(125),
        budget: Duration::MAX,
    },
    jitter: Jitter::Above,
    max_body_bytes: MAX_JWKS_BYTES,
};

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
            policy: JWKS_POLICY,
        }
    }
}

#[derive(Debug)]
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

enum Need {
    Ready(Arc<VerifyingKey>),
    Refetch { kid_miss: bool },
    Mismatch,
    Failed(TokenVerificationError),
}

impl JwksCache {
    pub(crate) fn new(settings: JwksSettings, transport: Arc<Transport>) -> Self {
        Self {
            settings,
            transport,
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    /// HTTP requests made to the JWKS endpoint so far (each retry counts). For tests.
    #[doc(hidden)]
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
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
        let fresh = snap
            .fetched_at
            .is_some_and(|t| now.saturating_duration_since(t) < self.settings.ttl);
        match (fresh, snap.find(kid, now, self.settings.ttl)) {
            (true, Some(key)) => Need::Ready(key.clone()),
            (true, None) => {
                let cooling = snap.kid_refetch_at.is_some_and(|t| {
                    now.saturating_duration_since(t) < self.settings.refetch_cooldown
                });
                if cooling {
                    Need::Mismatch
                } else {
                    Need::Refetch { kid_miss: true }
                }
            }
            (false, _) => match (&snap.last_error, snap.failed_at) {
                // A fetch failed moments ago: do not hammer a failing endpoint.
                (Some(err), Some(failed_at))
                    if now.saturating_duration_since(failed_at) < FAILURE_BACKOFF =>
                {
                    Need::Failed(err.clone())
                }
                _ => Need::Refetch { kid_miss: false },
            },
        }
    }

    /// The key for `kid`, fetching the JWKS if needed. A missing `kid` behaves like an
    /// unknown one, as in `@clerk/backend`.
    pub(crate) async fn get(
        &self,
        kid: Option<&str>,
    ) -> Result<Arc<VerifyingKey>, TokenVerificationError> {
        let kid = kid.unwrap_or("");
        let snap = self.snapshot.load();
        let kid_miss = match self.assess(&snap, kid, Instant::now()) {
            Need::Ready(key) => return Ok(key),
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
            // Another request fetched while we waited: use its outcome.
            return match self.assess(&snap, kid, Instant::now()) {
                Need::Ready(key) => Ok(key),
                Need::Mismatch => Err(kid_mismatch()),
                Need::Failed(err) => self.stale_or(&snap, kid, err),
                Need::Refetch { kid_miss } => self.refetch(&snap, kid, kid_miss).await,
            };
        }
        self.refetch(&snap, kid, kid_miss).await
    }

    async fn refetch(
        &self,
        snap: &Snapshot,
        kid: &str,
        kid_miss: bool,
    ) -> Result<Arc<VerifyingKey>, TokenVerificationError> {
        let started = Instant::now();
        let result = self.fetch().await;
        let now = Instant::now();
        let kid_refetch_at = if kid_miss {
            Some(started)
        } else {
            snap.kid_refetch_at
        };
        match result {
            Ok(fetched) => {
                let mut keys: Vec<Entry> = fetched
                    .into_iter()
                    .map(|(kid, key)| Entry {
                        kid,
                        key,
                        last_seen: now,
                    })
                    .collect();
                // Keep keys that vanished from the JWKS for one TTL after they were last seen.
                for old in &snap.keys {
                    if keys.len() < MAX_KEYS
                        && !keys.iter().any(|e| e.kid == old.kid)
                        && now.saturating_duration_since(old.last_seen) < self.settings.ttl
                    {
                        keys.push(Entry {
                            kid: old.kid.clone(),
                            key: old.key.clone(),
                            last_seen: old.last_seen,
                        });
                    }
                }
                // A fetch that did not find the kid (a cold start or a TTL refresh) counts as
                // that kid's refetch, so a flood of forged kids costs one fetch in all.
                let found = keys.iter().find(|e| e.kid == kid).map(|e| e.key.clone());
                let next = Snapshot {
                    keys,
                    fetched_at: Some(now),
                    kid_refetch_at: if found.is_none() {
                        Some(started)
                    } else {
                        kid_refetch_at
                    },
                    generation: snap.generation + 1,
                    last_error: None,
                    last_error_transient: false,
                    failed_at: None,
                };
                self.snapshot.store(Arc::new(next));
                found.ok_or_else(kid_mismatch)
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
                let next = Snapshot {
                    keys: snap
                        .keys
                        .iter()
                        .map(|e| Entry {
                            kid: e.kid.clone(),
                            key: e.key.clone(),
                            last_seen: e.last_seen,
                        })
                        .collect(),
                    fetched_at: snap.fetched_at,
                    kid_refetch_at,
                    generation: snap.generation + 1,
                    last_error: Some(err.clone()),
                    last_error_transient: transient,
                    failed_at: Some(now),
                };
                let result = self.stale_or(&next, kid, err);
                self.snapshot.store(Arc::new(next));
                result
            }
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

    /// One fetch through the Backend API transport, retried within the JWKS policy.
    async fn fetch(&self) -> Result<Vec<(String, Arc<VerifyingKey>)>, Failure> {
        let request = ApiRequest::get(&["jwks"]).without_extra_headers();
        self.transport
            .send_judged(&request, &self.settings.policy, |outcome| {
                self.fetches.fetch_add(1, Ordering::Relaxed);
                self.judge(outcome)
            })
            .await
            .map_err(|Failed { error, transient }| {
                if transient {
                    Failure::Transient(error)
                } else {
                    Failure::Final(error)
                }
            })
    }

    /// What one attempt means for the cache. Transient (retried, and stale keys may serve
    /// meanwhile): no answer, a timeout, a 5xx or 429, an answer too long or not a key set.
    /// Final (the keys may have been revoked): `clerk_key_invalid`, another 4xx, an empty
    /// key set.
    fn judge(
        &self,
        outcome: Result<Vec<u8>, AttemptError>,
    ) -> Judged<Vec<(String, Arc<VerifyingKey>)>, TokenVerificationError> {
        let load_failed =
            |msg: String| TokenVerificationError::new(Reason::RemoteJwkFailedToLoad, msg);
        let transient = |error| Judged::Retry { error, after: None };
        let body = match outcome {
            Ok(body) => body,
            Err(AttemptError::Http { error, .. }) => {
                return transient(load_failed(format!(
                    "Error loading Clerk JWKS: {}",
                    describe_reqwest_error(&error)
                )))
            }
            // Only an invalid URL reaches here (a JWKS cache always has a secret key and
            // checks for a runtime first): reqwest would fail it the same way.
            Err(AttemptError::Invalid(_)) => {
                return transient(load_failed(
                    "Error loading Clerk JWKS: the request failed".into(),
                ))
            }
            Err(AttemptError::TooLarge(limit)) => {
                return transient(load_failed(format!(
                    "Error loading Clerk JWKS: the response is larger than {limit} bytes"
                )))
            }
            Err(AttemptError::Status { status, body, .. }) => {
                if body_has_error_code(&body, "clerk_key_invalid") {
                    return Judged::Stop(TokenVerificationError::new(
                        Reason::InvalidSecretKey,
                        "The Backend API refused the secret key (clerk_key_invalid).",
                    ));
                }
                let err = load_failed(format!(
                    "Error loading Clerk JWKS from {} with code={status}",
                    self.settings.url
                ));
                return if (500..600).contains(&status) || status == 429 {
                    transient(err)
                } else {
                    Judged::Stop(err)
                };
            }
        };
        match parse_jwks(&body) {
            Err(msg) => transient(load_failed(msg)),
            Ok(keys) if keys.is_empty() => Judged::Stop(load_failed(
                "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com."
                    .into(),
            )),
            Ok(keys) => Judged::Done(keys),
        }
    }
}

enum Failure {
    Transient(TokenVerificationError),
    Final(TokenVerificationError),
}

fn kid_mismatch() -> TokenVerificationError {
    TokenVerificationError::new(
        Reason::JwkKidMismatch,
        "Unable to find a signing key in JWKS that matches the kid of the provided session token.",
    )
}

fn describe_reqwest_error(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    }
}

pub(crate) fn body_has_error_code(body: &[u8], code: &str) -> bool {
    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<ApiErrorCode>,
    }
    #[derive(Deserialize)]
    struct ApiErrorCode {
        #[serde(default)]
        code: Option<String>,
    }
    serde_json::from_slice::<Errors>(body)
        .map(|e| e.errors.iter().any(|e| e.code.as_deref() == Some(code)))
        .unwrap_or(false)
}

/// Parses a JWKS, keeping the usable RSA signing keys and skipping anything else (other key
/// types, encryption keys, malformed entries) rather than failing the whole set.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<Vec<(String, Arc<VerifyingKey>)>, String> {
    #[derive(Deserialize)]
    struct Jwks {
        keys: Vec<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct RsaJwk {
        kty: String,
        #[serde(default)]
        kid: Option<String>,
        #[serde(default, rename = "use")]
        use_: Option<String>,
        #[serde(default)]
        alg: Option<String>,
        n: String,
        e: String,
    }
    let jwks: Jwks = serde_json::from_slice(body)
        .map_err(|_| "The JWKS response is not a JSON key set.".to_owned())?;
    let mut keys = Vec::new();
    for raw in jwks.keys.into_iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<RsaJwk>(raw) else {
            continue;
        };
        if jwk.kty != "RSA"
            || jwk.use_.as_deref().is_some_and(|u| u != "sig")
            || jwk.alg.as_deref().is_some_and(|a| a != "RS256")
        {
            continue;
        }
        let (Some(n), Some(e)) = (
            b64::decode_loose(jwk.n.as_bytes()),
            b64::decode_loose(jwk.e.as_bytes()),
        ) else {
            continue;
        };
        let Ok(key) = VerifyingKey::from_components(&n, &e) else {
            continue;
        };
        keys.push((jwk.kid.unwrap_or_default(), Arc::new(key)));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_parsing_skips_unusable_entries() {
        let body = br#"{"keys":[{"kty":"EC","kid":"x","crv":"P-256","x":"a","y":"b"},{"kty":"RSA","kid":"bad","n":"AQAB","e":"AQAB"},{"kty":"RSA"}]}"#;
        assert!(parse_jwks(body).unwrap().is_empty());
        assert!(parse_jwks(b"garbage").is_err());
        assert!(parse_jwks(br#"{"keys":{}}"#).is_err());
    }

    #[test]
    fn error_code_detection() {
        assert!(body_has_error_code(
            br#"{"errors":[{"code":"clerk_key_invalid"}]}"#,
            "clerk_key_invalid"
        ));
        assert!(!body_has_error_code(b"<html>", "clerk_key_invalid"));
    }
}
