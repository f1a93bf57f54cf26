//! Validation of an entry's `fields` against its content type.
//!
//! [`ContentType::validate`] takes the value by ownership and returns it normalized: defaults
//! applied, `null`s dropped, keys in schema order, single-target references completed. Every
//! problem is reported at once, each with its JSON path and a stable [`ErrorCode`]. References and
//! assets are collected on the way so the store can check that they exist.

mod error;
mod formats;

use serde_json::{Map, Value};

pub use error::{ErrorCode, FieldError, ValidationErrors};

use crate::schema::{
    AssetRules, Bounds, ContentType, Field, FieldKind, ListRules, ReferenceRules, TextRules,
};

/// Longest `alt` text of an asset value, in characters.
pub const MAX_ALT_LENGTH: usize = 1000;

/// An entry's fields after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedFields {
    /// Normalized fields, ready to store.
    pub fields: Map<String, Value>,
    /// Every reference, in document order.
    pub references: Vec<ReferenceUse>,
    /// Every asset, in document order.
    pub assets: Vec<AssetUse>,
}

/// A reference found in an entry: the store checks the target exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceUse {
    pub path: String,
    pub type_name: String,
    pub id: String,
}

/// An asset found in an entry: the store checks it exists and fits `rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetUse {
    pub path: String,
    pub id: String,
    pub rules: AssetRules,
}

impl ContentType {
    /// Validates an entry's `fields` (the JSON object of the request body) and returns them
    /// normalized. Error paths start with `fields`.
    pub fn validate(&self, fields: Value) -> Result<ValidatedFields, ValidationErrors> {
        let mut validator = Validator::new("fields");
        let fields = validator.object(&self.fields, fields);
        validator.finish(fields)
    }
}

/// Validates one value against a field kind, with paths relative to the value (the root is
/// `""`). Used to check schema defaults.
pub(crate) fn check_value(kind: &FieldKind, value: Value) -> Result<Value, Vec<FieldError>> {
    let mut validator = Validator::new("");
    let value = validator.value(kind, value);
    match value {
        Some(value) if validator.errors.is_empty() => Ok(value),
        _ => Err(validator.errors),
    }
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Walks a value alongside its spec. The current path is a stack of borrowed segments and is
/// only turned into a string when something needs it, which keeps valid entries cheap.
struct Validator<'s> {
    root: &'static str,
    path: Vec<Segment<'s>>,
    errors: Vec<FieldError>,
    references: Vec<ReferenceUse>,
    assets: Vec<AssetUse>,
}

/// What a text type allows besides printable characters.
#[derive(Clone, Copy, PartialEq)]
enum Lines {
    One,
    Many,
}

impl<'s> Validator<'s> {
    fn new(root: &'static str) -> Self {
        Self {
            root,
            path: Vec::with_capacity(8),
            errors: Vec::new(),
            references: Vec::new(),
            assets: Vec::new(),
        }
    }

    fn finish(self, fields: Option<Value>) -> Result<ValidatedFields, ValidationErrors> {
        match fields {
            Some(Value::Object(fields)) if self.errors.is_empty() => Ok(ValidatedFields {
                fields,
                references: self.references,
                assets: self.assets,
            }),
            _ => Err(ValidationErrors(self.errors)),
        }
    }

    fn path_string(&self) -> String {
        let mut path = String::with_capacity(32);
        path.push_str(self.root);
        for segment in &self.path {
            match segment {
                Segment::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Segment::Index(index) => {
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                }
            }
        }
        path
    }

    fn error(&mut self, code: ErrorCode, message: impl Into<String>) {
        let path = self.path_string();
        self.errors.push(FieldError::new(path, code, message));
    }

    fn wrong_type(&mut self, expected: &str, value: &Value) {
        let got = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "text",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        self.error(
            ErrorCode::WrongType,
            format!("expected {expected}, got {got}"),
        );
    }

    /// The fields of a type or `object` field. `None` when the value is not an object.
    fn object(&mut self, fields: &'s [Field], value: Value) -> Option<Value> {
        let Value::Object(mut input) = value else {
            self.wrong_type("an object", &value);
            return None;
        };
        let mut output = Map::with_capacity(fields.len());
        for field in fields {
            self.path.push(Segment::Key(&field.name));
            let value = input
                .remove(&field.name)
                .filter(|value| !is_absent(&field.spec.kind, value));
            match value {
                None => match &field.default {
                    Some(default) => {
                        output.insert(field.name.clone(), default.clone());
                    }
                    None if field.required => self.error(ErrorCode::Required, "required"),
                    None => {}
                },
                Some(value) => {
                    if field.required && is_empty(&value) {
                        self.error(ErrorCode::Required, "required: must not be empty");
                    } else if let Some(value) = self.value(&field.spec.kind, value) {
                        output.insert(field.name.clone(), value);
                    }
                }
            }
            self.path.pop();
        }
        if !input.is_empty() {
            let mut unknown: Vec<String> = input.into_iter().map(|(key, _)| key).collect();
            unknown.sort_unstable();
            for key in unknown {
                let mut path = self.path_string();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key);
                let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                let hint = crate::names::did_you_mean(&key, known);
                self.errors.push(FieldError::new(
                    path,
                    ErrorCode::UnknownField,
                    format!("unknown field{hint}"),
                ));
            }
        }
        Some(Value::Object(output))
    }

    /// One value of a given kind. `None` when it is invalid (and the errors are recorded).
    fn value(&mut self, kind: &'s FieldKind, value: Value) -> Option<Value> {
        match kind {
            FieldKind::Text(rules) => self.text(rules, value, Lines::One),
            FieldKind::LongText(rules) | FieldKind::Markdown(rules) => {
                self.text(rules, value, Lines::Many)
            }
            FieldKind::Url(rules) => self.formatted(
                rules,
                value,
                formats::is_url,
                ErrorCode::InvalidUrl,
                "must be an http(s), mailto or tel URL, or a path starting with /",
            ),
            FieldKind::Email(rules) => self.formatted(
                rules,
                value,
                formats::is_email,
                ErrorCode::InvalidEmail,
                "must be an email address like name@example.com",
            ),
            FieldKind::Date => self.formatted(
                &TextRules::default(),
                value,
                formats::is_date,
                ErrorCode::InvalidDate,
                "must be a date as YYYY-MM-DD",
            ),
            FieldKind::Datetime => self.formatted(
                &TextRules::default(),
                value,
                formats::is_datetime,
                ErrorCode::InvalidDatetime,
                "must be a date and time as RFC 3339, like 2026-11-22T10:00:00Z",
            ),
            FieldKind::Integer(bounds) => self.integer(bounds, value),
            FieldKind::Number(bounds) => self.number(bounds, value),
            FieldKind::Boolean => match value {
                Value::Bool(_) => Some(value),
                other => {
                    self.wrong_type("true or false", &other);
                    None
                }
            },
            FieldKind::Enum(rules) => match value {
                Value::String(s) if rules.values.contains(&s) => Some(Value::String(s)),
                Value::String(_) => {
                    self.error(
                        ErrorCode::NotInEnum,
                        format!("must be one of: {}", rules.values.join(", ")),
                    );
                    None
                }
                other => {
                    self.wrong_type("text", &other);
                    None
                }
            },
            FieldKind::Reference(rules) => self.reference(rules, value),
            FieldKind::Asset(rules) => self.asset(rules, value),
            FieldKind::List(rules) => self.list(rules, value),
            FieldKind::Object(object) => self.object(&object.fields, value),
            FieldKind::Json => Some(value),
        }
    }

    fn text(&mut self, rules: &TextRules, value: Value, lines: Lines) -> Option<Value> {
        let Value::String(text) = value else {
            self.wrong_type("text", &value);
            return None;
        };
        let mut ok = true;
        let bad_char = |c: char| match lines {
            Lines::One => c.is_control(),
            Lines::Many => c.is_control() && !matches!(c, '\n' | '\r' | '\t'),
        };
        if text.chars().any(bad_char) {
            ok = false;
            let message = match lines {
                Lines::One => "must be one line, without line breaks or control characters",
                Lines::Many => "must not contain control characters",
            };
            self.error(ErrorCode::InvalidCharacters, message);
        }
        if rules.min_length.is_some() || rules.max_length.is_some() {
            let length = text.chars().count() as u64;
            if let Some(min) = rules.min_length.filter(|&min| length < min) {
                ok = false;
                self.error(ErrorCode::TooShort, format!("at least {min} characters"));
            }
            if let Some(max) = rules.max_length.filter(|&max| length > max) {
                ok = false;
                self.error(ErrorCode::TooLong, format!("at most {max} characters"));
            }
        }
        if let Some(pattern) = rules.pattern.as_ref().filter(|p| !p.is_match(&text)) {
            ok = false;
            self.error(
                ErrorCode::PatternMismatch,
                format!("must match the pattern {}", pattern.as_str()),
            );
        }
        ok.then_some(Value::String(text))
    }

    /// A string in a given format, which also follows the length and pattern rules.
    fn formatted(
        &mut self,
        rules: &TextRules,
        value: Value,
        is_valid: fn(&str) -> bool,
        code: ErrorCode,
        message: &str,
    ) -> Option<Value> {
        let Value::String(text) = value else {
            self.wrong_type("text", &value);
            return None;
        };
        if !is_valid(&text) {
            self.error(code, message);
            return None;
        }
        self.text(rules, Value::String(text), Lines::One)
    }

    fn integer(&mut self, bounds: &Bounds<i64>, value: Value) -> Option<Value> {
        let Value::Number(number) = &value else {
            self.wrong_type("a whole number", &value);
            return None;
        };
        let n = if let Some(n) = number.as_i64() {
            n
        } else if number.is_u64() {
            self.error(
                ErrorCode::TooLarge,
                format!("at most {}", bounds.max.unwrap_or(i64::MAX)),
            );
            return None;
        } else {
            // A float: accept 3.0 as 3, refuse 3.5 and anything beyond 64 bits.
            let f = number.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 || !f.is_finite() {
                self.wrong_type("a whole number", &value);
                return None;
            }
            if f >= i64::MAX as f64 || f < i64::MIN as f64 {
                let (code, message) = if f > 0.0 {
                    (
                        ErrorCode::TooLarge,
                        format!("at most {}", bounds.max.unwrap_or(i64::MAX)),
                    )
                } else {
                    (
                        ErrorCode::TooSmall,
                        format!("at least {}", bounds.min.unwrap_or(i64::MIN)),
                    )
                };
                self.error(code, message);
                return None;
            }
            f as i64
        };
        self.bounded(bounds, n).then(|| Value::from(n))
    }

    fn number(&mut self, bounds: &Bounds<f64>, value: Value) -> Option<Value> {
        let Some(n) = value.as_f64() else {
            self.wrong_type("a number", &value);
            return None;
        };
        self.bounded(bounds, n).then_some(value)
    }

    fn bounded<T: PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        bounds: &Bounds<T>,
        n: T,
    ) -> bool {
        if let Some(min) = bounds.min.filter(|&min| n < min) {
            self.error(ErrorCode::TooSmall, format!("at least {min}"));
            return false;
        }
        if let Some(max) = bounds.max.filter(|&max| n > max) {
            self.error(ErrorCode::TooLarge, format!("at most {max}"));
            return false;
        }
        true
    }

    fn reference(&mut self, rules: &ReferenceRules, value: Value) -> Option<Value> {
        let shape = || {
            format!(
                "a reference is {{\"type\": \"{}\", \"id\": \"<entry id>\"}}",
                rules.to[0]
            )
        };
        let Value::Object(mut object) = value else {
            self.wrong_type("a reference object", &value);
            return None;
        };
        let type_name = match object.remove("type") {
            Some(Value::String(t)) => t,
            None if rules.to.len() == 1 => rules.to[0].clone(),
            _ => {
                self.error(ErrorCode::InvalidReference, shape());
                return None;
            }
        };
        let id = match object.remove("id") {
            Some(Value::String(id)) => id,
            _ => {
                self.error(ErrorCode::InvalidReference, shape());
                return None;
            }
        };
        if !object.is_empty() {
            self.error(ErrorCode::InvalidReference, shape());
            return None;
        }
        if !rules.to.contains(&type_name) {
            self.error(
                ErrorCode::InvalidReference,
                format!("must point to an entry of type {}", rules.to.join(" or ")),
            );
            return None;
        }
        if !formats::is_uuid(&id) {
            self.error(
                ErrorCode::InvalidReference,
                "the id must be an entry id (a UUID)",
            );
            return None;
        }
        self.references.push(ReferenceUse {
            path: self.path_string(),
            type_name: type_name.clone(),
            id: id.clone(),
        });
        let mut normalized = Map::with_capacity(2);
        normalized.insert("type".to_owned(), Value::String(type_name));
        normalized.insert("id".to_owned(), Value::String(id));
        Some(Value::Object(normalized))
    }

    fn asset(&mut self, rules: &AssetRules, value: Value) -> Option<Value> {
        const SHAPE: &str = "an asset is {\"id\": \"<asset id>\", \"alt\": \"optional text\"}";
        let Value::Object(mut object) = value else {
            self.wrong_type("an asset object", &value);
            return None;
        };
        let id = match object.remove("id") {
            Some(Value::String(id)) if formats::is_uuid(&id) => id,
            _ => {
                self.error(ErrorCode::InvalidAsset, SHAPE);
                return None;
            }
        };
        let alt = match object.remove("alt") {
            None | Some(Value::Null) => None,
            Some(Value::String(alt))
                if alt.chars().count() <= MAX_ALT_LENGTH && !alt.chars().any(char::is_control) =>
            {
                Some(alt)
            }
            Some(_) => {
                self.error(
                    ErrorCode::InvalidAsset,
                    format!("`alt` must be one line of at most {MAX_ALT_LENGTH} characters"),
                );
                return None;
            }
        };
        if !object.is_empty() {
            self.error(ErrorCode::InvalidAsset, SHAPE);
            return None;
        }
        self.assets.push(AssetUse {
            path: self.path_string(),
            id: id.clone(),
            rules: rules.clone(),
        });
        let mut normalized = Map::with_capacity(2);
        normalized.insert("id".to_owned(), Value::String(id));
        if let Some(alt) = alt {
            normalized.insert("alt".to_owned(), Value::String(alt));
        }
        Some(Value::Object(normalized))
    }

    fn list(&mut self, rules: &'s ListRules, value: Value) -> Option<Value> {
        let Value::Array(items) = value else {
            self.wrong_type("a list", &value);
            return None;
        };
        let count = items.len() as u64;
        let mut ok = true;
        if let Some(min) = rules.min_items.filter(|&min| count < min) {
            ok = false;
            self.error(ErrorCode::TooFewItems, format!("at least {min} items"));
        }
        if let Some(max) = rules.max_items.filter(|&max| count > max) {
            ok = false;
            self.error(ErrorCode::TooManyItems, format!("at most {max} items"));
        }
        let mut output = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            self.path.push(Segment::Index(index));
            if item.is_null() {
                self.wrong_type(&format!("a {} item", rules.of.kind.type_name()), &item);
                ok = false;
            } else if let Some(item) = self.value(&rules.of.kind, item) {
                output.push(item);
            } else {
                ok = false;
            }
            self.path.pop();
        }
        ok.then_some(Value::Array(output))
    }
}

/// `null`, and an empty string for a field of a string type, mean "no value": a cleared form
/// input does not fail the field's format or length rules.
fn is_absent(kind: &FieldKind, value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty() && kind.is_string_like(),
        _ => false,
    }
}

/// Empty text (or only spaces) and empty lists count as missing for `required`.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}
