//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`. It is snapshot-tested, so every API change is a visible diff.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use utoipa::Modify;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use crate::{
    assets, audit, authors, content_types, entries, error, health, jobs, render, sessions, tokens,
    users, workflow,
};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Herald authoring API",
        description = "Create, edit, review and publish content entries. Errors are `{\"error\": {\"code\", \"message\", \"details\"?}}` with a stable code.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth, &CommonErrors),
    security(("bearer" = [])),
    paths(
        sessions::login,
        sessions::refresh,
        sessions::logout,
        sessions::me,
        authors::list,
        users::list,
        users::create,
        users::get,
        users::update,
        users::disable,
        tokens::list,
        tokens::create,
        tokens::revoke,
        audit::list,
        assets::upload,
        assets::list,
        assets::get,
        assets::content,
        assets::delete,
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
        workflow::submit,
        workflow::approve,
        workflow::reject,
        workflow::publish,
        workflow::unpublish,
        jobs::list,
        jobs::get,
        jobs::rebuild,
        render::markdown,
        openapi_json,
        health::healthz,
        health::readyz,
        health::metrics,
    ),
    components(schemas(error::Code, herald_model::ErrorCode, herald_store::Status, herald_store::Role, herald_store::JobKind, herald_store::JobStatus)),
    tags(
        (name = "auth", description = "Signing in and out; every other route needs `Authorization: Bearer <token>`"),
        (name = "authors", description = "Who wrote what: the e-mail or name behind an author id (every role)"),
        (name = "users", description = "User management (admins)"),
        (name = "tokens", description = "API tokens for scripts and previews (admins)"),
        (name = "audit", description = "Who did what, when (admins)"),
        (name = "assets", description = "Uploaded files, private until an entry using them is published"),
        (name = "entries", description = "Entries of a content type"),
        (name = "revisions", description = "An entry's history"),
        (name = "workflow", description = "Review and publication: submit, approve, reject, publish, unpublish"),
        (name = "publishing", description = "The jobs that write the bucket, and rebuilds"),
        (name = "content types", description = "The schemas IT defines"),
        (name = "render", description = "Previews for the admin UI"),
        (name = "operations", description = "Health and metrics, outside /api/v1"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme every route but sign-in, refresh, health and this document needs.
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "An access token from /auth/login (a JWT, 15 minutes) or an API token (`hrld_…`)"
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Adds the error answers every operation of a kind can give, where its annotation does not
/// list them: `401` and `403` to those that need a token (the guard in front of every such
/// handler answers them), and `400`, `413` and `415` to those that take a body (the JSON
/// extractor and the body limit answer them).
#[derive(Debug)]
struct CommonErrors;

impl CommonErrors {
    const SECURED: [(&'static str, &'static str); 2] = [
        (
            "401",
            "No token, or one that is expired, revoked or invalid (`unauthenticated`, `token_expired`)",
        ),
        (
            "403",
            "The caller's role or content-type scope does not allow this (`forbidden`)",
        ),
    ];
    const WITH_BODY: [(&'static str, &'static str); 3] = [
        (
            "400",
            "A body that is not JSON, or has unknown or mistyped keys (`invalid_json`)",
        ),
        (
            "413",
            "A body over `[limits] max_body_bytes` (`payload_too_large`)",
        ),
        (
            "415",
            "A body of another content type than the operation takes (`unsupported_media_type`)",
        ),
    ];
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                // `security(())` (one empty requirement) marks the public operations.
                let public = operation.security.as_ref().is_some_and(|requirements| {
                    requirements
                        .iter()
                        .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
                });
                let mut add = Vec::new();
                if !public {
                    add.extend(Self::SECURED);
                }
                if operation.request_body.is_some() {
                    add.extend(Self::WITH_BODY);
                }
                for (status, description) in add {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                }
            }
        }
    }
}

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// This document
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "OpenAPI 3.1 document of this API", body = Object)))]
pub(crate) async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every `(METHOD, path)` that `app()` in `lib.rs` routes, read from its source: the
    /// `resource("/path")` calls with their `.route(web::get()…)` lines, and the top-level
    /// `.route("/path", web::get()…)` ones.
    fn routed() -> BTreeSet<(String, String)> {
        let source = include_str!("lib.rs");
        let app = &source[source.find("pub fn app(").expect("app() in lib.rs")..];
        let mut routes = BTreeSet::new();
        let mut scope = String::new();
        let mut resource: Option<String> = None;
        for line in app.lines().map(str::trim) {
            let quoted = |after: &str| -> Option<String> {
                let start = line.find(after)? + after.len();
                let rest = &line[start..];
                Some(rest[..rest.find('"')?].to_owned())
            };
            if let Some(prefix) = quoted("web::scope(\"") {
                scope = prefix;
            }
            if let Some(path) = quoted("resource(\"") {
                resource = Some(format!("{scope}{path}"));
            }
            for method in ["get", "post", "put", "patch", "delete"] {
                if !line.contains(&format!("web::{method}()")) {
                    continue;
                }
                let path = match quoted(".route(\"") {
                    Some(path) => path,
                    None => resource.clone().expect("a route inside a resource"),
                };
                routes.insert((method.to_uppercase(), path));
            }
        }
        routes
    }

    #[test]
    fn every_route_the_app_serves_is_in_the_document() {
        let document = super::document();
        let documented: BTreeSet<(String, String)> = document
            .paths
            .paths
            .iter()
            .flat_map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                methods
                    .into_iter()
                    .filter(|(_, present)| *present)
                    .map(move |(method, _)| (method.to_owned(), path.clone()))
            })
            .collect();
        let routed = routed();
        assert!(routed.len() > 30, "parsed only {routed:?}");
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        assert!(
            undocumented.is_empty(),
            "served but not in the OpenAPI document (add #[utoipa::path] and a rule in \
             tests/tests/api/access.rs): {undocumented:?}"
        );
    }
}
