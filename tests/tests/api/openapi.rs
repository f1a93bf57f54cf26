//! The OpenAPI document: snapshot-tested, so any API change is a visible diff, and checked
//! against the running server so the document cannot list a route the server lacks.

use reqwest::{Method, StatusCode};

use crate::support::TestServer;

#[actix_web::test]
async fn openapi_document_is_stable_and_every_operation_is_served() {
    let server = TestServer::start().await;
    let response = server.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = response.body;
    assert_eq!(doc["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", doc, {".info.version" => "[version]"});

    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{type}", "promo_banner")
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{version}", "1");
        for method in item.as_object().expect("a path item").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let answer = server.send(method.clone(), &concrete, None, &[]).await;
            let unrouted = answer.code() == "method_not_allowed"
                || (answer.status == StatusCode::NOT_FOUND
                    && answer.body["error"]["message"] == "route not found");
            assert!(
                !unrouted,
                "{method} {path} is documented but not served: {}",
                answer.text
            );
            operations += 1;
        }
    }
    assert!(operations >= 15, "{operations} operations documented");
    server.stop().await;
}
