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
