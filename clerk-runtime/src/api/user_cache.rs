//! An optional per-instance cache of Backend API users, for `User` injection.
//!
//! Off by default: every request that injects `User` then costs one `GET /users/{id}`.
//! Clerk rate-limits the Backend API per secret key (1,000 requests per 10 s in
//! production, 100 in development), so a busy service injecting `User` should turn it on
//! with a short TTL ([`ClerkBuilder::user_cache_ttl`](crate::ClerkBuilder::user_cache_ttl)):
//! a user may then be seen up to one TTL out of date.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::models::User;

/// Largest number of users kept.
const MAX_USERS: usize = 10_000;

#[derive(Debug)]
pub(crate) struct UserCache {
    ttl: Duration,
    users: Mutex<HashMap<String, (Instant, User)>>,
}

impl UserCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            users: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, user_id: &str) -> Option<User> {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users
            .get(user_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, user)| user.clone())
    }

    pub(crate) fn insert(&self, user: &User) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if users.len() >= MAX_USERS {
            let ttl = self.ttl;
            users.retain(|_, (at, _)| at.elapsed() < ttl);
            if users.len() >= MAX_USERS {
                users.clear();
            }
        }
        users.insert(user.id.clone(), (Instant::now(), user.clone()));
    }

    pub(crate) fn remove(&self, user_id: &str) {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(user_id);
    }
}
