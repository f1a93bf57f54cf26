//! The bucket through `object_store`: a local folder (the default), or an `s3://`, `gs://` or
//! `az://` URL configured by the usual environment variables (`AWS_*`, `GOOGLE_*`, `AZURE_*`).
//!
//! JSON objects are written with `Content-Type: application/json` and a short
//! `Cache-Control` on cloud buckets. A local folder cannot store headers
//! (`LocalFileSystem` refuses attributes), so they are left out there: the web server that
//! serves the folder sets them (see `docs/operations.md`). Every write replaces an object
//! whole (a local write goes to a temporary file renamed into place), so readers never see
//! half an object.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use herald_assets::AssetStorage;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};
use url::Url;

use crate::PublishError;
use crate::keys::CacheClass;

/// Environment variable prefixes passed to `object_store`'s builders.
const ENV_PREFIXES: [&str; 3] = ["AWS_", "GOOGLE_", "AZURE_"];

/// Where published objects go. Cheap to clone.
#[derive(Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    /// Whether the store keeps `Content-Type` and `Cache-Control` (not a local folder).
    attributes: bool,
    /// For messages: the folder or the URL without credentials.
    label: String,
    /// The folder, when the bucket is one: batches of objects are written there directly.
    folder: Option<PathBuf>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Bucket {
    /// A local folder, created if missing.
    pub fn folder(path: &FsPath) -> Result<Bucket, PublishError> {
        std::fs::create_dir_all(path).map_err(|e| {
            PublishError::BucketConfig(format!("cannot create {}: {e}", path.display()))
        })?;
        let store = LocalFileSystem::new_with_prefix(path)?.with_automatic_cleanup(true);
        Ok(Bucket {
            store: Arc::new(store),
            attributes: false,
            label: path.display().to_string(),
            folder: Some(path.to_path_buf()),
        })
    }

    /// A cloud bucket: `s3://bucket/prefix`, `gs://…` or `az://…`, configured from the
    /// environment.
    pub fn cloud(url: &Url) -> Result<Bucket, PublishError> {
        let options = std::env::vars().filter_map(|(key, value)| {
            ENV_PREFIXES
                .iter()
                .any(|prefix| key.starts_with(prefix))
                .then(|| (key.to_ascii_lowercase(), value))
        });
        let (store, prefix) = object_store::parse_url_opts(url, options)?;
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::from(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        let mut label = url.clone();
        let _ = label.set_password(None);
        let _ = label.set_username("");
        label.set_query(None);
        Ok(Bucket {
            store,
            attributes: true,
            label: label.to_string(),
            folder: None,
        })
    }

    /// In memory (unit tests).
    pub fn in_memory() -> Bucket {
        Bucket {
            store: Arc::new(InMemory::new()),
            attributes: true,
            label: "memory".to_owned(),
            folder: None,
        }
    }

    /// The object store underneath (the private asset store is opened as a bucket too).
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The folder or URL, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Writes a JSON object whole. In a local folder an object that already holds exactly
    /// these bytes is left alone: reading a small file costs far less than replacing it (a new
    /// file, a rename, the old one freed), which is most of a repair rebuild's work there. A
    /// cloud bucket is always written (a read would cost a request too).
    pub async fn put_json(
        &self,
        key: &str,
        body: Vec<u8>,
        cache: CacheClass,
    ) -> Result<(), PublishError> {
        if !self.attributes && self.get(key).await?.is_some_and(|old| old == body) {
            return Ok(());
        }
        let mut options = PutOptions::default();
        if self.attributes {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, "application/json".into());
            attributes.insert(Attribute::CacheControl, cache.cache_control().into());
            options.attributes = attributes;
        }
        self.store
            .put_opts(&Path::from(key), PutPayload::from(body), options)
            .await?;
        Ok(())
    }

    /// Writes many JSON objects, each whole, as [`Bucket::put_json`] does one. A cloud bucket
    /// gets up to `concurrency` requests at once. A local folder is written by one blocking
    /// task, one file after the other: the objects of a type and locale share a directory, and
    /// writers in parallel only queue on its lock (and on the hops to and from blocking
    /// threads that `object_store` makes for every file).
    pub async fn put_json_all(
        &self,
        objects: Vec<(String, Vec<u8>)>,
        cache: CacheClass,
        concurrency: usize,
    ) -> Result<(), PublishError> {
        let Some(folder) = self.folder.clone() else {
            let bucket = self.clone();
            crate::worker::bounded(objects, concurrency, move |(key, body)| {
                let bucket = bucket.clone();
                async move { bucket.put_json(&key, body, cache).await }
            })
            .await?;
            return Ok(());
        };
        tokio::task::spawn_blocking(move || {
            objects
                .iter()
                .try_for_each(|(key, body)| write_file(&folder, key, body))
        })
        .await
        .map_err(|e| PublishError::Task(e.to_string()))?
    }

    /// Makes an uploaded file public: streams it from the private store to
    /// `assets/{sha256}/{filename}` (contract §4), immutable, unless it is there already.
    pub async fn put_asset(
        &self,
        assets: &AssetStorage,
        asset: &herald_store::Asset,
    ) -> Result<(), PublishError> {
        assets
            .publish(
                self.store.as_ref(),
                self.attributes,
                &asset.sha256,
                &asset.filename,
                &asset.content_type,
            )
            .await?;
        Ok(())
    }

    /// An object's bytes, or `None` when it does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PublishError> {
        match self.store.get(&Path::from(key)).await {
            Ok(result) => Ok(Some(result.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// An object's `Content-Type` and `Cache-Control`, as stored (both `None` in a folder),
    /// or `None` when it does not exist.
    pub async fn headers(
        &self,
        key: &str,
    ) -> Result<Option<(Option<String>, Option<String>)>, PublishError> {
        match self.store.get(&Path::from(key)).await {
            Ok(result) => {
                let header =
                    |attribute: &Attribute| result.attributes.get(attribute).map(|v| v.to_string());
                Ok(Some((
                    header(&Attribute::ContentType),
                    header(&Attribute::CacheControl),
                )))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Whether an object exists.
    pub async fn exists(&self, key: &str) -> Result<bool, PublishError> {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// Deletes an object; one that is already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), PublishError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }

    /// Every key under `prefix` (tests and tools; publishing never lists the bucket).
    pub async fn list(&self, prefix: Option<&str>) -> Result<Vec<String>, PublishError> {
        let prefix = prefix.map(Path::from);
        let mut stream = self.store.list(prefix.as_ref());
        let mut keys = Vec::new();
        while let Some(meta) = stream.next().await {
            keys.push(meta?.location.to_string());
        }
        keys.sort();
        Ok(keys)
    }

    /// In a folder bucket, deletes the temporary files a stopped process left beside objects
    /// (Herald's `…#herald-…` and `object_store`'s `…#<n>`; no key contains `#`) once they
    /// are older than `grace`, and returns how many. They are invisible to listings and
    /// named so that no one guesses them, but a web server serving the folder would serve
    /// them, and one may hold an entry unpublished since. Cloud buckets have none: an object
    /// appears whole or not at all.
    pub async fn sweep_staged(&self, grace: std::time::Duration) -> Result<usize, PublishError> {
        let Some(folder) = self.folder.clone() else {
            return Ok(0);
        };
        let cutoff = std::time::SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
        tokio::task::spawn_blocking(move || sweep_staged_files(&folder, cutoff))
            .await
            .map_err(|e| PublishError::BucketConfig(format!("sweeping the bucket: {e}")))?
            .map_err(|e| {
                PublishError::Bucket(object_store::Error::Generic {
                    store: "LocalFileSystem",
                    source: e.into(),
                })
            })
    }

    /// The folder, when the bucket is a local one.
    pub fn local_folder(&self) -> Option<&FsPath> {
        self.folder.as_deref()
    }

    /// Whether the bucket answers (`/readyz`): lists at most one object.
    pub async fn check(&self) -> Result<(), PublishError> {
        let mut stream = self.store.list(None);
        match stream.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(error)) => Err(error.into()),
        }
    }
}

/// Deletes, under `dir` and its subfolders, the files with a `#` in their name last modified
/// before `cutoff`.
fn sweep_staged_files(dir: &FsPath, cutoff: std::time::SystemTime) -> std::io::Result<usize> {
    let mut removed = 0;
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            // Emptied and removed by a concurrent delete.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if entry.file_name().as_encoded_bytes().contains(&b'#')
                && entry.metadata()?.modified()? < cutoff
            {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(removed)
}

/// Writes `body` at `key` under `folder` unless the file holds exactly that already: to a
/// temporary file beside it (named with a `#`, like `object_store`'s, which its listings
/// skip), then renamed into place, so that a reader sees the old object or the new one.
fn write_file(folder: &FsPath, key: &str, body: &[u8]) -> Result<(), PublishError> {
    let target = folder.join(Path::from(key).as_ref());
    let io = |e: std::io::Error| {
        PublishError::Bucket(object_store::Error::Generic {
            store: "LocalFileSystem",
            source: format!("{}: {e}", target.display()).into(),
        })
    };
    match std::fs::read(&target) {
        Ok(old) if old == body => return Ok(()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    // Unique to this write, so that two writers of one key never share a temporary file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut staged = target.clone().into_os_string();
    staged.push(format!("#herald-{}-{n}", std::process::id()));
    let staged = PathBuf::from(staged);
    let written = match std::fs::write(&staged, body) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&staged, body)
        }
        other => other,
    };
    if let Err(e) = written.and_then(|()| std::fs::rename(&staged, &target)) {
        let _ = std::fs::remove_file(&staged);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_folder_loses_old_temporary_files_and_nothing_else() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let bucket = Bucket::folder(dir.path()).expect("a bucket");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        let file = |name: &str, modified: Option<std::time::SystemTime>| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            let file = std::fs::File::create(&path).expect("a file");
            if let Some(at) = modified {
                file.set_modified(at).expect("dated");
            }
        };
        file("content/faq/en/a.json", Some(old));
        file("content/faq/en/a.json#herald-41-7", Some(old));
        file("assets/abc/hero.png#1", Some(old));
        file("content/faq/fr/b.json#herald-42-1", None);
        let hour = std::time::Duration::from_secs(3600);
        assert_eq!(bucket.sweep_staged(hour).await.expect("swept"), 2);
        assert!(dir.path().join("content/faq/en/a.json").exists());
        assert!(
            !dir.path()
                .join("content/faq/en/a.json#herald-41-7")
                .exists()
        );
        assert!(!dir.path().join("assets/abc/hero.png#1").exists());
        assert!(
            dir.path()
                .join("content/faq/fr/b.json#herald-42-1")
                .exists(),
            "a write in progress is left alone"
        );
        let cloud = Bucket::in_memory();
        assert_eq!(cloud.sweep_staged(hour).await.expect("swept"), 0);
    }

    #[tokio::test]
    async fn many_objects_go_to_a_folder_whole_and_identical_ones_are_left_alone() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let bucket = Bucket::folder(&dir.path().join("public")).expect("a bucket");
        let object = |key: &str, body: &str| (key.to_owned(), body.as_bytes().to_vec());
        bucket
            .put_json_all(
                vec![
                    object("content/faq/en/a.json", "1"),
                    object("content/faq/fr/b.json", "2"),
                ],
                CacheClass::Entry,
                4,
            )
            .await
            .expect("written");
        let a = dir.path().join("public/content/faq/en/a.json");
        let modified = |path: &std::path::Path| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .expect("a file")
        };
        let first = modified(&a);
        std::thread::sleep(std::time::Duration::from_millis(20));
        bucket
            .put_json_all(
                vec![
                    object("content/faq/en/a.json", "1"),
                    object("content/faq/fr/b.json", "3"),
                ],
                CacheClass::Entry,
                4,
            )
            .await
            .expect("written");
        assert_eq!(modified(&a), first, "the same bytes are not written again");
        assert_eq!(
            bucket.get("content/faq/fr/b.json").await.expect("read"),
            Some(b"3".to_vec())
        );
        assert_eq!(
            bucket.list(None).await.expect("listed"),
            ["content/faq/en/a.json", "content/faq/fr/b.json"]
        );
        let names: Vec<String> = std::fs::read_dir(dir.path().join("public/content/faq/fr"))
            .expect("the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["b.json"], "no temporary file is left");
    }

    #[tokio::test]
    async fn a_folder_bucket_writes_reads_and_deletes_without_headers() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let bucket = Bucket::folder(&dir.path().join("public")).expect("a bucket");
        bucket
            .put_json("content/faq/en/a.json", b"{}".to_vec(), CacheClass::Entry)
            .await
            .expect("written");
        assert!(dir.path().join("public/content/faq/en/a.json").is_file());
        assert_eq!(
            bucket.get("content/faq/en/a.json").await.expect("read"),
            Some(b"{}".to_vec())
        );
        assert_eq!(bucket.get("missing.json").await.expect("read"), None);
        assert_eq!(
            bucket.list(None).await.expect("listed"),
            ["content/faq/en/a.json"]
        );
        bucket
            .delete("content/faq/en/a.json")
            .await
            .expect("deleted");
        bucket
            .delete("content/faq/en/a.json")
            .await
            .expect("gone is fine");
        bucket.check().await.expect("reachable");
    }

    #[tokio::test]
    async fn a_folder_bucket_leaves_an_object_that_holds_the_same_bytes() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let bucket = Bucket::folder(dir.path()).expect("a bucket");
        let path = dir.path().join("manifest.json");
        let inode = |path: &std::path::Path| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).expect("the object").ino()
        };
        bucket
            .put_json("manifest.json", b"{\"a\":1}".to_vec(), CacheClass::Listing)
            .await
            .expect("written");
        let first = inode(&path);
        bucket
            .put_json("manifest.json", b"{\"a\":1}".to_vec(), CacheClass::Listing)
            .await
            .expect("unchanged");
        assert_eq!(inode(&path), first, "the same bytes: not replaced");
        bucket
            .put_json("manifest.json", b"{\"a\":2}".to_vec(), CacheClass::Listing)
            .await
            .expect("changed");
        assert_ne!(inode(&path), first, "new bytes: replaced whole");
        assert_eq!(std::fs::read(&path).expect("read"), b"{\"a\":2}");
    }
}
