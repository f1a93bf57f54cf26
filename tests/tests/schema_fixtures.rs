//! The example schemas in `schemas/` and the broken-schema fixtures in
//! `tests/fixtures/broken-schemas/`.
//!
//! Each fixture case is a folder of schema files plus `expected.txt`: the lines
//! `herald schema check --dir <case>` prints, with file names relative to the case folder (the
//! folder itself is `.`), then the summary line. Here the problem lines are compared with
//! [`SchemaSet::load_dir`]; `crates/herald/tests/cli.rs` compares the whole output of the command.

use std::fs;
use std::path::{Path, PathBuf};

use herald_model::SchemaSet;
use jsonschema::Validator;
use serde_json::Value;

/// Files the meta-schema must reject, as `case/file`. Every other fixture file is valid JSON
/// Schema-wise: its problem needs the whole folder or Herald's parser (file name, `to`, `min` ≤
/// `max`, defaults, regex syntax, `title_field`) or is not JSON at all.
const META_REJECTS: &[&str] = &[
    "bad-field-name/promo_banner.json",
    "bad-type-name-hyphen/gift-card.json",
    "bad-type-name-uppercase/PromoBanner.json",
    "default-on-reference/product_story.json",
    "empty-fields/newsletter_signup.json",
    "empty-pattern/product.json",
    "enum-duplicate-values/product.json",
    "enum-empty-values/product.json",
    "four-eyes-without-review/faq.json",
    "invalid-mime-type/author.json",
    "list-missing-of/article.json",
    "max-bytes-zero/author.json",
    "missing-name/store.json",
    "missing-type/faq.json",
    "name-inside-of/article.json",
    "not-an-object/faq.json",
    "option-of-another-type/product.json",
    "option-wrong-json-type/promo_banner.json",
    "problems-do-not-hide-others/author.json",
    "problems-do-not-hide-others/promo_banner.json",
    "required-inside-of/article.json",
    "required-wrong-json-type/promo_banner.json",
    "schema-key-not-string/faq.json",
    "several-problems/landing_page.json",
    "several-problems/promo_banner.json",
    "unique-on-markdown/product.json",
    "unique-on-nested-field/product.json",
    "unknown-field-type/product.json",
    "unknown-option/product.json",
    "unknown-top-level-key/faq.json",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The case folders, sorted.
fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/broken-schemas");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// The `*.json` files Herald reads in `dir` (not those starting with `_` or `.`), sorted.
fn schema_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            let name = name_of(path);
            path.is_file() && name.ends_with(".json") && !name.starts_with(['_', '.'])
        })
        .collect();
    files.sort();
    files
}

/// `file` relative to `dir`: `<dir>/faq.json` → `faq.json`, `<dir>` → `.`.
fn relative(file: &str, dir: &Path) -> String {
    let dir = dir.display().to_string();
    match file.strip_prefix(&dir) {
        Some("") => ".".to_owned(),
        Some(rest) => rest
            .trim_start_matches(std::path::MAIN_SEPARATOR)
            .to_owned(),
        None => file.to_owned(),
    }
}

fn meta_schema() -> Validator {
    let path = repo().join("schemas/_meta/content-type.schema.json");
    let text = fs::read_to_string(&path).expect("reading the meta-schema");
    let schema: Value = serde_json::from_str(&text).expect("the meta-schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the meta-schema compiles")
}

#[test]
fn every_broken_case_reports_exactly_its_expected_problems() {
    let cases = cases();
    assert!(!cases.is_empty(), "no case folders in broken-schemas/");
    let mut failures = Vec::new();
    for case in &cases {
        let name = name_of(case);
        let Ok(expected) = fs::read_to_string(case.join("expected.txt")) else {
            failures.push(format!("{name}: no expected.txt"));
            continue;
        };
        let mut expected: Vec<&str> = expected.lines().collect();
        let summary = expected.pop().unwrap_or_default();
        let count = expected.len();
        let plural = if count == 1 { "" } else { "s" };
        if !summary.starts_with(&format!("{count} problem{plural} in ")) {
            failures.push(format!(
                "{name}: expected.txt lists {count} problem{plural} but ends with {summary:?}"
            ));
        }
        let actual: Vec<String> = match SchemaSet::load_dir(case) {
            Ok(_) => vec!["(loads without problems)".to_owned()],
            Err(problems) => problems
                .0
                .into_iter()
                .map(|mut problem| {
                    problem.file = relative(&problem.file, case);
                    problem.to_string()
                })
                .collect(),
        };
        if actual != expected {
            failures.push(format!(
                "{name}:\n  expected:\n    {}\n  actual:\n    {}",
                expected.join("\n    "),
                actual.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn example_schemas_load_and_follow_the_meta_schema() {
    let dir = repo().join("schemas");
    let set = SchemaSet::load_dir(&dir).unwrap_or_else(|problems| panic!("{problems}"));
    let files = schema_files(&dir);
    assert_eq!(set.len(), files.len(), "one type per file");
    assert!(set.len() >= 7, "the example set has shrunk: {:?}", files);

    let meta = meta_schema();
    let mut failures = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("reading a schema file");
        let value: Value = serde_json::from_str(&text).expect("a schema file is JSON");
        for error in meta.iter_errors(&value) {
            failures.push(format!(
                "{}: {}: {error}",
                name_of(file),
                error.instance_path()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The editor (through the meta-schema) catches what a JSON Schema can express: unknown types,
/// keys and options, misplaced options, wrong value types, malformed names.
#[test]
fn meta_schema_rejects_the_broken_files_it_can_express() {
    let meta = meta_schema();
    let cases = cases();
    assert!(!cases.is_empty(), "no case folders in broken-schemas/");
    let mut seen = Vec::new();
    let mut failures = Vec::new();
    for case in &cases {
        for file in schema_files(case) {
            let id = format!("{}/{}", name_of(case), name_of(&file));
            let text = fs::read_to_string(&file).expect("reading a fixture");
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue; // invalid JSON: nothing for the meta-schema to say
            };
            let rejected = !meta.is_valid(&value);
            let listed = META_REJECTS.contains(&id.as_str());
            if rejected != listed {
                failures.push(format!(
                    "{id}: the meta-schema {} it, but META_REJECTS {} it",
                    if rejected { "rejects" } else { "accepts" },
                    if listed { "lists" } else { "does not list" }
                ));
            }
            seen.push(id);
        }
    }
    for id in META_REJECTS {
        if !seen.iter().any(|s| s == id) {
            failures.push(format!(
                "{id}: listed in META_REJECTS but not a fixture file"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
