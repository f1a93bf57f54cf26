//! `/healthz` (the process answers), `/readyz` (its database and bucket answer) and
//! `/metrics` (Prometheus).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::error::{ApiError, Code};
use crate::extract::{Authorized, Viewer, state};
use crate::metrics::Metrics;

/// How long `/readyz` waits for a cloud bucket to answer.
const BUCKET_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The process is alive
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "Alive")))]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database and the bucket answer
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()), responses(
    (status = 200, description = "Ready"),
    (status = 503, description = "Not ready; `checks` says which part failed"),
))]
pub(crate) async fn readyz(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    if state
        .shutting_down
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return Ok(HttpResponse::ServiceUnavailable().json(json!({
            "error": {"code": Code::Unavailable, "message": "shutting down"}
        })));
    }
    // The answer says only which check failed: the probe is public, and an error's text can
    // name hosts, paths or accounts. The log has the detail.
    let database = match state.store.ping().await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            false
        }
    };
    let bucket = match state.bucket.local_folder() {
        Some(dir) if !dir.is_dir() => Err(format!("{} is not a folder", dir.display())),
        Some(_) => Ok(()),
        // A cloud bucket is asked for one key, and given little time: a probe must not hang.
        None => match actix_web::rt::time::timeout(BUCKET_TIMEOUT, state.bucket.check()).await {
            Ok(answer) => answer.map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "{} did not answer within {} s",
                state.bucket.label(),
                BUCKET_TIMEOUT.as_secs()
            )),
        },
    };
    let bucket = match bucket {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "not ready: the bucket does not answer");
            false
        }
    };
    let status = |ok: bool| if ok { "ok" } else { "unavailable" };
    let checks = json!({"database": status(database), "bucket": status(bucket)});
    if database && bucket {
        Ok(HttpResponse::Ok().json(json!({"status": "ok", "checks": checks})))
    } else {
        Ok(HttpResponse::ServiceUnavailable().json(json!({
            "error": {"code": Code::Unavailable, "message": "not ready"},
            "checks": checks
        })))
    }
}

/// Prometheus metrics
///
/// Needs a token like every route but login, refresh, health and the OpenAPI document: give
/// the scraper a `viewer` API token.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Request counts and latencies by route and status", content_type = "text/plain"),
    (status = 401, description = "No valid token", body = crate::error::ErrorBody)))]
pub(crate) async fn metrics(
    _caller: Authorized<Viewer>,
    metrics: web::Data<Metrics>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
