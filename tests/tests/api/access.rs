//! The route × role matrix, generated from the OpenAPI document: every documented operation is
//! tried with no credentials, with a user of each role, and with an API token of each role
//! scoped to another content type. Each answer must be what the contract's table says, and an
//! allowed call must not fail with a 5xx. An operation without a rule here fails the test, so
//! no new route can ship without deciding who may call it; a method the document leaves out
//! must not be served at all.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestServer;

/// Who may call an operation (contract §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Access {
    /// No credentials needed.
    Anyone,
    Viewer,
    Editor,
    Publisher,
    Admin,
}

/// The contract's table, by method and OpenAPI path.
fn rule(method: &Method, path: &str) -> Option<Access> {
    use Access::*;
    let m = method.as_str();
    Some(match (m, path) {
        ("POST", "/api/v1/auth/login" | "/api/v1/auth/refresh") => Anyone,
        ("GET", "/api/v1/openapi.json" | "/healthz" | "/readyz") => Anyone,
        ("POST", "/api/v1/auth/logout") | ("GET", "/api/v1/me" | "/metrics") => Viewer,
        // Not in the contract's table: names for the author ids every role already reads.
        ("GET", "/api/v1/authors") => Viewer,
        (_, "/api/v1/users" | "/api/v1/users/{id}") => Admin,
        (_, "/api/v1/tokens" | "/api/v1/tokens/{id}") => Admin,
        ("GET", "/api/v1/audit") => Admin,
        ("GET", p) if p.starts_with("/api/v1/content-types") => Viewer,
        ("GET", p) if p.starts_with("/api/v1/entries/") => Viewer,
        ("POST", "/api/v1/entries/{type}") => Editor,
        ("PATCH" | "PUT", "/api/v1/entries/{type}/{id}") => Editor,
        ("DELETE", "/api/v1/entries/{type}/{id}") => Publisher,
        ("POST", "/api/v1/entries/{type}/{id}/revisions/{version}/restore") => Editor,
        ("POST", "/api/v1/entries/{type}/{id}/submit") => Editor,
        (
            "POST",
            "/api/v1/entries/{type}/{id}/approve"
            | "/api/v1/entries/{type}/{id}/reject"
            | "/api/v1/entries/{type}/{id}/publish"
            | "/api/v1/entries/{type}/{id}/unpublish",
        ) => Publisher,
        ("GET", p) if p.starts_with("/api/v1/publish/jobs") => Viewer,
        ("POST", "/api/v1/publish/rebuild") => Admin,
        ("POST", "/api/v1/assets") => Editor,
        // Not in the contract's table: it reads no stored data, so every role may preview.
        ("POST", "/api/v1/render/markdown") => Viewer,
        ("GET", p) if p.starts_with("/api/v1/assets") => Editor,
        ("DELETE", "/api/v1/assets/{id}") => Editor,
        _ => return None,
    })
}

#[actix_web::test]
async fn every_route_answers_each_role_as_the_contract_says() {
    let server = TestServer::start().await;
    let doc = server.get("/api/v1/openapi.json").await.body;
    let entry = server
        .create("promo_banner", &json!({"fields": {"headline": "Matrix"}}))
        .await;
    let id = entry["id"].as_str().expect("an id").to_owned();

    let mut callers: Vec<(&str, Option<Access>, String)> = vec![("nobody", None, String::new())];
    for (name, access) in [
        ("viewer", Access::Viewer),
        ("editor", Access::Editor),
        ("publisher", Access::Publisher),
        ("admin", Access::Admin),
    ] {
        let token = server
            .user_token(&format!("{name}-matrix@shop.example"), name, None)
            .await;
        callers.push((name, Some(access), token));
    }
    // A token of each role limited to `faq`, while the matrix works on a promo banner.
    let mut scoped: Vec<(&str, Access, String)> = Vec::new();
    for (name, access) in [
        ("viewer", Access::Viewer),
        ("editor", Access::Editor),
        ("publisher", Access::Publisher),
        ("admin", Access::Admin),
    ] {
        let token = server
            .post(
                "/api/v1/tokens",
                &json!({"name": format!("{name}, faq only"), "role": name, "content_types": ["faq"]}),
            )
            .await;
        assert_eq!(token.status, StatusCode::CREATED, "{}", token.text);
        let secret = token.body["secret"].as_str().expect("a secret").to_owned();
        scoped.push((name, access, secret));
    }

    let mut operations: Vec<(Method, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            operations.push((
                Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method"),
                path.clone(),
            ));
        }
    }
    // Signing out ends the caller's session: try it last.
    operations.sort_by_key(|(method, path)| {
        (
            path == "/api/v1/auth/logout",
            path.clone(),
            method.to_string(),
        )
    });
    let missing: Vec<String> = operations
        .iter()
        .filter(|(method, path)| rule(method, path).is_none())
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an access rule in tests/tests/api/access.rs: {missing:?}"
    );

    let mut checked = 0;
    for (method, path) in &operations {
        let required = rule(method, path).expect("checked above");
        let concrete = path
            .replace("{type}", "promo_banner")
            .replace("{id}", &id)
            .replace("{version}", "1");
        for (name, role, token) in &callers {
            let bearer = format!("Bearer {token}");
            let auth = if token.is_empty() {
                ""
            } else {
                bearer.as_str()
            };
            let answer = server
                .send(method.clone(), &concrete, None, &[("authorization", auth)])
                .await;
            let status = answer.status;
            assert!(
                !status.is_server_error(),
                "{method} {path} as {name}: {status} {}",
                answer.text
            );
            match (required, role) {
                (Access::Anyone, _) => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{method} {path} as {name}: public, got {}",
                    answer.text
                ),
                (_, None) => {
                    assert_eq!(
                        (status, answer.code()),
                        (StatusCode::UNAUTHORIZED, "unauthenticated"),
                        "{method} {path} without credentials: {}",
                        answer.text
                    );
                    // The credential is checked before anything else of the request: an
                    // unknown API token with a broken body and query is still only a 401.
                    let hostile = server
                        .anonymous
                        .request(method.clone(), server.url(&format!("{concrete}?bogus=1")))
                        .header("authorization", "Bearer hrld_not_a_real_token")
                        .header("content-type", "text/plain")
                        .body("{ not json")
                        .send()
                        .await
                        .expect("an answer");
                    let hostile = crate::support::Response::read(hostile).await;
                    assert_eq!(
                        (hostile.status, hostile.code()),
                        (StatusCode::UNAUTHORIZED, "unauthenticated"),
                        "{method} {path} with a bogus token and a broken body: {}",
                        hostile.text
                    );
                }
                (required, Some(role)) if *role < required => assert_eq!(
                    (status, answer.code()),
                    (StatusCode::FORBIDDEN, "forbidden"),
                    "{method} {path} as {name}: {}",
                    answer.text
                ),
                (_, Some(_)) => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{method} {path} as {name} should be allowed: {}",
                    answer.text
                ),
            }
            checked += 1;
        }
        // A token limited to `faq` may do what its role allows, but not touch promo banners;
        // rebuilding every type reaches beyond faq, too. (API tokens have no session to sign
        // out of.)
        if required == Access::Anyone || path == "/api/v1/auth/logout" {
            continue;
        }
        let beyond_scope = path.contains("{type}") || path == "/api/v1/publish/rebuild";
        for (name, role, secret) in &scoped {
            let bearer = format!("Bearer {secret}");
            let answer = server
                .send(
                    method.clone(),
                    &concrete,
                    None,
                    &[("authorization", &bearer)],
                )
                .await;
            assert!(
                !answer.status.is_server_error(),
                "{method} {path} with a {name} token scoped to faq: {} {}",
                answer.status,
                answer.text
            );
            if *role < required || beyond_scope {
                assert_eq!(
                    (answer.status, answer.code()),
                    (StatusCode::FORBIDDEN, "forbidden"),
                    "{method} {path} with a {name} token scoped to faq: {}",
                    answer.text
                );
            } else {
                assert!(
                    answer.status != StatusCode::UNAUTHORIZED
                        && answer.status != StatusCode::FORBIDDEN,
                    "{method} {path} with a {name} token scoped to faq should be allowed: {}",
                    answer.text
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 9 * 25, "only {checked} checks");
    server.stop().await;
}

/// The matrix covers what the document lists; this covers the rest of each documented path: a
/// method the document leaves out is not served (`405`, or `404` outside `/api/v1`), so no
/// handler can hide on a documented path without a rule above. (The unit test
/// `every_route_the_app_serves_is_in_the_document` of `herald-api` covers new paths.)
#[actix_web::test]
async fn no_method_is_served_that_the_document_leaves_out() {
    let server = TestServer::start().await;
    let doc = server.get("/api/v1/openapi.json").await.body;
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete = path
            .replace("{type}", "promo_banner")
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{version}", "1");
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if item.get(method.as_str().to_lowercase()).is_some() {
                continue;
            }
            // As the admin, whom no role rule stops.
            let answer = server.send(method.clone(), &concrete, None, &[]).await;
            let unrouted = answer.code() == "method_not_allowed"
                || (answer.status == StatusCode::NOT_FOUND
                    && answer.body["error"]["message"] == "route not found");
            assert!(
                unrouted,
                "{method} {path} is served but not in the OpenAPI document: {} {}",
                answer.status, answer.text
            );
            tried += 1;
        }
    }
    assert!(tried >= 50, "only {tried} undocumented methods tried");
    server.stop().await;
}
