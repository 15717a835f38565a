//! User caches for `User` injection: the [`UserCache`] trait, the in-process
//! [`InMemoryUserCache`], and (feature `redis`) `RedisUserCache`, which a fleet of
//! servers shares.
//!
//! A handler that injects `clerk::User` costs one Backend API call (`GET /users/{id}`)
//! per request (concurrent requests of one user share it, cache or not), and Clerk
//! rate-limits the Backend API per secret key: 1,000 requests per 10 s in production, 100
//! in development. A user cache answers
//! [`Clerk::load_user`](crate::Clerk::load_user) (what injection uses) from memory or
//! from Redis, for at most its TTL.
//!
//! * **One server**: [`ClerkBuilder::user_cache_ttl`](crate::ClerkBuilder::user_cache_ttl)
//!   (an [`InMemoryUserCache`] per `Clerk`).
//! * **A fleet**: `RedisUserCache` (feature `redis`), given to
//!   [`ClerkBuilder::user_cache`](crate::ClerkBuilder::user_cache). A user loaded by one
//!   server is served to every other from Redis, and one invalidation (a `user.updated`
//!   or `user.deleted` webhook received by any server) reaches all of them.
//! * **Anything else**: implement [`UserCache`].
//!
//! # Failures never fail a request
//!
//! A cache that errors, times out (after
//! [`ClerkBuilder::user_cache_timeout`](crate::ClerkBuilder::user_cache_timeout), 250 ms
//! by default, whatever the implementation) or returns unreadable data is logged at
//! `warn` (once per outage, then at `debug` until it works again, then `info`) and
//! `load_user` goes to the Backend API as if the cache were off. A cached user whose `id`
//! is not the one asked for is never served.
//!
//! # Invalidation
//!
//! [`Clerk::forget_user`](crate::Clerk::forget_user) drops a user at once in this process
//! and starts the fleet-wide invalidation in the background;
//! [`Clerk::invalidate_user`](crate::Clerk::invalidate_user) waits for it and reports a
//! failure; [`Clerk::handle_user_webhook`](crate::Clerk::handle_user_webhook) does it for
//! the `user.updated` / `user.deleted` events of a webhook:
//!
//! ```no_run
//! use axum::{extract::{FromRef, State}, http::StatusCode, routing::post, Router};
//! use clerk_runtime::webhooks::{Webhook, WebhookConfig};
//! use clerk_runtime::Clerk;
//!
//! #[derive(Clone)]
//! struct AppState { clerk: Clerk, webhooks: WebhookConfig }
//! impl FromRef<AppState> for Clerk {
//!     fn from_ref(state: &AppState) -> Self { state.clerk.clone() }
//! }
//! impl FromRef<AppState> for WebhookConfig {
//!     fn from_ref(state: &AppState) -> Self { state.webhooks.clone() }
//! }
//!
//! async fn clerk_webhook(State(clerk): State<Clerk>, event: Webhook) -> StatusCode {
//!     match clerk.handle_user_webhook(&event).await {
//!         Ok(_) => StatusCode::NO_CONTENT,
//!         Err(_) => {
//!             // The cache could not be reached: ask Svix to deliver it again later.
//!             event.allow_retry();
//!             StatusCode::SERVICE_UNAVAILABLE
//!         }
//!     }
//! }
//!
//! # fn run(clerk: Clerk) -> Result<(), clerk_runtime::webhooks::WebhookError> {
//! let app: Router = Router::new()
//!     .route("/webhooks/clerk", post(clerk_webhook))
//!     .with_state(AppState { clerk, webhooks: WebhookConfig::from_env()? });
//! # Ok(()) }
//! ```
//!
//! # Staleness
//!
//! Without webhooks, a user may be served up to one TTL after it changed. With them, a
//! change is seen as soon as the webhook is handled (Svix delivers within seconds);
//! `RedisUserCache` also refuses, for a few seconds after an invalidation, to store a
//! copy loaded before it.
#![cfg_attr(feature = "redis", doc = "\nSee [`RedisUserCache`] for its design.")]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::api::User;

mod loads;
mod memory;
pub(crate) use loads::UserLoads;
pub use memory::InMemoryUserCache;

#[cfg(feature = "redis")]
mod redis_cache;
#[cfg(feature = "redis")]
pub use redis_cache::{RedisUserCache, RedisUserCacheBuilder};

/// The future a [`UserCache`] method returns.
pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CacheError>> + Send + 'a>>;

/// How long [`Clerk::load_user`](crate::Clerk::load_user) waits for one cache operation
/// by default.
pub const DEFAULT_USER_CACHE_TIMEOUT: Duration = Duration::from_millis(250);

/// A cache of Backend API users, shared by the requests of a [`Clerk`](crate::Clerk)
/// (and, for a shared implementation, by several servers).
///
/// Object-safe: the methods return boxed futures, so that
/// [`ClerkBuilder::user_cache`](crate::ClerkBuilder::user_cache) takes any
/// `Arc<dyn UserCache>`. An error is never shown to a request: the SDK logs it and calls
/// the Backend API instead (see the [module docs](self)).
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use clerk_runtime::cache::{CacheError, CacheFuture};
/// use clerk_runtime::{User, UserCache};
///
/// /// Keeps users forever (a toy: real caches expire them).
/// #[derive(Default)]
/// struct Forever(Mutex<HashMap<String, User>>);
///
/// impl UserCache for Forever {
///     fn get<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, Option<User>> {
///         let user = self.0.lock().unwrap().get(user_id).cloned();
///         Box::pin(async move { Ok(user) })
///     }
///     fn put<'a>(&'a self, user: &'a User) -> CacheFuture<'a, ()> {
///         self.0.lock().unwrap().insert(user.id.clone(), user.clone());
///         Box::pin(async { Ok(()) })
///     }
///     fn invalidate<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, ()> {
///         self.0.lock().unwrap().remove(user_id);
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// let clerk = clerk_runtime::Clerk::builder()
///     .secret_key("sk_test_abc")
///     .user_cache(Arc::new(Forever::default()))
///     .without_env()
///     .build()
///     .unwrap();
/// # let _ = clerk;
/// ```
pub trait UserCache: Send + Sync + 'static {
    /// The cached user with this id, `None` when absent or expired.
    fn get<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, Option<User>>;

    /// Stores (or replaces) a user just loaded from the Backend API.
    fn put<'a>(&'a self, user: &'a User) -> CacheFuture<'a, ()>;

    /// Drops a user everywhere this cache is seen (for a shared cache: on every server).
    fn invalidate<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, ()>;

    /// Drops whatever this process holds for the user, at once and without I/O (called
    /// by the synchronous [`Clerk::forget_user`](crate::Clerk::forget_user) before it
    /// starts [`invalidate`](Self::invalidate) in the background). Default: nothing.
    fn invalidate_local(&self, user_id: &str) {
        let _ = user_id;
    }
}

/// Why a [`UserCache`] operation failed. Its message never contains a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The operation took longer than allowed.
    #[error("the user cache did not answer within {0:?}")]
    Timeout(Duration),
    /// The cache could not be reached (connection refused or lost, server error, …).
    #[error("the user cache is unavailable: {0}")]
    Unavailable(String),
    /// The cache answered with data that is not a user (or not the user asked for).
    #[error("the user cache returned unreadable data: {0}")]
    InvalidData(String),
    /// The cache is misconfigured (an unparsable URL, …).
    #[error("the user cache is misconfigured: {0}")]
    Config(String),
    /// Any other failure of a custom implementation.
    #[error("user cache error: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl CacheError {
    /// A failure of a custom implementation.
    ///
    /// ```
    /// let err = clerk_runtime::cache::CacheError::other(std::io::Error::other("disk full"));
    /// assert_eq!(err.to_string(), "user cache error: disk full");
    /// ```
    pub fn other(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Other(error.into())
    }
}

/// What a [`Clerk`](crate::Clerk) holds: the cache, with the per-operation timeout and
/// the fall-back-and-log policy of `load_user`.
pub(crate) struct CacheHandle {
    cache: Arc<dyn UserCache>,
    timeout: Duration,
    /// Whether the last operation failed (warnings are logged once per outage).
    degraded: AtomicBool,
}

impl CacheHandle {
    pub(crate) fn new(cache: Arc<dyn UserCache>, timeout: Duration) -> Self {
        Self {
            cache,
            timeout,
            degraded: AtomicBool::new(false),
        }
    }

    async fn bounded<T>(
        &self,
        op: impl Future<Output = Result<T, CacheError>>,
    ) -> Result<T, CacheError> {
        match tokio::time::timeout(self.timeout, op).await {
            Ok(result) => result,
            Err(_) => Err(CacheError::Timeout(self.timeout)),
        }
    }

    fn record<T>(&self, op: &'static str, user_id: &str, result: &Result<T, CacheError>) {
        match result {
            Ok(_) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!(op, "clerk: the user cache works again");
                }
            }
            Err(error) => {
                if self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::debug!(op, user_id, %error, "clerk: user cache still failing; using the Backend API");
                } else {
                    tracing::warn!(op, user_id, %error, "clerk: user cache failed; using the Backend API (further failures are logged at debug until it recovers)");
                }
            }
        }
    }

    /// The cached user, `None` on a miss or any failure (logged).
    pub(crate) async fn get(&self, user_id: &str) -> Option<User> {
        let mut result = self.bounded(self.cache.get(user_id)).await;
        if let Ok(Some(user)) = &result {
            if user.id != user_id {
                result = Err(CacheError::InvalidData(format!(
                    "asked for user {user_id}, got user {}",
                    user.id
                )));
            }
        }
        self.record("get", user_id, &result);
        result.ok().flatten()
    }

    /// Stores a user; a failure is logged.
    pub(crate) async fn put(&self, user: &User) {
        let result = self.bounded(self.cache.put(user)).await;
        self.record("put", &user.id, &result);
    }

    /// Invalidates a user, reporting (and logging) a failure.
    pub(crate) async fn invalidate(&self, user_id: &str) -> Result<(), CacheError> {
        let result = self.bounded(self.cache.invalidate(user_id)).await;
        self.record("invalidate", user_id, &result);
        result
    }

    /// Drops the local copy now, and invalidates everywhere in the background (on the
    /// current Tokio runtime; without one, only the local copy is dropped).
    pub(crate) fn invalidate_detached(self: &Arc<Self>, user_id: &str) {
        self.cache.invalidate_local(user_id);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let this = Arc::clone(self);
                let user_id = user_id.to_owned();
                runtime.spawn(async move {
                    let _ = this.invalidate(&user_id).await;
                });
            }
            Err(_) => tracing::warn!(
                user_id,
                "clerk: forget_user outside a Tokio runtime only drops this process's copy; use `invalidate_user(..).await`"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;

    impl UserCache for Broken {
        fn get<'a>(&'a self, _: &'a str) -> CacheFuture<'a, Option<User>> {
            Box::pin(async { Err(CacheError::Unavailable("down".into())) })
        }
        fn put<'a>(&'a self, _: &'a User) -> CacheFuture<'a, ()> {
            Box::pin(std::future::pending())
        }
        fn invalidate<'a>(&'a self, _: &'a str) -> CacheFuture<'a, ()> {
            Box::pin(async { Err(CacheError::other("nope")) })
        }
    }

    #[tokio::test]
    async fn failures_are_misses() {
        let handle = CacheHandle::new(Arc::new(Broken), Duration::from_millis(20));
        assert_eq!(handle.get("user_1").await, None);
        assert!(handle.degraded.load(Ordering::Relaxed));
        let started = std::time::Instant::now();
        handle.put(&memory::tests::user("user_1", "x")).await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(matches!(
            handle.invalidate("user_1").await,
            Err(CacheError::Other(_))
        ));
    }

    #[tokio::test]
    async fn a_cached_user_must_be_the_one_asked_for() {
        let cache = Arc::new(InMemoryUserCache::new(Duration::from_secs(60)));
        let handle = CacheHandle::new(cache.clone(), DEFAULT_USER_CACHE_TIMEOUT);
        let mallory = memory::tests::user("user_mallory", "M");
        // A corrupted entry: the key of one user holding another.
        cache.users_for_tests().insert(
            "user_alice".into(),
            (std::time::Instant::now(), mallory.clone()),
        );
        assert_eq!(handle.get("user_alice").await, None);
        assert!(handle.degraded.load(Ordering::Relaxed));
        handle.put(&mallory).await;
        assert_eq!(handle.get("user_mallory").await, Some(mallory));
        assert!(!handle.degraded.load(Ordering::Relaxed));
    }

    #[tokio::test]
    async fn forget_drops_the_local_copy_at_once() {
        let cache = Arc::new(InMemoryUserCache::new(Duration::from_secs(60)));
        let handle = Arc::new(CacheHandle::new(cache.clone(), DEFAULT_USER_CACHE_TIMEOUT));
        let ada = memory::tests::user("user_ada", "Ada");
        handle.put(&ada).await;
        handle.invalidate_detached("user_ada");
        assert_eq!(cache.get_now("user_ada"), None);
    }

    #[test]
    fn forget_without_a_runtime_still_drops_the_local_copy() {
        let cache = Arc::new(InMemoryUserCache::new(Duration::from_secs(60)));
        let handle = Arc::new(CacheHandle::new(cache.clone(), DEFAULT_USER_CACHE_TIMEOUT));
        cache.insert(&memory::tests::user("user_ada", "Ada"));
        handle.invalidate_detached("user_ada");
        assert_eq!(cache.get_now("user_ada"), None);
    }
}
