//! Herald's authentication and authorization. IT lets marketers publish without opening the
//! door to anyone else:
//!
//! - passwords are argon2id hashes ([`password`]) under a policy ([`policy`]);
//! - a sign-in opens a session: a short-lived JWT access token ([`jwt`]) and an opaque refresh
//!   token, rotated on every use, whose reuse revokes the session ([`Auth::refresh`]);
//! - API tokens (`hrld_…`) serve scripts and previews, stored hashed ([`secret`]);
//! - every request becomes a [`Principal`] with a [`Role`] and an optional content-type scope;
//!   the HTTP layer's guard asks it [`Principal::has_role`] and [`Principal::may_access`];
//! - failed sign-ins are audited and counted: too many per account or address in a window
//!   answer [`AuthError::RateLimited`].
//!
//! Storage is `herald-store`'s; this crate holds the rules and the cryptography.

mod attempts;
mod cache;
pub mod jwt;
pub mod password;
pub mod policy;
mod principal;
pub mod secret;
mod service;
mod signing_secret;

pub use herald_store::Role;
pub use principal::{Principal, PrincipalKind};
pub use service::{
    API_TOKEN_PREFIX, Auth, AuthConfig, FirstAdmin, NewToken, NewUserRequest, Session, UserPatch,
};
pub use signing_secret::{SECRET_FILE, load_or_create_secret};

use herald_model::ValidationErrors;
use herald_store::StoreError;

/// Why a request is not let in, or an auth operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials, or credentials that prove nothing (the reason is safe to show).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A well-formed access token past its `exp`: the client should refresh.
    #[error("the access token has expired; refresh it")]
    TokenExpired,
    /// Signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many sign-ins: failed ones for this account or address, or more at once than the
    /// password hasher queues. `why` says which; the message ends with the whole seconds to
    /// wait, the same number as `Retry-After` ([`retry_after_seconds`]).
    #[error("{why}; try again in {} s", retry_after_seconds(*retry_after))]
    RateLimited {
        retry_after: std::time::Duration,
        why: &'static str,
    },
    /// A request that breaks a rule (password policy, e-mail, role, scope).
    #[error("{0}")]
    Validation(ValidationErrors),
    /// No such user or token.
    #[error("not found")]
    NotFound,
    /// Settings that cannot work (a short signing secret, a weak first-admin password).
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(StoreError),
    /// Never expected: logged in full, answered with a generic message.
    #[error("{0}")]
    Internal(String),
}

/// The whole seconds a refused client should wait: rounded up (a client that waits this long
/// is let in) and at least 1. Both the message of [`AuthError::RateLimited`] and the
/// `Retry-After` header say this number.
pub fn retry_after_seconds(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AuthError::NotFound,
            StoreError::Validation(errors) => AuthError::Validation(errors),
            other => AuthError::Store(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The message and `Retry-After` say the same number of seconds, rounded up.
    #[test]
    fn a_refusal_says_the_seconds_rounded_up() {
        for (wait, seconds) in [
            (Duration::from_millis(59_400), 60),
            (Duration::from_secs(60), 60),
            (Duration::from_millis(1), 1),
            (Duration::ZERO, 1),
        ] {
            assert_eq!(retry_after_seconds(wait), seconds, "{wait:?}");
            let refusal = AuthError::RateLimited {
                retry_after: wait,
                why: "too many failed sign-ins",
            };
            assert_eq!(
                refusal.to_string(),
                format!("too many failed sign-ins; try again in {seconds} s")
            );
        }
    }
}
