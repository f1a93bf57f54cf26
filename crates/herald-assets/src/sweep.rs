//! Housekeeping of the private store: uploads that were never kept (the server stopped or the
//! client vanished between receiving a file and recording it), and the list of originals the
//! store compares with its records to find files no asset describes any more.

use std::path::Path as FsPath;
use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;

use crate::storage::{AssetStorage, ORIGINALS, UPLOADS};

impl AssetStorage {
    /// Deletes what lies under `uploads/` and was last written more than `grace` ago, and
    /// returns how many files went. `grace` must be longer than any upload in progress takes.
    /// In a folder this includes unfinished files (`object_store`'s staging files, which its
    /// listings skip); in a cloud bucket unfinished multipart uploads are not objects, and
    /// expire by the bucket's lifecycle rule (`docs/operations.md`).
    pub async fn sweep_uploads(&self, grace: Duration) -> Result<usize, object_store::Error> {
        let cutoff = SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if let Some(folder) = &self.folder {
            let uploads = folder.join(UPLOADS);
            return tokio::task::spawn_blocking(move || sweep_folder(&uploads, cutoff))
                .await
                .map_err(|e| generic(e.to_string()))?
                .map_err(|e| generic(e.to_string()));
        }
        let stale: Vec<Path> = self
            .store
            .list(Some(&Path::from(UPLOADS)))
            .try_filter(|meta| std::future::ready(SystemTime::from(meta.last_modified) < cutoff))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        for key in &stale {
            match self.store.delete(key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(stale.len())
    }

    /// The SHA-256 of every original kept, in no particular order.
    pub async fn original_hashes(&self) -> Result<Vec<String>, object_store::Error> {
        self.store
            .list(Some(&Path::from(ORIGINALS)))
            .try_filter_map(|meta| {
                let name = meta.location.filename().unwrap_or_default();
                let is_hash = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
                std::future::ready(Ok(is_hash.then(|| name.to_owned())))
            })
            .try_collect()
            .await
    }
}

/// Deletes the files of `dir` last modified before `cutoff`.
fn sweep_folder(dir: &FsPath, cutoff: SystemTime) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let metadata = entry.metadata()?;
        if metadata.is_file() && metadata.modified()? < cutoff {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

fn generic(message: String) -> object_store::Error {
    object_store::Error::Generic {
        store: "uploads",
        source: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::sync::Arc;

    use object_store::local::LocalFileSystem;

    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn file(path: &FsPath, age: Duration) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("the folder");
        let file = File::create(path).expect("a file");
        file.set_modified(SystemTime::now() - age).expect("dated");
    }

    #[tokio::test]
    async fn a_folder_loses_old_uploads_finished_or_not_and_keeps_recent_ones() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = LocalFileSystem::new_with_prefix(dir.path()).expect("a folder");
        let storage = AssetStorage::new(Arc::new(store), Some(dir.path().to_owned()));
        assert_eq!(
            storage.sweep_uploads(HOUR).await.expect("swept"),
            0,
            "no folder yet"
        );

        let uploads = dir.path().join(UPLOADS);
        file(&uploads.join("finished"), 2 * HOUR);
        // What object_store leaves of a multipart upload the process did not finish.
        file(&uploads.join("unfinished#1"), 2 * HOUR);
        file(&uploads.join("in-progress#1"), Duration::from_secs(5));
        file(&dir.path().join(ORIGINALS).join("a".repeat(64)), 2 * HOUR);

        assert_eq!(storage.sweep_uploads(HOUR).await.expect("swept"), 2);
        let left: Vec<String> = std::fs::read_dir(&uploads)
            .expect("the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(left, ["in-progress#1"]);
        assert_eq!(
            storage.original_hashes().await.expect("listed"),
            ["a".repeat(64)],
            "originals are not the sweep's to judge"
        );
    }

    #[tokio::test]
    async fn a_cloud_store_loses_old_uploads_and_lists_only_hash_named_originals() {
        let store = object_store::memory::InMemory::new();
        for key in [
            "uploads/u1",
            "originals/not-a-hash",
            &format!("originals/{}", "b".repeat(64)),
        ] {
            store
                .put(&Path::from(key), bytes::Bytes::from_static(b"x").into())
                .await
                .expect("put");
        }
        let storage = AssetStorage::new(Arc::new(store), None);
        // Everything in memory was written just now: nothing is old enough.
        assert_eq!(storage.sweep_uploads(HOUR).await.expect("swept"), 0);
        assert_eq!(
            storage.sweep_uploads(Duration::ZERO).await.expect("swept"),
            1
        );
        assert_eq!(
            storage.original_hashes().await.expect("listed"),
            ["b".repeat(64)]
        );
    }
}
