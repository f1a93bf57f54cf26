//! What can go wrong in the store, in terms the HTTP layer maps to contract error codes.

use herald_model::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such entry (or revision) of that type.
    #[error("not found")]
    NotFound,
    /// The entry changed since the version the client read (`If-Match`).
    #[error("the entry is at version {current}, not the version given")]
    VersionMismatch { current: i64 },
    /// Another entry of the type and locale has this slug.
    #[error("the slug `{slug}` is taken by another entry of this type and locale")]
    SlugTaken { slug: String },
    /// The entry's status does not allow this workflow step (`invalid_transition`).
    #[error("{0}")]
    InvalidTransition(String),
    /// The approver is the entry's last editor and the type wants four eyes (`four_eyes`).
    #[error("{0}")]
    FourEyes(String),
    /// The fields, slug or locale break the rules; every problem with its path.
    #[error("{0}")]
    Validation(#[from] ValidationErrors),
    /// A listing cursor that this server did not issue, or for another sort.
    #[error("invalid cursor: {0}")]
    InvalidCursor(&'static str),
    /// The asset is used by these entries (in their current or an earlier version), so it
    /// cannot be deleted.
    #[error("the asset is used by {} entries", .0.len())]
    AssetInUse(Vec<crate::AssetUser>),
    /// A publishing worker no longer holds the jobs it wanted to record progress for: its
    /// lease ran out and another worker claimed them. Nothing was written.
    #[error("the jobs are no longer this worker's: another worker took them over")]
    JobsTakenOver,
    /// The file storage beside the database (an asset's original) failed while the database
    /// waited for it; nothing was written.
    #[error("file storage: {0}")]
    Files(String),
    /// `herald import` refused its input: nothing was written. Says which line and why.
    #[error("import refused, nothing was imported: {0}")]
    Import(String),
    /// Stored data that cannot be read back (never expected; logged in full).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
}

impl StoreError {
    /// Whether the error is the database's unique-constraint violation.
    pub(crate) fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
        matches!(
            error.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        )
    }
}
