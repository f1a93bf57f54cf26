//! The admin UI's server side: the shell and assets at `/admin` with their security headers,
//! `POST /api/v1/render/markdown` for the markdown preview, `GET /api/v1/authors` for names in
//! the history, and the locales listed with the content types.

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

/// `GET /authors` turns the author ids of entries and revisions into e-mails and token names,
/// for every role, and only for the ids asked.
#[actix_web::test]
async fn authors_are_shown_by_name_to_every_role() {
    let server = TestServer::start().await;
    let password = "a long enough passphrase";
    let marie = server
        .post(
            "/api/v1/users",
            &json!({"email": "marie-authors@shop.example", "password": password, "role": "editor"}),
        )
        .await;
    assert_eq!(marie.status, StatusCode::CREATED, "{}", marie.text);
    let marie_id = marie.body["id"].as_str().expect("an id").to_owned();
    let marie_token = server.login("marie-authors@shop.example", password).await;
    let token = server
        .post(
            "/api/v1/tokens",
            &json!({"name": "product import", "role": "editor"}),
        )
        .await;
    assert_eq!(token.status, StatusCode::CREATED, "{}", token.text);
    let script = token.body["secret"].as_str().expect("a secret").to_owned();

    let as_marie = format!("Bearer {marie_token}");
    let by_marie = server
        .send(
            Method::POST,
            "/api/v1/entries/faq",
            Some(&json!({"fields": {"question": "Who wrote this?", "answer": "Marie, in the admin."}})),
            &[("authorization", &as_marie)],
        )
        .await;
    assert_eq!(by_marie.status, StatusCode::CREATED, "{}", by_marie.text);
    let as_script = format!("Bearer {script}");
    let by_script = server
        .send(
            Method::POST,
            "/api/v1/entries/faq",
            Some(&json!({"fields": {"question": "Who imported this?", "answer": "The nightly import."}})),
            &[("authorization", &as_script)],
        )
        .await;
    assert_eq!(by_script.status, StatusCode::CREATED, "{}", by_script.text);
    let script_author = by_script.body["created_by"]
        .as_str()
        .expect("an author")
        .to_owned();
    assert!(script_author.starts_with("token:"), "{script_author}");
    assert_eq!(by_marie.body["updated_by"], marie_id.as_str());

    // A viewer asks for both, twice, plus ids that name no one: each found id once, in order.
    let viewer = server
        .user_token("viewer-authors@shop.example", "viewer", Some(&["faq"]))
        .await;
    let as_viewer = format!("Bearer {viewer}");
    let path =
        format!("/api/v1/authors?ids={script_author},{marie_id},system,{marie_id},0193-nobody");
    let found = server
        .send(Method::GET, &path, None, &[("authorization", &as_viewer)])
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(
        found.body,
        json!({"items": [
            {"id": script_author, "kind": "token", "label": "product import"},
            {"id": marie_id, "kind": "user", "label": "marie-authors@shop.example"},
        ]}),
    );

    // Someone who left stays the author of what they wrote, by name.
    let disabled = server
        .send(
            Method::DELETE,
            &format!("/api/v1/users/{marie_id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    let still = server
        .send(
            Method::GET,
            &format!("/api/v1/authors?ids={marie_id}"),
            None,
            &[("authorization", &as_viewer)],
        )
        .await;
    assert_eq!(
        still.body["items"][0]["label"],
        "marie-authors@shop.example"
    );

    for bad in [
        "/api/v1/authors",
        "/api/v1/authors?ids=,",
        "/api/v1/authors?id=x",
    ] {
        server
            .send(Method::GET, bad, None, &[("authorization", &as_viewer)])
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    }
    let many: Vec<String> = (0..101).map(|i| format!("id-{i}")).collect();
    server
        .get(&format!("/api/v1/authors?ids={}", many.join(",")))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    server.stop().await;
}

/// The locales a new entry may be written in come with the content types, default first.
#[actix_web::test]
async fn content_types_name_the_locales() {
    let server = TestServer::start().await;
    let all = server.get("/api/v1/content-types").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["locales"], json!(["en", "fr", "fr-BE"]));
    assert_eq!(all.body["default_locale"], "en");
    server.stop().await;
}
