//! `/api/v1/entries/{type}/{id}/{submit,approve,reject,publish,unpublish}`: the review
//! workflow. Handlers check the request and hand the store one transition; the store checks
//! the status and the type's `workflow` rules and writes the new version, the audit row and,
//! for publishing, the job in one transaction. `If-Match` is optional on every step.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use herald_model::{ErrorCode, FieldError, ValidationErrors};
use herald_store::{Entry, Job, Transition, Transitioned};
use serde::Deserialize;

use crate::content_type;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authorized, Editor, IfMatch, OptionalJsonBody, Publisher, state};

/// `approve` and `reject`: an optional comment for the editor, kept in the history.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommentBody {
    /// Shown in the entry's history (at most 255 characters are kept).
    comment: Option<String>,
}

/// `publish` and `unpublish`: now, or at a time.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleBody {
    /// RFC 3339 time; absent (or past) means now.
    at: Option<String>,
}

/// `submit`: no parameters.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmptyBody {}

fn parse_at(at: Option<String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    at.map(|text| {
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::validation(ValidationErrors(vec![FieldError::new(
                    "at",
                    ErrorCode::InvalidDatetime,
                    format!("`{text}` is not an RFC 3339 date-time like 2026-11-22T10:00:00Z"),
                )]))
            })
    })
    .transpose()
}

/// Runs one transition for the entry of the path.
async fn run(
    req: &HttpRequest,
    path: (String, String),
    transition: Transition,
    actor: herald_store::Actor,
) -> Result<Transitioned, ApiError> {
    let state = state(req)?;
    let (type_name, id) = path;
    let content_type = content_type(state, &type_name)?;
    let expected = IfMatch::from_request(req)?.and_then(IfMatch::exact);
    let done = state
        .store
        .transition(content_type, &id, expected, transition, &actor)
        .await?;
    if done.job.is_some() {
        state.publish_wake.wake();
    }
    Ok(done)
}

/// The entry after a review step, with its `ETag`.
fn entry_response(entry: &Entry) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", entry.version)))
        .json(entry)
}

/// 202 with the job, its `Location`, and the entry's new `ETag`.
fn job_response(done: &Transitioned) -> Result<HttpResponse, ApiError> {
    let job = done
        .job
        .as_ref()
        .ok_or_else(|| ApiError::internal(&"a publishing transition without its job"))?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED)
        .insert_header((header::ETAG, format!("\"{}\"", done.entry.version)))
        .insert_header((header::LOCATION, format!("/api/v1/publish/jobs/{}", job.id)))
        .json(job))
}

/// Submit for review
///
/// draft → in_review.
#[utoipa::path(post, path = "/api/v1/entries/{type}/{id}/submit", tag = "workflow",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version reviewed")),
    request_body(content = Option<EmptyBody>, description = "Nothing, or `{}`"),
    responses(
        (status = 200, description = "The entry, in review; `ETag` is the new version", body = Entry),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not a draft", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
    ))]
pub(crate) async fn submit(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    _body: OptionalJsonBody<EmptyBody>,
) -> Result<HttpResponse, ApiError> {
    let done = run(&req, path.into_inner(), Transition::Submit, caller.actor()).await?;
    Ok(entry_response(&done.entry))
}

/// Approve
///
/// in_review → approved. With `workflow.four_eyes` the approver must not be the entry's last
/// editor. Every referenced entry must be published, or on its way (a publish job queued).
#[utoipa::path(post, path = "/api/v1/entries/{type}/{id}/approve", tag = "workflow",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version reviewed")),
    request_body(content = Option<CommentBody>),
    responses(
        (status = 200, description = "The entry, approved", body = Entry),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "`invalid_transition` (not in review) or `four_eyes`", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, description = "`reference_not_published` at each reference that would not be public", body = ErrorBody),
    ))]
pub(crate) async fn approve(
    caller: Authorized<Publisher>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: OptionalJsonBody<CommentBody>,
) -> Result<HttpResponse, ApiError> {
    let transition = Transition::Approve {
        comment: body.0.comment,
    };
    let done = run(&req, path.into_inner(), transition, caller.actor()).await?;
    Ok(entry_response(&done.entry))
}

/// Reject
///
/// in_review (or approved) → draft, with an optional comment for the editor.
#[utoipa::path(post, path = "/api/v1/entries/{type}/{id}/reject", tag = "workflow",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version reviewed")),
    request_body(content = Option<CommentBody>),
    responses(
        (status = 200, description = "The entry, a draft again", body = Entry),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not in review or approved", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
    ))]
pub(crate) async fn reject(
    caller: Authorized<Publisher>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: OptionalJsonBody<CommentBody>,
) -> Result<HttpResponse, ApiError> {
    let transition = Transition::Reject {
        comment: body.0.comment,
    };
    let done = run(&req, path.into_inner(), transition, caller.actor()).await?;
    Ok(entry_response(&done.entry))
}

/// Publish
///
/// approved (or, for types without `workflow.review`, draft or in_review) → published, now or
/// at `at`. Answers 202 with the job that writes the bucket (`Location` names it); a scheduled
/// job waits in `queued` until its time. A new version of an entry edited after it was
/// scheduled cancels the schedule.
#[utoipa::path(post, path = "/api/v1/entries/{type}/{id}/publish", tag = "workflow",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version to publish")),
    request_body(content = Option<ScheduleBody>),
    responses(
        (status = 202, description = "The publish job; `ETag` is the entry's new version", body = Job),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not approved, already published or archived", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, description = "`at` is not a date-time, or a reference would not be public", body = ErrorBody),
    ))]
pub(crate) async fn publish(
    caller: Authorized<Publisher>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: OptionalJsonBody<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    let transition = Transition::Publish {
        at: parse_at(body.0.at)?,
    };
    let done = run(&req, path.into_inner(), transition, caller.actor()).await?;
    job_response(&done)
}

/// Unpublish
///
/// Removes the live version from the bucket now or at `at` (202 with the job). A published
/// entry becomes approved again; one edited since keeps its status.
#[utoipa::path(post, path = "/api/v1/entries/{type}/{id}/unpublish", tag = "workflow",
    params(("type" = String, Path, description = "Content type"), ("id" = String, Path, description = "Entry id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version read")),
    request_body(content = Option<ScheduleBody>),
    responses(
        (status = 202, description = "The unpublish job", body = Job),
        (status = 404, description = "Unknown content type or entry", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not published", body = ErrorBody),
        (status = 412, description = "Stale If-Match", body = ErrorBody),
        (status = 422, description = "`at` is not a date-time", body = ErrorBody),
    ))]
pub(crate) async fn unpublish(
    caller: Authorized<Publisher>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: OptionalJsonBody<ScheduleBody>,
) -> Result<HttpResponse, ApiError> {
    let transition = Transition::Unpublish {
        at: parse_at(body.0.at)?,
    };
    let done = run(&req, path.into_inner(), transition, caller.actor()).await?;
    job_response(&done)
}
