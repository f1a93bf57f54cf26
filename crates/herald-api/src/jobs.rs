//! `/api/v1/publish/…`: the publishing jobs (viewers and above) and rebuilds (admins).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use herald_store::{Job, JobKind, JobQuery, JobStatus, StoreError};
use serde::{Deserialize, Serialize};

use crate::content_type;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{
    Admin, Authorized, OptionalJsonBody, QueryParams, Viewer, number_cursor, parse_choice,
    parse_cursor, parse_limit, state,
};

/// `GET /publish/jobs` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct JobParams {
    /// Only the jobs in this status.
    #[param(value_type = Option<JobStatus>)]
    status: Option<String>,
    /// Only the jobs of this kind.
    #[param(value_type = Option<JobKind>)]
    kind: Option<String>,
    /// Only the jobs of this entry.
    entry_id: Option<String>,
    /// Page size, 1 to the server's maximum; 50 when absent.
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of jobs, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct JobPage {
    items: Vec<Job>,
    next_cursor: Option<String>,
}

/// `POST /publish/rebuild`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RebuildBody {
    /// Only this content type; every type when absent.
    #[serde(rename = "type")]
    type_name: Option<String>,
}

/// List publishing jobs
///
/// Newest first. A caller limited to some content types sees only their jobs.
#[utoipa::path(get, path = "/api/v1/publish/jobs", tag = "publishing",
    params(JobParams),
    responses(
        (status = 200, description = "A page of jobs", body = JobPage),
        (status = 400, description = "Bad query parameter or cursor", body = ErrorBody),
    ))]
pub(crate) async fn list(
    caller: Authorized<Viewer>,
    req: HttpRequest,
    params: QueryParams<JobParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let params = params.0;
    let limit = parse_limit(params.limit.as_deref(), state.limits.max_list_limit)?;
    let query = JobQuery {
        status: parse_choice("status", params.status, &JobStatus::ALL, JobStatus::as_str)?,
        kind: parse_choice("kind", params.kind, &JobKind::ALL, JobKind::as_str)?,
        entry_id: params.entry_id,
        types: caller.principal.content_types.clone(),
        before: parse_cursor(params.cursor.as_deref(), number_cursor)?,
        limit,
    };
    let items = state.store.jobs(&query).await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|j| j.id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(JobPage { items, next_cursor }))
}

/// A publishing job
///
/// Its status, attempts, last error, progress (a rebuild's `done` of `total`) and result (the
/// paths written and removed; for a notification, the targets reached).
#[utoipa::path(get, path = "/api/v1/publish/jobs/{id}", tag = "publishing",
    params(("id" = i64, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = Job),
        (status = 404, description = "No such job", body = ErrorBody),
    ))]
pub(crate) async fn get(
    caller: Authorized<Viewer>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let job = state
        .store
        .job(path.into_inner())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("job"),
            other => other.into(),
        })?;
    let visible = caller.principal.content_types.is_none()
        || job
            .type_name
            .as_deref()
            .is_some_and(|t| caller.principal.may_access(t));
    if !visible {
        return Err(ApiError::not_found("job"));
    }
    Ok(HttpResponse::Ok().json(job))
}

/// Rebuild the bucket
///
/// Renders every published entry (of `type`, or of every type) again and rewrites the
/// listings, redirects, schemas and manifest. 202 with the job; while one is queued or running
/// for the same scope, that job is returned instead of a new one.
#[utoipa::path(post, path = "/api/v1/publish/rebuild", tag = "publishing",
    request_body(content = Option<RebuildBody>),
    responses(
        (status = 202, description = "The rebuild job", body = Job),
        (status = 403, description = "A type outside the caller's scope", body = ErrorBody),
        (status = 404, description = "Unknown content type", body = ErrorBody),
    ))]
pub(crate) async fn rebuild(
    caller: Authorized<Admin>,
    req: HttpRequest,
    body: OptionalJsonBody<RebuildBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let type_name = match body.0.type_name {
        Some(name) => Some(content_type(state, &name)?.name.clone()),
        None => None,
    };
    // A caller limited to some types rebuilds only one of them.
    caller.check_covers(type_name.as_ref().map(std::slice::from_ref))?;
    let (job, _created) = state
        .store
        .enqueue_rebuild(type_name.as_deref(), &caller.actor())
        .await?;
    state.publish_wake.wake();
    Ok(HttpResponse::build(StatusCode::ACCEPTED)
        .insert_header((header::LOCATION, format!("/api/v1/publish/jobs/{}", job.id)))
        .json(job))
}
