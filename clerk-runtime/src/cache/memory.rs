//! The in-process [`UserCache`]: [`InMemoryUserCache`] (exported as
//! `clerk_runtime::cache::InMemoryUserCache`).
//!
//! Off by default: every request that injects `User` then costs one `GET /users/{id}`.
//! Clerk rate-limits the Backend API per secret key (1,000 requests per 10 s in
//! production, 100 in development), so a busy service injecting `User` should turn it on
//! with a short TTL ([`ClerkBuilder::user_cache_ttl`](crate::ClerkBuilder::user_cache_ttl)):
//! a user may then be seen up to one TTL out of date. A fleet of servers shares one cache
//! instead: see [`crate::cache`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{CacheFuture, UserCache};
use crate::api::User;

/// Default largest number of users kept.
const MAX_USERS: usize = 10_000;

/// A per-process [`UserCache`]: users expire `ttl` after they were stored, and at most
/// `capacity` (default 10,000) are kept (expired ones are dropped first, then all).
///
/// [`ClerkBuilder::user_cache_ttl`](crate::ClerkBuilder::user_cache_ttl) is the shorthand
/// for it; it never fails and never waits.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use clerk_runtime::cache::InMemoryUserCache;
///
/// let cache = Arc::new(InMemoryUserCache::with_capacity(Duration::from_secs(30), 50_000));
/// let clerk = clerk_runtime::Clerk::builder()
///     .secret_key("sk_test_abc")
///     .user_cache(cache)
///     .without_env()
///     .build()
///     .unwrap();
/// # let _ = clerk;
/// ```
pub struct InMemoryUserCache {
    ttl: Duration,
    capacity: usize,
    users: Mutex<HashMap<String, (Instant, User)>>,
}

impl fmt::Debug for InMemoryUserCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryUserCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl InMemoryUserCache {
    /// Keeps users for `ttl`, at most 10,000 of them.
    pub fn new(ttl: Duration) -> Self {
        Self::with_capacity(ttl, MAX_USERS)
    }

    /// Keeps users for `ttl`, at most `capacity` of them (at least 1).
    pub fn with_capacity(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            users: Mutex::new(HashMap::new()),
        }
    }

    /// How long a user is kept.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Drops every user.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, User)>> {
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    pub(crate) fn users_for_tests(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, User)>> {
        self.lock()
    }

    /// The user, if stored less than `ttl` ago.
    pub(crate) fn get_now(&self, user_id: &str) -> Option<User> {
        self.lock()
            .get(user_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, user)| user.clone())
    }

    pub(crate) fn insert(&self, user: &User) {
        let mut users = self.lock();
        if users.len() >= self.capacity && !users.contains_key(&user.id) {
            let ttl = self.ttl;
            users.retain(|_, (at, _)| at.elapsed() < ttl);
            if users.len() >= self.capacity {
                users.clear();
            }
        }
        users.insert(user.id.clone(), (Instant::now(), user.clone()));
    }

    pub(crate) fn remove(&self, user_id: &str) {
        self.lock().remove(user_id);
    }
}

impl UserCache for InMemoryUserCache {
    fn get<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, Option<User>> {
        let user = self.get_now(user_id);
        Box::pin(std::future::ready(Ok(user)))
    }

    fn put<'a>(&'a self, user: &'a User) -> CacheFuture<'a, ()> {
        self.insert(user);
        Box::pin(std::future::ready(Ok(())))
    }

    fn invalidate<'a>(&'a self, user_id: &'a str) -> CacheFuture<'a, ()> {
        self.remove(user_id);
        Box::pin(std::future::ready(Ok(())))
    }

    fn invalidate_local(&self, user_id: &str) {
        self.remove(user_id);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A user with these fields (the rest zero), read as webhooks read them.
    pub(crate) fn user(id: &str, first_name: &str) -> User {
        let data = serde_json::json!({"id": id, "object": "user", "first_name": first_name});
        match crate::webhooks::WebhookEvent::from_parts("user.updated", data) {
            Ok(crate::webhooks::WebhookEvent::UserUpdated(user)) => user,
            other => panic!("not a user: {other:?}"),
        }
    }

    #[tokio::test]
    async fn get_put_invalidate() {
        let cache = InMemoryUserCache::new(Duration::from_secs(60));
        assert_eq!(cache.get("user_1").await.unwrap(), None);
        cache.put(&user("user_1", "Ada")).await.unwrap();
        let got = cache.get("user_1").await.unwrap().unwrap();
        assert_eq!(got.first_name.as_deref(), Some("Ada"));
        // A newer copy replaces the old one.
        cache.put(&user("user_1", "Grace")).await.unwrap();
        let got = cache.get("user_1").await.unwrap().unwrap();
        assert_eq!(got.first_name.as_deref(), Some("Grace"));
        cache.invalidate("user_1").await.unwrap();
        assert_eq!(cache.get("user_1").await.unwrap(), None);
        cache.put(&user("user_1", "Ada")).await.unwrap();
        cache.invalidate_local("user_1");
        assert_eq!(cache.get("user_1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn entries_expire_after_the_ttl() {
        let cache = InMemoryUserCache::new(Duration::from_millis(50));
        cache.put(&user("user_1", "Ada")).await.unwrap();
        assert!(cache.get("user_1").await.unwrap().is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("user_1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn bounded() {
        let cache = InMemoryUserCache::with_capacity(Duration::from_secs(60), 3);
        for i in 0..3 {
            cache.put(&user(&format!("user_{i}"), "x")).await.unwrap();
        }
        // Refreshing a stored user never evicts.
        cache.put(&user("user_2", "y")).await.unwrap();
        assert!(cache.get("user_0").await.unwrap().is_some());
        // A fourth live user: nothing has expired, so the map is emptied first.
        cache.put(&user("user_3", "x")).await.unwrap();
        assert!(cache.get("user_3").await.unwrap().is_some());
        assert_eq!(cache.get("user_0").await.unwrap(), None);
        assert!(cache.lock().len() <= 3);
        cache.clear();
        assert_eq!(cache.get("user_3").await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_entries_go_first() {
        let cache = InMemoryUserCache::with_capacity(Duration::from_millis(50), 2);
        cache.put(&user("user_old", "x")).await.unwrap();
        std::thread::sleep(Duration::from_millis(60));
        cache.put(&user("user_a", "x")).await.unwrap();
        cache.put(&user("user_b", "x")).await.unwrap();
        assert!(cache.get("user_a").await.unwrap().is_some());
        assert!(cache.get("user_b").await.unwrap().is_some());
        assert!(!cache.lock().contains_key("user_old"));
    }
}
