//! One module per command group.

pub(crate) mod data;
pub(crate) mod publish;
pub(crate) mod schema;
pub(crate) mod serve;
pub(crate) mod user;
