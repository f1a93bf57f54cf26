//! Herald's storage layer: entries with their append-only revisions, the values of `unique`
//! fields, the schema set last used, users, sessions, API tokens, the audit log, the review
//! workflow, the publishing job queue and the mirror of the bucket, on SQLite
//! (embedded default) or PostgreSQL, through sea-orm. Every write is validated with the
//! content model first and runs in one transaction together with its audit row.
//!
//! The HTTP layer sees only the domain types ([`Entry`], [`Revision`], [`Page`]) and
//! [`StoreError`]; the sea-orm entities stay private.

mod api_tokens;
mod assets;
mod audit;
mod authors;
mod batch;
mod connect;
mod entity;
mod entries;
mod error;
mod export;
mod jobs;
mod listing;
mod processes;
mod published;
mod schema_state;
mod search;
mod sessions;
mod time;
mod types;
mod users;
mod workflow;
mod writer;

pub use api_tokens::{ApiToken, NewApiToken};
pub use assets::{Asset, AssetQuery, AssetScope, AssetUser, MAX_ALT_CHARS, NewAsset};
pub use audit::{Actor, AuditEvent, AuditQuery, AuditRecord, EventKey};
pub use authors::{Author, AuthorKind};
pub use connect::Store;
pub use entries::{EntryLocation, EntryUpdate, NewEntry};
pub use error::StoreError;
pub use export::{ExportLine, ImportSummary};
pub use jobs::{BUCKET_STEP_PHASE, Job, JobKind, JobQuery, JobStatus, MAX_ATTEMPTS, retry_delay};
pub use listing::{ListQuery, Page, Sort};
pub use processes::{Joined, ProcessLock};
pub use published::{
    Applied, EntryPlace, Listing, LiveEntry, Numbering, ObjectSource, PublishedObject,
    ReferenceTarget, SlotChange,
};
pub use schema_state::{AffectedEntry, SchemaReview};
pub use sessions::Rotation;
pub use types::{Entry, Revision, Status};
pub use users::{NewUser, Role, User, UserChange, UserCredentials};
pub use workflow::{Scheduled, Transition, Transitioned};
