//! Housekeeping inside `herald serve`, every hour:
//! - the private asset store loses what no asset describes: uploads the server stopped in the
//!   middle of (or received but never recorded), and originals whose row is gone (a deleted
//!   asset whose file could not be removed at once, a file kept just before a crash). Every
//!   removal of an original is checked under the lock of its hash
//!   (`Store::remove_unrecorded_file`), so a file being recorded is never taken;
//! - a folder bucket loses the temporary files of writes a stopped process left;
//! - sessions whose refresh tokens all expired are deleted (each refresh adds a row).
//!
//! With several servers on one database each does the same; all of it is idempotent.

use std::time::Duration;

use herald_assets::AssetStorage;
use herald_publish::Bucket;
use herald_store::Store;
use tokio::sync::watch;

/// How often the store is swept.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);
/// How old a temporary file (an upload, a write to a folder bucket) must be to count as
/// abandoned: far longer than any write takes (a stalled upload's connection times out long
/// before).
pub const TEMPORARY_GRACE: Duration = Duration::from_secs(60 * 60);
/// How long after its last token expired a session is kept: longer than any access token
/// lives, so that no valid access token names a session that is gone.
pub const SESSION_GRACE: Duration = Duration::from_secs(2 * 24 * 60 * 60);
/// Hashes looked up in the database at once.
const HASHES_PER_QUERY: usize = 500;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Abandoned files under `uploads/`.
    pub uploads: usize,
    /// Originals no asset has.
    pub originals: usize,
}

/// One sweep of the private asset store.
pub async fn sweep_assets(
    store: &Store,
    assets: &AssetStorage,
    upload_grace: Duration,
) -> anyhow::Result<Swept> {
    let mut swept = Swept {
        uploads: assets.sweep_uploads(upload_grace).await?,
        ..Swept::default()
    };
    let hashes = assets.original_hashes().await?;
    for chunk in hashes.chunks(HASHES_PER_QUERY) {
        let recorded = store.recorded_hashes(chunk).await?;
        for sha256 in chunk.iter().filter(|h| !recorded.contains(h)) {
            if store
                .remove_unrecorded_file(sha256, assets.remove(sha256))
                .await?
            {
                swept.originals += 1;
            }
        }
    }
    Ok(swept)
}

/// What housekeeping works on.
#[derive(Debug, Clone)]
pub struct Housekeeping {
    pub store: Store,
    pub assets: AssetStorage,
    pub bucket: Bucket,
    /// The access-token lifetime: sessions are kept at least this long after they expire.
    pub access_ttl: Duration,
}

impl Housekeeping {
    /// One round of everything; each part's failure is logged, and the others still run.
    pub async fn run(&self) {
        match sweep_assets(&self.store, &self.assets, TEMPORARY_GRACE).await {
            Ok(swept) if swept == Swept::default() => {}
            Ok(swept) => tracing::info!(
                uploads = swept.uploads,
                originals = swept.originals,
                "asset store swept: removed files no asset describes"
            ),
            Err(error) => tracing::warn!(%error, "sweeping the asset store failed"),
        }
        match self.bucket.sweep_staged(TEMPORARY_GRACE).await {
            Ok(0) => {}
            Ok(files) => tracing::info!(files, "bucket swept: removed abandoned temporary files"),
            Err(error) => tracing::warn!(%error, "sweeping the bucket folder failed"),
        }
        let before = chrono::Utc::now()
            - chrono::TimeDelta::from_std(SESSION_GRACE.max(self.access_ttl))
                .unwrap_or(chrono::TimeDelta::MAX);
        match self.store.purge_expired_sessions(before).await {
            Ok(0) => {}
            Ok(tokens) => tracing::info!(tokens, "expired sessions deleted"),
            Err(error) => tracing::warn!(%error, "deleting expired sessions failed"),
        }
    }

    /// Runs every `every` (the first time one minute after the start, or `every` if shorter)
    /// until `stopped` turns true.
    pub fn spawn(
        self,
        every: Duration,
        mut stopped: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut wait = every.min(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped.wait_for(|stop| *stop) => return,
                }
                wait = every;
                self.run().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::StreamExt;
    use herald_store::{Actor, NewAsset};
    use object_store::local::LocalFileSystem;

    use super::*;

    fn png() -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x03\x08\x06\0\0\0".to_vec();
        bytes.resize(4096, 7);
        bytes
    }

    async fn receive(assets: &AssetStorage, bytes: Vec<u8>) -> herald_assets::Received {
        let body = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
        let declared = herald_assets::Declared {
            content_type: Some("image/png".to_owned()),
            filename: Some("hero.png".to_owned()),
        };
        assets
            .ingest(body, &declared, &["image/png".to_owned()], u64::MAX)
            .await
            .expect("received")
    }

    fn new_asset(file: &herald_assets::Stored) -> NewAsset {
        NewAsset {
            sha256: file.sha256.clone(),
            filename: "hero.png".to_owned(),
            content_type: file.content_type.to_owned(),
            bytes: file.bytes,
            width: file.width,
            height: file.height,
            alt: None,
        }
    }

    #[tokio::test]
    async fn a_sweep_removes_the_originals_no_asset_has_and_keeps_the_rest() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}", dir.path().join("herald.db").display());
        let store = Store::connect(&url).await.expect("a database");
        let folder = dir.path().join("assets");
        std::fs::create_dir_all(&folder).expect("the folder");
        let assets = AssetStorage::new(
            Arc::new(LocalFileSystem::new_with_prefix(&folder).expect("a folder")),
            Some(folder.clone()),
        );

        // A recorded asset, and a file kept just before the server died (no row).
        let recorded = receive(&assets, png()).await;
        let keep = async { assets.keep(&recorded).await.map_err(|e| e.to_string()) };
        let (asset, created) = store
            .create_asset(new_asset(&recorded.file), &Actor::system(), keep)
            .await
            .expect("recorded");
        assert!(created);
        let mut other = png();
        other[4000] = 8;
        let orphan = receive(&assets, other).await;
        assets.keep(&orphan).await.expect("kept");
        // And an upload received but never kept.
        let _abandoned = receive(&assets, png()).await;

        let swept = sweep_assets(&store, &assets, Duration::ZERO)
            .await
            .expect("swept");
        assert_eq!(
            swept,
            Swept {
                uploads: 1,
                originals: 1
            }
        );
        assert_eq!(
            assets.original_hashes().await.expect("listed"),
            std::slice::from_ref(&asset.sha256)
        );
        let mut original = assets.open(&asset.sha256).await.expect("still there");
        assert!(original.next().await.is_some());

        // Once its asset is deleted, a second sweep takes the last one.
        store
            .delete_asset(&asset.id, &Actor::system())
            .await
            .expect("deleted");
        let swept = sweep_assets(&store, &assets, Duration::ZERO)
            .await
            .expect("swept");
        assert_eq!(swept.originals, 1);
        assert!(assets.original_hashes().await.expect("listed").is_empty());
        store.close().await;
    }
}
