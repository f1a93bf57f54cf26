//! `GET /api/v1/audit` (admins): who did what, when and from where.

use actix_web::{HttpRequest, HttpResponse};
use herald_store::{AuditQuery, AuditRecord};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{
    Admin, Authorized, QueryParams, number_cursor, parse_cursor, parse_limit, parse_time, state,
};

/// `GET /audit` filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditParams {
    /// A user id, or `token:<id>`.
    actor: Option<String>,
    /// An action (`auth.login`), or a prefix ending in `.` (`entry.`).
    action: Option<String>,
    /// `user`, `token`, `entry`, `session`, …
    target_type: Option<String>,
    target_id: Option<String>,
    /// Only rows at or after this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Only rows before this RFC 3339 time.
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<String>,
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AuditPage {
    items: Vec<AuditRecord>,
    next_cursor: Option<String>,
}

/// The audit log
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses(
        (status = 200, description = "A page of audit rows, newest first", body = AuditPage),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
    ))]
pub(crate) async fn list(
    _caller: Authorized<Admin>,
    req: HttpRequest,
    params: QueryParams<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let params = params.0;
    let limit = parse_limit(params.limit.as_deref(), state.limits.max_list_limit)?;
    let before = parse_cursor(params.cursor.as_deref(), number_cursor)?;
    let query = AuditQuery {
        actor_id: params.actor,
        action: params.action,
        target_type: params.target_type,
        target_id: params.target_id,
        since: parse_time("since", params.since)?,
        until: parse_time("until", params.until)?,
        before,
        limit,
    };
    let items = state.store.audit_log(&query).await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}
