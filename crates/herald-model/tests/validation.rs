//! Table-driven tests of entry validation: every field type and constraint, valid and invalid.

use herald_model::{ContentType, ErrorCode, SchemaSet};
use serde_json::{Value, json};

const ID: &str = "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11";

/// One type with a field per type and constraint under test, plus a `product` target type.
fn schema() -> SchemaSet {
    let everything = json!({
        "name": "everything",
        "fields": [
            {"name": "title", "type": "text", "required": true, "min_length": 2, "max_length": 10},
            {"name": "sku", "type": "text", "pattern": "^[A-Z]{3}-[0-9]+$"},
            {"name": "summary", "type": "long_text", "max_length": 20},
            {"name": "body", "type": "markdown", "min_length": 3},
            {"name": "count", "type": "integer", "min": 0, "max": 90},
            {"name": "price", "type": "number", "min": 0.5, "max": 1000},
            {"name": "active", "type": "boolean"},
            {"name": "day", "type": "date"},
            {"name": "at", "type": "datetime"},
            {"name": "channel", "type": "enum", "values": ["web", "app"], "default": "web"},
            {"name": "link", "type": "url", "max_length": 40},
            {"name": "contact", "type": "email"},
            {"name": "product", "type": "reference", "to": ["product"]},
            {"name": "either", "type": "reference", "to": ["product", "everything"]},
            {"name": "hero", "type": "asset", "accept": ["image/*"]},
            {"name": "tags", "type": "list", "of": {"type": "text", "max_length": 5}, "min_items": 1, "max_items": 3},
            {"name": "must", "type": "list", "of": {"type": "integer"}, "required": true, "default": [1]},
            {"name": "seo", "type": "object", "fields": [
                {"name": "title", "type": "text", "required": true},
                {"name": "noindex", "type": "boolean", "default": false}
            ]},
            {"name": "sections", "type": "list", "of": {"type": "object", "fields": [
                {"name": "kind", "type": "enum", "values": ["hero", "text"], "required": true}
            ]}},
            {"name": "extra", "type": "json"}
        ]
    });
    let product = json!({"name": "product", "fields": [{"name": "name", "type": "text"}]});
    SchemaSet::from_sources([
        ("everything.json".to_owned(), everything.to_string()),
        ("product.json".to_owned(), product.to_string()),
    ])
    .expect("the test schema is valid")
}

fn everything(set: &SchemaSet) -> &ContentType {
    set.get("everything").expect("declared above")
}

/// A valid entry with only the required field, to which a case adds one key.
fn base() -> serde_json::Map<String, Value> {
    match json!({"title": "Sale"}) {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

#[test]
fn valid_values_of_every_type() {
    let set = schema();
    let ct = everything(&set);
    let cases: &[(&str, Value)] = &[
        ("title", json!("Été")),
        ("title", json!("ab")),
        ("title", json!("0123456789")),
        ("sku", json!("ABC-123")),
        ("summary", json!("two\nlines\ttab")),
        ("body", json!("**bold**\n\n- item")),
        ("count", json!(0)),
        ("count", json!(90)),
        ("count", json!(5.0)),
        ("price", json!(0.5)),
        ("price", json!(1000)),
        ("active", json!(false)),
        ("day", json!("2026-02-28")),
        ("at", json!("2026-11-22T10:00:00+01:00")),
        ("channel", json!("app")),
        ("link", json!("https://shop.example/sale")),
        ("link", json!("/summer")),
        ("link", json!("mailto:team@shop.example")),
        ("contact", json!("team@shop.example")),
        ("product", json!({"type": "product", "id": ID})),
        ("product", json!({"id": ID})),
        ("either", json!({"type": "everything", "id": ID})),
        ("hero", json!({"id": ID, "alt": "A beach"})),
        ("hero", json!({"id": ID})),
        ("tags", json!(["a", "bcdef"])),
        ("must", json!([1, 2])),
        ("seo", json!({"title": "x"})),
        ("sections", json!([{"kind": "hero"}, {"kind": "text"}])),
        ("sections", json!([])),
        ("extra", json!({"anything": [1, "two", null]})),
        ("sku", json!("")),
        ("day", json!(null)),
    ];
    for (field, value) in cases {
        let mut fields = base();
        fields.insert((*field).to_owned(), value.clone());
        let result = ct.validate(Value::Object(fields));
        assert!(result.is_ok(), "{field} = {value}: {result:?}");
    }
}

#[test]
fn invalid_values_give_code_and_path() {
    let set = schema();
    let ct = everything(&set);
    let long = "x".repeat(11);
    let cases: &[(&str, Value, &str, ErrorCode)] = &[
        ("title", json!("a"), "fields.title", ErrorCode::TooShort),
        ("title", json!(long), "fields.title", ErrorCode::TooLong),
        (
            "title",
            json!("two\nlines"),
            "fields.title",
            ErrorCode::InvalidCharacters,
        ),
        (
            "title",
            json!("nul\u{0}"),
            "fields.title",
            ErrorCode::InvalidCharacters,
        ),
        ("title", json!(5), "fields.title", ErrorCode::WrongType),
        ("title", json!("   "), "fields.title", ErrorCode::Required),
        ("title", json!(null), "fields.title", ErrorCode::Required),
        (
            "sku",
            json!("abc-123"),
            "fields.sku",
            ErrorCode::PatternMismatch,
        ),
        (
            "summary",
            json!("x".repeat(21)),
            "fields.summary",
            ErrorCode::TooLong,
        ),
        (
            "summary",
            json!("bell\u{7}"),
            "fields.summary",
            ErrorCode::InvalidCharacters,
        ),
        ("body", json!("ab"), "fields.body", ErrorCode::TooShort),
        ("count", json!(-1), "fields.count", ErrorCode::TooSmall),
        ("count", json!(91), "fields.count", ErrorCode::TooLarge),
        ("count", json!(1.5), "fields.count", ErrorCode::WrongType),
        ("count", json!("5"), "fields.count", ErrorCode::WrongType),
        (
            "count",
            json!(u64::MAX),
            "fields.count",
            ErrorCode::TooLarge,
        ),
        ("count", json!(1e300), "fields.count", ErrorCode::TooLarge),
        ("count", json!(-1e300), "fields.count", ErrorCode::TooSmall),
        ("price", json!(0.1), "fields.price", ErrorCode::TooSmall),
        ("price", json!(1000.01), "fields.price", ErrorCode::TooLarge),
        ("price", json!(true), "fields.price", ErrorCode::WrongType),
        (
            "active",
            json!("true"),
            "fields.active",
            ErrorCode::WrongType,
        ),
        (
            "day",
            json!("2026-02-30"),
            "fields.day",
            ErrorCode::InvalidDate,
        ),
        (
            "day",
            json!("22/11/2026"),
            "fields.day",
            ErrorCode::InvalidDate,
        ),
        (
            "at",
            json!("2026-11-22 10:00"),
            "fields.at",
            ErrorCode::InvalidDatetime,
        ),
        (
            "at",
            json!("2026-11-22T10:00:00"),
            "fields.at",
            ErrorCode::InvalidDatetime,
        ),
        (
            "channel",
            json!("print"),
            "fields.channel",
            ErrorCode::NotInEnum,
        ),
        (
            "channel",
            json!(["web"]),
            "fields.channel",
            ErrorCode::WrongType,
        ),
        (
            "link",
            json!("javascript:alert(1)"),
            "fields.link",
            ErrorCode::InvalidUrl,
        ),
        (
            "link",
            json!("//evil.example"),
            "fields.link",
            ErrorCode::InvalidUrl,
        ),
        (
            "link",
            json!("https://shop.example/a-very-long-path-indeed"),
            "fields.link",
            ErrorCode::TooLong,
        ),
        (
            "contact",
            json!("not an email"),
            "fields.contact",
            ErrorCode::InvalidEmail,
        ),
        (
            "product",
            json!({"type": "author", "id": ID}),
            "fields.product",
            ErrorCode::InvalidReference,
        ),
        (
            "product",
            json!({"type": "product", "id": "42"}),
            "fields.product",
            ErrorCode::InvalidReference,
        ),
        (
            "product",
            json!({"type": "product", "id": ID, "x": 1}),
            "fields.product",
            ErrorCode::InvalidReference,
        ),
        ("product", json!(ID), "fields.product", ErrorCode::WrongType),
        (
            "either",
            json!({"id": ID}),
            "fields.either",
            ErrorCode::InvalidReference,
        ),
        (
            "hero",
            json!({"id": "nope"}),
            "fields.hero",
            ErrorCode::InvalidAsset,
        ),
        (
            "hero",
            json!({"id": ID, "alt": 3}),
            "fields.hero",
            ErrorCode::InvalidAsset,
        ),
        (
            "hero",
            json!({"id": ID, "alt": "x".repeat(1001)}),
            "fields.hero",
            ErrorCode::InvalidAsset,
        ),
        (
            "hero",
            json!({"id": ID, "url": "x"}),
            "fields.hero",
            ErrorCode::InvalidAsset,
        ),
        ("tags", json!([]), "fields.tags", ErrorCode::TooFewItems),
        (
            "tags",
            json!(["a", "b", "c", "d"]),
            "fields.tags",
            ErrorCode::TooManyItems,
        ),
        (
            "tags",
            json!(["a", "toolong"]),
            "fields.tags[1]",
            ErrorCode::TooLong,
        ),
        (
            "tags",
            json!(["a", null]),
            "fields.tags[1]",
            ErrorCode::WrongType,
        ),
        ("tags", json!("a"), "fields.tags", ErrorCode::WrongType),
        ("must", json!([]), "fields.must", ErrorCode::Required),
        ("seo", json!({}), "fields.seo.title", ErrorCode::Required),
        (
            "seo",
            json!({"title": "x", "titel": "y"}),
            "fields.seo.titel",
            ErrorCode::UnknownField,
        ),
        (
            "seo",
            json!({"title": "x", "noindex": "no"}),
            "fields.seo.noindex",
            ErrorCode::WrongType,
        ),
        ("seo", json!("x"), "fields.seo", ErrorCode::WrongType),
        (
            "sections",
            json!([{"kind": "hero"}, {"kind": "banner"}]),
            "fields.sections[1].kind",
            ErrorCode::NotInEnum,
        ),
        (
            "sections",
            json!([{}]),
            "fields.sections[0].kind",
            ErrorCode::Required,
        ),
        (
            "headline",
            json!("x"),
            "fields.headline",
            ErrorCode::UnknownField,
        ),
    ];
    for (field, value, path, code) in cases {
        let mut fields = base();
        fields.insert((*field).to_owned(), value.clone());
        let errors = match ct.validate(Value::Object(fields)) {
            Ok(_) => panic!("{field} = {value} was accepted"),
            Err(errors) => errors.0,
        };
        assert!(
            errors.iter().any(|e| e.path == *path && e.code == *code),
            "{field} = {value}: expected {code} at {path}, got {errors:?}"
        );
        assert_eq!(
            errors.len(),
            1,
            "{field} = {value}: one error expected, got {errors:?}"
        );
    }
}

#[test]
fn reports_every_error_at_once() {
    let set = schema();
    let errors = everything(&set)
        .validate(json!({"count": 200, "tags": ["a", "toolong", 3], "zzz": 1, "aaa": 2}))
        .expect_err("invalid");
    let found: Vec<(&str, &str)> = errors
        .0
        .iter()
        .map(|e| (e.path.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("fields.count", "too_large"),
            ("fields.tags[1]", "too_long"),
            ("fields.tags[2]", "wrong_type"),
            ("fields.title", "required"),
            ("fields.aaa", "unknown_field"),
            ("fields.zzz", "unknown_field"),
        ]
    );
    assert_eq!(errors.summary(), "6 fields are invalid");
}

#[test]
fn normalizes_valid_entries() {
    let set = schema();
    let validated = everything(&set)
        .validate(json!({
            "extra": null,
            "seo": {"title": "x"},
            "title": "Sale",
            "sku": "",
            "count": 3.0,
            "product": {"id": ID},
            "hero": {"id": ID, "alt": null},
            "sections": [{"kind": "hero"}]
        }))
        .expect("valid");
    // Keys in schema order, defaults applied (also inside objects), nulls and empty strings
    // dropped, 3.0 stored as 3, single-target references completed.
    assert_eq!(
        Value::Object(validated.fields),
        json!({
            "title": "Sale",
            "count": 3,
            "channel": "web",
            "product": {"type": "product", "id": ID},
            "hero": {"id": ID},
            "must": [1],
            "seo": {"title": "x", "noindex": false},
            "sections": [{"kind": "hero"}]
        })
    );
    assert_eq!(validated.references.len(), 1);
    assert_eq!(validated.references[0].path, "fields.product");
    assert_eq!(validated.references[0].type_name, "product");
    assert_eq!(validated.assets.len(), 1);
    assert_eq!(validated.assets[0].path, "fields.hero");
    assert!(validated.assets[0].rules.accepts("image/png"));
    assert!(!validated.assets[0].rules.accepts("application/pdf"));
}

#[test]
fn fields_must_be_an_object() {
    let set = schema();
    for value in [json!(null), json!([]), json!("x"), json!(1)] {
        let errors = everything(&set)
            .validate(value.clone())
            .expect_err("not an object");
        assert_eq!(errors.0.len(), 1, "{value}");
        assert_eq!(errors.0[0].path, "fields");
        assert_eq!(errors.0[0].code, ErrorCode::WrongType);
    }
}

#[test]
fn error_codes_are_stable_snake_case() {
    for code in ErrorCode::ALL {
        let json = serde_json::to_value(code).expect("serializes");
        assert_eq!(json, json!(code.as_str()));
        assert!(
            code.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        );
    }
}
