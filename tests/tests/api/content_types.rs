//! The loaded schemas and their published JSON Schema.

use reqwest::StatusCode;

use crate::support::TestServer;

#[actix_web::test]
async fn content_types_and_json_schema() {
    let server = TestServer::start().await;
    let all = server.get("/api/v1/content-types").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(7));
    let one = server.get("/api/v1/content-types/promo_banner").await;
    assert_eq!(one.body["name"], "promo_banner");
    assert_eq!(one.body["workflow"]["four_eyes"], true);
    let schema = server
        .get("/api/v1/content-types/promo_banner/json-schema")
        .await;
    assert_eq!(schema.body["properties"]["type"]["const"], "promo_banner");
    server
        .get("/api/v1/content-types/nope")
        .await
        .assert_error(StatusCode::NOT_FOUND, "unknown_content_type");
    server.stop().await;
}
