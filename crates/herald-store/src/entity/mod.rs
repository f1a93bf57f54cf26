//! sea-orm entities: the table rows, private to this crate. Other crates see the domain types
//! of [`crate::Entry`] and [`crate::Revision`].

// sea-orm's derives generate `pub` items inside these private modules.
#![allow(unreachable_pub)]

pub(crate) mod api_tokens;
pub(crate) mod asset_history;
pub(crate) mod asset_uploads;
pub(crate) mod asset_uses;
pub(crate) mod assets;
pub(crate) mod audit_log;
pub(crate) mod entries;
pub(crate) mod publish_groups;
pub(crate) mod publish_jobs;
pub(crate) mod publish_redirects;
pub(crate) mod publish_state;
pub(crate) mod published_assets;
pub(crate) mod published_entries;
pub(crate) mod refresh_tokens;
pub(crate) mod revisions;
pub(crate) mod schema_state;
pub(crate) mod unique_values;
pub(crate) mod users;
