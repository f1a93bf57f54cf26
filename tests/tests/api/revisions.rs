//! History: every version is kept, paged newest first, and can be restored.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestServer;

#[actix_web::test]
async fn history_and_restore() {
    let server = TestServer::start().await;
    let entry = server
        .create("promo_banner", &json!({"fields": {"headline": "First"}}))
        .await;
    let path = format!(
        "/api/v1/entries/promo_banner/{}",
        entry["id"].as_str().unwrap_or("")
    );
    for (version, headline) in [(1, "Second"), (2, "Third")] {
        let r = server
            .patch(&path, version, &json!({"fields": {"headline": headline}}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let page = server.get(&format!("{path}/revisions?limit=2")).await;
    assert_eq!(page.status, StatusCode::OK);
    let items = page.body["items"].as_array().expect("items");
    assert_eq!(
        items
            .iter()
            .map(|r| r["version"].clone())
            .collect::<Vec<_>>(),
        [json!(3), json!(2)]
    );
    let me = server.get("/api/v1/me").await;
    assert_eq!(
        items[0]["author"], me.body["id"],
        "the signed-in admin is the author"
    );
    assert_eq!(items[0]["fields"]["headline"], "Third");
    assert!(items[0]["created_at"].is_string());
    let cursor = page.body["next_cursor"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let older = server
        .get(&format!("{path}/revisions?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(older.body["items"][0]["version"], 1);
    assert!(older.body["next_cursor"].is_null());

    let one = server.get(&format!("{path}/revisions/1")).await;
    assert_eq!(one.body["fields"]["headline"], "First");
    server
        .get(&format!("{path}/revisions/9"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let restored = server
        .send(
            Method::POST,
            &format!("{path}/revisions/1/restore"),
            None,
            &[],
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    assert_eq!(restored.body["version"], 4);
    assert_eq!(restored.body["status"], "draft");
    assert_eq!(restored.body["fields"]["headline"], "First");
    let latest = server.get(&format!("{path}/revisions/4")).await;
    assert_eq!(latest.body["note"], "restored from version 1");
    server
        .send(
            Method::POST,
            &format!("{path}/revisions/9/restore"),
            None,
            &[],
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server
        .send(
            Method::POST,
            &format!("{path}/revisions/1/restore"),
            None,
            &[("if-match", "\"2\"")],
        )
        .await
        .assert_error(StatusCode::PRECONDITION_FAILED, "version_mismatch");
    server.stop().await;
}
