//! Names in schema files, and "did you mean" suggestions for misspelt ones.

use std::sync::LazyLock;

use regex::Regex;

/// `^[a-z][a-z0-9_]{0,63}$`: content type and field names.
pub(crate) static NAME: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a literal that is tested
    Regex::new("^[a-z][a-z0-9_]{0,63}$").unwrap()
});

/// Whether `name` is a valid content type or field name.
pub fn is_valid_name(name: &str) -> bool {
    NAME.is_match(name)
}

/// `promo_banner` → `Promo banner`.
pub(crate) fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The candidate closest to `word` when it is a plausible typo of it (edit distance at most 2,
/// and less than half the word).
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (levenshtein(word, candidate), candidate))
        .filter(|&(distance, _)| distance <= 2 && distance * 2 < word.chars().count().max(2))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// ` (did you mean `x`?)` or nothing.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    suggest(word, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "promo_banner", "x1", &"a".repeat(64)] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "1a",
            "_a",
            "Promo",
            "promo-banner",
            "a b",
            &"a".repeat(65),
            "é",
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn suggestions() {
        let types = ["text", "long_text", "markdown", "integer"];
        assert_eq!(suggest("txt", types), Some("text"));
        assert_eq!(suggest("integr", types), Some("integer"));
        assert_eq!(suggest("longtext", types), Some("long_text"));
        assert_eq!(suggest("banana", types), None);
        assert_eq!(did_you_mean("x", types), "");
    }

    #[test]
    fn humanized() {
        assert_eq!(humanize("promo_banner"), "Promo banner");
        assert_eq!(humanize("faq"), "Faq");
    }
}
