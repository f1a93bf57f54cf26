//! The processes working on one SQLite file: `herald serve`, `herald publish rebuild`. Each
//! holds a shared lock on `<file>.processes` while it runs, which the operating system drops
//! when the process ends, even killed. A process that can take that lock exclusively knows
//! that no other is alive: the publishing jobs still marked running were a dead process's, and
//! are released at once instead of waiting for their lease to run out. Otherwise they are left
//! to their lease, which their live worker keeps renewing.
//!
//! PostgreSQL needs none of this: servers on other machines cannot share a file lock, and
//! their jobs are always taken over through the lease.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::str::FromStr;

use sea_orm::sqlx::sqlite::SqliteConnectOptions;

use crate::{Store, StoreError};

/// This process's place among those using a SQLite file; dropped (or the process ended), it
/// leaves.
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
}

/// What joining the processes found.
#[derive(Debug)]
pub struct Joined {
    /// Hold it while the process runs.
    pub lock: ProcessLock,
    /// Jobs left running by processes that are gone, now free to resume.
    pub released_jobs: u64,
}

/// The lock file of the SQLite database at `url`, or `None` for an in-memory one.
fn lock_path(url: &str) -> Result<Option<PathBuf>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Database(sea_orm::DbErr::Custom(format!("{e}"))))?;
    let file = options.get_filename();
    if url.contains(":memory:") || url.contains("mode=memory") || file.as_os_str().is_empty() {
        return Ok(None);
    }
    let mut name = file.as_os_str().to_owned();
    name.push(".processes");
    Ok(Some(PathBuf::from(name)))
}

fn io_error(path: &std::path::Path, error: &std::io::Error) -> StoreError {
    StoreError::Files(format!("the process lock {}: {error}", path.display()))
}

impl Store {
    /// On SQLite, joins the processes working on the database at `url` (see the module's
    /// documentation); `None` on PostgreSQL and for an in-memory SQLite database. Call it
    /// before this process claims any job.
    pub async fn join_processes(&self, url: &str) -> Result<Option<Joined>, StoreError> {
        if !self.is_sqlite() {
            return Ok(None);
        }
        let Some(path) = lock_path(url)? else {
            return Ok(None);
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, &e))?;
        let alone = match file.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(e)) => return Err(io_error(&path, &e)),
        };
        // Released while the lock is exclusive: a process starting now waits for the shared
        // lock below, so it cannot have claimed a job that this would take from it.
        let released_jobs = if alone {
            self.release_orphaned_jobs().await?
        } else {
            0
        };
        // Exclusive becomes shared (another process waits here only while one starting up
        // holds it exclusively, for as long as the update above takes).
        let blocking = path.clone();
        let file = tokio::task::spawn_blocking(move || file.lock_shared().map(|()| file))
            .await
            .map_err(|e| StoreError::Files(e.to_string()))?
            .map_err(|e| io_error(&blocking, &e))?;
        Ok(Some(Joined {
            lock: ProcessLock { _file: file },
            released_jobs,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_databases_have_no_lock_file() {
        assert_eq!(lock_path("sqlite::memory:").ok().flatten(), None);
        assert_eq!(
            lock_path("sqlite://data/herald.db?mode=rwc").ok().flatten(),
            Some(PathBuf::from("data/herald.db.processes"))
        );
    }

    #[tokio::test]
    async fn running_jobs_are_released_only_when_no_other_process_is_alive() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display());
        let store = Store::connect(&url).await.expect("a database");
        store
            .enqueue_rebuild(None, &crate::Actor::system())
            .await
            .expect("a rebuild queued");
        let lease = std::time::Duration::from_secs(600);
        let first = store.join_processes(&url).await.expect("joins");
        let first = first.expect("a lock on SQLite");
        assert_eq!(first.released_jobs, 0);
        let claimed = store.claim_bucket_jobs("first", lease, 10).await;
        assert_eq!(claimed.expect("claims").len(), 1);

        // The first process is alive (it holds its lock): the second leaves its job alone.
        let second = store.join_processes(&url).await.expect("joins");
        assert_eq!(second.map(|j| j.released_jobs), Some(0));
        let taken = store.claim_bucket_jobs("second", lease, 10).await;
        assert!(taken.expect("claims").is_empty(), "the live job stays");

        // Once it is gone, the next process to start resumes its job at once.
        drop(first);
        let third = store.join_processes(&url).await.expect("joins");
        assert_eq!(third.map(|j| j.released_jobs), Some(1));
        let resumed = store.claim_bucket_jobs("third", lease, 10).await;
        assert_eq!(resumed.expect("claims").len(), 1);
    }
}
