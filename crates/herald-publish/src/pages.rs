//! The JSON of index pages and of the manifest.

use chrono::{DateTime, SecondsFormat, Utc};
use herald_model::{Locales, SchemaSet};
use herald_store::{Listing, PublishedObject};
use serde_json::{Map, Value, json};

use crate::keys::{REDIRECTS, index_key, page_key, schema_key};

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Page `page` of a listing: its objects newest first, and `next`, the key of the next
/// (older) page, or `null` on page 0.
pub(crate) fn index_page(
    type_name: &str,
    locale: &str,
    page: i64,
    objects: &[PublishedObject],
) -> Value {
    let items: Vec<Value> = objects
        .iter()
        .map(|object| {
            let mut item = Map::new();
            item.insert("id".into(), json!(object.entry_id));
            item.insert("slug".into(), json!(object.slug));
            item.insert("path".into(), json!(object.path()));
            if let Some(title) = &object.title {
                item.insert("title".into(), json!(title));
            }
            item.insert("version".into(), json!(object.version));
            item.insert("published_at".into(), json!(time(object.published_at)));
            if let Some(from) = &object.fallback_from {
                item.insert("fallback_from".into(), json!(from));
            }
            Value::Object(item)
        })
        .collect();
    json!({
        "type": type_name,
        "locale": locale,
        "page": page,
        "items": items,
        "next": (page > 0).then(|| page_key(type_name, locale, page - 1)),
    })
}

/// `manifest.json`: the revision, when it was written, the locales, and per type its schema
/// and, per locale, the object count, the newest index page and the number of pages.
pub(crate) fn manifest(
    revision: i64,
    at: DateTime<Utc>,
    schemas: &SchemaSet,
    locales: &Locales,
    listings: &[Listing],
    page_size: i64,
) -> Value {
    let mut types = Map::new();
    for content_type in schemas.iter() {
        let mut per_locale = Map::new();
        for listing in listings.iter().filter(|l| l.type_name == content_type.name) {
            let open = listing.open_page(page_size);
            per_locale.insert(
                listing.locale.clone(),
                json!({
                    "count": listing.count,
                    "index": index_key(&listing.type_name, &listing.locale),
                    "pages": open + 1,
                }),
            );
        }
        types.insert(
            content_type.name.clone(),
            json!({
                "schema": schema_key(&content_type.name),
                "localized": content_type.localized,
                "locales": per_locale,
            }),
        );
    }
    json!({
        "revision": revision,
        "published_at": time(at),
        "default_locale": locales.default,
        "locales": locales.all,
        "fallbacks": locales.fallbacks,
        "page_size": page_size,
        "redirects": REDIRECTS,
        "types": types,
    })
}

/// `redirects.json`: `{ "old path": "new path" }`.
pub(crate) fn redirects(map: &[(String, String)]) -> Value {
    Value::Object(
        map.iter()
            .map(|(from, to)| (from.clone(), json!(to)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(seq: i64) -> PublishedObject {
        PublishedObject {
            type_name: "faq".into(),
            locale: "fr-BE".into(),
            slug: format!("q-{seq}"),
            seq,
            entry_id: format!("id-{seq}"),
            version: 2,
            fallback_from: Some("fr".into()),
            title: Some("Question?".into()),
            published_at: DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn a_page_points_to_the_older_page() {
        let page = index_page("faq", "fr-BE", 2, &[object(201), object(200)]);
        assert_eq!(page["next"], "content/faq/fr-BE/index-1.json");
        assert_eq!(page["items"][0]["path"], "content/faq/fr-BE/q-201.json");
        assert_eq!(page["items"][0]["fallback_from"], "fr");
        assert_eq!(index_page("faq", "fr-BE", 0, &[])["next"], Value::Null);
    }
}
