//! Herald's admin UI. The UI is a plain client of the authoring API (contract §3): it has no
//! private back door, only hand-written HTML, CSS and ES-module JavaScript embedded in the
//! binary at compile time (no Node build step, no CDN: it works offline).
//!
//! [`routes`] mounts it on an actix `App`: `/admin` and `/admin/` serve the app shell,
//! `/admin/static/<file>` the assets. Every response carries a strict Content-Security-Policy
//! (`default-src 'self'`, no inline scripts or styles), `X-Content-Type-Options: nosniff` and
//! cache headers.

mod files;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

pub use files::{STATIC_FILES, StaticFile};

/// The Content-Security-Policy of every admin response: only this origin, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Mounts the admin UI at `/admin`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(shell))
        .route("/admin/", web::get().to(shell))
        .route("/admin/static/{file:.+}", web::get().to(asset));
}

fn secured(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    builder
}

async fn shell() -> HttpResponse {
    secured(HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        // The shell names the assets; always revalidate so a new release is picked up.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(files::INDEX_HTML)
}

async fn asset(path: web::Path<String>) -> HttpResponse {
    match files::find(&path) {
        Some(file) => secured(HttpResponse::Ok())
            .content_type(file.content_type)
            // Assets are not fingerprinted: cache briefly and revalidate after.
            .insert_header((
                header::CACHE_CONTROL,
                "public, max-age=300, must-revalidate",
            ))
            .insert_header((header::ETAG, format!("\"{}\"", file.etag())))
            .body(file.body),
        None => secured(HttpResponse::NotFound())
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("not found"),
    }
}

#[cfg(test)]
mod tests;
