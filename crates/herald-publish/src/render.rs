//! One code path from stored fields to the bytes in the bucket, used by the publisher and by
//! the API's preview: the model's [`render_entry`] with references resolved to where the
//! referenced entries are published, then a check against the type's JSON Schema (the one
//! storefronts get at `schemas/{type}.json`), so the bucket never holds an object its own
//! schema rejects.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use herald_model::render::{EntryMeta, ResolvedAsset, ResolvedReference, Resolver, render_entry};
use herald_model::{ContentType, FieldError, SchemaSet, ValidationErrors};
use herald_store::{Entry, ReferenceTarget, Store, StoreError};
use serde_json::{Map, Value};

use crate::PublishError;

/// The renderer: the schema set and each type's compiled JSON Schema.
pub struct Renderer {
    schemas: Arc<SchemaSet>,
    validators: HashMap<String, jsonschema::Validator>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("types", &self.validators.len())
            .finish_non_exhaustive()
    }
}

/// Why an entry cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RenderFailure {
    /// References or assets that do not resolve, each with its path.
    Unresolved(Vec<FieldError>),
    /// The object does not match its type's JSON Schema (a bug: it is reported, not written).
    Schema(String),
}

impl std::fmt::Display for RenderFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderFailure::Unresolved(errors) => {
                f.write_str("unresolved: ")?;
                for (i, error) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{error}")?;
                }
                Ok(())
            }
            RenderFailure::Schema(message) => {
                write!(
                    f,
                    "the rendered object does not match its JSON Schema: {message}"
                )
            }
        }
    }
}

impl Renderer {
    /// Compiles the JSON Schema of every type.
    pub fn new(schemas: Arc<SchemaSet>) -> Result<Renderer, PublishError> {
        let mut validators = HashMap::new();
        for content_type in schemas.iter() {
            let schema = herald_model::json_schema::published_entry(content_type);
            let validator =
                jsonschema::draft202012::new(&schema).map_err(|e| PublishError::Schema {
                    type_name: content_type.name.clone(),
                    message: e.to_string(),
                })?;
            validators.insert(content_type.name.clone(), validator);
        }
        Ok(Renderer {
            schemas,
            validators,
        })
    }

    pub fn schemas(&self) -> &SchemaSet {
        &self.schemas
    }

    /// The published object of `fields` under `meta`.
    pub(crate) fn render(
        &self,
        content_type: &ContentType,
        meta: &EntryMeta<'_>,
        fields: &Map<String, Value>,
        references: &References,
    ) -> Result<Value, RenderFailure> {
        let rendered = render_entry(content_type, meta, fields, references).map_err(|errors| {
            RenderFailure::Unresolved(
                errors
                    .0
                    .into_iter()
                    .map(|e| FieldError::new(e.path, e.code, e.message))
                    .collect(),
            )
        })?;
        if let Some(validator) = self.validators.get(&content_type.name)
            && let Some(error) = validator.iter_errors(&rendered).next()
        {
            return Err(RenderFailure::Schema(format!(
                "{} at {}",
                error,
                error.instance_path()
            )));
        }
        Ok(rendered)
    }
}

/// Referenced entries, looked up once per batch: resolved to where storefronts find them
/// (the slug their live version is published under).
#[derive(Debug, Default)]
pub(crate) struct References {
    targets: HashMap<String, ReferenceTarget>,
    /// Whether only live entries resolve (publishing). The preview also resolves an entry
    /// that is not published yet, to where it will be.
    live_only: bool,
    /// Uploaded files by id, resolved to their public path.
    assets: HashMap<String, herald_store::Asset>,
}

impl References {
    /// Looks up `ids` in the store.
    pub(crate) async fn load(store: &Store, ids: &[String]) -> Result<References, StoreError> {
        let mut unique: Vec<String> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let mut targets = HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(500) {
            for target in store.reference_targets(chunk).await? {
                targets.insert(target.id.clone(), target);
            }
        }
        Ok(References {
            targets,
            live_only: false,
            assets: HashMap::new(),
        })
    }

    /// Resolves only the entries that are live: what publishing writes must never name a
    /// missing object.
    pub(crate) fn live_only(mut self) -> References {
        self.live_only = true;
        self
    }

    /// Also resolves the assets among `ids`.
    pub(crate) async fn with_assets(
        mut self,
        store: &Store,
        ids: &[&str],
    ) -> Result<References, StoreError> {
        let mut unique: Vec<&str> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        for chunk in unique.chunks(500) {
            for asset in store.assets_by_ids(chunk).await? {
                self.assets.insert(asset.id.clone(), asset);
            }
        }
        Ok(self)
    }

    /// An asset looked up by [`References::with_assets`].
    pub(crate) fn stored_asset(&self, id: &str) -> Option<&herald_store::Asset> {
        self.assets.get(id)
    }
}

impl Resolver for References {
    fn reference(&self, type_name: &str, id: &str) -> Option<ResolvedReference> {
        self.targets
            .get(id)
            .filter(|t| t.type_name == type_name && (t.live || !self.live_only))
            .map(|t| ResolvedReference {
                slug: t.slug.clone(),
                locale: t.locale.clone(),
            })
    }

    fn asset(&self, id: &str) -> Option<ResolvedAsset> {
        self.assets.get(id).map(|a| ResolvedAsset {
            url: herald_assets::public_key(&a.sha256, &a.filename).to_string(),
            content_type: a.content_type.clone(),
            bytes: a.bytes,
            width: a.width,
            height: a.height,
            alt: a.alt.clone(),
        })
    }
}

/// What an entry's fields point at: referenced entries and uploaded files, by id.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    pub(crate) entries: Vec<String>,
    pub(crate) assets: Vec<String>,
}

/// The entries and assets `fields` (validated stored fields) refer to.
pub(crate) fn uses(content_type: &ContentType, fields: &Map<String, Value>) -> Uses {
    match content_type.validate(Value::Object(fields.clone())) {
        Ok(validated) => Uses {
            entries: validated.references.into_iter().map(|r| r.id).collect(),
            assets: validated.assets.into_iter().map(|a| a.id).collect(),
        },
        Err(_) => Uses::default(),
    }
}

/// Why a preview cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The entry's fields or references do not render (422, with every path).
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The rendered object breaks its own JSON Schema (a bug; 500).
    #[error("{0}")]
    Schema(String),
}

/// The preview of contract §3: the object publishing would write for the entry's current
/// version, by the very code the publisher runs (same resolver, same JSON Schema check). Its
/// time is now, and its `version` the one the live object would carry: a publication records
/// the status change as a version of its own (the next one), unless the current version is
/// the one already live. A reference to an entry that is not published yet shows where that
/// entry will be published; publishing itself refuses it until it is.
pub async fn preview(
    store: &Store,
    renderer: &Renderer,
    content_type: &ContentType,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Result<Value, PreviewError> {
    let validated = content_type
        .validate(Value::Object(entry.fields.clone()))
        .map_err(PreviewError::Invalid)?;
    let ids: Vec<String> = validated.references.iter().map(|r| r.id.clone()).collect();
    let asset_ids: Vec<&str> = validated.assets.iter().map(|a| a.id.as_str()).collect();
    let references = References::load(store, &ids)
        .await?
        .with_assets(store, &asset_ids)
        .await?;
    let meta = EntryMeta {
        id: &entry.id,
        type_name: &entry.type_name,
        locale: &entry.locale,
        slug: &entry.slug,
        version: if entry.published_version == Some(entry.version) {
            entry.version
        } else {
            entry.version + 1
        },
        published_at: now,
        fallback_from: None,
    };
    renderer
        .render(content_type, &meta, &validated.fields, &references)
        .map_err(|failure| match failure {
            RenderFailure::Unresolved(errors) => PreviewError::Invalid(ValidationErrors(errors)),
            RenderFailure::Schema(message) => PreviewError::Schema(message),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: &str, live: bool) -> ReferenceTarget {
        ReferenceTarget {
            id: id.into(),
            type_name: "faq".into(),
            locale: "en".into(),
            slug: format!("{id}-slug"),
            live,
        }
    }

    #[test]
    fn publishing_resolves_only_live_entries_and_the_preview_all() {
        let references = References {
            targets: [
                ("a".into(), target("a", true)),
                ("b".into(), target("b", false)),
            ]
            .into_iter()
            .collect(),
            ..References::default()
        };
        assert!(references.reference("faq", "b").is_some(), "the preview");
        assert!(
            references.reference("product", "a").is_none(),
            "another type"
        );
        let publishing = references.live_only();
        assert_eq!(
            publishing.reference("faq", "a").map(|r| r.slug),
            Some("a-slug".to_owned())
        );
        assert!(publishing.reference("faq", "b").is_none());
    }
}
