//! Turns one schema file's JSON into a [`ContentType`], reporting every problem at once.
//!
//! Checks here need only the file itself; references to other types are checked by
//! [`super::SchemaSet`].

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::problem::Issues;
use super::{
    AssetRules, Bounds, ContentType, EnumRules, FIELD_TYPES, Field, FieldKind, FieldSpec,
    ListRules, ObjectRules, Pattern, ReferenceRules, TextRules, Workflow,
};
use crate::names::{did_you_mean, humanize, is_valid_name};

const TYPE_KEYS: &[&str] = &[
    "$schema",
    "name",
    "label",
    "description",
    "localized",
    "title_field",
    "workflow",
    "fields",
];
const WORKFLOW_KEYS: &[&str] = &["review", "four_eyes"];
/// Keys every named field may have.
const FIELD_KEYS: &[&str] = &[
    "name", "type", "label", "help", "required", "unique", "default",
];
/// Keys a list's `of` may have besides its type's options.
const ITEM_KEYS: &[&str] = &["type", "label", "help"];
/// Types whose top-level fields may be `unique`.
const UNIQUE_TYPES: &[&str] = &[
    "text", "url", "email", "integer", "number", "date", "datetime", "enum",
];

/// The options each field type takes besides the common keys.
fn options_of(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "text" | "long_text" => &["min_length", "max_length", "pattern"],
        "markdown" => &["min_length", "max_length"],
        "url" | "email" => &["max_length", "pattern"],
        "integer" | "number" => &["min", "max"],
        "enum" => &["values"],
        "reference" => &["to"],
        "asset" => &["accept", "max_bytes"],
        "list" => &["of", "min_items", "max_items"],
        "object" => &["fields"],
        _ => &[],
    }
}

fn is_any_option(key: &str) -> bool {
    FIELD_TYPES.iter().any(|t| options_of(t).contains(&key))
}

static MIME: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a literal that is tested
    Regex::new(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$").unwrap()
});

/// What parsing one file found: the type when the file has no problem, the problems, and
/// every reference target with its path, so that the set can check them even in a file with
/// other problems.
pub(crate) struct Parsed {
    pub(crate) content_type: Option<ContentType>,
    pub(crate) issues: Issues,
    pub(crate) references: Vec<(String, String)>,
}

/// Parses one schema file's JSON, reporting every problem it can find.
pub(crate) fn parse_content_type(value: &Value) -> Parsed {
    let mut parser = Parser::default();
    let content_type = parser.content_type(value);
    Parsed {
        content_type: content_type.filter(|_| parser.issues.is_empty()),
        issues: parser.issues,
        references: parser.references,
    }
}

#[derive(Default)]
struct Parser {
    issues: Issues,
    references: Vec<(String, String)>,
    /// Names of top-level fields that are declared but could not be parsed: a later check that
    /// looks for them (`title_field`) stays quiet rather than report a follow-on problem.
    broken_top_level: Vec<String>,
}

/// Where a field spec stands: a named field (top-level or inside an object) or a list's `of`.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    TopLevel,
    Nested,
    ListItem,
}

impl Parser {
    fn content_type(&mut self, value: &Value) -> Option<ContentType> {
        let Some(object) = value.as_object() else {
            self.issues.push(
                "",
                format!(
                    "a schema file holds one JSON object, not {}",
                    kind_of(value)
                ),
            );
            return None;
        };
        self.unknown_keys("", object, TYPE_KEYS, "key");
        if let Some(schema) = object.get("$schema").filter(|v| !v.is_string()) {
            self.issues.push(
                "$schema",
                format!(
                    "must be a string (the path of the meta-schema), not {}",
                    kind_of(schema)
                ),
            );
        }

        let name = match object.get("name") {
            None => {
                self.issues
                    .push("name", "missing: every type needs a `name`");
                None
            }
            Some(Value::String(name)) if is_valid_name(name) => Some(name.clone()),
            Some(Value::String(name)) => {
                self.issues.push("name", bad_name_message("type", name));
                None
            }
            Some(other) => {
                self.issues
                    .push("name", format!("must be a string, not {}", kind_of(other)));
                None
            }
        };
        let label = self.string(object, "label", "label");
        let description = self.string(object, "description", "description");
        let localized = self.bool(object, "localized", "localized").unwrap_or(false);
        let workflow = self.workflow(object.get("workflow"));
        let fields = self.fields("fields", object.get("fields"), Place::TopLevel);
        let title_field = self.title_field(object.get("title_field"), &fields);

        Some(ContentType {
            label: label.unwrap_or_else(|| humanize(name.as_deref().unwrap_or_default())),
            name: name?,
            description,
            localized,
            title_field,
            workflow,
            fields,
        })
    }

    fn workflow(&mut self, value: Option<&Value>) -> Workflow {
        let Some(value) = value else {
            return Workflow::default();
        };
        let Some(object) = value.as_object() else {
            self.issues.push(
                "workflow",
                format!(
                    "must be an object like {{\"review\": true, \"four_eyes\": true}}, not {}",
                    kind_of(value)
                ),
            );
            return Workflow::default();
        };
        self.unknown_keys("workflow", object, WORKFLOW_KEYS, "key");
        let review = self
            .bool(object, "review", "workflow.review")
            .unwrap_or(true);
        let four_eyes = self.bool(object, "four_eyes", "workflow.four_eyes");
        if four_eyes == Some(true) && !review {
            self.issues.push(
                "workflow.four_eyes",
                "needs `review`: a second person can only approve when entries are reviewed",
            );
        }
        Workflow {
            review,
            four_eyes: four_eyes.unwrap_or(review),
        }
    }

    fn title_field(&mut self, value: Option<&Value>, fields: &[Field]) -> Option<String> {
        let first_text = || {
            fields
                .iter()
                .find(|f| matches!(f.spec.kind, FieldKind::Text(_)))
                .map(|f| f.name.clone())
        };
        let name = match value {
            None => return first_text(),
            Some(Value::String(name)) if self.broken_top_level.contains(name) => return None,
            Some(Value::String(name)) => name,
            Some(other) => {
                self.issues.push(
                    "title_field",
                    format!("must be the name of a field, not {}", kind_of(other)),
                );
                return None;
            }
        };
        match fields.iter().find(|f| &f.name == name) {
            Some(field) if matches!(field.spec.kind, FieldKind::Text(_)) => Some(name.clone()),
            Some(field) => {
                self.issues.push(
                    "title_field",
                    format!(
                        "`{name}` is a `{}` field; the title field must be a top-level `text` field",
                        field.spec.kind.type_name()
                    ),
                );
                None
            }
            None => {
                self.issues.push(
                    "title_field",
                    format!(
                        "no top-level field is named `{name}`{}",
                        did_you_mean(name, fields.iter().map(|f| f.name.as_str()))
                    ),
                );
                None
            }
        }
    }

    /// A `fields` array at `container` (the entry path of its parent).
    fn fields(&mut self, container: &str, value: Option<&Value>, place: Place) -> Vec<Field> {
        let where_ = if place == Place::TopLevel {
            ""
        } else {
            ".fields"
        };
        let array = match value {
            Some(Value::Array(array)) if !array.is_empty() => array,
            Some(Value::Array(_)) => {
                self.issues.push(
                    format!("{container}{where_}"),
                    "must list at least one field",
                );
                return Vec::new();
            }
            Some(other) => {
                self.issues.push(
                    format!("{container}{where_}"),
                    format!("must be an array of fields, not {}", kind_of(other)),
                );
                return Vec::new();
            }
            None => {
                self.issues.push(
                    format!("{container}{where_}"),
                    "missing: a type or object needs a `fields` array",
                );
                return Vec::new();
            }
        };

        let mut fields = Vec::with_capacity(array.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, item) in array.iter().enumerate() {
            let position = format!("{container}{where_}[{index}]");
            let Some(object) = item.as_object() else {
                self.issues.push(
                    position,
                    format!("a field is a JSON object, not {}", kind_of(item)),
                );
                continue;
            };
            let name = match object.get("name") {
                Some(Value::String(name)) if is_valid_name(name) => name.as_str(),
                Some(Value::String(name)) => {
                    self.issues.push(position, bad_name_message("field", name));
                    continue;
                }
                Some(other) => {
                    self.issues.push(
                        position,
                        format!("`name` must be a string, not {}", kind_of(other)),
                    );
                    continue;
                }
                None => {
                    self.issues.push(position, "missing `name`");
                    continue;
                }
            };
            if let Some(&first) = seen.get(name) {
                // Its own problems are reported under its position, which is unambiguous.
                self.issues.push(
                    position.clone(),
                    format!(
                        "duplicate field name `{name}`: {container}{where_}[{first}] has it already; names must be unique"
                    ),
                );
                let _ = self.field(&position, name, object, place);
                continue;
            }
            seen.insert(name, index);
            let path = format!("{container}.{name}");
            match self.field(&path, name, object, place) {
                Some(field) => fields.push(field),
                None if place == Place::TopLevel => self.broken_top_level.push(name.to_owned()),
                None => {}
            }
        }
        fields
    }

    fn field(
        &mut self,
        path: &str,
        name: &str,
        object: &Map<String, Value>,
        place: Place,
    ) -> Option<Field> {
        let spec = self.spec(path, object, place);
        let required = self.bool(object, "required", path).unwrap_or(false);
        let unique = self.bool(object, "unique", path).unwrap_or(false);
        let spec = spec?;
        let type_name = spec.kind.type_name();

        if unique && (place != Place::TopLevel || !UNIQUE_TYPES.contains(&type_name)) {
            self.issues.push(
                path,
                format!(
                    "`unique` applies only to top-level fields of type {}; this is a{} `{type_name}` field",
                    UNIQUE_TYPES.join(", "),
                    if place == Place::TopLevel { "" } else { " nested" },
                ),
            );
        }

        let default = match object.get("default") {
            None | Some(Value::Null) => None,
            Some(_) if matches!(spec.kind, FieldKind::Reference(_) | FieldKind::Asset(_)) => {
                self.issues.push(
                    path,
                    format!("`{type_name}` fields cannot have a `default`: entry and asset ids differ between environments"),
                );
                None
            }
            Some(default) => match crate::validate::check_value(&spec.kind, default.clone()) {
                Ok(normalized) => Some(normalized),
                Err(errors) => {
                    for error in errors {
                        self.issues.push(
                            path,
                            format!(
                                "`default` {} breaks the field's own rules{}: {}",
                                compact(default),
                                if error.path.is_empty() {
                                    String::new()
                                } else {
                                    format!(" at `{}`", error.path)
                                },
                                error.message
                            ),
                        );
                    }
                    None
                }
            },
        };

        Some(Field {
            name: name.to_owned(),
            spec,
            required,
            unique,
            default,
        })
    }

    /// The type, its options, `label` and `help`.
    fn spec(&mut self, path: &str, object: &Map<String, Value>, place: Place) -> Option<FieldSpec> {
        let type_name = match object.get("type") {
            Some(Value::String(t)) if FIELD_TYPES.contains(&t.as_str()) => t.as_str(),
            Some(Value::String(t)) => {
                self.issues.push(
                    path,
                    format!(
                        "unknown field type `{t}`{}; the types are {}",
                        did_you_mean(t, FIELD_TYPES),
                        FIELD_TYPES.join(", ")
                    ),
                );
                return None;
            }
            Some(other) => {
                self.issues.push(
                    path,
                    format!("`type` must be a string, not {}", kind_of(other)),
                );
                return None;
            }
            None => {
                self.issues.push(
                    path,
                    format!("missing `type`; the types are {}", FIELD_TYPES.join(", ")),
                );
                return None;
            }
        };

        let common = if place == Place::ListItem {
            ITEM_KEYS
        } else {
            FIELD_KEYS
        };
        let options = options_of(type_name);
        for key in object.keys() {
            let key = key.as_str();
            if common.contains(&key) || options.contains(&key) {
                continue;
            }
            let message = if FIELD_KEYS.contains(&key) {
                let advice = match key {
                    "name" => "list items have no names; the list field has one",
                    "required" => "put `required` (or `min_items`) on the list field",
                    "default" => "put a `default` list on the list field",
                    _ => "list items cannot be unique",
                };
                format!("`{key}` does not apply to a list's `of`: {advice}")
            } else if is_any_option(key) {
                if options.is_empty() {
                    format!("`{key}` is not an option of `{type_name}` fields, which take none")
                } else {
                    format!(
                        "`{key}` is not an option of `{type_name}` fields (they take {})",
                        options.join(", ")
                    )
                }
            } else {
                format!(
                    "unknown option `{key}`{}",
                    did_you_mean(key, common.iter().chain(options).copied())
                )
            };
            self.issues.push(path, message);
        }

        let label = self.string(object, "label", path);
        let help = self.string(object, "help", path);
        let kind = match type_name {
            "text" => FieldKind::Text(self.text_rules(path, object)),
            "long_text" => FieldKind::LongText(self.text_rules(path, object)),
            "markdown" => FieldKind::Markdown(self.text_rules(path, object)),
            "url" => FieldKind::Url(self.text_rules(path, object)),
            "email" => FieldKind::Email(self.text_rules(path, object)),
            "integer" => FieldKind::Integer(self.bounds(path, object, Value::as_i64, "an integer")),
            "number" => FieldKind::Number(self.bounds(path, object, Value::as_f64, "a number")),
            "boolean" => FieldKind::Boolean,
            "date" => FieldKind::Date,
            "datetime" => FieldKind::Datetime,
            "json" => FieldKind::Json,
            "enum" => FieldKind::Enum(EnumRules {
                values: self.string_list(path, object, "values", |_| None)?,
            }),
            "reference" => {
                let to = self.string_list(path, object, "to", |name| {
                    (!is_valid_name(name)).then(|| bad_name_message("type", name))
                })?;
                self.references
                    .extend(to.iter().map(|target| (path.to_owned(), target.clone())));
                FieldKind::Reference(ReferenceRules { to })
            }
            "asset" => FieldKind::Asset(self.asset_rules(path, object)),
            "list" => FieldKind::List(self.list_rules(path, object)?),
            "object" => {
                let fields = self.fields(path, object.get("fields"), Place::Nested);
                if fields.is_empty() {
                    return None;
                }
                FieldKind::Object(ObjectRules { fields })
            }
            _ => unreachable!("type names are checked above"),
        };
        Some(FieldSpec { kind, label, help })
    }

    fn text_rules(&mut self, path: &str, object: &Map<String, Value>) -> TextRules {
        let min_length = self.count(path, object, "min_length", 0);
        let max_length = self.count(path, object, "max_length", 1);
        self.ordered(path, ("min_length", min_length), ("max_length", max_length));
        let pattern = match object.get("pattern") {
            None => None,
            Some(Value::String(source)) if source.is_empty() => {
                self.issues
                    .push(path, "`pattern` is empty; leave it out to accept any text");
                None
            }
            Some(Value::String(source)) => match Pattern::new(source) {
                Ok(pattern) => Some(pattern),
                Err(error) => {
                    self.issues.push(
                        path,
                        format!(
                            "invalid `pattern` {}: {}",
                            compact(&Value::String(source.clone())),
                            regex_error(&error)
                        ),
                    );
                    None
                }
            },
            Some(other) => {
                self.issues.push(
                    path,
                    format!(
                        "`pattern` must be a string (a regular expression), not {}",
                        kind_of(other)
                    ),
                );
                None
            }
        };
        TextRules {
            min_length,
            max_length,
            pattern,
        }
    }

    fn bounds<T: Copy + PartialOrd + std::fmt::Display>(
        &mut self,
        path: &str,
        object: &Map<String, Value>,
        read: fn(&Value) -> Option<T>,
        what: &str,
    ) -> Bounds<T> {
        let mut get = |key: &str| -> Option<T> {
            let value = object.get(key)?;
            let read = read(value);
            if read.is_none() {
                self.issues.push(
                    path,
                    format!("`{key}` must be {what}, not {}", compact(value)),
                );
            }
            read
        };
        let min = get("min");
        let max = get("max");
        self.ordered(path, ("min", min), ("max", max));
        Bounds { min, max }
    }

    fn asset_rules(&mut self, path: &str, object: &Map<String, Value>) -> AssetRules {
        // No `accept`, or an empty one, accepts any type.
        let accept = match object.get("accept") {
            None => Vec::new(),
            Some(Value::Array(array)) if array.is_empty() => Vec::new(),
            // MIME types are case-insensitive; they are kept in lowercase.
            Some(_) => self
                .string_list(path, object, "accept", |mime| {
                    (!MIME.is_match(&mime.to_ascii_lowercase())).then(|| {
                        format!("`{mime}` is not a MIME type like `image/png` or `image/*`")
                    })
                })
                .unwrap_or_default()
                .iter()
                .map(|mime| mime.to_ascii_lowercase())
                .collect(),
        };
        let max_bytes = self.count(path, object, "max_bytes", 1);
        AssetRules { accept, max_bytes }
    }

    fn list_rules(&mut self, path: &str, object: &Map<String, Value>) -> Option<ListRules> {
        let min_items = self.count(path, object, "min_items", 0);
        let max_items = self.count(path, object, "max_items", 1);
        self.ordered(path, ("min_items", min_items), ("max_items", max_items));
        let item_path = format!("{path}[]");
        let of = match object.get("of") {
            Some(Value::Object(of)) => self.spec(&item_path, of, Place::ListItem)?,
            Some(other) => {
                self.issues.push(
                    path,
                    format!(
                        "`of` must be a field spec like {{\"type\": \"text\"}}, not {}",
                        kind_of(other)
                    ),
                );
                return None;
            }
            None => {
                self.issues.push(
                    path,
                    "missing `of`: a list says what its items are, e.g. \"of\": {\"type\": \"text\"}",
                );
                return None;
            }
        };
        Some(ListRules {
            of: Box::new(of),
            min_items,
            max_items,
        })
    }

    /// A non-empty list of unique, non-empty strings; `check` may refuse an item.
    fn string_list(
        &mut self,
        path: &str,
        object: &Map<String, Value>,
        key: &str,
        check: impl Fn(&str) -> Option<String>,
    ) -> Option<Vec<String>> {
        let Some(value) = object.get(key) else {
            let example = match key {
                "values" => r#""values": ["web", "app"]"#,
                "to" => r#""to": ["product"]"#,
                _ => r#""accept": ["image/png"]"#,
            };
            self.issues
                .push(path, format!("missing `{key}`, e.g. {example}"));
            return None;
        };
        let Some(array) = value.as_array() else {
            self.issues.push(
                path,
                format!(
                    "`{key}` must be an array of strings, not {}",
                    kind_of(value)
                ),
            );
            return None;
        };
        if array.is_empty() {
            self.issues
                .push(path, format!("`{key}` must list at least one value"));
            return None;
        }
        let before = self.issues.0.len();
        let mut items: Vec<String> = Vec::with_capacity(array.len());
        for item in array {
            match item {
                Value::String(s) if s.trim().is_empty() => {
                    self.issues
                        .push(path, format!("`{key}` holds an empty string"));
                }
                Value::String(s) if items.contains(s) => {
                    self.issues.push(path, format!("`{key}` lists `{s}` twice"));
                }
                Value::String(s) => match check(s) {
                    Some(problem) => self.issues.push(path, format!("`{key}`: {problem}")),
                    None => items.push(s.clone()),
                },
                other => self.issues.push(
                    path,
                    format!("`{key}` must hold strings, not {}", compact(other)),
                ),
            }
        }
        (self.issues.0.len() == before).then_some(items)
    }

    /// A non-negative integer option, at least `least`.
    fn count(
        &mut self,
        path: &str,
        object: &Map<String, Value>,
        key: &str,
        least: u64,
    ) -> Option<u64> {
        let value = object.get(key)?;
        match value.as_u64() {
            Some(n) if n >= least => Some(n),
            _ => {
                let what = if least == 0 {
                    "a whole number ≥ 0"
                } else {
                    "a whole number ≥ 1"
                };
                self.issues.push(
                    path,
                    format!("`{key}` must be {what}, not {}", compact(value)),
                );
                None
            }
        }
    }

    fn ordered<T: PartialOrd + std::fmt::Display>(
        &mut self,
        path: &str,
        (low_key, low): (&str, Option<T>),
        (high_key, high): (&str, Option<T>),
    ) {
        if let (Some(low), Some(high)) = (low, high)
            && low > high
        {
            self.issues.push(
                path,
                format!("`{low_key}` ({low}) is greater than `{high_key}` ({high})"),
            );
        }
    }

    fn bool(&mut self, object: &Map<String, Value>, key: &str, path: &str) -> Option<bool> {
        match object.get(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                let (path, message) = key_message(
                    path,
                    key,
                    format!("must be true or false, not {}", compact(other)),
                );
                self.issues.push(path, message);
                None
            }
        }
    }

    fn string(&mut self, object: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match object.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let (path, message) = key_message(
                    path,
                    key,
                    format!("must be a string, not {}", kind_of(other)),
                );
                self.issues.push(path, message);
                None
            }
        }
    }

    fn unknown_keys(
        &mut self,
        path: &str,
        object: &Map<String, Value>,
        known: &[&str],
        what: &str,
    ) {
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                self.issues.push(
                    path,
                    format!(
                        "unknown {what} `{key}`{}",
                        did_you_mean(key, known.iter().copied())
                    ),
                );
            }
        }
    }
}

/// For type-level keys the key is the path (`localized: must be…`); for field options the field
/// is the path and the message names the key (`fields.x: \`required\` must be…`).
fn key_message(path: &str, key: &str, message: String) -> (String, String) {
    if path == key || path.ends_with(&format!(".{key}")) {
        (path.to_owned(), message)
    } else {
        (path.to_owned(), format!("`{key}` {message}"))
    }
}

fn bad_name_message(what: &str, name: &str) -> String {
    format!(
        "`{name}` is not a valid {what} name: lowercase letters, digits and `_`, starting with a letter, at most 64 characters"
    )
}

/// `a string`, `an array`, … for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value in one short line for messages.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The last line of the regex crate's multi-line syntax error.
fn regex_error(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&text);
    last.trim().trim_start_matches("error: ").to_owned()
}
