//! Herald's content model.
//!
//! IT declares content types as JSON files in `schemas/`; this crate parses and checks them
//! ([`SchemaSet`]), validates entries against them ([`ContentType::validate`]), derives slugs
//! ([`slug`]), describes the published JSON as JSON Schema ([`json_schema`]) and TypeScript
//! ([`typescript`]), and classifies schema changes as safe or breaking ([`compat`]).
//!
//! It knows nothing of HTTP, SQL or object storage: every other Herald crate depends on it,
//! it depends on none of them.

pub mod compat;
pub mod json_schema;
mod locales;
mod names;
pub mod render;
pub mod schema;
pub mod slug;
pub mod typescript;
pub mod validate;

pub use locales::{LocaleError, Locales};
pub use names::is_valid_name;
pub use schema::{
    AssetRules, Bounds, ContentType, EnumRules, FIELD_TYPES, Field, FieldKind, FieldSpec,
    ListRules, ObjectRules, Pattern, ReferenceRules, SchemaProblem, SchemaProblems, SchemaSet,
    TextRules, Workflow,
};
pub use validate::{
    AssetUse, ErrorCode, FieldError, ReferenceUse, ValidatedFields, ValidationErrors, is_email,
};
