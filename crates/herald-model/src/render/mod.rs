//! Rendering rules: stored, validated fields → the published JSON of contract §4. Markdown
//! becomes `{markdown, html}` with sanitized HTML, references `{id, type, slug, path}`, assets
//! `{url, content_type, bytes, width?, height?, alt}`. Keys follow the schema's order.
//!
//! Lookups go through a [`Resolver`], so this stays free of I/O: the API's preview and the
//! publisher resolve against the store.

mod markdown;

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

pub use markdown::markdown_to_html;

use crate::schema::{ContentType, Field, FieldKind};
use crate::validate::ErrorCode;

/// What publishing knows about the entry being rendered.
#[derive(Debug, Clone)]
pub struct EntryMeta<'a> {
    pub id: &'a str,
    pub type_name: &'a str,
    pub locale: &'a str,
    pub slug: &'a str,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    /// Set when the entry is published under another locale that has none of its own.
    pub fallback_from: Option<&'a str>,
}

/// The bucket key of a published entry: `content/{type}/{locale}/{slug}.json`.
pub fn entry_key(type_name: &str, locale: &str, slug: &str) -> String {
    format!("content/{type_name}/{locale}/{slug}.json")
}

/// Looks up what an entry points to.
pub trait Resolver {
    /// The referenced entry, or `None` when it does not exist.
    fn reference(&self, type_name: &str, id: &str) -> Option<ResolvedReference>;
    /// The asset, or `None` when it does not exist.
    fn asset(&self, id: &str) -> Option<ResolvedAsset>;
}

/// Where a referenced entry is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedReference {
    pub slug: String,
    pub locale: String,
}

/// A file as storefronts fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAsset {
    pub url: String,
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The asset's default alt text, used when the field gives none.
    pub alt: Option<String>,
}

/// A reference or asset that could not be resolved: publishing refuses rather than write a
/// dangling link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// `fields.products[2]`.
    pub path: String,
    /// `reference_not_found` or `asset_not_found`.
    pub code: ErrorCode,
    pub message: String,
}

/// Every unresolved reference and asset of one entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RenderErrors(pub Vec<RenderError>);

impl fmt::Display for RenderErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.path, error.message)?;
        }
        Ok(())
    }
}

/// Renders validated stored `fields` into the published entry object.
pub fn render_entry(
    content_type: &ContentType,
    meta: &EntryMeta<'_>,
    fields: &Map<String, Value>,
    resolver: &dyn Resolver,
) -> Result<Value, RenderErrors> {
    let mut errors = Vec::new();
    let rendered = render_fields(
        &content_type.fields,
        fields,
        "fields",
        resolver,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(RenderErrors(errors));
    }
    let mut entry = Map::new();
    entry.insert("id".into(), json!(meta.id));
    entry.insert("type".into(), json!(meta.type_name));
    entry.insert("locale".into(), json!(meta.locale));
    entry.insert("slug".into(), json!(meta.slug));
    entry.insert("version".into(), json!(meta.version));
    entry.insert(
        "published_at".into(),
        json!(meta.published_at.to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    if let Some(from) = meta.fallback_from {
        entry.insert("fallback_from".into(), json!(from));
    }
    entry.insert("fields".into(), Value::Object(rendered));
    Ok(Value::Object(entry))
}

fn render_fields(
    fields: &[Field],
    values: &Map<String, Value>,
    path: &str,
    resolver: &dyn Resolver,
    errors: &mut Vec<RenderError>,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(fields.len());
    for field in fields {
        let value = values.get(&field.name).or(field.default.as_ref());
        if let Some(value) = value.filter(|v| !v.is_null()) {
            let field_path = format!("{path}.{}", field.name);
            out.insert(
                field.name.clone(),
                render_value(&field.spec.kind, value, &field_path, resolver, errors),
            );
        }
    }
    out
}

fn render_value(
    kind: &FieldKind,
    value: &Value,
    path: &str,
    resolver: &dyn Resolver,
    errors: &mut Vec<RenderError>,
) -> Value {
    match (kind, value) {
        (FieldKind::Markdown(_), Value::String(source)) => {
            json!({"markdown": source, "html": markdown_to_html(source)})
        }
        (FieldKind::Reference(_), Value::Object(reference)) => {
            let type_name = reference.get("type").and_then(Value::as_str).unwrap_or("");
            let id = reference.get("id").and_then(Value::as_str).unwrap_or("");
            match resolver.reference(type_name, id) {
                Some(target) => json!({
                    "id": id, "type": type_name, "slug": target.slug,
                    "path": entry_key(type_name, &target.locale, &target.slug)
                }),
                None => {
                    errors.push(RenderError {
                        path: path.to_owned(),
                        code: ErrorCode::ReferenceNotFound,
                        message: format!("the {type_name} entry {id} does not exist"),
                    });
                    Value::Null
                }
            }
        }
        (FieldKind::Asset(_), Value::Object(asset)) => {
            let id = asset.get("id").and_then(Value::as_str).unwrap_or("");
            let alt = asset.get("alt").and_then(Value::as_str);
            match resolver.asset(id) {
                Some(file) => {
                    // The field's own alt text, else the asset's default one.
                    let alt = alt.or(file.alt.as_deref()).unwrap_or("");
                    let mut out = Map::new();
                    out.insert("url".into(), json!(file.url));
                    out.insert("content_type".into(), json!(file.content_type));
                    out.insert("bytes".into(), json!(file.bytes));
                    if let Some(width) = file.width {
                        out.insert("width".into(), json!(width));
                    }
                    if let Some(height) = file.height {
                        out.insert("height".into(), json!(height));
                    }
                    out.insert("alt".into(), json!(alt));
                    Value::Object(out)
                }
                None => {
                    errors.push(RenderError {
                        path: path.to_owned(),
                        code: ErrorCode::AssetNotFound,
                        message: format!("the asset {id} does not exist"),
                    });
                    Value::Null
                }
            }
        }
        (FieldKind::List(list), Value::Array(items)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    render_value(
                        &list.of.kind,
                        item,
                        &format!("{path}[{i}]"),
                        resolver,
                        errors,
                    )
                })
                .collect(),
        ),
        (FieldKind::Object(object), Value::Object(map)) => {
            Value::Object(render_fields(&object.fields, map, path, resolver, errors))
        }
        _ => value.clone(),
    }
}
