//! Herald's publishing pipeline: it turns what the workflow made live (in the database) into
//! the JSON objects storefronts read from the bucket (contract §4).
//!
//! The workflow's transitions queue jobs in the store; the [`Publisher`]'s worker, running
//! inside `herald serve`, claims them one batch at a time across every server, renders each
//! entry with the model's rules ([`Renderer`], shared with the API's preview), checks it
//! against its type's JSON Schema, writes the objects through `object_store` ([`Bucket`]: a
//! local folder, S3, GCS or Azure), then records them in the store, rewrites the index pages
//! they touch, the redirects and finally `manifest.json`, and only then deletes what is gone —
//! so no index or manifest ever names a missing object, even if the process dies midway. The
//! changed paths then go to the CDN purge URL and the webhooks, signed. Rebuilds re-render
//! everything, resumably.
//!
//! It depends on the model and the store, never on the HTTP API.

mod bucket;
mod error;
pub mod keys;
mod notify;
mod pages;
mod rebuild;
mod render;
mod sync;
mod worker;

pub use bucket::Bucket;
pub use error::PublishError;
pub use notify::{NotifyTarget, delivery_keys, signature};
pub use render::{PreviewError, Renderer, preview};
pub use worker::{Options, Pause, Publisher, Waker};
