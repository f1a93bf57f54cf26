//! A short-lived memory of checked principals, so that a request does not read the user (or
//! token) and its session from the database every time. An entry is trusted for a few seconds:
//! a change made on another instance (a user disabled, a session ended) takes effect within
//! that time, and at once on the instance that made it, which clears its cache. An entry for a
//! credential that expires (an API token with `expires_at`) is never trusted past that moment.
//!
//! A check that read the database before a clear must not write its result back after it (a
//! session ended while its check was in flight would be trusted again for a few seconds). So
//! each clear starts a new generation, a check takes the generation before it reads, and a
//! result of an older generation is dropped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::Principal;

/// Entries kept before expired ones are swept (and, if the sweep frees too few, all dropped).
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub(crate) struct PrincipalCache {
    ttl: Duration,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    /// Bumped by every [`PrincipalCache::clear`].
    generation: u64,
    /// Each entry with the moment it stops being trusted.
    by_key: HashMap<String, (Instant, Option<Principal>)>,
}

/// The generation a check started in; [`PrincipalCache::put`] drops its result after a clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generation(u64);

impl PrincipalCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        PrincipalCache {
            ttl,
            entries: Mutex::new(Entries::default()),
        }
    }

    /// `Some(Some(p))` for a live principal, `Some(None)` for credentials known to be refused,
    /// `None` when the key must be checked again: then with the returned generation, taken
    /// before the check reads anything.
    pub(crate) fn get(&self, key: &str) -> Result<Option<Principal>, Generation> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.by_key.get(key) {
            Some((until, principal)) if Instant::now() < *until => Ok(principal.clone()),
            _ => Err(Generation(entries.generation)),
        }
    }

    /// Keeps the result of a check started in `generation`, unless the cache was cleared since,
    /// for the cache's lifetime or until `expires_at` (the credential's own expiry), whichever
    /// comes first.
    pub(crate) fn put(
        &self,
        key: String,
        principal: Option<Principal>,
        generation: Generation,
        expires_at: Option<DateTime<Utc>>,
    ) {
        let now = Instant::now();
        let life = match expires_at {
            Some(at) => self
                .ttl
                .min((at - Utc::now()).to_std().unwrap_or(Duration::ZERO)),
            None => self.ttl,
        };
        if life.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.generation != generation.0 {
            return;
        }
        if entries.by_key.len() >= SWEEP_AT {
            entries.by_key.retain(|_, (until, _)| now < *until);
            // Still full (a flood of distinct tokens within one lifetime): start over, so
            // a sweep costs at most one pass per SWEEP_AT insertions.
            if entries.by_key.len() >= SWEEP_AT / 2 {
                entries.by_key.clear();
            }
        }
        entries.by_key.insert(key, (now + life, principal));
    }

    /// Forgets everything (after any change to users, tokens or sessions on this instance),
    /// including the checks still in flight.
    pub(crate) fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.generation += 1;
        entries.by_key.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation(cache: &PrincipalCache, key: &str) -> Generation {
        cache.get(key).expect_err("not cached")
    }

    #[test]
    fn a_flood_of_distinct_keys_keeps_the_cache_bounded() {
        let cache = PrincipalCache::new(Duration::from_secs(60));
        for n in 0..(3 * SWEEP_AT) {
            let key = format!("hrld_{n}");
            let at = generation(&cache, &key);
            cache.put(key, None, at, None);
            let len = cache
                .entries
                .lock()
                .map(|e| e.by_key.len())
                .unwrap_or_default();
            assert!(len <= SWEEP_AT, "{len} entries after {n} insertions");
        }
        assert_eq!(cache.get(&format!("hrld_{}", 3 * SWEEP_AT - 1)), Ok(None));
    }

    /// A check that read a session before it was ended must not bring it back.
    #[test]
    fn a_check_started_before_a_clear_is_not_kept() {
        let cache = PrincipalCache::new(Duration::from_secs(60));
        let principal = Principal {
            id: "u1".to_owned(),
            label: "ana@shop.example".to_owned(),
            role: crate::Role::Editor,
            content_types: None,
            kind: crate::PrincipalKind::User {
                session_id: "s1".to_owned(),
            },
        };
        let before = generation(&cache, "s:s1");
        // Meanwhile the session is ended on this instance, and the cache cleared.
        cache.clear();
        cache.put("s:s1".to_owned(), Some(principal.clone()), before, None);
        let after = generation(&cache, "s:s1");
        assert_ne!(before, after);
        // A check started after the clear is kept.
        cache.put("s:s1".to_owned(), Some(principal.clone()), after, None);
        assert_eq!(cache.get("s:s1"), Ok(Some(principal)));
    }

    fn token(id: &str) -> Principal {
        Principal {
            id: format!("token:{id}"),
            label: "preview".to_owned(),
            role: crate::Role::Viewer,
            content_types: None,
            kind: crate::PrincipalKind::Token,
        }
    }

    /// A token that expires before the cache's lifetime ends is trusted only until it
    /// expires: one already past its expiry is not kept at all, one expiring later is kept.
    #[test]
    fn an_entry_never_outlives_its_credential() {
        let cache = PrincipalCache::new(Duration::from_secs(60));
        let now = Utc::now();
        let at = generation(&cache, "t:expired");
        cache.put(
            "t:expired".to_owned(),
            Some(token("expired")),
            at,
            Some(now - chrono::TimeDelta::milliseconds(1)),
        );
        assert!(
            cache.get("t:expired").is_err(),
            "an expired token is read again"
        );
        let at = generation(&cache, "t:later");
        cache.put(
            "t:later".to_owned(),
            Some(token("later")),
            at,
            Some(now + chrono::TimeDelta::hours(1)),
        );
        assert_eq!(cache.get("t:later"), Ok(Some(token("later"))));
        let until = cache
            .entries
            .lock()
            .map(|e| e.by_key.get("t:later").map(|(until, _)| *until))
            .ok()
            .flatten()
            .expect("kept");
        assert!(
            until <= Instant::now() + Duration::from_secs(60),
            "kept no longer than the cache's lifetime"
        );
        let at = generation(&cache, "t:soon");
        cache.put(
            "t:soon".to_owned(),
            Some(token("soon")),
            at,
            Some(now + chrono::TimeDelta::seconds(2)),
        );
        let until = cache
            .entries
            .lock()
            .map(|e| e.by_key.get("t:soon").map(|(until, _)| *until))
            .ok()
            .flatten()
            .expect("kept");
        assert!(
            until <= Instant::now() + Duration::from_secs(2),
            "kept no longer than the token lives"
        );
    }
}
