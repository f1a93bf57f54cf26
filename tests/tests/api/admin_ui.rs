//! The admin UI's server side: the shell and assets at `/admin` with their security headers, and
//! `POST /api/v1/render/markdown` for the markdown preview.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestServer;

#[actix_web::test]
async fn the_admin_ui_is_served_with_a_strict_policy() {
    let server = TestServer::start().await;
    let shell = server.get("/admin/").await;
    assert_eq!(shell.status, StatusCode::OK);
    assert!(shell.text.contains("/admin/static/app.js"));
    let policy = shell.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(shell.header("x-content-type-options"), Some("nosniff"));

    let script = server.get("/admin/static/api.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.header("cache-control").is_some());
    assert_eq!(
        server.get("/admin/static/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}

#[actix_web::test]
async fn markdown_is_rendered_and_sanitized_for_every_role() {
    let server = TestServer::start().await;
    let rendered = server
        .post(
            "/api/v1/render/markdown",
            &json!({"markdown": "**Up to 50%** <script>alert(1)</script>[x](javascript:alert(1))"}),
        )
        .await;
    assert_eq!(rendered.status, StatusCode::OK, "{}", rendered.text);
    let html = rendered.body["html"].as_str().unwrap_or_default();
    assert!(html.contains("<strong>Up to 50%</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");

    let viewer = server
        .user_token("viewer-render@shop.example", "viewer", None)
        .await;
    let bearer = format!("Bearer {viewer}");
    // A viewer reading an entry sees its Markdown preview too: the route reads no stored data.
    let allowed = server
        .send(
            Method::POST,
            "/api/v1/render/markdown",
            Some(&json!({"markdown": "**hi**"})),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    assert!(
        allowed.body["html"]
            .as_str()
            .unwrap_or_default()
            .contains("<strong>hi</strong>"),
        "{}",
        allowed.text
    );
    server.stop().await;
}
