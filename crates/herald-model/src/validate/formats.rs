//! Format checks of the string-based field types.

/// `YYYY-MM-DD`, a real calendar date.
pub(crate) fn is_date(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
        && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// RFC 3339 with a `T` and an offset: `2026-11-22T10:00:00Z`, `2026-11-22T11:00:00.5+01:00`.
pub(crate) fn is_datetime(s: &str) -> bool {
    s.len() >= 20
        && s.as_bytes()[10].eq_ignore_ascii_case(&b'T')
        && is_date(&s[..10])
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Schemes a `url` field accepts: links a storefront can put in `href` safely.
const URL_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// An absolute `http(s)`, `mailto` or `tel` URL, or a site path starting with one `/`.
pub(crate) fn is_url(s: &str) -> bool {
    if s.is_empty() || s.len() > 2048 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if let Some(rest) = s.strip_prefix('/') {
        return !rest.starts_with('/') && !rest.starts_with('\\');
    }
    match url::Url::parse(s) {
        Ok(url) => {
            URL_SCHEMES.contains(&url.scheme())
                && match url.scheme() {
                    "http" | "https" => url.host().is_some(),
                    _ => !url.path().is_empty(),
                }
        }
        Err(_) => false,
    }
}

/// A pragmatic address check: `local@domain.tld`, no spaces, at most 254 characters.
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .split_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && !tld.is_empty())
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// A UUID in its hyphenated form (entry and asset ids).
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in ["2026-11-22", "2024-02-29", "0001-01-01"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2026-1-22",
            "2026-02-30",
            "2023-02-29",
            "22-11-2026",
            "2026/11/22",
            "",
            "2026-11-22T00:00:00Z",
            "２０２６-11-22",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn datetimes() {
        for ok in [
            "2026-11-22T10:00:00Z",
            "2026-11-22T10:00:00.123+01:00",
            "2026-11-22t10:00:00z",
        ] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in [
            "2026-11-22",
            "2026-11-22T10:00:00",
            "2026-11-22 10:00:00Z",
            "2026-13-22T10:00:00Z",
            "yesterday",
            "2026-11-22T25:00:00Z",
        ] {
            assert!(!is_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn urls() {
        for ok in [
            "https://shop.example/sale",
            "http://localhost:8080/x?y=1#z",
            "/summer-sale",
            "/",
            "mailto:hi@shop.example",
            "tel:+33123456789",
        ] {
            assert!(is_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "/\\evil",
            "summer-sale",
            "https://",
            "https://a b",
            "ftp://x.example",
            "vbscript:x",
            "https://x.example/\n",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn emails() {
        for ok in [
            "ana@shop.example",
            "a.b+tag@sub.shop.example",
            "é@exemple.fr",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ana",
            "ana@",
            "@shop.example",
            "ana@shop",
            "ana@@shop.example",
            "ana @shop.example",
            "ana@shop..example",
            "ana@.shop.example",
            "ana@shop.example.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11"));
        assert!(!is_uuid("0193a3e47c1e7b4a9f003c2d1e0f9a11"));
        assert!(!is_uuid("not-a-uuid"));
    }
}
