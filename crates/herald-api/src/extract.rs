//! Request extractors that turn every malformed request into a contract error: JSON bodies
//! (size, media type, syntax, unknown keys), query strings, `If-Match`, and the caller.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, Code};

/// A JSON request body of type `T` (whose serde derive denies unknown fields). Accepts
/// `application/json` and any `+json` media type such as `application/merge-patch+json`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            match media_type.as_deref() {
                Some(t)
                    if t == "application/json"
                        || (t.starts_with("application/") && t.ends_with("+json")) => {}
                Some(other) => {
                    return Err(ApiError::new(
                        Code::UnsupportedMediaType,
                        format!("send JSON with Content-Type: application/json, not {other}"),
                    ));
                }
                None => {
                    return Err(ApiError::new(
                        Code::UnsupportedMediaType,
                        "send JSON with Content-Type: application/json",
                    ));
                }
            }
            let bytes = bytes.await.map_err(|error| payload_error(&error))?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Parses a body, classifying serde's errors into contract codes.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        let message = error.to_string();
        if error.is_data() && message.starts_with("unknown field") {
            ApiError::new(Code::UnknownField, message)
        } else if error.is_eof() && bytes.iter().all(u8::is_ascii_whitespace) {
            ApiError::new(Code::InvalidJson, "the body is empty; send a JSON object")
        } else {
            ApiError::new(
                Code::InvalidJson,
                format!("the body is not valid JSON: {message}"),
            )
        }
    })
}

/// Body read errors: too large → 413, anything else → 400.
pub(crate) fn payload_error(error: &actix_web::Error) -> ApiError {
    if error.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            Code::PayloadTooLarge,
            "the body is larger than this server accepts",
        )
    } else {
        ApiError::new(
            Code::InvalidJson,
            format!("the body could not be read: {error}"),
        )
    }
}

/// Query parameters of type `T` (whose serde derive denies unknown parameters).
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            serde_urlencoded_from(req.query_string())
                .map(QueryParams)
                .map_err(ApiError::invalid_query),
        )
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    web::Query::<T>::from_query(query)
        .map(web::Query::into_inner)
        .map_err(|e| {
            let text = e.to_string();
            text.strip_prefix("Query deserialize error: ")
                .unwrap_or(&text)
                .to_owned()
        })
}

/// The `If-Match` precondition of a write: the version the client read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// `If-Match: "7"`.
    Version(i64),
    /// `If-Match: *`: any current version.
    Any,
}

impl IfMatch {
    /// The header of a request, if present; a malformed one is a 412 (it matches no version).
    pub fn from_request(req: &HttpRequest) -> Result<Option<IfMatch>, ApiError> {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return Ok(None);
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(Some(IfMatch::Any));
        }
        let tag = text.strip_prefix("W/").unwrap_or(text);
        tag.strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<i64>().ok())
            .map(|v| Some(IfMatch::Version(v)))
            .ok_or_else(|| {
                ApiError::new(
                    Code::VersionMismatch,
                    format!("If-Match {text:?} matches no version; send the ETag you received, like \"3\""),
                )
            })
    }

    /// The header, required: 428 without it.
    pub fn required(req: &HttpRequest) -> Result<IfMatch, ApiError> {
        Self::from_request(req)?.ok_or_else(|| {
            ApiError::new(
                Code::PreconditionRequired,
                "send If-Match with the ETag of the version you edited, so no change is lost",
            )
        })
    }

    /// The version named, if any (`None` for `*`).
    pub fn exact(self) -> Option<i64> {
        match self {
            IfMatch::Version(v) => Some(v),
            IfMatch::Any => None,
        }
    }

    /// The version to write over: the given one, or the current one for `*`.
    pub fn version(self, current: i64) -> i64 {
        match self {
            IfMatch::Version(v) => v,
            IfMatch::Any => current,
        }
    }
}

/// Who is calling. Every handler takes one, so the authentication issue can make this the
/// guard in front of every route without touching the handlers. Until then every caller is
/// `anonymous`.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Recorded as `created_by` / `updated_by` and as revision authors.
    pub id: String,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(_req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Caller {
            id: "anonymous".to_owned(),
        }))
    }
}

/// The shared state, or a 500 if the app was built without it.
pub(crate) fn state(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|data| data.get_ref())
        .ok_or_else(|| ApiError::internal(&"application state missing"))
}
