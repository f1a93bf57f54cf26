//! The JSON Schema (draft 2020-12) of a type's published JSON, as storefronts read it from
//! `content/{type}/{locale}/{slug}.json` (contract §4).
//!
//! Markdown is published as `{markdown, html}`, references as `{id, type, slug, path}` and
//! assets as `{url, content_type, bytes, width?, height?, alt}`. Fields that are required or have
//! a default are always present; others are left out when empty.

use serde_json::{Map, Value, json};

use crate::schema::{ContentType, Field, FieldKind, FieldSpec, TextRules};
use crate::slug::MAX_SLUG_LENGTH;

/// The `$schema` of every generated document.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema of one published entry of `content_type`.
pub fn published_entry(content_type: &ContentType) -> Value {
    let mut root = Map::new();
    root.insert("$schema".into(), json!(DRAFT));
    root.insert("title".into(), json!(content_type.label));
    if let Some(description) = &content_type.description {
        root.insert("description".into(), json!(description));
    }
    root.insert("type".into(), json!("object"));
    root.insert(
        "required".into(),
        json!([
            "id",
            "type",
            "locale",
            "slug",
            "version",
            "published_at",
            "fields"
        ]),
    );
    root.insert(
        "properties".into(),
        json!({
            "id": {"type": "string", "format": "uuid", "description": "The entry's id; stable across versions and locales."},
            "type": {"const": content_type.name},
            "locale": {"type": "string", "minLength": 1, "description": "The locale this object is published under."},
            "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": MAX_SLUG_LENGTH},
            "version": {"type": "integer", "minimum": 1, "description": "The entry version that was published."},
            "published_at": {"type": "string", "format": "date-time"},
            "fallback_from": {"type": "string", "minLength": 1, "description": "Present when this locale has no entry of its own: the locale whose entry is shown instead."},
            "fields": fields_object(&content_type.fields),
        }),
    );
    root.insert("additionalProperties".into(), json!(false));
    root.insert("$defs".into(), definitions());
    Value::Object(root)
}

/// Shapes shared by every type: `$defs/markdown` and `$defs/asset`.
fn definitions() -> Value {
    json!({
        "markdown": {
            "type": "object",
            "description": "Markdown as written, and the sanitized HTML rendered from it.",
            "required": ["markdown", "html"],
            "properties": {
                "markdown": {"type": "string"},
                "html": {"type": "string"}
            },
            "additionalProperties": false
        },
        "asset": {
            "type": "object",
            "description": "An uploaded file; `url` is relative to the bucket's root.",
            "required": ["url", "content_type", "bytes", "alt"],
            "properties": {
                "url": {"type": "string", "minLength": 1},
                "content_type": {"type": "string", "minLength": 3},
                "bytes": {"type": "integer", "minimum": 0},
                "width": {"type": "integer", "minimum": 1},
                "height": {"type": "integer", "minimum": 1},
                "alt": {"type": "string"}
            },
            "additionalProperties": false
        }
    })
}

fn fields_object(fields: &[Field]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let mut schema = spec_schema(&field.spec);
        if field.required {
            require_non_empty(&mut schema, &field.spec.kind);
        }
        if field.required || field.default.is_some() {
            required.push(json!(field.name));
        }
        properties.insert(field.name.clone(), schema);
    }
    json!({
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false
    })
}

/// `required` text is non-empty and a `required` list has an item.
fn require_non_empty(schema: &mut Value, kind: &FieldKind) {
    let (key, floor) = match kind {
        FieldKind::Text(_) | FieldKind::LongText(_) | FieldKind::Url(_) | FieldKind::Email(_) => {
            ("minLength", 1)
        }
        FieldKind::List(_) => ("minItems", 1),
        _ => return,
    };
    if let Some(object) = schema.as_object_mut() {
        let current = object.get(key).and_then(Value::as_u64).unwrap_or(0);
        object.insert(key.into(), json!(current.max(floor)));
    }
}

fn spec_schema(spec: &FieldSpec) -> Value {
    let mut schema = kind_schema(&spec.kind);
    if let Some(object) = schema.as_object_mut() {
        if let Some(label) = &spec.label {
            object.insert("title".into(), json!(label));
        }
        if let Some(help) = &spec.help {
            object.insert("description".into(), json!(help));
        }
    }
    schema
}

fn kind_schema(kind: &FieldKind) -> Value {
    match kind {
        FieldKind::Text(rules) | FieldKind::LongText(rules) => string(rules, None),
        FieldKind::Url(rules) => string(rules, Some("uri-reference")),
        FieldKind::Email(rules) => string(rules, Some("email")),
        FieldKind::Date => json!({"type": "string", "format": "date"}),
        FieldKind::Datetime => json!({"type": "string", "format": "date-time"}),
        FieldKind::Markdown(rules) => {
            let mut source = string(rules, None);
            if let Some(object) = source.as_object_mut() {
                object.remove("pattern");
            }
            json!({
                "allOf": [{"$ref": "#/$defs/markdown"}],
                "properties": {"markdown": source}
            })
        }
        FieldKind::Integer(bounds) => {
            let mut schema = json!({"type": "integer"});
            put(&mut schema, "minimum", bounds.min.map(Value::from));
            put(&mut schema, "maximum", bounds.max.map(Value::from));
            schema
        }
        FieldKind::Number(bounds) => {
            let mut schema = json!({"type": "number"});
            put(&mut schema, "minimum", bounds.min.map(Value::from));
            put(&mut schema, "maximum", bounds.max.map(Value::from));
            schema
        }
        FieldKind::Boolean => json!({"type": "boolean"}),
        FieldKind::Enum(rules) => json!({"type": "string", "enum": rules.values}),
        FieldKind::Reference(rules) => json!({
            "type": "object",
            "description": "A published entry this one points to; `path` is its object in the bucket.",
            "required": ["id", "type", "slug", "path"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "type": {"enum": rules.to},
                "slug": {"type": "string"},
                "path": {"type": "string"}
            },
            "additionalProperties": false
        }),
        FieldKind::Asset(_) => json!({"$ref": "#/$defs/asset"}),
        FieldKind::List(rules) => {
            let mut schema = json!({"type": "array", "items": spec_schema(&rules.of)});
            put(&mut schema, "minItems", rules.min_items.map(Value::from));
            put(&mut schema, "maxItems", rules.max_items.map(Value::from));
            schema
        }
        FieldKind::Object(object) => fields_object(&object.fields),
        FieldKind::Json => json!({}),
    }
}

fn string(rules: &TextRules, format: Option<&str>) -> Value {
    let mut schema = json!({"type": "string"});
    put(&mut schema, "format", format.map(Value::from));
    put(&mut schema, "minLength", rules.min_length.map(Value::from));
    put(&mut schema, "maxLength", rules.max_length.map(Value::from));
    put(
        &mut schema,
        "pattern",
        rules.pattern.as_ref().map(|p| Value::from(p.as_str())),
    );
    schema
}

fn put(schema: &mut Value, key: &str, value: Option<Value>) {
    if let (Some(object), Some(value)) = (schema.as_object_mut(), value) {
        object.insert(key.into(), value);
    }
}
