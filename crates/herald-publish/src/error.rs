//! What can go wrong while publishing.

use herald_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("database: {0}")]
    Store(StoreError),
    /// Writing, reading or deleting in the bucket failed (retried by the job).
    #[error("bucket: {0}")]
    Bucket(#[from] object_store::Error),
    /// The bucket setting cannot be used.
    #[error("bucket configuration: {0}")]
    BucketConfig(String),
    /// A type's JSON Schema does not compile (never expected: it is generated).
    #[error("JSON Schema of `{type_name}`: {message}")]
    Schema { type_name: String, message: String },
    /// An entry could not be rendered (a reference that does not resolve, or an object that
    /// does not match its JSON Schema).
    #[error("{0}")]
    Render(String),
    /// This worker's lease on its jobs ran out and another worker took them over.
    #[error("lease lost: another worker took over these jobs")]
    LeaseLost,
    /// A background task panicked or was cancelled.
    #[error("task: {0}")]
    Task(String),
}

impl From<StoreError> for PublishError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::JobsTakenOver => PublishError::LeaseLost,
            other => PublishError::Store(other),
        }
    }
}
