//! `/api/v1/entries/{type}…`: create, read, list, edit (merge patch and replace), archive,
//! revisions and restore. Handlers parse and check the request, then hand the store a complete
//! change; the store validates and writes it in one transaction.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use herald_model::{ContentType, ErrorCode, FieldError, ValidationErrors};
use herald_store::{Entry, ListQuery, NewEntry, Page, Revision, Sort, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{
    Authorized, Editor, IfMatch, JsonBody, Publisher, QueryParams, Viewer, number_cursor,
    parse_choice, parse_cursor, parse_limit, parse_time, state,
};
use crate::patch::merge_patch;
use crate::{AppState, content_type};

/// `POST /entries/{type}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateBody {
    /// A configured locale; the default locale when absent.
    locale: Option<String>,
    /// Derived from the title field when absent.
    slug: Option<String>,
    /// The entry's fields, as its content type describes them.
    #[schema(value_type = Object)]
    fields: Option<Value>,
}

/// `PUT /entries/{type}/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplaceBody {
    /// The current slug is kept when absent.
    slug: Option<String>,
    /// The complete new fields.
    #[schema(value_type = Object)]
    fields: Option<Value>,
}

/// `PATCH /entries/{type}/{id}`: an RFC 7396 merge patch (documentation only; the handler
/// reads the JSON directly).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct MergePatch {
    /// A new slug.
    slug: Option<String>,
    /// Fields to merge; `null` removes one.
    #[schema(value_type = Object)]
    fields: Option<Value>,
}

/// `GET /entries/{type}` parameters, as strings so that each gets a precise message.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// Only entries of this locale.
    locale: Option<String>,
    /// Only entries in this status.
    #[param(value_type = Option<Status>)]
    status: Option<String>,
    /// Words to find in the text fields and slug (case-insensitive).
    q: Option<String>,
    #[param(schema_with = sort_schema)]
    sort: Option<String>,
    /// Page size, 1 to the server's maximum (200 by default); 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only entries updated at or after this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    updated_since: Option<String>,
}

/// `?sort=` in the OpenAPI document: the orders `Sort` knows, written as the query takes them.
fn sort_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "The order; a leading `-` means newest (or last) first.",
        ))
        .enum_values(Some(Sort::ALL.map(Sort::as_str)))
        .default(Some(Value::from(Sort::default().as_str())))
        .build()
}

/// `GET /entries/{type}/{id}/revisions` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RevisionParams {
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of an entry's history, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RevisionPage {
    items: Vec<Revision>,
    next_cursor: Option<String>,
}

/// An entry with its `ETag`.
fn entry_response(status: actix_web::http::StatusCode, entry: &Entry) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, format!("\"{}\"", entry.version)))
        // Always fresh: the version (the ETag) does not cover the schedule.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(entry)
}

fn field_error(path: &str, code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::validation(ValidationErrors(vec![FieldError::new(path, code, message)]))
}

/// The locale a new entry is stored under.
fn resolve_locale(
    state: &AppState,
    content_type: &ContentType,
    given: Option<&str>,
) -> Result<String, ApiError> {
    let default = state.locales.default.clone();
    match given {
        None => Ok(default),
        Some(locale) if !content_type.localized => {
            if locale == default {
                Ok(default)
            } else {
                Err(field_error(
                    "locale",
                    ErrorCode::NotInEnum,
                    format!(
                        "`{}` is not localized: its entries use the default locale {default}",
                        content_type.name
                    ),
                ))
            }
        }
        Some(locale) => state
            .locales
            .canonical(locale)
            .map(str::to_owned)
            .ok_or_else(|| {
                field_error(
                    "locale",
                    ErrorCode::NotInEnum,
                    format!(
                        "must be one of the configured locales: {}",
                        state.locales.all.join(", ")
                    ),
                )
            }),
    }
}

fn required_fields(fields: Option<Value>) -> Result<Value, ApiError> {
    fields.ok_or_else(|| {
        field_error(
            "fields",
            ErrorCode::Required,
            "required: the entry's fields as an object",
        )
    })
}

/// Create an entry
///
/// A draft at version 1. The slug is derived from the title field when not given.
#[utoipa::path(post, path = "/api/v1/entries/{type}", tag = "entries",
    params(("type" = String, Path, description = "Content type")),
    request_body = CreateBody,
    responses(
        (status = 201, description = "Created; `ETag` is the version", body = Entry),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "Slug taken", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    ))]
pub(crate) async fn create(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let content_type = content_type(state, &path)?;
    let body = body.0;
    let locale = resolve_locale(state, content_type, body.locale.as_deref())?;
    let input = NewEntry {
        locale,
        slug: body.slug,
        fields: required_fields(body.fields)?,
    };
    let entry = state
        .store
        .create_entry(content_type, input, &caller.actor())
        .await?;
    let mut response = entry_response(actix_web::http::StatusCode::CREATED, &entry);
    if let Ok(location) =
        header::HeaderValue::from_str(&format!("/api/v1/entries/{}/{}", entry.type_name, entry.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Read an entry
#[utoipa::path(get, path = "/api/v1/entries/{type}/{id}", tag = "entries",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id")),
    responses(
        (status = 200, description = "The entry; `ETag` is the version", body = Entry),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
    ))]
pub(crate) async fn get(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let entry = state.store.get_entry(&content_type.name, &id).await?;
    // No 304 for `If-None-Match`: the ETag is the version, for `If-Match`, and scheduling a
    // publication changes `publish_at` without a new version.
    Ok(entry_response(actix_web::http::StatusCode::OK, &entry))
}

/// List entries
///
/// Filters, a sort and keyset pagination: pass `next_cursor` as `cursor` for the next page.
#[utoipa::path(get, path = "/api/v1/entries/{type}", tag = "entries",
    params(("type" = String, Path, description = "Content type"), ListParams),
    responses(
        (status = 200, description = "A page of entries", body = Page),
        (status = 400, description = "Bad query parameter or cursor", body = ErrorBody),
        (status = 404, description = "Unknown content type", body = ErrorBody),
    ))]
pub(crate) async fn list(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<String>,
    params: QueryParams<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let content_type = content_type(state, &path)?;
    let params = params.0;
    let query = ListQuery {
        locale: match params.locale {
            Some(locale) => Some(
                state
                    .locales
                    .canonical(&locale)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::invalid_query(format!(
                            "locale: `{locale}` is not a configured locale ({})",
                            state.locales.all.join(", ")
                        ))
                    })?,
            ),
            None => None,
        },
        status: parse_choice("status", params.status, &Status::ALL, Status::as_str)?,
        q: params.q.filter(|q| !q.trim().is_empty()),
        updated_since: parse_time("updated_since", params.updated_since)?,
        sort: parse_choice("sort", params.sort, &Sort::ALL, Sort::as_str)?.unwrap_or_default(),
        limit: parse_limit(params.limit.as_deref(), state.limits.max_list_limit)?,
        cursor: params.cursor,
    };
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid_query("q: at most 200 characters"));
    }
    let page = state.store.list_entries(&content_type.name, &query).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Edit an entry (JSON merge patch)
///
/// RFC 7396 merge patch of `{slug?, fields?}`; `null` removes a field. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/entries/{type}/{id}", tag = "entries",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = String, Header, description = "The ETag of the version edited, or *")),
    request_body(content = MergePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The new version", body = Entry),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "Slug taken", body = ErrorBody),
        (status = 412, description = "Stale If-Match; `ETag` is the current version", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    ))]
pub(crate) async fn patch(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let if_match = IfMatch::required(&req)?;
    let Value::Object(patch) = body.0 else {
        return Err(ApiError::new(
            Code::InvalidJson,
            "a merge patch of an entry is a JSON object like {\"fields\": {…}}",
        ));
    };
    let mut slug = None;
    let mut fields_patch = None;
    for (key, value) in patch {
        match (key.as_str(), value) {
            ("slug", Value::String(s)) => slug = Some(s),
            ("slug", Value::Null) => {}
            ("slug", _) => return Err(field_error("slug", ErrorCode::WrongType, "expected text")),
            ("fields", value @ Value::Object(_)) => fields_patch = Some(value),
            ("fields", _) => {
                return Err(field_error(
                    "fields",
                    ErrorCode::WrongType,
                    "expected an object of fields to merge",
                ));
            }
            (other, _) => {
                return Err(ApiError::new(
                    Code::UnknownField,
                    format!("unknown field `{other}`: a patch may hold `slug` and `fields`"),
                ));
            }
        }
    }
    // The patch is applied to the stored fields inside the write transaction, so with
    // `If-Match: *` no concurrent change is lost either.
    let entry = state
        .store
        .update_entry_with(
            content_type,
            &id,
            if_match.exact(),
            slug,
            |current| {
                let mut fields = Value::Object(current);
                if let Some(fields_patch) = &fields_patch {
                    merge_patch(&mut fields, fields_patch.clone());
                }
                fields
            },
            &caller.actor(),
        )
        .await?;
    Ok(entry_response(actix_web::http::StatusCode::OK, &entry))
}

/// Replace an entry's fields
#[utoipa::path(put, path = "/api/v1/entries/{type}/{id}", tag = "entries",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = String, Header, description = "The ETag of the version edited, or *")),
    request_body = ReplaceBody,
    responses(
        (status = 200, description = "The new version", body = Entry),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "Slug taken", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    ))]
pub(crate) async fn replace(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<ReplaceBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let if_match = IfMatch::required(&req)?;
    let body = body.0;
    let fields = required_fields(body.fields)?;
    let entry = state
        .store
        .update_entry_with(
            content_type,
            &id,
            if_match.exact(),
            body.slug,
            |_| fields.clone(),
            &caller.actor(),
        )
        .await?;
    Ok(entry_response(actix_web::http::StatusCode::OK, &entry))
}

/// Archive an entry
///
/// Nothing is destroyed: the entry keeps its history. A published entry is unpublished first
/// (an unpublish job removes its objects from the bucket). `If-Match` is optional.
#[utoipa::path(delete, path = "/api/v1/entries/{type}/{id}", tag = "entries",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id")),
    responses(
        (status = 200, description = "The archived entry", body = Entry),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
    ))]
pub(crate) async fn archive(
    caller: Authorized<Publisher>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let expected = IfMatch::from_request(&req)?.and_then(IfMatch::exact);
    let entry = state
        .store
        .archive_entry(content_type, &id, expected, &caller.actor())
        .await?;
    // Archiving unpublishes first: the worker removes the objects.
    state.publish_wake.wake();
    Ok(entry_response(actix_web::http::StatusCode::OK, &entry))
}

/// An entry's history
///
/// Newest first; pass `next_cursor` as `cursor` for older versions.
#[utoipa::path(get, path = "/api/v1/entries/{type}/{id}/revisions", tag = "revisions",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"), RevisionParams),
    responses(
        (status = 200, description = "A page of revisions", body = RevisionPage),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
    ))]
pub(crate) async fn revisions(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    params: QueryParams<RevisionParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let limit = parse_limit(params.0.limit.as_deref(), state.limits.max_list_limit)?;
    let before = parse_cursor(params.0.cursor.as_deref(), number_cursor)?;
    let items = state
        .store
        .revisions(&content_type.name, &id, before, limit)
        .await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|r| r.version.to_string()))
        .flatten()
        .filter(|v| v != "1");
    Ok(HttpResponse::Ok().json(RevisionPage { items, next_cursor }))
}

/// One version of an entry
#[utoipa::path(get, path = "/api/v1/entries/{type}/{id}/revisions/{version}", tag = "revisions",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("version" = i64, Path, description = "Version")),
    responses(
        (status = 200, description = "The revision", body = Revision),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
    ))]
pub(crate) async fn revision(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<(String, String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id, version) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let revision = state
        .store
        .revision(&content_type.name, &id, version)
        .await
        .map_err(|e| match e {
            herald_store::StoreError::NotFound => ApiError::not_found("revision"),
            other => other.into(),
        })?;
    Ok(HttpResponse::Ok().json(revision))
}

/// Restore a version
///
/// A new draft version with the fields and slug of the given one, validated against the
/// current schema. `If-Match` is optional.
#[utoipa::path(post, path = "/api/v1/entries/{type}/{id}/revisions/{version}/restore", tag = "revisions",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("version" = i64, Path, description = "Version to restore")),
    responses(
        (status = 200, description = "The new version", body = Entry),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, description = "The old fields are invalid under the current schema", body = ErrorBody),
    ))]
pub(crate) async fn restore(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<(String, String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id, version) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let expected = IfMatch::from_request(&req)?.and_then(IfMatch::exact);
    let entry = state
        .store
        .restore_revision(content_type, &id, version, expected, &caller.actor())
        .await
        .map_err(|e| match e {
            herald_store::StoreError::NotFound => ApiError::not_found("entry or revision"),
            other => other.into(),
        })?;
    Ok(entry_response(actix_web::http::StatusCode::OK, &entry))
}

/// Preview the published JSON
///
/// Exactly what publishing would write for the current version: Markdown rendered and
/// sanitized, references resolved to their bucket paths.
#[utoipa::path(get, path = "/api/v1/entries/{type}/{id}/preview", tag = "entries",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id")),
    responses(
        (status = 200, description = "The published JSON of contract §4", body = Object),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 422, description = "A reference or asset does not resolve", body = ErrorBody),
    ))]
pub(crate) async fn preview(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let (type_name, id) = path.into_inner();
    let content_type = content_type(state, &type_name)?;
    let entry = state.store.get_entry(&content_type.name, &id).await?;
    let rendered = herald_publish::preview(
        &state.store,
        &state.renderer,
        content_type,
        &entry,
        Utc::now(),
    )
    .await
    .map_err(|error| match error {
        herald_publish::PreviewError::Invalid(errors) => ApiError::validation(errors),
        herald_publish::PreviewError::Store(error) => error.into(),
        other @ herald_publish::PreviewError::Schema(_) => ApiError::internal(&other),
    })?;
    Ok(HttpResponse::Ok().json(rendered))
}
