//! Where uploads live: a private object store (a folder by default, or a cloud bucket that is
//! not the public one). An upload streams into `uploads/<uuid>` while its SHA-256 is computed
//! and its first bytes are checked ([`AssetStorage::ingest`]); once the store has decided to
//! record it, it moves to `originals/<sha256>` ([`AssetStorage::keep`]): the same bytes
//! uploaded twice are stored once. Only publishing copies a file to the public bucket.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMultipartOptions, WriteMultipart,
};
use sha2::{Digest, Sha256};

use crate::sniff::{SNIFF_BYTES, normalise_declared, sniff, type_of_extension};

/// Bytes kept from the start of an upload to read an image's width and height (a JPEG's size
/// can come after large metadata).
const HEAD_BYTES: usize = 256 * 1024;
/// Part size and parts in flight for a local folder: small, so an upload holds little memory.
const LOCAL_PARTS: (usize, usize) = (512 * 1024, 2);
/// For cloud stores: S3 needs parts of at least 5 MiB.
const CLOUD_PARTS: (usize, usize) = (5 * 1024 * 1024, 2);

/// `Cache-Control` of a published asset: its key contains its hash, so it never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Why an upload was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("the file's content is not a type Herald accepts (images, PDF, MP4, WebM)")]
    Unrecognised,
    #[error("the file is {actual}, but it was sent as {claimed}")]
    Mislabelled {
        claimed: String,
        actual: &'static str,
    },
    #[error("{0} files are not accepted here")]
    NotAllowed(&'static str),
    #[error("the upload broke off: {0}")]
    Interrupted(String),
    #[error("storage: {0}")]
    Storage(#[from] object_store::Error),
}

/// What the client said about the file.
#[derive(Debug, Clone)]
pub struct Declared {
    /// The part's `Content-Type`, if any (`application/octet-stream` counts as none).
    pub content_type: Option<String>,
    /// The original file name, if any (its extension must agree with the content).
    pub filename: Option<String>,
}

/// A file stored under `originals/<sha256>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub bytes: u64,
    /// Sniffed from the content.
    pub content_type: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// A file received into `uploads/`, checked and hashed: [`AssetStorage::keep`] makes it an
/// original, [`AssetStorage::discard`] drops it.
#[derive(Debug)]
#[must_use = "a received file is kept or discarded"]
pub struct Received {
    /// What the file is.
    pub file: Stored,
    temp: Path,
}

/// The private store of uploaded originals.
#[derive(Debug, Clone)]
pub struct AssetStorage {
    pub(crate) store: Arc<dyn ObjectStore>,
    /// The folder behind `store`, when it is one on this machine.
    pub(crate) folder: Option<PathBuf>,
    /// Bytes per uploaded part, and parts in flight at once: together, the most an upload
    /// holds in memory.
    parts: (usize, usize),
}

/// Where uploads are received before they are kept.
pub(crate) const UPLOADS: &str = "uploads";
/// Where kept originals live, by hash.
pub(crate) const ORIGINALS: &str = "originals";

/// The key of an original.
pub fn original_key(sha256: &str) -> Path {
    Path::from(format!("{ORIGINALS}/{sha256}"))
}

/// The public key of a published asset (contract §4).
pub fn public_key(sha256: &str, filename: &str) -> Path {
    Path::from(format!("assets/{sha256}/{filename}"))
}

impl AssetStorage {
    /// Storage in `store`; `folder` is the folder behind it when it is one on this machine
    /// (smaller parts; [`AssetStorage::sweep_uploads`] also sees unfinished files there).
    pub fn new(store: Arc<dyn ObjectStore>, folder: Option<PathBuf>) -> Self {
        AssetStorage {
            store,
            parts: if folder.is_some() {
                LOCAL_PARTS
            } else {
                CLOUD_PARTS
            },
            folder,
        }
    }

    /// The store itself (readiness checks, tests).
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Streams `body` into `uploads/`, refusing it as soon as it is too large, not a known
    /// type, not allowed or not what it was declared to be. Nothing is left behind on refusal.
    pub async fn ingest<E: std::fmt::Display>(
        &self,
        body: impl Stream<Item = Result<Bytes, E>>,
        declared: &Declared,
        allowed: &[String],
        limit: u64,
    ) -> Result<Received, IngestError> {
        let temp = Path::from(format!("{UPLOADS}/{}", uuid::Uuid::now_v7()));
        let (part_size, in_flight) = self.parts;
        let mut upload =
            WriteMultipart::new_with_chunk_size(self.store.put_multipart(&temp).await?, part_size);
        match receive(body, &mut upload, in_flight, declared, allowed, limit).await {
            Ok(received) => {
                upload.finish().await?;
                let (sha256, bytes, content_type, head) = received;
                let size = imagesize::blob_size(&head).ok();
                let is_image = content_type.starts_with("image/");
                let file = Stored {
                    sha256,
                    bytes,
                    content_type,
                    width: size
                        .filter(|_| is_image)
                        .and_then(|s| u32::try_from(s.width).ok()),
                    height: size
                        .filter(|_| is_image)
                        .and_then(|s| u32::try_from(s.height).ok()),
                };
                Ok(Received { file, temp })
            }
            Err(error) => {
                if let Err(abort) = upload.abort().await {
                    tracing::warn!(%abort, "could not abort a refused upload");
                }
                let _ = self.store.delete(&temp).await;
                Err(error)
            }
        }
    }

    /// Moves a received file to `originals/<sha256>`. Same bytes, same key: overwriting an
    /// existing original changes nothing.
    pub async fn keep(&self, received: &Received) -> Result<(), object_store::Error> {
        self.store
            .rename(&received.temp, &original_key(&received.file.sha256))
            .await
    }

    /// Deletes a received file that is not kept (refused, or bytes stored already). A file
    /// that cannot be deleted now is left to [`AssetStorage::sweep_uploads`].
    pub async fn discard(&self, received: Received) {
        match self.store.delete(&received.temp).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => tracing::warn!(%e, "could not delete a received upload"),
        }
    }

    /// The original's bytes, as a stream (authenticated previews).
    pub async fn open(
        &self,
        sha256: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, object_store::Error>> + use<>, object_store::Error>
    {
        Ok(self.store.get(&original_key(sha256)).await?.into_stream())
    }

    /// Copies an original to `assets/<sha256>/<filename>` in the public bucket, streaming it
    /// part by part (a file is never held whole in memory), with its type and an immutable
    /// `Cache-Control` where the bucket keeps them (a local folder does not). The object
    /// appears only once complete. Returns the public key. Safe to repeat: a key that exists
    /// already holds the same bytes (it contains their hash), so it is left alone.
    pub async fn publish(
        &self,
        public: &dyn ObjectStore,
        supports_attributes: bool,
        sha256: &str,
        filename: &str,
        content_type: &str,
    ) -> Result<Path, object_store::Error> {
        let key = public_key(sha256, filename);
        match public.head(&key).await {
            Ok(_) => return Ok(key),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
        let mut attributes = Attributes::new();
        if supports_attributes {
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
            attributes.insert(Attribute::CacheControl, IMMUTABLE.into());
        }
        let mut source = self.store.get(&original_key(sha256)).await?.into_stream();
        let (part_size, in_flight) = if supports_attributes {
            CLOUD_PARTS
        } else {
            LOCAL_PARTS
        };
        let upload = public
            .put_multipart_opts(
                &key,
                PutMultipartOptions {
                    attributes,
                    ..PutMultipartOptions::default()
                },
            )
            .await?;
        let mut upload = WriteMultipart::new_with_chunk_size(upload, part_size);
        while let Some(chunk) = source.next().await {
            let written = match chunk {
                Ok(chunk) => upload.wait_for_capacity(in_flight).await.map(|()| chunk),
                Err(error) => Err(error),
            };
            match written {
                Ok(chunk) => upload.put(chunk),
                Err(error) => {
                    if let Err(abort) = upload.abort().await {
                        tracing::warn!(%abort, "could not abort an asset copy");
                    }
                    return Err(error);
                }
            }
        }
        upload.finish().await?;
        Ok(key)
    }

    /// Removes an original. Only the store decides when (no asset has these bytes any more,
    /// checked under the hash's lock).
    pub async fn remove(&self, sha256: &str) -> Result<(), object_store::Error> {
        match self.store.delete(&original_key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Reads the body into the upload, checking as it goes. Returns the hash, size, sniffed type
/// and the first bytes.
async fn receive<E: std::fmt::Display>(
    body: impl Stream<Item = Result<Bytes, E>>,
    upload: &mut WriteMultipart,
    in_flight: usize,
    declared: &Declared,
    allowed: &[String],
    limit: u64,
) -> Result<(String, u64, &'static str, Vec<u8>), IngestError> {
    let mut body = std::pin::pin!(body);
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut head: Vec<u8> = Vec::new();
    let mut content_type: Option<&'static str> = None;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| IngestError::Interrupted(e.to_string()))?;
        bytes += chunk.len() as u64;
        if bytes > limit {
            return Err(IngestError::TooLarge { limit });
        }
        if head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        if content_type.is_none() && head.len() >= SNIFF_BYTES {
            content_type = Some(check_type(&head, declared, allowed)?);
        }
        hasher.update(&chunk);
        upload.wait_for_capacity(in_flight).await?;
        upload.put(chunk);
    }
    if bytes == 0 {
        return Err(IngestError::Empty);
    }
    let content_type = match content_type {
        Some(t) => t,
        None => check_type(&head, declared, allowed)?,
    };
    Ok((hex::encode(hasher.finalize()), bytes, content_type, head))
}

/// The sniffed type, if it is known, allowed, and agrees with the declared type and the file
/// name's extension.
fn check_type(
    head: &[u8],
    declared: &Declared,
    allowed: &[String],
) -> Result<&'static str, IngestError> {
    let actual = sniff(head).ok_or(IngestError::Unrecognised)?;
    if let Some(claimed) = declared
        .content_type
        .as_deref()
        .map(normalise_declared)
        .filter(|t| !t.is_empty() && t != "application/octet-stream")
        && claimed != actual
    {
        return Err(IngestError::Mislabelled { claimed, actual });
    }
    if let Some(name) = &declared.filename
        && let Some(by_name) = type_of_extension(name)
        && by_name != actual
    {
        return Err(IngestError::Mislabelled {
            claimed: format!("{by_name} (by its name {name:?})"),
            actual,
        });
    }
    if !allowed.iter().any(|t| t == actual) {
        return Err(IngestError::NotAllowed(actual));
    }
    Ok(actual)
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::local::LocalFileSystem;
    use object_store::memory::InMemory;

    /// A PNG of `len` bytes (a valid header, then padding).
    fn png(len: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x03\x08\x06\0\0\0".to_vec();
        bytes.resize(len, 7);
        bytes
    }

    async fn ingest(storage: &AssetStorage, bytes: Vec<u8>) -> Stored {
        let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(100_000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let declared = Declared {
            content_type: Some("image/png".into()),
            filename: Some("hero.png".into()),
        };
        let received = storage
            .ingest(
                futures::stream::iter(chunks),
                &declared,
                &["image/png".to_owned()],
                u64::MAX,
            )
            .await
            .expect("ingested");
        storage.keep(&received).await.expect("kept");
        received.file
    }

    /// Storage in a temporary folder, as `herald serve` has by default.
    fn in_folder() -> (tempfile::TempDir, AssetStorage) {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = LocalFileSystem::new_with_prefix(dir.path()).expect("a folder");
        let storage = AssetStorage::new(Arc::new(store), Some(dir.path().to_owned()));
        (dir, storage)
    }

    #[tokio::test]
    async fn publishing_copies_the_original_whole_and_only_once() {
        let (_private, storage) = in_folder();
        let bytes = png(3 * 1024 * 1024 + 17);
        let stored = ingest(&storage, bytes.clone()).await;
        assert_eq!((stored.width, stored.height), (Some(2), Some(3)));
        let dir = tempfile::tempdir().expect("a temp dir");
        let public = LocalFileSystem::new_with_prefix(dir.path()).expect("a folder");
        let key = storage
            .publish(
                &public,
                false,
                &stored.sha256,
                "hero.png",
                stored.content_type,
            )
            .await
            .expect("published");
        assert_eq!(key.as_ref(), format!("assets/{}/hero.png", stored.sha256));
        let on_disk = dir.path().join(key.as_ref());
        assert_eq!(std::fs::read(&on_disk).expect("the public copy"), bytes);
        // A repeat leaves the object alone (same key, same bytes).
        let modified = std::fs::metadata(&on_disk).and_then(|m| m.modified()).ok();
        storage
            .publish(
                &public,
                false,
                &stored.sha256,
                "hero.png",
                stored.content_type,
            )
            .await
            .expect("published again");
        assert_eq!(
            std::fs::metadata(&on_disk).and_then(|m| m.modified()).ok(),
            modified
        );
    }

    #[tokio::test]
    async fn a_bucket_that_keeps_headers_gets_the_type_and_immutable_caching() {
        let storage = AssetStorage::new(Arc::new(InMemory::new()), None);
        let stored = ingest(&storage, png(4096)).await;
        let public = InMemory::new();
        let key = storage
            .publish(
                &public,
                true,
                &stored.sha256,
                "hero.png",
                stored.content_type,
            )
            .await
            .expect("published");
        let object = public.get(&key).await.expect("the public copy");
        assert_eq!(
            object
                .attributes
                .get(&Attribute::ContentType)
                .map(|v| v.as_ref()),
            Some("image/png")
        );
        assert_eq!(
            object
                .attributes
                .get(&Attribute::CacheControl)
                .map(|v| v.as_ref()),
            Some(IMMUTABLE)
        );
    }

    #[tokio::test]
    async fn publishing_a_missing_original_fails_and_writes_nothing() {
        let storage = AssetStorage::new(Arc::new(InMemory::new()), None);
        let public = InMemory::new();
        let missing = "0".repeat(64);
        assert!(
            storage
                .publish(&public, true, &missing, "x.png", "image/png")
                .await
                .is_err()
        );
        assert!(public.list(None).next().await.is_none());
    }
}
