//! Herald's authoring API (contract §3) on actix-web. [`app`] builds the whole application;
//! the `herald` binary serves it and the tests start the very same app on a random port.
//!
//! Every protected handler takes an [`Authorized`] guard first: it cannot run for a request
//! without valid credentials and the role its route needs. Every failure is an [`ApiError`]
//! with a contract code.

mod assets;
mod audit;
mod authors;
mod content_types;
mod entries;
pub mod error;
pub mod extract;
mod guard;
mod health;
mod jobs;
pub mod metrics;
pub mod openapi;
mod patch;
mod render;
mod sessions;
mod tokens;
mod users;
mod workflow;

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, Next, from_fn};
use actix_web::{App, HttpResponse, web};
use herald_auth::Auth;
use herald_model::{ContentType, Locales, SchemaSet};
use herald_store::Store;

pub use assets::AssetLimits;
pub use error::{ApiError, Code};
pub use extract::Authorized;
pub use metrics::Metrics;
pub use patch::merge_patch;

/// Request limits (`herald.toml` `[limits]`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes; larger ones get 413.
    pub max_body_bytes: usize,
    /// Largest `limit` of a listing.
    pub max_list_limit: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_list_limit: 200,
        }
    }
}

/// What every request can reach.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    /// Sign-in, sessions, API tokens and the per-request credential check.
    pub auth: Arc<Auth>,
    /// Whether the client address is read from `X-Forwarded-For` (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// The private store of uploaded files.
    pub assets: herald_assets::AssetStorage,
    /// Upload size and types (`[assets]`).
    pub asset_limits: AssetLimits,
    pub schemas: Arc<SchemaSet>,
    pub locales: Locales,
    pub limits: Limits,
    /// The bucket publishing writes, checked by `/readyz`.
    pub bucket: herald_publish::Bucket,
    /// Renders the preview by the publisher's own code.
    pub renderer: Arc<herald_publish::Renderer>,
    /// Wakes the publishing worker when a transition queued a job.
    pub publish_wake: herald_publish::Waker,
    /// Set when a shutdown signal arrives: `/readyz` answers 503 so load balancers stop sending
    /// traffic while in-flight requests finish.
    pub shutting_down: std::sync::atomic::AtomicBool,
}

/// The content type named in a path, or 404 `unknown_content_type`.
pub(crate) fn content_type<'a>(
    state: &'a AppState,
    name: &str,
) -> Result<&'a ContentType, ApiError> {
    state.schemas.get(name).ok_or_else(|| {
        ApiError::new(
            Code::UnknownContentType,
            format!(
                "no content type `{name}`; the types are {}",
                state.schemas.names().collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// The application: routes, limits, error mapping, metrics and request logs.
pub fn app(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.limits.max_body_bytes;
    App::new()
        .app_data(state)
        .app_data(metrics)
        .app_data(web::PayloadConfig::new(limit))
        .app_data(
            web::PathConfig::default().error_handler(|_, _| ApiError::not_found("resource").into()),
        )
        .wrap(from_fn(refuse_control_characters))
        .wrap(from_fn(guard::authenticate))
        .wrap(Compress::default())
        .wrap(from_fn(observe))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .configure(herald_admin::routes)
        .service(
            web::scope("/api/v1")
                .service(resource("/openapi.json").route(web::get().to(openapi::openapi_json)))
                .service(resource("/auth/login").route(web::post().to(sessions::login)))
                .service(resource("/auth/refresh").route(web::post().to(sessions::refresh)))
                .service(resource("/auth/logout").route(web::post().to(sessions::logout)))
                .service(resource("/me").route(web::get().to(sessions::me)))
                .service(resource("/authors").route(web::get().to(authors::list)))
                .service(
                    resource("/users")
                        .route(web::get().to(users::list))
                        .route(web::post().to(users::create)),
                )
                .service(
                    resource("/users/{id}")
                        .route(web::get().to(users::get))
                        .route(web::patch().to(users::update))
                        .route(web::delete().to(users::disable)),
                )
                .service(
                    resource("/tokens")
                        .route(web::get().to(tokens::list))
                        .route(web::post().to(tokens::create)),
                )
                .service(resource("/tokens/{id}").route(web::delete().to(tokens::revoke)))
                .service(resource("/audit").route(web::get().to(audit::list)))
                .service(resource("/render/markdown").route(web::post().to(render::markdown)))
                .service(
                    resource("/assets")
                        .route(web::get().to(assets::list))
                        .route(web::post().to(assets::upload)),
                )
                .service(
                    resource("/assets/{id}")
                        .route(web::get().to(assets::get))
                        .route(web::delete().to(assets::delete)),
                )
                .service(resource("/assets/{id}/content").route(web::get().to(assets::content)))
                .service(resource("/content-types").route(web::get().to(content_types::list)))
                .service(resource("/content-types/{type}").route(web::get().to(content_types::get)))
                .service(
                    resource("/content-types/{type}/json-schema")
                        .route(web::get().to(content_types::json_schema)),
                )
                .service(
                    resource("/entries/{type}")
                        .route(web::get().to(entries::list))
                        .route(web::post().to(entries::create)),
                )
                .service(
                    resource("/entries/{type}/{id}")
                        .route(web::get().to(entries::get))
                        .route(web::patch().to(entries::patch))
                        .route(web::put().to(entries::replace))
                        .route(web::delete().to(entries::archive)),
                )
                .service(
                    resource("/entries/{type}/{id}/preview").route(web::get().to(entries::preview)),
                )
                .service(
                    resource("/entries/{type}/{id}/submit").route(web::post().to(workflow::submit)),
                )
                .service(
                    resource("/entries/{type}/{id}/approve")
                        .route(web::post().to(workflow::approve)),
                )
                .service(
                    resource("/entries/{type}/{id}/reject").route(web::post().to(workflow::reject)),
                )
                .service(
                    resource("/entries/{type}/{id}/publish")
                        .route(web::post().to(workflow::publish)),
                )
                .service(
                    resource("/entries/{type}/{id}/unpublish")
                        .route(web::post().to(workflow::unpublish)),
                )
                .service(resource("/publish/jobs").route(web::get().to(jobs::list)))
                .service(resource("/publish/jobs/{id}").route(web::get().to(jobs::get)))
                .service(resource("/publish/rebuild").route(web::post().to(jobs::rebuild)))
                .service(
                    resource("/entries/{type}/{id}/revisions")
                        .route(web::get().to(entries::revisions)),
                )
                .service(
                    resource("/entries/{type}/{id}/revisions/{version}")
                        .route(web::get().to(entries::revision)),
                )
                .service(
                    resource("/entries/{type}/{id}/revisions/{version}/restore")
                        .route(web::post().to(entries::restore)),
                ),
        )
        .default_service(web::to(|| async {
            ApiError::not_found("route").error_response_owned()
        }))
}

/// A resource whose other methods get a JSON 405.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|| async {
        ApiError::new(
            Code::MethodNotAllowed,
            "this method is not allowed on this path",
        )
        .error_response_owned()
    }))
}

impl ApiError {
    fn error_response_owned(self) -> HttpResponse {
        actix_web::ResponseError::error_response(&self)
    }
}

/// 404 for a path with a control character in it (`/entries/faq/%00`): it names nothing, and
/// must not reach the database (PostgreSQL refuses NUL in text). Runs after authentication.
async fn refuse_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    if extract::path_has_control_characters(req.path()) {
        let response = ApiError::not_found("resource").error_response_owned();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Records metrics and logs every request with its route pattern, status and latency. Every
/// label comes from a bounded set whatever the client sends: the method is one of HTTP's own
/// or `OTHER`, the route a pattern of the app or `unmatched`, the status one the app answers.
async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().to_string();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    let elapsed = start.elapsed();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    if let Some(metrics) = metrics {
        metrics.record(
            metrics::method_label(response.request().method()),
            &route,
            status,
            elapsed,
        );
    }
    tracing::info!(
        method,
        route,
        status,
        micros = elapsed.as_micros() as u64,
        "request"
    );
    Ok(response)
}
