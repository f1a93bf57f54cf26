//! Snapshots of what Herald generates from the example schemas: the JSON Schema of each type's
//! published JSON and the TypeScript definitions. A change to either is a visible diff in
//! `tests/tests/snapshots/`; review it with `cargo insta review` (or accept with
//! `INSTA_UPDATE=always cargo test -p herald-tests`).

use std::path::Path;

use herald_model::{SchemaSet, json_schema, typescript};
use serde_json::json;

fn examples() -> SchemaSet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    SchemaSet::load_dir(&dir).unwrap_or_else(|problems| panic!("{problems}"))
}

#[test]
fn json_schemas_of_the_example_set() {
    for content_type in examples().iter() {
        let schema = json_schema::published_entry(content_type);
        assert!(
            jsonschema::meta::is_valid(&schema),
            "{}: not a valid JSON Schema",
            content_type.name
        );
        insta::assert_json_snapshot!(format!("json_schema__{}", content_type.name), schema);
    }
}

#[test]
fn typescript_of_the_example_set() {
    for (file, contents) in typescript::render(&examples()) {
        insta::assert_snapshot!(format!("typescript__{file}"), contents);
    }
}

/// The contract's example of a published promo banner (§4) is valid against the generated
/// schema, and typical mistakes in published JSON are not.
#[test]
fn published_json_follows_its_schema() {
    let set = examples();
    let banner = set
        .get("promo_banner")
        .expect("promo_banner is an example type");
    let schema = json_schema::published_entry(banner);
    let validator = jsonschema::draft202012::new(&schema).expect("a valid schema");
    let published = json!({
        "id": "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11", "type": "promo_banner", "locale": "en",
        "slug": "summer-sale", "version": 7, "published_at": "2026-11-22T10:00:00Z",
        "fields": {
            "headline": "Summer sale",
            "body": {"markdown": "**Up to 50%**", "html": "<p><strong>Up to 50%</strong></p>"},
            "hero": {"url": "assets/9f/hero.jpg", "content_type": "image/jpeg", "bytes": 48213, "alt": "Beach"},
            "cta_label": "Shop now",
            "channel": "web",
            "products": [{"id": "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a12", "type": "product",
                          "slug": "sandal", "path": "content/product/en/sandal.json"}]
        }
    });
    let errors: Vec<String> = validator
        .iter_errors(&published)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());

    let mistakes = [
        ("/fields/body", json!("**Up to 50%**")),
        ("/fields/products/0/type", json!("article")),
        ("/fields/headline", json!("x".repeat(81))),
        ("/fields/unknown", json!(1)),
        ("/slug", json!("Summer Sale")),
    ];
    for (pointer, value) in mistakes {
        let mut wrong = published.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        let target = wrong.pointer_mut(parent).expect("the parent exists");
        match target {
            serde_json::Value::Array(items) => {
                items[key.parse::<usize>().expect("an index")] = value
            }
            serde_json::Value::Object(map) => {
                map.insert(key.to_owned(), value);
            }
            _ => unreachable!(),
        }
        assert!(!validator.is_valid(&wrong), "{pointer} should be refused");
    }
}
