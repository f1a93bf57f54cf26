//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//! Hashing costs tens of milliseconds of CPU on purpose, so it runs on blocking threads, and
//! at most a few hashes run at once: a flood of sign-ins queues here (a bounded queue; beyond
//! it, 429) instead of starving the rest of the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::AuthError;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// One place in the hasher's queue, given back on drop.
#[derive(Debug)]
struct QueueSlot(Arc<AtomicUsize>);

impl QueueSlot {
    fn take(queued: &Arc<AtomicUsize>, max: usize) -> Option<QueueSlot> {
        queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| QueueSlot(queued.clone()))
    }
}

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn argon2() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| AuthError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes and verifies passwords off the async threads, a bounded number at once, with a
/// bounded queue in front: beyond it a sign-in is refused at once ([`AuthError::RateLimited`])
/// rather than piling up.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Hashes waiting or running, and the most allowed.
    queued: Arc<AtomicUsize>,
    max_queued: usize,
    /// A hash of a random password, checked when an e-mail is unknown so that the answer takes
    /// as long as for a wrong password.
    decoy: Arc<str>,
}

/// Hashes that may wait for a permit, per permit.
const QUEUE_PER_PERMIT: usize = 16;

impl Hasher {
    /// A hasher running at most `concurrency` hashes at once (at least 1), with up to 16 times
    /// as many waiting.
    pub fn new(concurrency: usize) -> Result<Hasher, AuthError> {
        let decoy = hash_now(&crate::secret::random_token("decoy_"))?;
        let concurrency = concurrency.max(1);
        Ok(Hasher {
            permits: Arc::new(Semaphore::new(concurrency)),
            queued: Arc::new(AtomicUsize::new(0)),
            max_queued: concurrency * (QUEUE_PER_PERMIT + 1),
            decoy: decoy.into(),
        })
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `password`.
    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `hash`. With `hash: None` (an unknown e-mail) it checks the
    /// decoy instead, spending the same time, and answers `false`.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AuthError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.decoy.to_string());
        let matches = self
            .run(move || {
                Ok::<_, AuthError>(
                    argon2()?
                        .verify_password(password.as_bytes(), hash.as_str())
                        .is_ok(),
                )
            })
            .await??;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let slot =
            QueueSlot::take(&self.queued, self.max_queued).ok_or(AuthError::RateLimited {
                retry_after: std::time::Duration::from_secs(1),
                why: "too many sign-ins at once",
            })?;
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AuthError::Internal("the password hasher is closed".into()))?;
        // The permit and the queue slot go with the work: if the caller gives up (the client
        // disconnects), the hash still holds them until it is done, so abandoned requests
        // cannot make more hashes run at once.
        tokio::task::spawn_blocking(move || {
            let _held = (permit, slot);
            work()
        })
        .await
        .map_err(|e| AuthError::Internal(format!("password hashing failed: {e}")))
    }
}

fn hash_now(password: &str) -> Result<String, AuthError> {
    argon2()?
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Internal(format!("password hashing failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_parameters_and_verifies() -> Result<(), AuthError> {
        let hasher = Hasher::new(2)?;
        let hash = hasher.hash("correct horse battery".into()).await?;
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(hash.clone()))
                .await?
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), Some(hash))
                .await?
        );
        assert!(!hasher.verify("anything at all".into(), None).await?);
        Ok(())
    }
}
