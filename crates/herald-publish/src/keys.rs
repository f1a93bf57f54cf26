//! The bucket layout of contract §4: one function per kind of key, and the `Cache-Control`
//! each kind is written with.

pub use herald_model::render::entry_key;

/// `manifest.json`: written last by every batch.
pub const MANIFEST: &str = "manifest.json";
/// `redirects.json`: old path → new path.
pub const REDIRECTS: &str = "redirects.json";

/// `content/{type}/{locale}/index.json`: the newest page of a listing.
pub fn index_key(type_name: &str, locale: &str) -> String {
    format!("content/{type_name}/{locale}/index.json")
}

/// `content/{type}/{locale}/index-{page}.json`: page `page` of a listing (the newest page is
/// written under this name too).
pub fn page_key(type_name: &str, locale: &str, page: i64) -> String {
    format!("content/{type_name}/{locale}/index-{page}.json")
}

/// The type, locale and slug of an entry object's key (`content/{type}/{locale}/{slug}.json`);
/// `None` for any other key, listing pages included.
pub fn parse_entry_key(key: &str) -> Option<(&str, &str, &str)> {
    let rest = key.strip_prefix("content/")?.strip_suffix(".json")?;
    let mut parts = rest.split('/');
    let (type_name, locale, slug) = (parts.next()?, parts.next()?, parts.next()?);
    let whole = parts.next().is_none()
        && ![type_name, locale, slug].contains(&"")
        && !herald_model::slug::is_reserved(slug);
    whole.then_some((type_name, locale, slug))
}

/// `schemas/{type}.json`: the JSON Schema of a type's published entries.
pub fn schema_key(type_name: &str) -> String {
    format!("schemas/{type_name}.json")
}

/// How long caches may keep an object. Entry objects change only when republished; listings,
/// redirects and the manifest change with every batch, so they are kept for less.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheClass {
    /// An entry object or a JSON Schema.
    Entry,
    /// An index page, `redirects.json` or `manifest.json`.
    Listing,
}

impl CacheClass {
    /// The `Cache-Control` header value.
    pub fn cache_control(self) -> &'static str {
        match self {
            CacheClass::Entry => "public, max-age=60, stale-while-revalidate=60",
            CacheClass::Listing => "public, max-age=10, stale-while-revalidate=10",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_contract() {
        assert_eq!(
            entry_key("promo_banner", "fr-BE", "summer-sale"),
            "content/promo_banner/fr-BE/summer-sale.json"
        );
        assert_eq!(index_key("faq", "en"), "content/faq/en/index.json");
        assert_eq!(page_key("faq", "en", 3), "content/faq/en/index-3.json");
        assert_eq!(schema_key("faq"), "schemas/faq.json");
    }

    #[test]
    fn entry_keys_parse_back() {
        let key = entry_key("promo_banner", "fr-BE", "summer-sale");
        assert_eq!(
            parse_entry_key(&key),
            Some(("promo_banner", "fr-BE", "summer-sale"))
        );
        for other in [
            "content/faq/en/index.json",
            "content/faq/en/index-3.json",
            "content/faq/en.json",
            "content/faq/en/a/b.json",
            "assets/abc/hero.jpg",
            "manifest.json",
        ] {
            assert_eq!(parse_entry_key(other), None, "{other}");
        }
    }
}
