//! Compatibility between two schema sets (contract §1): every difference is a [`Change`],
//! classified as [`Impact::Safe`] or [`Impact::Breaking`].
//!
//! A breaking change is one that *can* make stored entries invalid. Whether it *does* depends on
//! the entries, so each change also says how to find the entries it affects ([`Affected`]); the
//! store runs that check and refuses the change only when some entry would break.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::schema::{
    AssetRules, Bounds, ContentType, Field, FieldKind, FieldSpec, ListRules, SchemaSet, TextRules,
};

/// Whether a change can break stored entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Safe,
    Breaking,
}

/// Which stored entries a breaking change affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "field")]
pub enum Affected {
    /// None: the change is safe.
    None,
    /// The entries of the type whose fields no longer validate against the new type.
    Invalid,
    /// Every entry of the type (the type was removed).
    All,
    /// Entries of the type outside the default locale (localization was turned off).
    OtherLocales,
    /// Entries that share a value of this top-level field with another entry of the same type
    /// and locale (`unique` was added).
    Duplicates(String),
}

/// One difference between two versions of the schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub content_type: String,
    /// The field's entry path (`fields.seo.title`); empty for the type itself.
    pub path: String,
    pub impact: Impact,
    pub affected: Affected,
    /// For people: `max_length lowered from 80 to 60`.
    pub message: String,
}

impl Change {
    pub fn is_breaking(&self) -> bool {
        self.impact == Impact::Breaking
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let impact = match self.impact {
            Impact::Safe => "safe",
            Impact::Breaking => "BREAKING",
        };
        if self.path.is_empty() {
            write!(f, "{impact}: {}: {}", self.content_type, self.message)
        } else {
            write!(
                f,
                "{impact}: {}: {}: {}",
                self.content_type, self.path, self.message
            )
        }
    }
}

/// Every change from `old` to `new`, type by type in name order.
pub fn compare(old: &SchemaSet, new: &SchemaSet) -> Vec<Change> {
    let mut changes = Vec::new();
    for old_type in old.iter() {
        match new.get(&old_type.name) {
            Some(new_type) => compare_types(old_type, new_type, &mut changes),
            None => changes.push(Change {
                content_type: old_type.name.clone(),
                path: String::new(),
                impact: Impact::Breaking,
                affected: Affected::All,
                message: "content type removed".to_owned(),
            }),
        }
    }
    for new_type in new.iter().filter(|t| old.get(&t.name).is_none()) {
        changes.push(Change {
            content_type: new_type.name.clone(),
            path: String::new(),
            impact: Impact::Safe,
            affected: Affected::None,
            message: "content type added".to_owned(),
        });
    }
    changes
}

/// Collects the changes of one type.
struct Differ<'a> {
    content_type: &'a str,
    changes: &'a mut Vec<Change>,
}

impl Differ<'_> {
    fn safe(&mut self, path: &str, message: impl Into<String>) {
        self.push(path, Impact::Safe, Affected::None, message.into());
    }

    fn breaking(&mut self, path: &str, message: impl Into<String>) {
        self.push(path, Impact::Breaking, Affected::Invalid, message.into());
    }

    fn push(&mut self, path: &str, impact: Impact, affected: Affected, message: String) {
        self.changes.push(Change {
            content_type: self.content_type.to_owned(),
            path: path.to_owned(),
            impact,
            affected,
            message,
        });
    }
}

fn compare_types(old: &ContentType, new: &ContentType, changes: &mut Vec<Change>) {
    let mut d = Differ {
        content_type: &new.name,
        changes,
    };
    if old.localized && !new.localized {
        d.push(
            "",
            Impact::Breaking,
            Affected::OtherLocales,
            "localization turned off: entries outside the default locale would be orphaned"
                .to_owned(),
        );
    } else if !old.localized && new.localized {
        d.safe("", "localization turned on");
    }
    if old.label != new.label || old.description != new.description {
        d.safe("", "label or description changed");
    }
    if old.title_field != new.title_field {
        d.safe(
            "",
            format!(
                "title field changed from {} to {} (existing slugs stay)",
                or_none(old.title_field.as_deref()),
                or_none(new.title_field.as_deref())
            ),
        );
    }
    if old.workflow != new.workflow {
        d.safe(
            "",
            format!(
                "workflow changed to review: {}, four_eyes: {}",
                new.workflow.review, new.workflow.four_eyes
            ),
        );
    }
    compare_fields(&mut d, "fields", &old.fields, &new.fields);
}

fn or_none(name: Option<&str>) -> String {
    name.map_or_else(|| "none".to_owned(), |n| format!("`{n}`"))
}

fn compare_fields(d: &mut Differ<'_>, container: &str, old: &[Field], new: &[Field]) {
    for old_field in old {
        let path = format!("{container}.{}", old_field.name);
        match new.iter().find(|f| f.name == old_field.name) {
            Some(new_field) => compare_field(d, &path, old_field, new_field),
            None => d.breaking(
                &path,
                "field removed: entries with a value for it would lose it",
            ),
        }
    }
    for new_field in new.iter().filter(|f| !old.iter().any(|o| o.name == f.name)) {
        let path = format!("{container}.{}", new_field.name);
        if new_field.required && new_field.default.is_none() {
            d.breaking(&path, "required field added without a default");
        } else {
            d.safe(&path, "field added");
        }
    }
}

fn compare_field(d: &mut Differ<'_>, path: &str, old: &Field, new: &Field) {
    if !old.required && new.required {
        if new.default.is_none() {
            d.breaking(path, "made required without a default");
        } else {
            d.safe(
                path,
                "made required, with a default for entries without a value",
            );
        }
    } else if old.required && !new.required {
        d.safe(path, "no longer required");
    }
    if !old.unique && new.unique {
        d.push(
            path,
            Impact::Breaking,
            Affected::Duplicates(new_field_name(path)),
            "made unique: entries sharing a value would conflict".to_owned(),
        );
    } else if old.unique && !new.unique {
        d.safe(path, "no longer unique");
    }
    if old.default != new.default {
        d.safe(path, "default changed");
    }
    compare_specs(d, path, &old.spec, &new.spec);
}

/// The top-level field name of `fields.name`.
fn new_field_name(path: &str) -> String {
    path.trim_start_matches("fields.").to_owned()
}

fn compare_specs(d: &mut Differ<'_>, path: &str, old: &FieldSpec, new: &FieldSpec) {
    if old.label != new.label || old.help != new.help {
        d.safe(path, "label or help changed");
    }
    let (old_kind, new_kind) = (&old.kind, &new.kind);
    if old_kind.type_name() != new_kind.type_name() {
        let widening = matches!(
            (old_kind, new_kind),
            (FieldKind::Text(_), FieldKind::LongText(_))
                | (FieldKind::Integer(_), FieldKind::Number(_))
        );
        let message = format!(
            "type changed from {} to {}",
            old_kind.type_name(),
            new_kind.type_name()
        );
        if widening {
            d.safe(path, format!("{message} (every old value stays valid)"));
        } else {
            d.breaking(path, message);
            return;
        }
    }
    match (old_kind, new_kind) {
        (FieldKind::Integer(a), FieldKind::Number(b)) => compare_bounds(d, path, &as_f64(a), b),
        (FieldKind::Integer(a), FieldKind::Integer(b)) => compare_bounds(d, path, a, b),
        (FieldKind::Number(a), FieldKind::Number(b)) => compare_bounds(d, path, a, b),
        (FieldKind::Enum(a), FieldKind::Enum(b)) => {
            let removed: Vec<&str> = a
                .values
                .iter()
                .filter(|v| !b.values.contains(v))
                .map(String::as_str)
                .collect();
            let added: Vec<&str> = b
                .values
                .iter()
                .filter(|v| !a.values.contains(v))
                .map(String::as_str)
                .collect();
            if !removed.is_empty() {
                d.breaking(path, format!("enum values removed: {}", removed.join(", ")));
            }
            if !added.is_empty() {
                d.safe(path, format!("enum values added: {}", added.join(", ")));
            }
            if removed.is_empty() && added.is_empty() && a.values != b.values {
                d.safe(path, "enum values reordered");
            }
        }
        (FieldKind::Reference(a), FieldKind::Reference(b)) => {
            compare_sets(d, path, "reference targets", &a.to, &b.to);
        }
        (FieldKind::Asset(a), FieldKind::Asset(b)) => compare_assets(d, path, a, b),
        (FieldKind::List(a), FieldKind::List(b)) => compare_lists(d, path, a, b),
        (FieldKind::Object(a), FieldKind::Object(b)) => {
            compare_fields(d, path, &a.fields, &b.fields)
        }
        (a, b) => {
            if let (Some(a), Some(b)) = (a.text_rules(), b.text_rules()) {
                compare_text(d, path, a, b);
            }
        }
    }
}

fn as_f64(bounds: &Bounds<i64>) -> Bounds<f64> {
    Bounds {
        min: bounds.min.map(|n| n as f64),
        max: bounds.max.map(|n| n as f64),
    }
}

fn compare_text(d: &mut Differ<'_>, path: &str, old: &TextRules, new: &TextRules) {
    lower_limit(d, path, "min_length", old.min_length, new.min_length);
    upper_limit(d, path, "max_length", old.max_length, new.max_length);
    match (&old.pattern, &new.pattern) {
        (None, Some(p)) => d.breaking(path, format!("pattern added: {}", p.as_str())),
        (Some(_), None) => d.safe(path, "pattern removed"),
        (Some(a), Some(b)) if a != b => {
            d.breaking(
                path,
                format!("pattern changed from {} to {}", a.as_str(), b.as_str()),
            );
        }
        _ => {}
    }
}

fn compare_bounds<T: PartialOrd + Copy + fmt::Display>(
    d: &mut Differ<'_>,
    path: &str,
    old: &Bounds<T>,
    new: &Bounds<T>,
) {
    lower_limit(d, path, "min", old.min, new.min);
    upper_limit(d, path, "max", old.max, new.max);
}

fn compare_assets(d: &mut Differ<'_>, path: &str, old: &AssetRules, new: &AssetRules) {
    match (old.accept.is_empty(), new.accept.is_empty()) {
        (true, false) => d.breaking(path, format!("accept limited to {}", new.accept.join(", "))),
        (false, true) => d.safe(path, "accept lifted: any file type"),
        (false, false) => compare_sets(d, path, "accepted types", &old.accept, &new.accept),
        (true, true) => {}
    }
    upper_limit(d, path, "max_bytes", old.max_bytes, new.max_bytes);
}

fn compare_lists(d: &mut Differ<'_>, path: &str, old: &ListRules, new: &ListRules) {
    lower_limit(d, path, "min_items", old.min_items, new.min_items);
    upper_limit(d, path, "max_items", old.max_items, new.max_items);
    compare_specs(d, &format!("{path}[]"), &old.of, &new.of);
}

fn compare_sets(d: &mut Differ<'_>, path: &str, what: &str, old: &[String], new: &[String]) {
    let removed: Vec<&str> = old
        .iter()
        .filter(|v| !new.contains(v))
        .map(String::as_str)
        .collect();
    let added: Vec<&str> = new
        .iter()
        .filter(|v| !old.contains(v))
        .map(String::as_str)
        .collect();
    if !removed.is_empty() {
        d.breaking(path, format!("{what} removed: {}", removed.join(", ")));
    }
    if !added.is_empty() {
        d.safe(path, format!("{what} added: {}", added.join(", ")));
    }
}

/// A minimum: raising or adding it narrows, lowering or removing it widens.
fn lower_limit<T: PartialOrd + Copy + fmt::Display>(
    d: &mut Differ<'_>,
    path: &str,
    name: &str,
    old: Option<T>,
    new: Option<T>,
) {
    match (old, new) {
        (None, Some(n)) => d.breaking(path, format!("{name} {n} added")),
        (Some(o), None) => d.safe(path, format!("{name} {o} removed")),
        (Some(o), Some(n)) if n > o => d.breaking(path, format!("{name} raised from {o} to {n}")),
        (Some(o), Some(n)) if n < o => d.safe(path, format!("{name} lowered from {o} to {n}")),
        _ => {}
    }
}

/// A maximum: lowering or adding it narrows, raising or removing it widens.
fn upper_limit<T: PartialOrd + Copy + fmt::Display>(
    d: &mut Differ<'_>,
    path: &str,
    name: &str,
    old: Option<T>,
    new: Option<T>,
) {
    match (old, new) {
        (None, Some(n)) => d.breaking(path, format!("{name} {n} added")),
        (Some(o), None) => d.safe(path, format!("{name} {o} removed")),
        (Some(o), Some(n)) if n < o => d.breaking(path, format!("{name} lowered from {o} to {n}")),
        (Some(o), Some(n)) if n > o => d.safe(path, format!("{name} raised from {o} to {n}")),
        _ => {}
    }
}

/// Whether `value` (stored fields of one entry) would still be valid under `new_type`: the check
/// behind [`Affected::Invalid`].
pub fn still_valid(new_type: &ContentType, fields: &Value) -> bool {
    new_type.validate(fields.clone()).is_ok()
}
