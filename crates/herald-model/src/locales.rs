//! Locales: which exist, which is the default, and which falls back to which (`herald.toml`
//! `[content]`). Entries of localized types live per locale; a storefront asking for a locale
//! without its own entry gets the fallback's.

use std::collections::{BTreeMap, BTreeSet};

/// `[content] locales` and `fallbacks`, checked: every locale well formed and listed once, every
/// fallback between listed locales, no cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locales {
    /// Every locale, in the order of the settings file.
    pub all: Vec<String>,
    /// The first locale.
    pub default: String,
    /// Locale → the locale to use when an entry is missing in it.
    pub fallbacks: BTreeMap<String, String>,
}

/// Why a list of locales or fallbacks was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LocaleError {
    /// `content.locales` or `content.fallbacks`.
    pub key: &'static str,
    /// One line, naming the offending locale.
    pub message: String,
}

impl Default for Locales {
    /// Only `en`.
    fn default() -> Self {
        Locales {
            all: vec!["en".to_owned()],
            default: "en".to_owned(),
            fallbacks: BTreeMap::new(),
        }
    }
}

impl Locales {
    /// Checks locales (the first is the default) and fallbacks.
    pub fn new(
        all: Vec<String>,
        fallbacks: BTreeMap<String, String>,
    ) -> Result<Locales, LocaleError> {
        let locales_error = |message: String| LocaleError {
            key: "content.locales",
            message,
        };
        let fallbacks_error = |message: String| LocaleError {
            key: "content.fallbacks",
            message,
        };
        let Some(default) = all.first().cloned() else {
            return Err(locales_error("at least one locale is needed".into()));
        };
        let mut seen = BTreeSet::new();
        for locale in &all {
            if !is_locale(locale) {
                return Err(locales_error(format!(
                    "{locale:?} is not a locale such as \"en\", \"fr\" or \"fr-BE\""
                )));
            }
            if !seen.insert(locale.to_ascii_lowercase()) {
                return Err(locales_error(format!("{locale:?} is listed twice")));
            }
        }
        for (from, to) in &fallbacks {
            for locale in [from, to] {
                if !all.contains(locale) {
                    return Err(fallbacks_error(format!(
                        "{locale:?} is not in content.locales ({})",
                        all.join(", ")
                    )));
                }
            }
        }
        for start in fallbacks.keys() {
            let mut chain = vec![start.as_str()];
            let mut current = start.as_str();
            while let Some(next) = fallbacks.get(current) {
                chain.push(next);
                if next == start {
                    return Err(fallbacks_error(format!(
                        "fallbacks form a cycle: {}",
                        chain.join(" → ")
                    )));
                }
                if chain.len() > fallbacks.len() + 1 {
                    break; // a cycle not through `start`: reported when its own key is reached
                }
                current = next;
            }
        }
        Ok(Locales {
            all,
            default,
            fallbacks,
        })
    }

    /// Whether `locale` is configured (exact spelling).
    pub fn contains(&self, locale: &str) -> bool {
        self.all.iter().any(|l| l == locale)
    }

    /// The configured spelling of `locale`, compared without regard to case (`fr-be` → `fr-BE`).
    pub fn canonical(&self, locale: &str) -> Option<&str> {
        self.all
            .iter()
            .find(|l| l.eq_ignore_ascii_case(locale))
            .map(String::as_str)
    }

    /// `locale` followed by its fallbacks in order (`fr-BE` → `["fr-BE", "fr"]`); empty when the
    /// locale is not configured. The default locale is not added unless a fallback names it.
    pub fn fallback_chain(&self, locale: &str) -> Vec<&str> {
        let Some(start) = self.all.iter().find(|l| *l == locale) else {
            return Vec::new();
        };
        let mut chain = vec![start.as_str()];
        let mut current = start.as_str();
        while let Some(next) = self.fallbacks.get(current) {
            if chain.contains(&next.as_str()) || chain.len() > self.all.len() {
                break; // only reachable when the fields were set by hand, bypassing `new`
            }
            chain.push(next);
            current = next;
        }
        chain
    }
}

/// `^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`
fn is_locale(value: &str) -> bool {
    let mut parts = value.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|part| {
            (2..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}
