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
}
