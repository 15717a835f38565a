//! The verified-token cache: a token whose signature was verified is remembered, so that
//! the next request carrying it skips the RSA work (about 27 µs) and the decoding.
//!
//! # Why this is safe
//!
//! * **Keyed by the whole canonical token.** Entries are found by comparing the complete
//!   canonical token ([`canonical`]), never a truncated value or a hash alone. The decoder
//!   tolerates `=` padding (spec A08); trailing `=` can only pad the signature segment,
//!   which is not signed, so `t`, `t=`, `t==`… decode to the same header, payload and
//!   signature bytes and get the same decision. They share one entry: otherwise one token
//!   (even long expired) would yield ~15,000 distinct strings that pass the RSA check and
//!   evict everyone else's entries. No other variant maps to the same verification:
//!   padding in the header or payload changes the signed bytes, leftover bits and
//!   misplaced `=` fail decoding, and the RSA check accepts only one byte string per
//!   signature (exactly the modulus length, below the modulus). A token longer than
//!   [`MAX_TOKEN_LEN`] is never looked up: it is refused before decoding, padding
//!   included.
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

use super::jwt::MAX_TOKEN_LEN;
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

/// The form of `token` the cache is keyed by: without its trailing `=` (which pad the
/// signature segment only, see the [module docs](self)); `None` for a token the decoder
/// refuses by its length alone, which must never hit.
pub(crate) fn canonical(token: &str) -> Option<&str> {
    (token.len() <= MAX_TOKEN_LEN).then(|| token.trim_end_matches('='))
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

    /// The accounting of an entry taken out of the map other than from the front of
    /// `order`: its size, and its place in `order` (found by pointer, so that a later
    /// entry of the same token keeps its own place).
    fn forget(&mut self, removed: &Entry) {
        self.bytes -= removed.bytes;
        self.order.retain(|k| !Arc::ptr_eq(k, &removed.token));
    }
}

/// See the [module docs](self).
pub(crate) struct TokenCache {
    config: TokenCacheConfig,
    shards: Box<[RwLock<Shard>]>,
    hasher: foldhash::fast::RandomState,
    hits: AtomicU64,
    misses: AtomicU64,
    signature_checks: AtomicU64,
}

/// What [`TokenCache::counts`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
    /// RSA signature checks made by verifications through this cache (misses that got
    /// that far, and hits whose key had changed).
    pub signature_checks: u64,
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
            signature_checks: AtomicU64::new(0),
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

    /// The entry for this token (or another padding of it), if present and not past its
    /// retention.
    pub(crate) fn get(&self, token: &str, now: SystemTime) -> Option<Arc<Cached>> {
        let found = canonical(token).and_then(|token| {
            let hash = self.hash(token);
            let shard = self.shard(hash).read().unwrap_or_else(|e| e.into_inner());
            shard
                .get(hash, token)
                .filter(|e| e.evict_at > unix_secs(now))
                .map(|e| e.cached.clone())
        });
        match &found {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// Remembers a token whose signature `key` verified, replacing an entry of the same
    /// token that is past its retention (a token cached while valid and replayed after
    /// its expiry is remembered again, as expired).
    pub(crate) fn insert(
        &self,
        token: &str,
        cached: Cached,
        exp: Option<i64>,
        skew: Duration,
        now: SystemTime,
    ) {
        let Some(token) = canonical(token) else {
            return;
        };
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
        match shard.get(hash, token) {
            Some(live) if live.evict_at > now_secs => return,
            Some(_) => {
                if let Some(stale) = shard.remove(hash, token) {
                    shard.forget(&stale);
                }
            }
            None => {}
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
        let Some(token) = canonical(token) else {
            return;
        };
        let hash = self.hash(token);
        let mut shard = self.shard(hash).write().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = shard.remove(hash, token) {
            shard.forget(&e);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|e| e.into_inner()).map.len())
            .sum()
    }

    /// Counts an RSA signature check made on the way to [`insert`](Self::insert).
    pub(crate) fn note_signature_check(&self) {
        self.signature_checks.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn counts(&self) -> CacheCounts {
        CacheCounts {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            signature_checks: self.signature_checks.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::SessionClaims;
    use crate::token::rules::ClaimFacts;

    const T: i64 = 1_700_000_000;

    fn at(secs: i64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64)
    }

    fn cached(token: &str, sub: &str) -> Cached {
        let claims = serde_json::json!({ "sub": sub });
        let serde_json::Value::Object(map) = claims else {
            unreachable!()
        };
        Cached {
            facts: ClaimFacts::of(&map),
            shared: Arc::new(SessionShared::new(SessionClaims::from_verified(map), token)),
            key: Arc::new(VerifyingKey::unusable()),
            kid: None,
        }
    }

    /// The byte count of every shard equals the sum of its entries, and `order` names
    /// each entry exactly once.
    fn assert_accounting(cache: &TokenCache) {
        for shard in cache.shards.iter() {
            let shard = shard.read().unwrap();
            let sum: usize = shard.map.iter().map(|e| e.bytes).sum();
            assert_eq!(shard.bytes, sum);
            assert_eq!(shard.order.len(), shard.map.len());
            for e in shard.map.iter() {
                assert_eq!(
                    shard
                        .order
                        .iter()
                        .filter(|k| Arc::ptr_eq(k, &e.token))
                        .count(),
                    1
                );
            }
        }
    }

    #[test]
    fn canonical_strips_trailing_padding_only() {
        assert_eq!(canonical("h.p.sig"), Some("h.p.sig"));
        assert_eq!(canonical("h.p.sig=="), Some("h.p.sig"));
        assert_eq!(canonical("h==.p.sig="), Some("h==.p.sig"));
        assert_eq!(canonical("h.p.==="), Some("h.p."));
        let long = format!("h.p.{}", "=".repeat(MAX_TOKEN_LEN));
        assert_eq!(canonical(&long), None);
        let exact = format!("h.p.s{}", "=".repeat(MAX_TOKEN_LEN - 5));
        assert_eq!(canonical(&exact), Some("h.p.s"));
    }

    #[test]
    fn paddings_of_one_token_share_one_entry() {
        let cache = TokenCache::new(TokenCacheConfig::default());
        let skew = Duration::from_secs(5);
        cache.insert("h.p.sig", cached("h.p.sig", "u"), Some(T + 60), skew, at(T));
        for pad in 1..50 {
            let variant = format!("h.p.sig{}", "=".repeat(pad));
            assert!(cache.get(&variant, at(T)).is_some(), "{variant}");
            cache.insert(&variant, cached(&variant, "u"), Some(T + 60), skew, at(T));
        }
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.counts().hits, 49);
        // Too long to be decoded, so never a hit, padding or not.
        let over = format!("h.p.sig{}", "=".repeat(MAX_TOKEN_LEN));
        assert!(cache.get(&over, at(T)).is_none());
        cache.remove("h.p.sig===");
        assert_eq!(cache.len(), 0);
        assert_accounting(&cache);
    }

    #[test]
    fn an_entry_past_its_time_is_replaced() {
        let cache = TokenCache::new(TokenCacheConfig {
            expired_retention: Duration::from_secs(60),
            ..Default::default()
        });
        let skew = Duration::from_secs(5);
        cache.insert("a.b.c", cached("a.b.c", "u"), Some(T + 10), skew, at(T));
        cache.insert("d.e.f", cached("d.e.f", "v"), Some(T + 3600), skew, at(T));
        assert!(cache.get("a.b.c", at(T + 10)).is_some());
        // Past exp + skew: the entry no longer counts, and a new verification replaces it
        // (remembered as expired, for the retention).
        let later = T + 100;
        assert!(cache.get("a.b.c", at(later)).is_none());
        cache.insert("a.b.c", cached("a.b.c", "u"), Some(T + 10), skew, at(later));
        assert!(cache.get("a.b.c", at(later)).is_some());
        assert!(cache.get("a.b.c", at(later + 59)).is_some());
        assert!(cache.get("a.b.c", at(later + 60)).is_none());
        assert_eq!(cache.len(), 2);
        assert_accounting(&cache);
        // A live entry is kept, not replaced.
        cache.insert(
            "a.b.c",
            cached("a.b.c", "w"),
            Some(T + 10),
            skew,
            at(later + 1),
        );
        let hit = cache.get("a.b.c", at(later + 1)).unwrap();
        assert_eq!(hit.shared.claims().subject(), "u");
        assert_accounting(&cache);
    }

    #[test]
    fn replacing_keeps_the_limits() {
        let cache = TokenCache::new(TokenCacheConfig {
            max_entries: SHARDS * 4,
            ..Default::default()
        });
        let skew = Duration::ZERO;
        for round in 0..5 {
            let now = T + round * 1000;
            for i in 0..200 {
                let token = format!("t.{i}.s");
                cache.insert(&token, cached(&token, "u"), Some(T), skew, at(now));
            }
            assert!(cache.len() <= SHARDS * 4);
            assert_accounting(&cache);
        }
    }
}
