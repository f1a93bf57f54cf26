//! Random secrets and their stored form. Tokens carry 256 random bits, so a plain SHA-256 is
//! the right way to store them (a slow hash guards guessable secrets like passwords; these are
//! not guessable), and a lookup by hash is a constant-time index probe.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Bytes of randomness in every token.
const TOKEN_BYTES: usize = 32;

/// `prefix` followed by 256 random bits, URL-safe base64 (43 characters).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    // The operating system's generator; failure would mean a broken machine.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator works");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a token: lowercase hex SHA-256.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hash_stably() {
        let a = random_token("hrld_");
        let b = random_token("hrld_");
        assert!(a.starts_with("hrld_") && a.len() == 5 + 43, "{a}");
        assert_ne!(a, b);
        assert_eq!(token_hash("x"), token_hash("x"));
        assert_eq!(token_hash("x").len(), 64);
    }
}
