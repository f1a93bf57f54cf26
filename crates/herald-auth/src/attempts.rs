//! Sign-ins in progress, per account and per address, in this process. The limiter counts
//! failures from the audit log, but a failure is recorded only after its password check; a
//! burst of simultaneous guesses would all pass the count before the first one is written.
//! Counting the attempts still in progress as failures-to-be closes that gap: at most
//! `login_attempts` guesses per key are ever in the air at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys remembered by [`Refusals`] before the old ones are swept (and, if too few go, all).
const SWEEP_AT: usize = 10_000;

/// The attempts in progress, by key (`email:…`, `ip:…`).
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    counts: Mutex<HashMap<String, usize>>,
}

/// One sign-in in progress; it stops counting when dropped.
#[derive(Debug)]
pub(crate) struct Attempt<'a> {
    attempts: &'a Attempts,
    /// Each key with the number of attempts that were in progress before this one.
    pub(crate) ahead: Vec<(String, usize)>,
}

impl Attempts {
    /// Counts a new attempt under `keys`.
    pub(crate) fn begin(&self, keys: Vec<String>) -> Attempt<'_> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let ahead = keys
            .into_iter()
            .map(|key| {
                let count = counts.entry(key.clone()).or_insert(0);
                let before = *count;
                *count += 1;
                (key, before)
            })
            .collect();
        Attempt {
            attempts: self,
            ahead,
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut counts = self
            .attempts
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (key, _) in &self.ahead {
            if let Some(count) = counts.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(key);
                }
            }
        }
    }
}

/// The keys whose refusal (429) this process audited lately, so that a flood of refused
/// sign-ins writes one audit row per key and window rather than one per request.
#[derive(Debug, Default)]
pub(crate) struct Refusals {
    noted: Mutex<HashMap<String, Instant>>,
}

impl Refusals {
    /// Whether `key` was not noted within `window`; if so it is noted now, so that of many
    /// refusals at once only one is told yes.
    pub(crate) fn first_within(&self, key: &str, window: Duration) -> bool {
        let mut noted = self.noted.lock().unwrap_or_else(|e| e.into_inner());
        if noted.get(key).is_some_and(|at| at.elapsed() < window) {
            return false;
        }
        if noted.len() >= SWEEP_AT {
            noted.retain(|_, at| at.elapsed() < window);
            if noted.len() >= SWEEP_AT / 2 {
                noted.clear();
            }
        }
        noted.insert(key.to_owned(), Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_noted_once_per_key_and_window() {
        let refusals = Refusals::default();
        let window = Duration::from_millis(200);
        assert!(refusals.first_within("email:a", window));
        assert!(!refusals.first_within("email:a", window));
        assert!(refusals.first_within("ip:1", window));
        std::thread::sleep(window);
        assert!(refusals.first_within("email:a", window));
    }

    #[test]
    fn attempts_in_progress_are_counted_until_they_end() {
        let attempts = Attempts::default();
        let first = attempts.begin(vec!["email:a".into(), "ip:1".into()]);
        let second = attempts.begin(vec!["email:a".into(), "ip:2".into()]);
        assert_eq!(first.ahead, [("email:a".into(), 0), ("ip:1".into(), 0)]);
        assert_eq!(second.ahead, [("email:a".into(), 1), ("ip:2".into(), 0)]);
        drop(first);
        drop(second);
        let third = attempts.begin(vec!["email:a".into()]);
        assert_eq!(third.ahead, [("email:a".into(), 0)]);
        drop(third);
        assert!(attempts.counts.lock().expect("unpoisoned").is_empty());
    }
}
