//! A short-lived memory of checked principals, so that a request does not read the user (or
//! token) and its session from the database every time. An entry is trusted for a few seconds:
//! a change made on another instance (a user disabled, a session ended) takes effect within
//! that time, and at once on the instance that made it, which clears its cache.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Principal;

/// Entries kept before expired ones are swept (and, if the sweep frees too few, all dropped).
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub(crate) struct PrincipalCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Option<Principal>)>>,
}

impl PrincipalCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        PrincipalCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(Some(p))` for a live principal, `Some(None)` for credentials known to be refused,
    /// `None` when the key must be checked again.
    pub(crate) fn get(&self, key: &str) -> Option<Option<Principal>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, principal)| principal.clone())
    }

    pub(crate) fn put(&self, key: String, principal: Option<Principal>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= SWEEP_AT {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                // Still full (a flood of distinct tokens within one lifetime): start over, so
                // a sweep costs at most one pass per SWEEP_AT insertions.
                if entries.len() >= SWEEP_AT / 2 {
                    entries.clear();
                }
            }
            entries.insert(key, (Instant::now(), principal));
        }
    }

    /// Forgets everything (after any change to users, tokens or sessions on this instance).
    pub(crate) fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_distinct_keys_keeps_the_cache_bounded() {
        let cache = PrincipalCache::new(Duration::from_secs(60));
        for n in 0..(3 * SWEEP_AT) {
            cache.put(format!("hrld_{n}"), None);
            let len = cache.entries.lock().map(|e| e.len()).unwrap_or_default();
            assert!(len <= SWEEP_AT, "{len} entries after {n} insertions");
        }
        assert_eq!(cache.get(&format!("hrld_{}", 3 * SWEEP_AT - 1)), Some(None));
    }
}
