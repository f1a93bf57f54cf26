//! A checked set of content types: the whole `schemas/` folder.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::parse::parse_content_type;
use super::problem::{SchemaProblem, SchemaProblems};
use super::{ContentType, strict_json};
use crate::names::{did_you_mean, is_valid_name};

/// Every content type, by name. Only built when all files are valid and every reference names a
/// type of the set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaSet {
    types: BTreeMap<String, ContentType>,
}

impl SchemaSet {
    /// Reads every `*.json` file directly in `dir` (not `_meta/` or other folders, nor files
    /// starting with `_` or `.`). File names in problems are `dir` joined with the file name.
    pub fn load_dir(dir: &Path) -> Result<SchemaSet, SchemaProblems> {
        let display = |name: &str| dir.join(name).display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|error| {
            SchemaProblems(vec![SchemaProblem {
                file: dir.display().to_string(),
                path: String::new(),
                message: format!("cannot read the schema folder: {error}"),
            }])
        })?;
        let mut sources = Vec::new();
        let mut problems = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_schema = name.ends_with(".json")
                && !name.starts_with(['_', '.'])
                && entry
                    .file_type()
                    .is_ok_and(|t| t.is_file() || t.is_symlink());
            if !is_schema {
                continue;
            }
            match std::fs::read(entry.path()) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => sources.push((display(&name), text)),
                    Err(_) => problems.push(SchemaProblem {
                        file: display(&name),
                        path: String::new(),
                        message: "not valid UTF-8".to_owned(),
                    }),
                },
                Err(error) => problems.push(SchemaProblem {
                    file: display(&name),
                    path: String::new(),
                    message: format!("cannot read: {error}"),
                }),
            }
        }
        if sources.is_empty() && problems.is_empty() {
            problems.push(SchemaProblem {
                file: dir.display().to_string(),
                path: String::new(),
                message: "no schema files (*.json) in this folder".to_owned(),
            });
        }
        match Self::from_sources(sources) {
            Ok(set) if problems.is_empty() => Ok(set),
            Ok(_) => Err(SchemaProblems(problems)),
            Err(SchemaProblems(more)) => {
                problems.extend(more);
                problems.sort_by(|a, b| a.file.cmp(&b.file));
                Err(SchemaProblems(problems))
            }
        }
    }

    /// Parses and checks schema files given as `(file name, JSON text)`. A file's stem must be
    /// its type's name.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<SchemaSet, SchemaProblems> {
        let mut sources: Vec<(String, String)> = sources.into_iter().collect();
        sources.sort();
        let mut problems = Vec::new();
        let mut parsed: Vec<(String, ContentType)> = Vec::new();
        // Every type name declared by a file, valid or not, so a reference to a type whose file
        // has problems of its own is not reported as missing too.
        let mut declared: Vec<String> = Vec::new();
        let mut references: Vec<(String, String, String)> = Vec::new();
        for (file, text) in &sources {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let value = match strict_json::from_str(text) {
                Ok(value) => value,
                Err(error) => {
                    let message = if error.is_data() {
                        error.to_string()
                    } else {
                        format!("not valid JSON: {error}")
                    };
                    problems.push(SchemaProblem {
                        file: file.clone(),
                        path: String::new(),
                        message,
                    });
                    continue;
                }
            };
            let stem = Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = value
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| is_valid_name(n));
            if let Some(name) = name {
                declared.push(name.to_owned());
            }
            let outcome = parse_content_type(&value);
            problems.extend(outcome.issues.into_problems(file));
            if let Some(name) = name.filter(|name| *name != stem) {
                let rename_type = if is_valid_name(&stem) {
                    format!(" or the type `{stem}`")
                } else {
                    String::new()
                };
                problems.push(SchemaProblem {
                    file: file.clone(),
                    path: "name".to_owned(),
                    message: format!(
                        "`{name}` does not match the file name: name the file `{name}.json`{rename_type}"
                    ),
                });
            }
            references.extend(
                outcome
                    .references
                    .into_iter()
                    .map(|(path, target)| (file.clone(), path, target)),
            );
            if let Some(content_type) = outcome.content_type.filter(|ct| ct.name == stem) {
                parsed.push((file.clone(), content_type));
            }
        }

        for (file, path, target) in references {
            if !declared.contains(&target) {
                problems.push(SchemaProblem {
                    file,
                    path,
                    message: format!(
                        "`to` names `{target}`, which is not a content type of this folder{}",
                        did_you_mean(&target, declared.iter().map(String::as_str))
                    ),
                });
            }
        }
        // Each file's problems together, in the order they were found.
        problems.sort_by(|a, b| a.file.cmp(&b.file));

        if problems.is_empty() {
            Ok(SchemaSet {
                types: parsed
                    .into_iter()
                    .map(|(_, ct)| (ct.name.clone(), ct))
                    .collect(),
            })
        } else {
            Err(SchemaProblems(problems))
        }
    }

    /// The set from types already checked one by one, e.g. in tests. References are checked.
    pub fn from_types(
        types: impl IntoIterator<Item = ContentType>,
    ) -> Result<SchemaSet, SchemaProblems> {
        Self::from_sources(types.into_iter().map(|ct| {
            let text = serde_json::to_string(&ct).unwrap_or_default();
            (format!("{}.json", ct.name), text)
        }))
    }

    pub fn get(&self, name: &str) -> Option<&ContentType> {
        self.types.get(name)
    }

    /// The types in name order.
    pub fn iter(&self) -> impl Iterator<Item = &ContentType> {
        self.types.values()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The whole set as one JSON document (`{"types": [...]}`), e.g. to remember which schemas
    /// a database was last used with; [`SchemaSet::from_snapshot`] reads it back.
    pub fn to_snapshot(&self) -> Value {
        serde_json::json!({ "types": self.types.values().collect::<Vec<_>>() })
    }

    /// Reads a document written by [`SchemaSet::to_snapshot`].
    pub fn from_snapshot(snapshot: &Value) -> Result<SchemaSet, SchemaProblems> {
        let types = snapshot
            .get("types")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Self::from_sources(types.into_iter().map(|ct| {
            let name = ct
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            (format!("{name}.json"), ct.to_string())
        }))
    }
}
