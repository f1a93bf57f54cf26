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
    /// Too many failed sign-ins for this account or address.
    #[error("too many failed sign-ins; try again in {} s", retry_after.as_secs())]
    RateLimited { retry_after: std::time::Duration },
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

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AuthError::NotFound,
            StoreError::Validation(errors) => AuthError::Validation(errors),
            other => AuthError::Store(other),
        }
    }
}
