//! The negative cache of opaque machine tokens: Clerk's refusals (unknown, revoked,
//! expired), remembered for a few seconds so that a token replayed in a loop costs one
//! Backend API call, not one per request.
//!
//! * **Only Clerk's word.** A 404 (or another answer saying the token is no good: 400,
//!   410, 422), and a 200 that says revoked or expired. Never a failure that may go away
//!   (5xx, 429, a timeout, an unreachable API), a refused secret key, an unreadable
//!   answer, or a refusal of the instance's own budget.
//! * **Bounded in time and memory.** Entries live `negative_ttl` (default 5 s) and there
//!   are at most `max_negative_entries` (default 10,000); a full cache drops its expired
//!   entries, then remembers nothing new until some expire. Entries are keyed by the
//!   SHA-256 of the token, so a flood of 16 KiB tokens holds 32 bytes per entry. Only
//!   tokens that cost a call enter, so the verification budget bounds how fast it fills.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{digest, SHA256};

use super::MachineTokenVerificationError;

type Key = [u8; 32];

fn key(token: &str) -> Key {
    let mut key = [0; 32];
    key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    key
}

/// Clerk's recent refusals for one `Clerk` instance.
pub(crate) struct NegativeCache {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<Key, (MachineTokenVerificationError, Instant)>>,
}

impl NegativeCache {
    pub(crate) fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.max_entries > 0
    }

    /// Clerk's refusal of this token, if it is recent.
    pub(crate) fn get(&self, token: &str) -> Option<MachineTokenVerificationError> {
        if !self.enabled() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (error, until) = entries.get(&key(token))?;
        (Instant::now() < *until).then(|| error.clone())
    }

    /// Remembers Clerk's refusal of this token for the TTL.
    pub(crate) fn insert(&self, token: &str, error: &MachineTokenVerificationError) {
        if !self.enabled() {
            return;
        }
        let now = Instant::now();
        let key = key(token);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= self.max_entries {
                return;
            }
        }
        entries.insert(key, (error.clone(), now + self.ttl));
    }

    /// How many refusals are remembered (expired ones included until they are dropped).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{MachineTokenVerificationErrorCode as Code, TokenType};

    fn not_found() -> MachineTokenVerificationError {
        MachineTokenVerificationError::new(
            Code::TokenInvalid,
            "API key not found",
            Some(TokenType::ApiKey),
        )
        .with_status(Some(404))
    }

    #[test]
    fn remembers_refusals_within_bounds() {
        let cache = NegativeCache::new(Duration::from_millis(100), 2);
        cache.insert("ak_a", &not_found());
        assert_eq!(cache.get("ak_a"), Some(not_found()));
        assert_eq!(cache.get("ak_b"), None);
        cache.insert("ak_b", &not_found());
        cache.insert("ak_c", &not_found());
        assert_eq!(cache.len(), 2, "full: not remembered");
        assert_eq!(cache.get("ak_c"), None);
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(cache.get("ak_a"), None, "expired");
        // Full of expired entries: they make room.
        cache.insert("ak_c", &not_found());
        assert_eq!((cache.len(), cache.get("ak_c")), (1, Some(not_found())));
        let off = NegativeCache::new(Duration::ZERO, 10);
        off.insert("ak_a", &not_found());
        assert_eq!(off.get("ak_a"), None);
    }
}
