//! Herald's storage layer: entries with their append-only revisions, the values of `unique`
//! fields and the schema set last used, on SQLite (embedded default) or PostgreSQL, through
//! sea-orm. Every write is validated with the content model first and runs in one transaction.
//!
//! The HTTP layer sees only the domain types ([`Entry`], [`Revision`], [`Page`]) and
//! [`StoreError`]; the sea-orm entities stay private.

mod connect;
mod entity;
mod entries;
mod error;
mod export;
mod listing;
mod schema_state;
mod search;
mod time;
mod types;

pub use connect::Store;
pub use entries::{EntryLocation, EntryUpdate, NewEntry};
pub use error::StoreError;
pub use export::{ExportLine, ImportSummary};
pub use listing::{ListQuery, Page, Sort};
pub use schema_state::{AffectedEntry, SchemaReview};
pub use types::{Entry, Revision, Status};
