//! Request extractors that turn every malformed request into a contract error: JSON bodies
//! (size, media type, syntax, unknown keys), query strings, `If-Match`, and (from
//! [`crate::guard`]) the guard [`Authorized`] that checks credentials, role and content-type
//! scope.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, Code};
pub use crate::guard::{Admin, Authorized, Editor, Publisher, Requirement, Viewer, client_ip};

/// A JSON request body of type `T` (whose serde derive denies unknown fields). Accepts
/// `application/json` and any `+json` media type such as `application/merge-patch+json`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type = media_type(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            require_json(media_type.as_deref())?;
            let bytes = bytes.await.map_err(|error| payload_error(&error))?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// An optional JSON body: no body at all (or only whitespace) is `T::default()`; anything
/// else must be JSON like [`JsonBody`]. For workflow steps, whose parameters are optional.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type = media_type(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|error| payload_error(&error))?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJsonBody(T::default()));
            }
            require_json(media_type.as_deref())?;
            parse_json(&bytes).map(OptionalJsonBody)
        })
    }
}

/// The media type of the body, lowercased, without parameters.
fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// 415 unless the body is sent as JSON.
fn require_json(media_type: Option<&str>) -> Result<(), ApiError> {
    match media_type {
        Some(t) if is_json(t) => Ok(()),
        Some(other) => Err(ApiError::new(
            Code::UnsupportedMediaType,
            format!("send JSON with Content-Type: application/json, not {other}"),
        )),
        None => Err(ApiError::new(
            Code::UnsupportedMediaType,
            "send JSON with Content-Type: application/json",
        )),
    }
}

/// `application/json` or any `application/…+json`.
fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
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

/// Query parameters of type `T` (whose serde derive denies unknown parameters). A name or
/// value with a control character (`%00` and the like) is `invalid_query`: none has a use in
/// a parameter, and PostgreSQL refuses NUL in text.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        std::future::ready(
            check_query_characters(query)
                .and_then(|()| serde_urlencoded_from(query).map_err(ApiError::invalid_query))
                .map(QueryParams),
        )
    }
}

fn check_query_characters(query: &str) -> Result<(), ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded_from(query).map_err(ApiError::invalid_query)?;
    match pairs
        .iter()
        .find(|(name, value)| name.chars().chain(value.chars()).any(char::is_control))
    {
        Some((name, _)) => Err(ApiError::invalid_query(format!(
            "{}: control characters are not allowed",
            name.escape_default()
        ))),
        None => Ok(()),
    }
}

/// Whether the percent-decoded `path` holds a control character (`%00`, `%0A`, `%C2%85`…). No
/// route's path parameter (a type name, an entry, asset or user id, a version) can have one.
pub(crate) fn path_has_control_characters(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let escaped = bytes
            .get(at + 1..at + 3)
            .filter(|hex| byte == b'%' && hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                at += 3;
            }
            None => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded)
        .chars()
        .any(char::is_control)
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

/// A page size from `?limit=`: 1 to `max`, 50 (or `max` if smaller) when absent.
pub(crate) fn parse_limit(limit: Option<&str>, max: u64) -> Result<u64, ApiError> {
    match limit {
        None => Ok(max.min(50)),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid_query(format!(
                "limit: a whole number from 1 to {max}, not `{text}`"
            ))),
        },
    }
}

/// `?name=` as one of `choices` (each written as `as_str` writes it); anything else is
/// `invalid_query` with the list of what is accepted.
pub(crate) fn parse_choice<T: Copy>(
    name: &str,
    text: Option<String>,
    choices: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<Option<T>, ApiError> {
    text.map(|text| {
        choices
            .iter()
            .copied()
            .find(|choice| as_str(*choice) == text)
            .ok_or_else(|| {
                let accepted: Vec<&str> = choices.iter().map(|c| as_str(*c)).collect();
                ApiError::invalid_query(format!(
                    "{name}: `{text}` is not one of {}",
                    accepted.join(", ")
                ))
            })
    })
    .transpose()
}

/// `?cursor=` as `parse` reads it (the `next_cursor` of a previous page); anything it refuses
/// is `invalid_query`, so a forged or mangled cursor never silently lists from elsewhere.
pub(crate) fn parse_cursor<T>(
    cursor: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    cursor
        .map(|c| {
            parse(c)
                .ok_or_else(|| ApiError::invalid_query("cursor: not a cursor from a previous page"))
        })
        .transpose()
}

/// A cursor that is the last row's number (an audit row's or a job's id, a version).
pub(crate) fn number_cursor(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|v| *v > 0)
}

/// A cursor that is the last item's id: a UUID as Herald writes them (lowercase, hyphenated).
pub(crate) fn id_cursor(text: &str) -> Option<String> {
    let hyphens = [8, 13, 18, 23];
    let well_formed = text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if hyphens.contains(&i) {
                c == '-'
            } else {
                matches!(c, '0'..='9' | 'a'..='f')
            }
        });
    well_formed.then(|| text.to_owned())
}

/// A cursor that is the last user's e-mail address.
pub(crate) fn email_cursor(text: &str) -> Option<String> {
    let well_formed = text.len() <= 320
        && text.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    well_formed.then(|| text.to_owned())
}

/// An RFC 3339 time from the query parameter `name`.
pub(crate) fn parse_time(
    name: &str,
    text: Option<String>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| {
                ApiError::invalid_query(format!(
                    "{name}: `{t}` is not an RFC 3339 date-time like 2026-11-22T10:00:00Z"
                ))
            })
    })
    .transpose()
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
    /// The header of a request, if present; a malformed one is a 412 (it matches no version),
    /// and so is a weak tag (`W/"3"`): `If-Match` compares strongly (RFC 9110 §13.1.1).
    pub fn from_request(req: &HttpRequest) -> Result<Option<IfMatch>, ApiError> {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return Ok(None);
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(Some(IfMatch::Any));
        }
        if text.starts_with("W/") {
            return Err(ApiError::new(
                Code::VersionMismatch,
                format!(
                    "If-Match {text:?} is a weak tag, which never matches; send the ETag you received, like \"3\""
                ),
            ));
        }
        text.strip_prefix('"')
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

/// The shared state, or a 500 if the app was built without it.
pub(crate) fn state(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|data| data.get_ref())
        .ok_or_else(|| ApiError::internal(&"application state missing"))
}
