//! The password policy: at least 12 characters, at most 1,024; not the e-mail address nor
//! built on it; not a common password (`common-passwords.txt`: about 10,000 passwords and stems
//! attackers try first, compared without case and without the digits and punctuation people
//! add around a word: `Summer2026!` is `summer`).

use std::collections::HashSet;
use std::sync::LazyLock;

/// Fewest characters in a password.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most characters in a password (hashing cost is bounded anyway; this bounds the request).
pub const MAX_PASSWORD_CHARS: usize = 1024;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Why a password is refused, for the `weak_password` detail.
pub fn check_password(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("at most {MAX_PASSWORD_CHARS} characters"));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or("");
    if lower.contains(&email) || (local.chars().count() >= 4 && lower.contains(local)) {
        return Err("must not be or contain the e-mail address".into());
    }
    let stem = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(lower.as_str()) || COMMON.contains(stem) {
        return Err("too common: choose a password that is not on lists attackers try".into());
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if stem.is_empty() && distinct.len() < 5 || distinct.len() < 4 {
        return Err("too simple: use more different characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_weak_passwords() {
        let email = "marie.dupont@shop.example";
        for weak in [
            "short",
            "Password2026!",
            "summer2026!!",
            "123456789012",
            "aaaaaaaaaaaaaaa",
            "marie.dupont@shop.example",
            "marie.dupont-rocks",
            "qwertyuiop123",
            "!!Welcome2026",
            "abababababab",
            // From the long list: the names of football clubs and bands people pick.
            "Liverpool2026!",
            "METALLICA-1983",
            "#Barcelona#1899",
        ] {
            assert!(
                check_password(weak, email).is_err(),
                "{weak} should be refused"
            );
        }
        for strong in [
            "correct horse battery",
            "Tr0ub4dor&3 is long",
            "winter-tulips-on-the-quay",
        ] {
            assert_eq!(check_password(strong, email), Ok(()), "{strong}");
        }
        assert!(check_password(&"x1".repeat(600), email).is_err());
    }
}
