//! Validation of an entry's `fields` against its content type.
//!
//! [`ContentType::validate`] takes the value by ownership and returns it normalized in place
//! (no copy of a valid entry is made): defaults applied, `null`s and empty strings of optional
//! text fields dropped, whole floats of integer fields stored as integers, single-target
//! references completed with their `type`. Every
//! problem is reported at once, each with its JSON path and a stable [`ErrorCode`]. References and
//! assets are collected on the way so the store can check that they exist.

mod error;
mod formats;

use serde_json::{Map, Value};

pub use error::{ErrorCode, FieldError, ValidationErrors};
pub use formats::is_email;

use crate::schema::{
    AssetRules, Bounds, ContentType, Field, FieldKind, ListRules, ReferenceRules, TextRules,
};

const NO_TEXT_RULES: TextRules = TextRules {
    min_length: None,
    max_length: None,
    pattern: None,
};

/// Longest `alt` text of an asset value, in characters.
pub const MAX_ALT_LENGTH: usize = 1000;

/// An entry's fields after validation; borrows the asset rules of its content type.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedFields<'a> {
    /// Normalized fields, ready to store.
    pub fields: Map<String, Value>,
    /// Every reference, in document order.
    pub references: Vec<ReferenceUse<'a>>,
    /// Every asset, in document order.
    pub assets: Vec<AssetUse<'a>>,
}

/// A reference found in an entry: the store checks the target exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceUse<'a> {
    pub path: String,
    /// The target's content type (one of the field's `to`).
    pub type_name: &'a str,
    pub id: String,
}

/// An asset found in an entry: the store checks it exists and fits `rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetUse<'a> {
    pub path: String,
    pub id: String,
    pub rules: &'a AssetRules,
}

impl ContentType {
    /// Validates an entry's `fields` (the JSON object of the request body) and returns them
    /// normalized. Error paths start with `fields`.
    pub fn validate(&self, fields: Value) -> Result<ValidatedFields<'_>, ValidationErrors> {
        let mut fields = fields;
        let mut validator = Validator::new("fields");
        let ok = validator.object(&self.fields, &mut fields);
        validator.finish(ok, fields)
    }
}

/// Validates one value against a field kind, with paths relative to the value (the root is
/// `""`). Used to check schema defaults.
pub(crate) fn check_value(kind: &FieldKind, value: Value) -> Result<Value, Vec<FieldError>> {
    let mut value = value;
    let mut validator = Validator::new("");
    if validator.value(kind, &mut value) && validator.errors.is_empty() {
        Ok(value)
    } else {
        Err(validator.errors)
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
    references: Vec<ReferenceUse<'s>>,
    assets: Vec<AssetUse<'s>>,
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

    fn finish(self, ok: bool, fields: Value) -> Result<ValidatedFields<'s>, ValidationErrors> {
        match fields {
            Value::Object(fields) if ok && self.errors.is_empty() => Ok(ValidatedFields {
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

    /// The fields of a type or `object` field, checked and normalized in place.
    ///
    /// One pass over the value's keys matches each to its field by name (objects are small, so a
    /// scan beats hashing); fields never seen then get their default or a `required` error.
    fn object(&mut self, fields: &'s [Field], value: &mut Value) -> bool {
        let Value::Object(map) = value else {
            self.wrong_type("an object", value);
            return false;
        };
        let mut ok = true;
        let mut seen = Seen::new(fields.len());
        let (mut unknown, mut cleared) = (false, false);
        for (key, value) in map.iter_mut() {
            let Some(index) = fields.iter().position(|f| f.name == *key) else {
                unknown = true;
                continue;
            };
            let field = &fields[index];
            if is_absent(&field.spec.kind, value) {
                cleared = true;
                continue;
            }
            seen.insert(index);
            self.path.push(Segment::Key(&field.name));
            if field.required && is_blank(&field.spec.kind, value) {
                self.error(ErrorCode::Required, "required: must not be empty");
                ok = false;
            } else {
                ok &= self.value(&field.spec.kind, value);
            }
            self.path.pop();
        }
        if cleared {
            map.retain(|key, value| match fields.iter().find(|f| f.name == *key) {
                Some(field) => !is_absent(&field.spec.kind, value),
                None => true,
            });
        }
        for (_, field) in fields
            .iter()
            .enumerate()
            .filter(|(i, _)| !seen.contains(*i))
        {
            match &field.default {
                Some(default) => {
                    map.insert(field.name.clone(), default.clone());
                }
                None if field.required => {
                    self.path.push(Segment::Key(&field.name));
                    self.error(ErrorCode::Required, "required");
                    self.path.pop();
                    ok = false;
                }
                None => {}
            }
        }
        if unknown {
            let mut unknown: Vec<&String> = map
                .keys()
                .filter(|key| !fields.iter().any(|f| &f.name == *key))
                .collect();
            unknown.sort_unstable();
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            // A "did you mean" for the first few only: a body of many thousand unknown keys
            // would otherwise cost a comparison of each with every field.
            const HINTED: usize = 100;
            for (n, key) in unknown.into_iter().enumerate() {
                let mut path = self.path_string();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let hint = if n < HINTED {
                    crate::names::did_you_mean(key, known.iter().copied())
                } else {
                    String::new()
                };
                self.errors.push(FieldError::new(
                    path,
                    ErrorCode::UnknownField,
                    format!("unknown field{hint}"),
                ));
            }
            ok = false;
        }
        ok
    }

    /// One value of a given kind, checked and normalized in place; `false` when it is invalid
    /// (and the errors are recorded).
    fn value(&mut self, kind: &'s FieldKind, value: &mut Value) -> bool {
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
                &NO_TEXT_RULES,
                value,
                formats::is_date,
                ErrorCode::InvalidDate,
                "must be a date as YYYY-MM-DD",
            ),
            FieldKind::Datetime => self.formatted(
                &NO_TEXT_RULES,
                value,
                formats::is_datetime,
                ErrorCode::InvalidDatetime,
                "must be a date and time as RFC 3339, like 2026-11-22T10:00:00Z",
            ),
            FieldKind::Integer(bounds) => self.integer(bounds, value),
            FieldKind::Number(bounds) => self.number(bounds, value),
            FieldKind::Boolean => {
                let ok = value.is_boolean();
                if !ok {
                    self.wrong_type("true or false", value);
                }
                ok
            }
            FieldKind::Enum(rules) => match value {
                Value::String(s) if rules.values.contains(s) => true,
                Value::String(_) => {
                    self.error(
                        ErrorCode::NotInEnum,
                        format!("must be one of: {}", rules.values.join(", ")),
                    );
                    false
                }
                other => {
                    self.wrong_type("text", other);
                    false
                }
            },
            FieldKind::Reference(rules) => self.reference(rules, value),
            FieldKind::Asset(rules) => self.asset(rules, value),
            FieldKind::List(rules) => self.list(rules, value),
            FieldKind::Object(object) => self.object(&object.fields, value),
            FieldKind::Json => true,
        }
    }

    fn text(&mut self, rules: &TextRules, value: &Value, lines: Lines) -> bool {
        let Value::String(text) = value else {
            self.wrong_type("text", value);
            return false;
        };
        let mut ok = true;
        let bad_char = |c: char| match lines {
            Lines::One => c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'),
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
        if let Some(pattern) = rules.pattern.as_ref().filter(|p| !p.is_match(text)) {
            ok = false;
            self.error(
                ErrorCode::PatternMismatch,
                format!("must match the pattern {}", pattern.as_str()),
            );
        }
        ok
    }

    /// A string in a given format, which also follows the length and pattern rules.
    fn formatted(
        &mut self,
        rules: &TextRules,
        value: &Value,
        is_valid: fn(&str) -> bool,
        code: ErrorCode,
        message: &str,
    ) -> bool {
        let Value::String(text) = value else {
            self.wrong_type("text", value);
            return false;
        };
        if !is_valid(text) {
            self.error(code, message);
            return false;
        }
        self.text(rules, value, Lines::One)
    }

    fn integer(&mut self, bounds: &Bounds<i64>, value: &mut Value) -> bool {
        let Value::Number(number) = &*value else {
            self.wrong_type("a whole number", value);
            return false;
        };
        let n = if let Some(n) = number.as_i64() {
            n
        } else if number.is_u64() {
            self.error(
                ErrorCode::TooLarge,
                format!("at most {}", bounds.max.unwrap_or(i64::MAX)),
            );
            return false;
        } else {
            // A float: accept 3.0 as 3, refuse 3.5 and anything beyond 64 bits.
            let f = number.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 || !f.is_finite() {
                self.wrong_type("a whole number", value);
                return false;
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
                return false;
            }
            let n = f as i64;
            *value = Value::from(n);
            n
        };
        self.bounded(bounds, n)
    }

    fn number(&mut self, bounds: &Bounds<f64>, value: &Value) -> bool {
        match value.as_f64() {
            Some(n) => self.bounded(bounds, n),
            None => {
                self.wrong_type("a number", value);
                false
            }
        }
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

    /// `{type, id}`; `type` may be left out when the field points to one type only.
    fn reference(&mut self, rules: &'s ReferenceRules, value: &mut Value) -> bool {
        let Value::Object(object) = value else {
            self.wrong_type("a reference object", value);
            return false;
        };
        let given_type = match object.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            None if rules.to.len() == 1 => None,
            _ => return self.bad_reference(rules),
        };
        let Some(Value::String(id)) = object.get("id") else {
            return self.bad_reference(rules);
        };
        if object.len() > 2 || (object.len() == 2 && given_type.is_none()) {
            return self.bad_reference(rules);
        }
        // The schema's own copy of the name, so the use can borrow it.
        let Some(type_name) = rules
            .to
            .iter()
            .find(|t| given_type.is_none_or(|given| *t == given))
        else {
            self.error(
                ErrorCode::InvalidReference,
                format!("must point to an entry of type {}", rules.to.join(" or ")),
            );
            return false;
        };
        if !formats::is_uuid(id) {
            self.error(
                ErrorCode::InvalidReference,
                "the id must be an entry id (a UUID)",
            );
            return false;
        }
        let id = id.clone();
        if given_type.is_none() {
            object.insert("type".to_owned(), Value::String(type_name.clone()));
        }
        let path = self.path_string();
        self.references.push(ReferenceUse {
            path,
            type_name,
            id,
        });
        true
    }

    fn bad_reference(&mut self, rules: &ReferenceRules) -> bool {
        self.error(
            ErrorCode::InvalidReference,
            format!(
                "a reference is {{\"type\": \"{}\", \"id\": \"<entry id>\"}}",
                rules.to[0]
            ),
        );
        false
    }

    /// `{id, alt?}`.
    fn asset(&mut self, rules: &'s AssetRules, value: &mut Value) -> bool {
        const SHAPE: &str = "an asset is {\"id\": \"<asset id>\", \"alt\": \"optional text\"}";
        let Value::Object(object) = value else {
            self.wrong_type("an asset object", value);
            return false;
        };
        if object.get("alt").is_some_and(Value::is_null) {
            object.shift_remove("alt");
        }
        let id = match object.get("id") {
            Some(Value::String(id)) if formats::is_uuid(id) => id.clone(),
            _ => {
                self.error(ErrorCode::InvalidAsset, SHAPE);
                return false;
            }
        };
        match object.get("alt") {
            None => {}
            Some(Value::String(alt))
                if alt.chars().count() <= MAX_ALT_LENGTH && !alt.chars().any(char::is_control) => {}
            Some(_) => {
                self.error(
                    ErrorCode::InvalidAsset,
                    format!("`alt` must be one line of at most {MAX_ALT_LENGTH} characters"),
                );
                return false;
            }
        }
        if object.keys().any(|key| key != "id" && key != "alt") {
            self.error(ErrorCode::InvalidAsset, SHAPE);
            return false;
        }
        let path = self.path_string();
        self.assets.push(AssetUse { path, id, rules });
        true
    }

    fn list(&mut self, rules: &'s ListRules, value: &mut Value) -> bool {
        let Value::Array(items) = value else {
            self.wrong_type("a list", value);
            return false;
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
        for (index, item) in items.iter_mut().enumerate() {
            self.path.push(Segment::Index(index));
            if item.is_null() {
                self.wrong_type(&format!("a {} item", rules.of.kind.type_name()), item);
                ok = false;
            } else {
                ok &= self.value(&rules.of.kind, item);
            }
            self.path.pop();
        }
        ok
    }
}

/// The fields of an object that had a value: a bit set, on the stack for up to 128 fields.
enum Seen {
    Small(u128),
    Large(Vec<bool>),
}

impl Seen {
    fn new(len: usize) -> Self {
        if len <= 128 {
            Seen::Small(0)
        } else {
            Seen::Large(vec![false; len])
        }
    }

    fn insert(&mut self, index: usize) {
        match self {
            Seen::Small(bits) => *bits |= 1 << index,
            Seen::Large(flags) => flags[index] = true,
        }
    }

    fn contains(&self, index: usize) -> bool {
        match self {
            Seen::Small(bits) => bits & (1 << index) != 0,
            Seen::Large(flags) => flags[index],
        }
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

/// For `required`: text of only spaces in a string-type field, and an empty list, count as
/// missing. (A `json` field's `[]` or `""` is a value like any other.)
fn is_blank(kind: &FieldKind, value: &Value) -> bool {
    match (kind, value) {
        (FieldKind::List(_), Value::Array(items)) => items.is_empty(),
        (kind, Value::String(s)) => kind.is_string_like() && s.trim().is_empty(),
        _ => false,
    }
}
