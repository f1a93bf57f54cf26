//! The content model as declared by IT in schema files (contract §1).
//!
//! [`ContentType`] and [`Field`] are the parsed, checked form of one file. They serialize back to
//! the file format (with defaults made explicit), so a loaded set can be stored and re-parsed.

mod parse;
mod problem;
mod set;
mod strict_json;

use std::fmt;

use regex::Regex;
use serde::{Serialize, Serializer};
use serde_json::Value;

pub use problem::{SchemaProblem, SchemaProblems};
pub use set::SchemaSet;

/// One content type: the parsed form of `schemas/<name>.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentType {
    /// The type's id everywhere: `^[a-z][a-z0-9_]{0,63}$`.
    pub name: String,
    /// Human name shown in the admin UI; defaults to the name with `_` as spaces.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether entries exist per locale. Unlocalized types keep every entry in the default locale.
    pub localized: bool,
    /// The top-level `text` field that slugs are derived from. When the file names none, the
    /// first top-level `text` field; `None` when the type has no such field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_field: Option<String>,
    pub workflow: Workflow,
    pub fields: Vec<Field>,
}

/// The review rules of a type (contract §1, `workflow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Workflow {
    /// An entry must be approved before it can be published.
    pub review: bool,
    /// The approver must differ from the entry's last editor.
    pub four_eyes: bool,
}

impl Default for Workflow {
    fn default() -> Self {
        Self {
            review: true,
            four_eyes: true,
        }
    }
}

/// A named field of a type or of an `object` field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(flatten)]
    pub spec: FieldSpec,
    /// Must be present; for text types also non-empty, for lists at least one item.
    #[serde(skip_serializing_if = "is_false")]
    pub required: bool,
    /// Unique among the entries of the type and locale (checked by the store).
    #[serde(skip_serializing_if = "is_false")]
    pub unique: bool,
    /// Applied when the value is absent or `null`; always valid for the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

/// What a value looks like: its type with the type's options, plus the admin UI's `label` and
/// `help`. A list's `of` is a bare `FieldSpec`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSpec {
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A field type with its type-specific options.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text(TextRules),
    /// Several lines of plain text.
    LongText(TextRules),
    /// Markdown source, published as `{markdown, html}`.
    Markdown(TextRules),
    /// An absolute `http(s):`, `mailto:` or `tel:` URL, or a path starting with `/`.
    Url(TextRules),
    Email(TextRules),
    Integer(Bounds<i64>),
    Number(Bounds<f64>),
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    Datetime,
    Enum(EnumRules),
    /// Another entry, stored as `{type, id}`.
    Reference(ReferenceRules),
    /// An uploaded file, stored as `{id, alt?}`.
    Asset(AssetRules),
    List(ListRules),
    Object(ObjectRules),
    /// Any JSON value, unchecked.
    Json,
}

/// The field type names, as written in schema files, in documentation order.
pub const FIELD_TYPES: [&str; 16] = [
    "text",
    "long_text",
    "markdown",
    "integer",
    "number",
    "boolean",
    "date",
    "datetime",
    "enum",
    "url",
    "email",
    "reference",
    "asset",
    "list",
    "object",
    "json",
];

impl FieldKind {
    /// The type's name as written in schema files.
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldKind::Text(_) => "text",
            FieldKind::LongText(_) => "long_text",
            FieldKind::Markdown(_) => "markdown",
            FieldKind::Url(_) => "url",
            FieldKind::Email(_) => "email",
            FieldKind::Integer(_) => "integer",
            FieldKind::Number(_) => "number",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::Datetime => "datetime",
            FieldKind::Enum(_) => "enum",
            FieldKind::Reference(_) => "reference",
            FieldKind::Asset(_) => "asset",
            FieldKind::List(_) => "list",
            FieldKind::Object(_) => "object",
            FieldKind::Json => "json",
        }
    }

    /// Whether values are JSON strings (every type but numbers, booleans, references, assets,
    /// lists, objects and `json`).
    pub fn is_string_like(&self) -> bool {
        matches!(
            self,
            FieldKind::Text(_)
                | FieldKind::LongText(_)
                | FieldKind::Markdown(_)
                | FieldKind::Url(_)
                | FieldKind::Email(_)
                | FieldKind::Date
                | FieldKind::Datetime
                | FieldKind::Enum(_)
        )
    }

    /// The length and pattern rules of the string types.
    pub fn text_rules(&self) -> Option<&TextRules> {
        match self {
            FieldKind::Text(r)
            | FieldKind::LongText(r)
            | FieldKind::Markdown(r)
            | FieldKind::Url(r)
            | FieldKind::Email(r) => Some(r),
            _ => None,
        }
    }
}

/// Options of the string types (`text`, `long_text`, `markdown`, `url`, `email`). Lengths count
/// Unicode scalar values, as JSON Schema's `maxLength` does.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TextRules {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
}

/// Inclusive `min` / `max` of `integer` and `number` fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bounds<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<T>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumRules {
    /// Non-empty, without duplicates.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceRules {
    /// The content types an entry may point to; all exist in the set.
    pub to: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AssetRules {
    /// Accepted MIME types (`image/png`, or `image/*`); empty accepts any type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

impl AssetRules {
    /// Whether a file of this MIME type may be used in the field.
    pub fn accepts(&self, content_type: &str) -> bool {
        self.accept.is_empty()
            || self
                .accept
                .iter()
                .any(|pattern| mime_matches(pattern, content_type))
    }
}

/// `image/*` matches every `image/…`; otherwise an exact, case-insensitive match.
pub(crate) fn mime_matches(pattern: &str, content_type: &str) -> bool {
    let content_type = content_type.split(';').next().unwrap_or("").trim();
    match pattern.strip_suffix("/*") {
        Some(top) => content_type
            .split_once('/')
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(top)),
        None => pattern.eq_ignore_ascii_case(content_type),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRules {
    /// The spec every item follows.
    pub of: Box<FieldSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectRules {
    pub fields: Vec<Field>,
}

/// A compiled `pattern`; compares and serializes as its source text.
#[derive(Clone)]
pub struct Pattern(Regex);

impl Pattern {
    /// Compiles a pattern (Rust `regex` syntax; unanchored, like JSON Schema's `pattern`).
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        regex::RegexBuilder::new(source)
            .size_limit(1 << 20)
            .build()
            .map(Pattern)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.as_str())
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Calls `visit` with the entry path (`fields.seo.title`, `fields.products[]`) and spec of every
/// field in `fields` and below it, parents before children.
pub fn visit_fields<'a>(
    container: &str,
    fields: &'a [Field],
    visit: &mut impl FnMut(&str, &'a FieldSpec),
) {
    for field in fields {
        let path = format!("{container}.{}", field.name);
        visit_spec(&path, &field.spec, visit);
    }
}

fn visit_spec<'a>(path: &str, spec: &'a FieldSpec, visit: &mut impl FnMut(&str, &'a FieldSpec)) {
    visit(path, spec);
    match &spec.kind {
        FieldKind::Object(object) => visit_fields(path, &object.fields, visit),
        FieldKind::List(list) => visit_spec(&format!("{path}[]"), &list.of, visit),
        _ => {}
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl ContentType {
    /// The top-level field with this name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The top-level fields marked `unique`.
    pub fn unique_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.unique)
    }

    /// The value of the title field in validated `fields`, if it is a non-empty string.
    pub fn title<'a>(&self, fields: &'a serde_json::Map<String, Value>) -> Option<&'a str> {
        let name = self.title_field.as_deref()?;
        fields
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }
}
