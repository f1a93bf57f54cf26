//! Table-driven tests of the compatibility check between two schema sets.

use herald_model::SchemaSet;
use herald_model::compat::{Affected, Impact, compare, still_valid};
use serde_json::{Value, json};

/// A set with one `banner` type holding `fields`, plus a `product` and an `author` type.
fn set_with(fields: Value, extra: &[(&str, Value)]) -> SchemaSet {
    let mut banner = json!({"name": "banner", "localized": true, "fields": fields});
    for (key, value) in extra {
        banner[*key] = value.clone();
    }
    let product = json!({"name": "product", "fields": [{"name": "name", "type": "text"}]});
    let author = json!({"name": "author", "fields": [{"name": "name", "type": "text"}]});
    SchemaSet::from_sources([
        ("banner.json".to_owned(), banner.to_string()),
        ("product.json".to_owned(), product.to_string()),
        ("author.json".to_owned(), author.to_string()),
    ])
    .unwrap_or_else(|problems| panic!("{problems}"))
}

fn field(spec: Value) -> Value {
    let mut spec = spec;
    spec["name"] = json!("f");
    json!([{"name": "title", "type": "text"}, spec])
}

#[test]
fn classifies_field_changes() {
    use Impact::{Breaking, Safe};
    let cases: &[(Value, Value, Impact, &str)] = &[
        (
            json!({"type": "text", "max_length": 80}),
            json!({"type": "text", "max_length": 60}),
            Breaking,
            "max_length lowered from 80 to 60",
        ),
        (
            json!({"type": "text", "max_length": 60}),
            json!({"type": "text", "max_length": 80}),
            Safe,
            "max_length raised from 60 to 80",
        ),
        (
            json!({"type": "text"}),
            json!({"type": "text", "max_length": 80}),
            Breaking,
            "max_length 80 added",
        ),
        (
            json!({"type": "text", "max_length": 80}),
            json!({"type": "text"}),
            Safe,
            "max_length 80 removed",
        ),
        (
            json!({"type": "text", "min_length": 1}),
            json!({"type": "text", "min_length": 5}),
            Breaking,
            "min_length raised from 1 to 5",
        ),
        (
            json!({"type": "text", "min_length": 5}),
            json!({"type": "text", "min_length": 1}),
            Safe,
            "min_length lowered from 5 to 1",
        ),
        (
            json!({"type": "text"}),
            json!({"type": "text", "pattern": "^a"}),
            Breaking,
            "pattern added: ^a",
        ),
        (
            json!({"type": "text", "pattern": "^a"}),
            json!({"type": "text", "pattern": "^b"}),
            Breaking,
            "pattern changed from ^a to ^b",
        ),
        (
            json!({"type": "text", "pattern": "^a"}),
            json!({"type": "text"}),
            Safe,
            "pattern removed",
        ),
        (
            json!({"type": "text"}),
            json!({"type": "long_text"}),
            Safe,
            "type changed from text to long_text (every old value stays valid)",
        ),
        (
            json!({"type": "long_text"}),
            json!({"type": "text"}),
            Breaking,
            "type changed from long_text to text",
        ),
        (
            json!({"type": "text"}),
            json!({"type": "markdown"}),
            Breaking,
            "type changed from text to markdown",
        ),
        (
            json!({"type": "integer"}),
            json!({"type": "number"}),
            Safe,
            "type changed from integer to number (every old value stays valid)",
        ),
        (
            json!({"type": "integer", "max": 10}),
            json!({"type": "number", "max": 5}),
            Breaking,
            "max lowered from 10 to 5",
        ),
        (
            json!({"type": "number"}),
            json!({"type": "integer"}),
            Breaking,
            "type changed from number to integer",
        ),
        (
            json!({"type": "integer", "min": 0}),
            json!({"type": "integer", "min": 1}),
            Breaking,
            "min raised from 0 to 1",
        ),
        (
            json!({"type": "integer", "max": 9}),
            json!({"type": "integer", "max": 99}),
            Safe,
            "max raised from 9 to 99",
        ),
        (
            json!({"type": "enum", "values": ["a", "b"]}),
            json!({"type": "enum", "values": ["a"]}),
            Breaking,
            "enum values removed: b",
        ),
        (
            json!({"type": "enum", "values": ["a"]}),
            json!({"type": "enum", "values": ["a", "b"]}),
            Safe,
            "enum values added: b",
        ),
        (
            json!({"type": "enum", "values": ["a", "b"]}),
            json!({"type": "enum", "values": ["b", "a"]}),
            Safe,
            "enum values reordered",
        ),
        (
            json!({"type": "reference", "to": ["product", "author"]}),
            json!({"type": "reference", "to": ["product"]}),
            Breaking,
            "reference targets removed: author",
        ),
        (
            json!({"type": "reference", "to": ["product"]}),
            json!({"type": "reference", "to": ["product", "author"]}),
            Safe,
            "reference targets added: author",
        ),
        (
            json!({"type": "asset"}),
            json!({"type": "asset", "accept": ["image/*"]}),
            Breaking,
            "accept limited to image/*",
        ),
        (
            json!({"type": "asset", "accept": ["image/png"]}),
            json!({"type": "asset"}),
            Safe,
            "accept lifted: any file type",
        ),
        (
            json!({"type": "asset", "accept": ["image/png", "image/jpeg"]}),
            json!({"type": "asset", "accept": ["image/png"]}),
            Breaking,
            "accepted types removed: image/jpeg",
        ),
        (
            json!({"type": "asset", "max_bytes": 100}),
            json!({"type": "asset", "max_bytes": 50}),
            Breaking,
            "max_bytes lowered from 100 to 50",
        ),
        (
            json!({"type": "list", "of": {"type": "text"}, "max_items": 5}),
            json!({"type": "list", "of": {"type": "text"}, "max_items": 3}),
            Breaking,
            "max_items lowered from 5 to 3",
        ),
        (
            json!({"type": "list", "of": {"type": "text"}}),
            json!({"type": "list", "of": {"type": "text"}, "min_items": 1}),
            Breaking,
            "min_items 1 added",
        ),
        (
            json!({"type": "text"}),
            json!({"type": "text", "required": true}),
            Breaking,
            "made required without a default",
        ),
        (
            json!({"type": "text"}),
            json!({"type": "text", "required": true, "default": "x"}),
            Safe,
            "made required, with a default for entries without a value",
        ),
        (
            json!({"type": "text", "required": true}),
            json!({"type": "text"}),
            Safe,
            "no longer required",
        ),
        (
            json!({"type": "text", "default": "a"}),
            json!({"type": "text", "default": "b"}),
            Safe,
            "default changed",
        ),
        (
            json!({"type": "text", "label": "A"}),
            json!({"type": "text", "label": "B"}),
            Safe,
            "label or help changed",
        ),
    ];
    for (old, new, impact, message) in cases {
        let changes = compare(
            &set_with(field(old.clone()), &[]),
            &set_with(field(new.clone()), &[]),
        );
        assert!(
            changes
                .iter()
                .any(|c| c.impact == *impact && c.message == *message && c.path == "fields.f"),
            "{old} → {new}: expected {impact:?} {message:?}, got {changes:#?}"
        );
        assert!(
            changes
                .iter()
                .all(|c| c.impact == *impact || c.impact == Impact::Safe),
            "{old} → {new}: {changes:#?}"
        );
    }
}

#[test]
fn nested_changes_carry_their_path() {
    let old = json!([{"name": "sections", "type": "list", "of": {"type": "object", "fields": [
        {"name": "heading", "type": "text", "max_length": 80}]}}]);
    let new = json!([{"name": "sections", "type": "list", "of": {"type": "object", "fields": [
        {"name": "heading", "type": "text", "max_length": 40}]}}]);
    let changes = compare(&set_with(old, &[]), &set_with(new, &[]));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].path, "fields.sections[].heading");
    assert_eq!(changes[0].impact, Impact::Breaking);
    assert_eq!(changes[0].affected, Affected::Invalid);
}

#[test]
fn classifies_field_and_type_additions_and_removals() {
    let base = set_with(json!([{"name": "title", "type": "text"}]), &[]);
    let cases: &[(SchemaSet, Impact, &str, &str, Affected)] = &[
        (
            set_with(
                json!([{"name": "title", "type": "text"}, {"name": "x", "type": "text"}]),
                &[],
            ),
            Impact::Safe,
            "fields.x",
            "field added",
            Affected::None,
        ),
        (
            set_with(
                json!([{"name": "title", "type": "text"}, {"name": "x", "type": "text", "required": true}]),
                &[],
            ),
            Impact::Breaking,
            "fields.x",
            "required field added without a default",
            Affected::Invalid,
        ),
        (
            set_with(
                json!([{"name": "title", "type": "text"}, {"name": "x", "type": "text", "required": true, "default": "d"}]),
                &[],
            ),
            Impact::Safe,
            "fields.x",
            "field added",
            Affected::None,
        ),
        (
            set_with(json!([{"name": "name", "type": "text"}]), &[]),
            Impact::Breaking,
            "fields.title",
            "field removed: entries with a value for it would lose it",
            Affected::Invalid,
        ),
        (
            set_with(
                json!([{"name": "title", "type": "text", "unique": true}]),
                &[],
            ),
            Impact::Breaking,
            "fields.title",
            "made unique: entries sharing a value would conflict",
            Affected::Duplicates("title".to_owned()),
        ),
        (
            set_with(
                json!([{"name": "title", "type": "text"}]),
                &[("localized", json!(false))],
            ),
            Impact::Breaking,
            "",
            "localization turned off: entries outside the default locale would be orphaned",
            Affected::OtherLocales,
        ),
        (
            set_with(
                json!([{"name": "title", "type": "text"}]),
                &[("workflow", json!({"review": false}))],
            ),
            Impact::Safe,
            "",
            "workflow changed to review: false, four_eyes: false",
            Affected::None,
        ),
    ];
    for (new, impact, path, message, affected) in cases {
        let changes = compare(&base, new);
        assert!(
            changes.iter().any(|c| c.impact == *impact
                && c.path == *path
                && c.message == *message
                && c.affected == *affected),
            "expected {impact:?} {path} {message:?}, got {changes:#?}"
        );
    }

    let without_author = SchemaSet::from_sources([(
        "banner.json".to_owned(),
        json!({"name": "banner", "fields": [{"name": "title", "type": "text"}]}).to_string(),
    )])
    .expect("valid");
    let changes = compare(&base, &without_author);
    let removed: Vec<_> = changes
        .iter()
        .filter(|c| c.message == "content type removed")
        .collect();
    assert_eq!(removed.len(), 2);
    assert!(
        removed
            .iter()
            .all(|c| c.affected == Affected::All && c.is_breaking())
    );
    let added = compare(&without_author, &base);
    assert_eq!(
        added
            .iter()
            .filter(|c| c.message == "content type added")
            .count(),
        2
    );
    assert!(added.iter().all(|c| !c.is_breaking()), "{added:#?}");
}

#[test]
fn identical_sets_have_no_changes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let set = SchemaSet::load_dir(&dir).expect("the example schemas are valid");
    assert_eq!(compare(&set, &set), []);
    let round_trip = SchemaSet::from_snapshot(&set.to_snapshot()).expect("a snapshot reads back");
    assert_eq!(round_trip, set);
}

#[test]
fn affected_entries_are_those_that_no_longer_validate() {
    let new = set_with(field(json!({"type": "text", "max_length": 5})), &[]);
    let banner = new.get("banner").expect("declared");
    assert!(still_valid(banner, &json!({"f": "short"})));
    assert!(!still_valid(banner, &json!({"f": "much too long"})));
}
