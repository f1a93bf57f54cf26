//! `/api/v1/content-types…`: the loaded schemas and the JSON Schema of their published JSON.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::content_type;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authorized, Viewer, state};

/// The content types
///
/// With the locales entries may be written in (`herald.toml` `[content] locales`), the first
/// being the default: what a client offers when an entry of a `localized` type is created.
#[utoipa::path(get, path = "/api/v1/content-types", tag = "content types",
    responses((status = 200, description = "`{items: [content type], locales: [string], default_locale}`: every loaded schema the caller may access, and the configured locales", body = Object)))]
pub(crate) async fn list(
    caller: Authorized<Viewer>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let items: Vec<_> = state
        .schemas
        .iter()
        .filter(|t| caller.principal.may_access(&t.name))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": items,
        "locales": state.locales.all,
        "default_locale": state.locales.default,
    })))
}

/// One content type
#[utoipa::path(get, path = "/api/v1/content-types/{type}", tag = "content types",
    params(("type" = String, Path, description = "Content type")),
    responses(
        (status = 200, description = "The schema, as in its file with defaults made explicit", body = Object),
        (status = 404, description = "Unknown content type", body = ErrorBody),
    ))]
pub(crate) async fn get(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    Ok(HttpResponse::Ok().json(content_type(state, &path)?))
}

/// JSON Schema of a type's published JSON
#[utoipa::path(get, path = "/api/v1/content-types/{type}/json-schema", tag = "content types",
    params(("type" = String, Path, description = "Content type")),
    responses(
        (status = 200, description = "JSON Schema (draft 2020-12)", body = Object, content_type = "application/schema+json"),
        (status = 404, description = "Unknown content type", body = ErrorBody),
    ))]
pub(crate) async fn json_schema(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let schema = herald_model::json_schema::published_entry(content_type(state, &path)?);
    Ok(HttpResponse::Ok()
        .content_type("application/schema+json")
        .json(schema))
}
