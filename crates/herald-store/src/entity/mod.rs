//! sea-orm entities: the table rows, private to this crate. Other crates see the domain types
//! of [`crate::Entry`] and [`crate::Revision`].

// sea-orm's derives generate `pub` items inside these private modules.
#![allow(unreachable_pub)]

pub(crate) mod entries;
pub(crate) mod revisions;
pub(crate) mod schema_state;
pub(crate) mod unique_values;
