//! The `herald` binary run as IT runs it: `herald schema …` on the example set and on the
//! broken-schema fixtures in `tests/fixtures/broken-schemas/` (see `tests/tests/schema_fixtures.rs`
//! for the fixture format).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schemas() -> PathBuf {
    repo().join("schemas")
}

/// `herald <args>`, without any `HERALD_*` setting from the environment of the test run.
fn herald(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command.args(args).env_remove("HERALD_SCHEMAS");
    command
}

/// Runs the command: its exit code and standard output.
fn run(command: &mut Command) -> (i32, String) {
    let output = command.output().expect("running herald");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "herald wrote to stderr: {stderr}");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    (output.status.code().expect("an exit code"), stdout)
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// The broken-schema case folders, sorted.
fn cases() -> Vec<PathBuf> {
    let root = repo().join("tests/fixtures/broken-schemas");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

/// The names of the example types: the stems of `schemas/*.json`, sorted.
fn example_types() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(schemas())
        .expect("reading schemas/")
        .map(|entry| name_of(&entry.expect("a directory entry").path()))
        .filter(|name| !name.starts_with(['_', '.']))
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// File names in `stdout` made relative to `dir`: `<dir>/faq.json: …` → `faq.json: …`, and a
/// problem of the folder itself, `<dir>: …`, → `.: …`.
fn relative_to(stdout: &str, dir: &Path) -> String {
    let dir = dir.display().to_string();
    stdout
        .lines()
        .map(|line| match line.strip_prefix(&dir) {
            Some(rest) if rest.starts_with(std::path::MAIN_SEPARATOR) => rest[1..].to_owned(),
            Some(rest) if rest.starts_with(':') => format!(".{rest}"),
            _ => line.to_owned(),
        })
        .map(|line| line + "\n")
        .collect()
}

/// The sorted names of the files in `dir`.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("reading the output folder")
        .map(|entry| name_of(&entry.expect("a directory entry").path()))
        .collect();
    names.sort();
    names
}

#[test]
fn check_passes_the_example_set_with_one_ok_line_per_type() {
    let dir = schemas();
    let (code, stdout) = run(herald(&["schema", "check", "--dir"]).arg(&dir));
    assert_eq!(code, 0, "{stdout}");
    let ok: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("ok  "))
        .map(|rest| rest.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(ok, example_types(), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("checked, no problems"),
        "{stdout}"
    );
}

#[test]
fn check_prints_exactly_the_expected_problems_of_every_broken_case() {
    let cases = cases();
    assert!(!cases.is_empty(), "no broken-schema cases");
    let mut failures = Vec::new();
    for case in &cases {
        let name = name_of(case);
        let Ok(expected) = fs::read_to_string(case.join("expected.txt")) else {
            failures.push(format!("{name}: no expected.txt"));
            continue;
        };
        let (code, stdout) = run(herald(&["schema", "check", "--dir"]).arg(case));
        let actual = relative_to(&stdout, case);
        if code != 1 || actual != expected {
            failures.push(format!(
                "{name}: exit {code}\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_reads_the_folder_from_herald_schemas() {
    // The working directory has a valid `schemas/`; the variable points to a broken folder.
    let case = repo().join("tests/fixtures/broken-schemas/min-greater-than-max");
    let (code, stdout) = run(herald(&["schema", "check"])
        .current_dir(repo())
        .env("HERALD_SCHEMAS", &case));
    assert_eq!(code, 1, "{stdout}");
    let expected = fs::read_to_string(case.join("expected.txt")).expect("expected.txt");
    assert_eq!(relative_to(&stdout, &case), expected);

    let elsewhere = tempfile::tempdir().expect("a temporary folder");
    let (code, stdout) = run(herald(&["schema", "check"])
        .current_dir(elsewhere.path())
        .env("HERALD_SCHEMAS", schemas()));
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn types_writes_the_common_file_an_index_and_one_file_per_type() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let target = out.path().join("types");
    let (code, stdout) = run(herald(&["schema", "types", "--dir"])
        .arg(schemas())
        .arg("--out")
        .arg(&target));
    assert_eq!(code, 0, "{stdout}");
    let mut expected: Vec<String> = example_types()
        .iter()
        .map(|name| format!("{name}.d.ts"))
        .collect();
    expected.extend(["herald.d.ts".to_owned(), "index.d.ts".to_owned()]);
    expected.sort();
    assert_eq!(files_in(&target), expected);
}

#[test]
fn json_schema_writes_one_json_document_per_type() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let (code, stdout) = run(herald(&["schema", "json-schema", "--dir"])
        .arg(schemas())
        .arg("--out")
        .arg(out.path()));
    assert_eq!(code, 0, "{stdout}");
    let expected: Vec<String> = example_types()
        .iter()
        .map(|name| format!("{name}.json"))
        .collect();
    assert_eq!(files_in(out.path()), expected);
    for name in &expected {
        let text = fs::read_to_string(out.path().join(name)).expect("reading a JSON Schema");
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
        assert!(value.is_object(), "{name} is not a JSON object");
    }
}

#[test]
fn diff_of_the_example_set_with_itself_has_no_changes() {
    let (code, stdout) = run(herald(&["schema", "diff", "--from"])
        .arg(schemas())
        .arg("--dir")
        .arg(schemas()));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout, "0 changes, 0 breaking\n");
}

#[test]
fn diff_flags_a_lowered_max_length_as_breaking_and_a_raised_one_as_safe() {
    // A copy of schemas/ where promo_banner's headline allows 40 characters instead of 80.
    let copy = tempfile::tempdir().expect("a temporary folder");
    for name in example_types() {
        let file = format!("{name}.json");
        fs::copy(schemas().join(&file), copy.path().join(&file)).expect("copying a schema");
    }
    let banner = copy.path().join("promo_banner.json");
    let mut schema: Value =
        serde_json::from_str(&fs::read_to_string(&banner).expect("reading promo_banner.json"))
            .expect("promo_banner.json is JSON");
    let headline = schema["fields"]
        .as_array_mut()
        .expect("fields")
        .iter_mut()
        .find(|field| field["name"] == "headline")
        .expect("a headline field");
    assert_eq!(headline["max_length"], 80, "the example changed");
    headline["max_length"] = 40.into();
    fs::write(&banner, schema.to_string()).expect("writing promo_banner.json");

    let (code, stdout) = run(herald(&["schema", "diff", "--from"])
        .arg(schemas())
        .arg("--dir")
        .arg(copy.path()));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.lines().any(|line| line.starts_with("BREAKING")
            && line.contains("promo_banner")
            && line.contains("headline")),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 change, 1 breaking\n"), "{stdout}");

    // The other way round, the limit is raised: a safe change.
    let (code, stdout) = run(herald(&["schema", "diff", "--from"])
        .arg(copy.path())
        .arg("--dir")
        .arg(schemas()));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.ends_with("1 change, 0 breaking\n"), "{stdout}");
}
