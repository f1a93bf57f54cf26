//! Slugs: the last part of a published entry's path (`content/{type}/{locale}/{slug}.json`).
//!
//! A slug matches `^[a-z0-9]+(-[a-z0-9]+)*$` and is at most [`MAX_SLUG_LENGTH`] characters.
//! Derived slugs transliterate any script to ASCII first, so "Été à Paris!" gives `ete-a-paris`
//! and "Летняя распродажа" gives `letniaia-rasprodazha`.
//!
//! `index` and `index-<n>` are reserved: they are the keys of a listing's pages, next to the
//! entries (`content/{type}/{locale}/index.json`, `index-3.json`), so an entry under one of
//! them would overwrite a page or be overwritten by it. A title that would derive one gets
//! `-page` added ("Index" gives `index-page`).

use std::fmt;

/// Longest slug, in characters.
pub const MAX_SLUG_LENGTH: usize = 96;

/// Why a slug was refused or could not be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// The title has no letter or digit to build a slug from.
    #[error("cannot derive a slug: the title has no letters or digits; give a slug")]
    NothingToDerive,
    /// A given slug breaks the rules.
    #[error("{0}")]
    Invalid(InvalidSlug),
}

/// What is wrong with a given slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidSlug {
    Empty,
    TooLong,
    Characters,
    /// `index` or `index-<n>`: the name of a listing page.
    Reserved,
}

impl fmt::Display for InvalidSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidSlug::Empty => f.write_str("a slug cannot be empty"),
            InvalidSlug::TooLong => write!(f, "at most {MAX_SLUG_LENGTH} characters"),
            InvalidSlug::Characters => f.write_str(
                "lowercase letters a-z and digits, in words joined by single hyphens, like summer-sale-2026",
            ),
            InvalidSlug::Reserved => f.write_str(
                "`index` and `index-<number>` are reserved for the listing pages; choose another slug",
            ),
        }
    }
}

/// Whether `slug` names a listing page (`index`, `index-<digits>`), which no entry may use.
pub fn is_reserved(slug: &str) -> bool {
    match slug.strip_prefix("index") {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('-')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// Suffix that turns a reserved derived slug into a free one.
const RESERVED_SUFFIX: &str = "-page";

/// Checks a slug given by a user.
pub fn check_slug(slug: &str) -> Result<(), InvalidSlug> {
    if slug.is_empty() {
        return Err(InvalidSlug::Empty);
    }
    if slug.len() > MAX_SLUG_LENGTH {
        return Err(InvalidSlug::TooLong);
    }
    let well_formed = slug.split('-').all(|word| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !well_formed {
        Err(InvalidSlug::Characters)
    } else if is_reserved(slug) {
        Err(InvalidSlug::Reserved)
    } else {
        Ok(())
    }
}

/// Derives a slug from a title: transliterated to ASCII, lowercased, every run of other
/// characters turned into one hyphen, cut at a word boundary to fit [`MAX_SLUG_LENGTH`].
pub fn derive_slug(title: &str) -> Result<String, SlugError> {
    let ascii = deunicode::deunicode_with_tofu(title, "-");
    let mut slug = String::with_capacity(ascii.len().min(MAX_SLUG_LENGTH + 1));
    let mut pending_hyphen = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            // Apostrophes join words ("Women's" → "womens") rather than split them.
            pending_hyphen |= !matches!(c, '\'' | '`');
        }
        if slug.len() > MAX_SLUG_LENGTH {
            break;
        }
    }
    if slug.len() > MAX_SLUG_LENGTH {
        slug.truncate(MAX_SLUG_LENGTH);
        // Cut back to the last whole word when there is one.
        if let Some(cut) = slug.rfind('-').filter(|&cut| cut > MAX_SLUG_LENGTH / 2) {
            slug.truncate(cut);
        }
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if is_reserved(&slug) {
        // The digits of `index-<n>` are ASCII: any cut is a character boundary.
        slug.truncate(MAX_SLUG_LENGTH - RESERVED_SUFFIX.len());
        while slug.ends_with('-') {
            slug.pop();
        }
        slug.push_str(RESERVED_SUFFIX);
    }
    if slug.is_empty() {
        Err(SlugError::NothingToDerive)
    } else {
        debug_assert!(check_slug(&slug).is_ok(), "{slug}");
        Ok(slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_readable_slugs() {
        let cases = [
            ("Été à Paris!", "ete-a-paris"),
            ("Summer Sale 2026", "summer-sale-2026"),
            ("  --Hello,   World--  ", "hello-world"),
            ("Women's shoes", "womens-shoes"),
            ("Straße & Söhne", "strasse-sohne"),
            ("Летняя распродажа", "letniaia-rasprodazha"),
            ("Ünïcödé", "unicode"),
            ("50% off: today only", "50-off-today-only"),
            ("a\u{0301}b", "ab"),
            ("東京", "dong-jing"),
        ];
        for (title, slug) in cases {
            assert_eq!(derive_slug(title).as_deref(), Ok(slug), "{title}");
        }
    }

    #[test]
    fn nothing_to_derive() {
        for title in ["", "   ", "!!!", "---", "\u{0301}"] {
            assert_eq!(
                derive_slug(title),
                Err(SlugError::NothingToDerive),
                "{title:?}"
            );
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let title = "word ".repeat(40);
        let slug = derive_slug(&title).unwrap_or_default();
        assert!(slug.len() <= MAX_SLUG_LENGTH);
        assert!(slug.ends_with("word"), "{slug}");
        let one_word = "x".repeat(200);
        assert_eq!(derive_slug(&one_word).map(|s| s.len()), Ok(MAX_SLUG_LENGTH));
    }

    #[test]
    fn checks_given_slugs() {
        assert_eq!(check_slug("summer-sale-2026"), Ok(()));
        assert_eq!(check_slug("a"), Ok(()));
        assert_eq!(check_slug(""), Err(InvalidSlug::Empty));
        for bad in [
            "Summer",
            "summer--sale",
            "-summer",
            "summer-",
            "été",
            "summer_sale",
            "a/b",
            "..",
            "a b",
        ] {
            assert_eq!(check_slug(bad), Err(InvalidSlug::Characters), "{bad}");
        }
        assert_eq!(check_slug(&"a".repeat(97)), Err(InvalidSlug::TooLong));
    }

    #[test]
    fn listing_page_names_are_reserved() {
        for reserved in ["index", "index-0", "index-2", "index-007"] {
            assert_eq!(
                check_slug(reserved),
                Err(InvalidSlug::Reserved),
                "{reserved}"
            );
        }
        for free in [
            "indexes",
            "index-page",
            "index-2-b",
            "the-index",
            "index1",
            "my-index-2",
        ] {
            assert_eq!(check_slug(free), Ok(()), "{free}");
        }
        assert_eq!(derive_slug("Index").as_deref(), Ok("index-page"));
        assert_eq!(derive_slug("INDEX 2").as_deref(), Ok("index-2-page"));
        assert_eq!(
            derive_slug("Index of sizes").as_deref(),
            Ok("index-of-sizes")
        );
        let long = format!("index {}", "9".repeat(120));
        let slug = derive_slug(&long).unwrap_or_default();
        assert!(
            slug.len() <= MAX_SLUG_LENGTH && slug.ends_with("-page"),
            "{slug}"
        );
        assert_eq!(check_slug(&slug), Ok(()));
    }
}
