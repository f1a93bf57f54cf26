//! Access tokens: short-lived JWTs signed with HMAC-SHA256. The algorithm is pinned (a token
//! naming any other, `none` included, is refused before its signature is looked at), and
//! `exp`, `nbf`, `iss`, `aud` and `sub` are all required and checked. Each token names its
//! key in `kid`, so a new signing secret can be introduced while tokens signed with the
//! previous one stay valid until they expire.

use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AuthError;

/// `iss` of every access token.
pub const ISSUER: &str = "herald";
/// `aud` of every access token.
pub const AUDIENCE: &str = "herald-api";
/// Fewest bytes in a signing secret.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: u64 = 5;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session (refresh-token family) the token was issued for: logging out ends it.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// The signing secret and the previous ones still accepted.
pub struct Keys {
    current: Key,
    previous: Vec<Key>,
    validation: Validation,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("kid", &self.current.kid)
            .field(
                "previous",
                &self
                    .previous
                    .iter()
                    .map(|k| k.kid.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A key's public name: a short digest of the secret, so it needs no configuration.
pub fn key_id(secret: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(b"herald-jwt-kid:");
    digest.update(secret);
    hex::encode(&digest.finalize()[..8])
}

fn key(secret: &[u8]) -> Result<Key, AuthError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(AuthError::Config(format!(
            "a JWT signing secret needs at least {MIN_SECRET_BYTES} bytes"
        )));
    }
    Ok(Key {
        kid: key_id(secret),
        encoding: EncodingKey::from_secret(secret),
        decoding: DecodingKey::from_secret(secret),
    })
}

impl Keys {
    /// Signs with `current`; also accepts tokens signed with any of `previous`.
    pub fn new(current: &[u8], previous: &[Vec<u8>]) -> Result<Keys, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(Keys {
            current: key(current)?,
            previous: previous
                .iter()
                .map(|secret| key(secret))
                .collect::<Result<_, _>>()?,
            validation,
        })
    }

    /// The `kid` new tokens carry.
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    /// A token for `user_id` in session `session_id`, valid for `ttl`.
    pub fn issue(
        &self,
        user_id: &str,
        session_id: &str,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims with the current key (tests craft odd tokens with it).
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.current.encoding)
            .map_err(|e| AuthError::Internal(format!("signing a token: {e}")))
    }

    /// The claims of a valid token; `token_expired` or `unauthenticated` otherwise.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Unauthenticated("the token is not a valid JWT"))?;
        if header.alg != Algorithm::HS256 {
            return Err(AuthError::Unauthenticated(
                "the token's algorithm is not accepted",
            ));
        }
        let key =
            match header.kid.as_deref() {
                Some(kid) if kid == self.current.kid => &self.current,
                Some(kid) => self.previous.iter().find(|k| k.kid == kid).ok_or(
                    AuthError::Unauthenticated("the token was signed with an unknown key"),
                )?,
                None => return Err(AuthError::Unauthenticated("the token names no key")),
            };
        jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::TokenExpired,
                ErrorKind::ImmatureSignature => {
                    AuthError::Unauthenticated("the token is not valid yet")
                }
                ErrorKind::InvalidAudience => {
                    AuthError::Unauthenticated("the token is for another audience")
                }
                ErrorKind::InvalidIssuer => {
                    AuthError::Unauthenticated("the token is from another issuer")
                }
                ErrorKind::InvalidSignature => {
                    AuthError::Unauthenticated("the token's signature is wrong")
                }
                _ => AuthError::Unauthenticated("the token is not valid"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const OTHER: &[u8] = b"fedcba9876543210fedcba9876543210";

    fn claims(offset_nbf: i64, offset_exp: i64) -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            sub: "u1".into(),
            sid: "s1".into(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            nbf: now + offset_nbf,
            exp: now + offset_exp,
        }
    }

    #[test]
    fn round_trip_and_rotation() -> Result<(), AuthError> {
        let old = Keys::new(SECRET, &[])?;
        let token = old.issue("u1", "s1", Duration::from_secs(60))?;
        assert_eq!(old.verify(&token)?.sub, "u1");
        // A new secret with the old one still accepted: old tokens keep working.
        let rotated = Keys::new(OTHER, &[SECRET.to_vec()])?;
        assert_eq!(rotated.verify(&token)?.sid, "s1");
        // Once the old secret is dropped they stop.
        let later = Keys::new(OTHER, &[])?;
        assert!(matches!(
            later.verify(&token),
            Err(AuthError::Unauthenticated(_))
        ));
        Ok(())
    }

    #[test]
    fn refuses_bad_tokens() -> Result<(), AuthError> {
        let keys = Keys::new(SECRET, &[])?;
        assert!(matches!(
            keys.verify(&keys.sign(&claims(0, -3600))?),
            Err(AuthError::TokenExpired)
        ));
        assert!(keys.verify(&keys.sign(&claims(3600, 7200))?).is_err());
        let mut wrong_aud = claims(0, 60);
        wrong_aud.aud = "someone-else".into();
        assert!(keys.verify(&keys.sign(&wrong_aud)?).is_err());
        let mut wrong_iss = claims(0, 60);
        wrong_iss.iss = "someone-else".into();
        assert!(keys.verify(&keys.sign(&wrong_iss)?).is_err());
        // Tampered payload.
        let token = keys.sign(&claims(0, 60))?;
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims(0, 60);
        forged.sub = "admin".into();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap_or_default());
        assert!(keys.verify(&parts.join(".")).is_err());
        // alg: none.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let none = format!("{header}.{}.", parts[1]);
        assert!(keys.verify(&none).is_err());
        assert!(keys.verify("not a token").is_err());
        Ok(())
    }
}
