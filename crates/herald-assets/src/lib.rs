//! Herald's uploaded files (assets): what a file really is ([`sniff`]), a name safe for a
//! bucket key ([`filename`]), and [`AssetStorage`], the private store uploads stream into while
//! their SHA-256 is computed, from which publishing copies them to the public bucket under
//! `assets/{sha256}/{filename}`. No database here: the store crate records assets.

pub mod filename;
pub mod sniff;
mod storage;
mod sweep;

pub use filename::{sanitize_filename, with_extension_for};
pub use storage::{
    AssetStorage, Declared, IMMUTABLE, IngestError, Received, Stored, original_key, public_key,
};
