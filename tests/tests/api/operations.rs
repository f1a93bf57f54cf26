//! Health, readiness and metrics.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestServer;

#[actix_web::test]
async fn health_readiness_and_metrics() {
    let server = TestServer::start().await;
    assert_eq!(server.get("/healthz").await.status, StatusCode::OK);
    let ready = server.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(
        ready.body["checks"],
        json!({"database": "ok", "bucket": "ok"})
    );

    let entry = server
        .create(
            "faq",
            &json!({"fields": {"question": "Shipping?", "answer": "Free above 50 euros."}}),
        )
        .await;
    let path = format!("/api/v1/entries/faq/{}", entry["id"].as_str().unwrap_or(""));
    for _ in 0..3 {
        server.get(&path).await;
    }
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"herald_http_requests_total{method="GET",route="/api/v1/entries/{type}/{id}",status="200"} 3"#),
        "{metrics}"
    );
    assert!(metrics.contains("herald_http_request_duration_seconds_bucket"));
    assert!(
        !metrics.contains(entry["id"].as_str().unwrap_or("-")),
        "ids must not become labels"
    );
    server.stop().await;
}
