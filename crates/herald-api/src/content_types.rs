//! `/api/v1/content-types…`: the loaded schemas and the JSON Schema of their published JSON.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::content_type;
use crate::error::ApiError;
use crate::extract::{Caller, state};

pub(crate) async fn list(_caller: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let items: Vec<_> = state.schemas.iter().collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

pub(crate) async fn get(
    _caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    Ok(HttpResponse::Ok().json(content_type(state, &path)?))
}

pub(crate) async fn json_schema(
    _caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let schema = herald_model::json_schema::published_entry(content_type(state, &path)?);
    Ok(HttpResponse::Ok()
        .content_type("application/schema+json")
        .json(schema))
}
