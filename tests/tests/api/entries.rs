//! Creating, reading and editing entries.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestServer;

#[actix_web::test]
async fn create_read_patch_and_archive() {
    let server = TestServer::start().await;
    let created = server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Été à Paris!", "discount": 20}}),
        )
        .await;
    assert_eq!(created["slug"], "ete-a-paris");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["version"], 1);
    assert_eq!(created["fields"]["channel"], "web", "defaults are applied");
    let id = created["id"].as_str().expect("an id").to_owned();
    let path = format!("/api/v1/entries/promo_banner/{id}");

    let read = server.get(&path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(read.body, created);

    let patched = server
        .patch(
            &path,
            1,
            &json!({"fields": {"discount": 30, "channel": null}}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["version"], 2);
    assert_eq!(patched.body["fields"]["discount"], 30);
    assert_eq!(patched.body["fields"]["headline"], "Été à Paris!");
    assert_eq!(patched.header("etag"), Some("\"2\""));

    let archived = server.send(Method::DELETE, &path, None, &[]).await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    assert_eq!(archived.body["status"], "archived");
    assert_eq!(archived.body["version"], 3);
    server.stop().await;
}

#[actix_web::test]
async fn put_replaces_every_field() {
    let server = TestServer::start().await;
    let created = server
        .create(
            "promo_banner",
            &json!({"slug": "winter", "fields": {"headline": "Winter sale", "discount": 20,
                    "cta_label": "Buy now", "cta_url": "https://shop.example/winter"}}),
        )
        .await;
    let path = format!(
        "/api/v1/entries/promo_banner/{}",
        created["id"].as_str().unwrap_or("")
    );
    let put = |version: &str, body: serde_json::Value| {
        let path = path.clone();
        let tag = format!("\"{version}\"");
        let server = &server;
        async move {
            server
                .send(Method::PUT, &path, Some(&body), &[("if-match", &tag)])
                .await
        }
    };

    // Only the fields sent remain; defaults fill in again; the slug is kept.
    let replaced = put(
        "1",
        json!({"fields": {"headline": "Winter sale, last days"}}),
    )
    .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(replaced.header("etag"), Some("\"2\""));
    assert_eq!(replaced.body["version"], 2);
    assert_eq!(replaced.body["slug"], "winter");
    assert_eq!(
        replaced.body["fields"],
        json!({"headline": "Winter sale, last days", "cta_label": "Shop now", "channel": "web"})
    );
    assert_eq!(server.get(&path).await.body, replaced.body);

    // A stale version changes nothing.
    let stale = put("1", json!({"fields": {"headline": "Lost"}})).await;
    stale.assert_error(StatusCode::PRECONDITION_FAILED, "version_mismatch");
    assert_eq!(stale.header("etag"), Some("\"2\""));
    let weak = put("2", json!({"fields": {"headline": "Lost"}})).await;
    assert_eq!(weak.status, StatusCode::OK, "the strong tag \"2\" matches");
    let weak_tag = server
        .send(
            Method::PUT,
            &path,
            Some(&json!({"fields": {"headline": "Lost again"}})),
            &[("if-match", "W/\"3\"")],
        )
        .await;
    weak_tag.assert_error(StatusCode::PRECONDITION_FAILED, "version_mismatch");
    assert_eq!(server.get(&path).await.body["fields"]["headline"], "Lost");

    // A new slug, and invalid fields refused as a whole.
    let renamed = put(
        "3",
        json!({"slug": "winter-2026", "fields": {"headline": "Winter 2026", "discount": 30}}),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["slug"], "winter-2026");
    put("4", json!({"fields": {"discount": 30}}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let history = server.get(&format!("{path}/revisions")).await;
    let versions: Vec<&serde_json::Value> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| &r["version"])
        .collect();
    assert_eq!(versions, [4, 3, 2, 1]);
    assert_eq!(
        history.body["items"][2]["fields"], replaced.body["fields"],
        "version 2 as replaced"
    );
    server.stop().await;
}

#[actix_web::test]
async fn preview_renders_the_published_json() {
    let server = TestServer::start().await;
    let faq = server
        .create("faq", &json!({"fields": {"question": "Can I return sandals?", "answer": "Yes, within **30 days**."}}))
        .await;
    let story = server
        .create(
            "landing_page",
            &json!({"fields": {"title": "Summer", "sections": [
            {"kind": "faq_block", "heading": "Questions", "faqs": [{"id": faq["id"]}],
             "body": "Hello <script>alert(1)</script> [x](javascript:alert(1))"}]}}),
        )
        .await;
    let path = format!(
        "/api/v1/entries/landing_page/{}/preview",
        story["id"].as_str().unwrap_or("")
    );
    let preview = server.get(&path).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    let body = &preview.body;
    assert_eq!(body["type"], "landing_page");
    assert_eq!(body["slug"], "summer");
    // Version 1 is a draft: its publication will be version 2.
    assert_eq!(body["version"], 2);
    let section = &body["fields"]["sections"][0];
    assert_eq!(
        section["faqs"][0]["path"],
        "content/faq/en/can-i-return-sandals.json"
    );
    assert_eq!(section["faqs"][0]["slug"], "can-i-return-sandals");
    let html = section["body"]["html"].as_str().unwrap_or("");
    assert!(html.starts_with("<p>Hello"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("javascript"),
        "{html}"
    );
    assert_eq!(
        section["body"]["markdown"],
        "Hello <script>alert(1)</script> [x](javascript:alert(1))"
    );

    // The preview follows the type's JSON Schema.
    let schema = server
        .get("/api/v1/content-types/landing_page/json-schema")
        .await
        .body;
    let validator = jsonschema::draft202012::new(&schema).expect("a valid schema");
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    server.stop().await;
}
