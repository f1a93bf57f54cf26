//! The one error type of the API and the table of contract error codes (§3). Every failure a
//! handler or extractor can meet becomes an [`ApiError`], which renders as
//! `{"error": {"code", "message", "details"?}}` with the code's status.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use herald_auth::AuthError;
use herald_model::{FieldError, ValidationErrors};
use herald_store::StoreError;
use serde::Serialize;

/// Stable error codes of contract §3. Never rename one: clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    InvalidJson,
    InvalidQuery,
    UnknownField,
    Unauthenticated,
    TokenExpired,
    Forbidden,
    NotFound,
    UnknownContentType,
    MethodNotAllowed,
    SlugTaken,
    AssetInUse,
    InvalidTransition,
    FourEyes,
    VersionMismatch,
    PreconditionRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    RateLimited,
    Unavailable,
    Internal,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: [Code; 21] = [
        Code::InvalidJson,
        Code::InvalidQuery,
        Code::UnknownField,
        Code::Unauthenticated,
        Code::TokenExpired,
        Code::Forbidden,
        Code::NotFound,
        Code::UnknownContentType,
        Code::MethodNotAllowed,
        Code::SlugTaken,
        Code::AssetInUse,
        Code::InvalidTransition,
        Code::FourEyes,
        Code::VersionMismatch,
        Code::PreconditionRequired,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::ValidationFailed,
        Code::RateLimited,
        Code::Unavailable,
        Code::Internal,
    ];

    /// The HTTP status of the code: the single table of the contract.
    pub fn status(self) -> StatusCode {
        match self {
            Code::InvalidJson | Code::InvalidQuery | Code::UnknownField => StatusCode::BAD_REQUEST,
            Code::Unauthenticated | Code::TokenExpired => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::NotFound | Code::UnknownContentType => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::SlugTaken | Code::AssetInUse | Code::InvalidTransition | Code::FourEyes => {
                StatusCode::CONFLICT
            }
            Code::VersionMismatch => StatusCode::PRECONDITION_FAILED,
            Code::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failed request: a code, a message for people and, for validation, the failing paths.
/// The most failing paths one `validation_failed` answer lists.
pub const MAX_DETAILS: usize = 100;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub details: Vec<FieldError>,
    /// The current version, sent as `ETag` with a 412 so the client can reload.
    pub current_version: Option<i64>,
    /// Seconds to wait, sent as `Retry-After` with a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
            current_version: None,
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(Code::NotFound, format!("{what} not found"))
    }

    pub fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidQuery, message)
    }

    /// `422 validation_failed` with the failing paths: all of them, up to
    /// [`MAX_DETAILS`]; the message gives the whole count when more failed, so that a body
    /// of many thousand unknown keys does not get an answer many times its size.
    pub fn validation(errors: ValidationErrors) -> Self {
        let mut message = errors.summary();
        let mut details = errors.0;
        if details.len() > MAX_DETAILS {
            details.truncate(MAX_DETAILS);
            message.push_str(&format!("; the first {MAX_DETAILS} are listed"));
        }
        Self {
            code: Code::ValidationFailed,
            message,
            details,
            current_version: None,
            retry_after: None,
        }
    }

    /// An unexpected failure: logged in full here, answered with a generic message.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(Code::Internal, "internal error; it has been logged")
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a message for people and, for validation, every failing
/// path.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(value) = self
            .current_version
            .and_then(|version| HeaderValue::from_str(&format!("\"{version}\"")).ok())
        {
            response.insert_header((header::ETAG, value));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.code.status() == StatusCode::UNAUTHORIZED {
            let error = if self.code == Code::TokenExpired {
                "invalid_token\", error_description=\"the access token expired"
            } else {
                "invalid_token"
            };
            response.insert_header((
                header::WWW_AUTHENTICATE,
                format!("Bearer realm=\"herald\", error=\"{error}\""),
            ));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                details: self.details.clone(),
            },
        })
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Unauthenticated(why) => ApiError::new(Code::Unauthenticated, why),
            AuthError::TokenExpired => ApiError::new(Code::TokenExpired, error.to_string()),
            AuthError::Forbidden(why) => ApiError::new(Code::Forbidden, why),
            AuthError::RateLimited { retry_after, .. } => ApiError {
                // Rounded up, as in the message: a client that waits this long is let in.
                retry_after: Some(herald_auth::retry_after_seconds(retry_after)),
                ..ApiError::new(Code::RateLimited, error.to_string())
            },
            AuthError::Validation(errors) => ApiError::validation(errors),
            AuthError::NotFound => ApiError::not_found("user or token"),
            AuthError::Store(error) => error.into(),
            other @ (AuthError::Config(_) | AuthError::Internal(_)) => ApiError::internal(&other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::not_found("entry"),
            StoreError::VersionMismatch { current } => ApiError {
                current_version: Some(current),
                ..ApiError::new(
                    Code::VersionMismatch,
                    format!(
                        "the entry changed: it is at version {current}; reload and apply your change again"
                    ),
                )
            },
            StoreError::SlugTaken { slug } => ApiError {
                details: vec![FieldError::new(
                    "slug",
                    herald_model::ErrorCode::InvalidSlug,
                    "taken by another entry of this type and locale",
                )],
                ..ApiError::new(
                    Code::SlugTaken,
                    format!("the slug `{slug}` is taken by another entry of this type and locale"),
                )
            },
            StoreError::InvalidTransition(message) => {
                ApiError::new(Code::InvalidTransition, message)
            }
            StoreError::FourEyes(message) => ApiError::new(Code::FourEyes, message),
            StoreError::Validation(errors) => ApiError::validation(errors),
            StoreError::AssetInUse(users) => crate::assets::in_use(&users, 0),
            StoreError::InvalidCursor(why) => ApiError::invalid_query(format!("cursor: {why}")),
            other @ (StoreError::Corrupt(_)
            | StoreError::Import(_)
            | StoreError::Files(_)
            | StoreError::Database(_)
            | StoreError::JobsTakenOver) => ApiError::internal(&other),
        }
    }
}
