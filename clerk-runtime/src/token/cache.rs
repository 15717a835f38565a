//! The verified-token cache: a token whose signature was verified is remembered, so that
//! the next request carrying it skips the RSA work (about 27 µs) and the decoding.
//!
//! # Why this is safe
//!
//! * **Keyed by the whole token.** Entries are found by comparing the complete token
//!   string, never a truncated value or a hash alone: a lookup hits only for the exact
//!   bytes that were verified.
//! * **Only what never changes is remembered.** For a given token, decoding, the header
//!   checks and the signature check always give the same answer *for the same key*; so the
//!   cache stores the outcome of those steps together with the key that verified it. On a
//!   hit the key is resolved again exactly as a full verification would (same JWKS cache,
//!   same TTL refresh, same unknown-kid handling), and the entry counts only if that is
//!   still the same key: a key rotated out of the JWKS evicts its tokens.
//! * **Everything that depends on time or options is checked again**: `sub`, `aud`, `azp`,
//!   `iss`, `exp`, `nbf`, `iat`, in spec order, on every hit. A cached token's decision and
//!   reason code are therefore identical to a full verification's, including when it
//!   expires while cached.
//! * **Bounded.** At most `max_entries` entries and `max_bytes` of tokens and claims;
//!   entries leave at `exp` (plus the clock skew) and, when the cache is full, oldest
//!   first. Only tokens whose signature verified are inserted, so an attacker cannot fill
//!   the cache with forged tokens.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use super::keys::VerifyingKey;
use crate::session::SessionShared;

const SHARDS: usize = 16;

/// Limits of the verified-token cache.
///
/// ```
/// use clerk_runtime::TokenCacheConfig;
/// let config = TokenCacheConfig { max_entries: 50_000, ..Default::default() };
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCacheConfig {
    /// Largest number of tokens remembered.
    pub max_entries: usize,
    /// Largest total size of the remembered tokens and their claims, in bytes.
    pub max_bytes: usize,
    /// How long a token that was already expired when verified is remembered (so that a
    /// flood of the same expired token costs no RSA work); its claims are still checked.
    pub expired_retention: Duration,
}

impl Default for TokenCacheConfig {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 16 * 1024 * 1024,
            expired_retention: Duration::from_secs(60),
        }
    }
}

/// What a hit returns.
pub(crate) struct Cached {
    pub shared: Arc<SessionShared>,
    pub key: Arc<VerifyingKey>,
    pub kid: Option<Box<str>>,
    /// What the claim checks read, so that a hit re-checks without the JSON.
    pub facts: super::rules::ClaimFacts,
}

struct Entry {
    token: Arc<str>,
    cached: Arc<Cached>,
    /// Unix seconds after which the entry is dropped.
    evict_at: i64,
    bytes: usize,
}

#[derive(Default)]
struct Shard {
    /// Found by the hash of the token's tail, matched on the whole token.
    map: HashTable<Entry>,
    order: VecDeque<Arc<str>>,
    bytes: usize,
}

impl Shard {
    fn get(&self, hash: u64, token: &str) -> Option<&Entry> {
        self.map.find(hash, |e| &*e.token == token)
    }

    fn remove(&mut self, hash: u64, token: &str) -> Option<Entry> {
        self.map
            .find_entry(hash, |e| &*e.token == token)
            .ok()
            .map(|e| e.remove().0)
    }
}

/// See the [module docs](self).
pub(crate) struct TokenCache {
    config: TokenCacheConfig,
    shards: Box<[RwLock<Shard>]>,
    hasher: foldhash::fast::RandomState,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("config", &self.config)
            .field("entries", &self.len())
            .finish()
    }
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

impl TokenCache {
    pub(crate) fn new(config: TokenCacheConfig) -> Self {
        Self {
            config,
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
            hasher: Default::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The hash of a token: its length and its last 64 bytes. A JWT ends with its
    /// signature, so the tail is as distinct as the token, and hashing 64 bytes instead of
    /// ~1 KiB matters on a path every request takes. Entries are still matched on the whole
    /// token, and only verified tokens are ever inserted, so crafted collisions can at most
    /// slow their own lookups against genuine entries.
    fn hash(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        self.hasher.hash_one((bytes.len(), tail))
    }

    fn shard(&self, hash: u64) -> &RwLock<Shard> {
        // The table uses the low bits; the shard takes the high ones.
        &self.shards[(hash >> 60) as usize % SHARDS]
    }

    /// The entry for exactly this token, if present and not past its retention.
    pub(crate) fn get(&self, token: &str, now: SystemTime) -> Option<Arc<Cached>> {
        let hash = self.hash(token);
        let shard = self.shard(hash).read().unwrap_or_else(|e| e.into_inner());
        let found = shard
            .get(hash, token)
            .filter(|e| e.evict_at > unix_secs(now))
            .map(|e| e.cached.clone());
        drop(shard);
        match &found {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// Remembers a token whose signature `key` verified.
    pub(crate) fn insert(
        &self,
        token: &str,
        cached: Cached,
        exp: Option<i64>,
        skew: Duration,
        now: SystemTime,
    ) {
        let now_secs = unix_secs(now);
        let live_until = exp.map(|e| e.saturating_add(skew.as_secs() as i64 + 1));
        let evict_at = match live_until {
            Some(t) if t > now_secs => t,
            _ => now_secs.saturating_add(self.config.expired_retention.as_secs() as i64),
        };
        let bytes = token.len() * 2
            + cached.shared.approximate_size()
            + cached.facts.approximate_size()
            + 128;
        let per_shard_entries = (self.config.max_entries / SHARDS).max(1);
        let per_shard_bytes = (self.config.max_bytes / SHARDS).max(1);
        if bytes > per_shard_bytes {
            return;
        }
        let key: Arc<str> = Arc::from(token);
        let hash = self.hash(token);
        let mut shard = self.shard(hash).write().unwrap_or_else(|e| e.into_inner());
        if shard.get(hash, token).is_some() {
            return;
        }
        // Make room: drop entries past their time, then the oldest.
        while shard.map.len() >= per_shard_entries || shard.bytes + bytes > per_shard_bytes {
            let Some(oldest) = shard.order.pop_front() else {
                break;
            };
            let h = self.hash(&oldest);
            if let Some(e) = shard.remove(h, &oldest) {
                shard.bytes -= e.bytes;
            }
        }
        shard.order.push_back(key.clone());
        shard.bytes += bytes;
        let entry = Entry {
            token: key,
            cached: Arc::new(cached),
            evict_at,
            bytes,
        };
        shard
            .map
            .insert_unique(hash, entry, |e| self.hash(&e.token));
        // Expired entries also leave when they reach the front.
        while let Some(front) = shard.order.front() {
            let h = self.hash(front);
            let expired = shard.get(h, front).is_none_or(|e| e.evict_at <= now_secs);
            if !expired {
                break;
            }
            let Some(front) = shard.order.pop_front() else {
                break;
            };
            if let Some(e) = shard.remove(h, &front) {
                shard.bytes -= e.bytes;
            }
        }
    }

    /// Forgets a token (its key is gone).
    pub(crate) fn remove(&self, token: &str) {
        let hash = self.hash(token);
        let mut shard = self.shard(hash).write().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = shard.remove(hash, token) {
            shard.bytes -= e.bytes;
            shard.order.retain(|k| &**k != token);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|e| e.into_inner()).map.len())
            .sum()
    }

    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}
