//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`. It is snapshot-tested, so every API change is a visible diff.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use crate::{content_types, entries, error, health};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Herald authoring API",
        description = "Create, edit, review and publish content entries. Errors are `{\"error\": {\"code\", \"message\", \"details\"?}}` with a stable code.",
        license(name = "Apache-2.0")
    ),
    paths(
        content_types::list,
        content_types::get,
        content_types::json_schema,
        entries::list,
        entries::create,
        entries::get,
        entries::patch,
        entries::replace,
        entries::archive,
        entries::preview,
        entries::revisions,
        entries::revision,
        entries::restore,
        openapi_json,
        health::healthz,
        health::readyz,
        health::metrics,
    ),
    components(schemas(error::Code, herald_model::ErrorCode, herald_store::Status)),
    tags(
        (name = "entries", description = "Entries of a content type"),
        (name = "revisions", description = "An entry's history"),
        (name = "content types", description = "The schemas IT defines"),
        (name = "operations", description = "Health and metrics, outside /api/v1"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// This document
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document of this API", body = Object)))]
pub(crate) async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
