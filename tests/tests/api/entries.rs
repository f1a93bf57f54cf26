//! Creating, reading and editing entries.

use reqwest::StatusCode;
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

    let archived = server.send(reqwest::Method::DELETE, &path, None, &[]).await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    assert_eq!(archived.body["status"], "archived");
    assert_eq!(archived.body["version"], 3);
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
