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

/// `/metrics` stays bounded whatever clients send: methods outside HTTP's standard ones share
/// the label `OTHER`, and paths that match no route share `unmatched`, for requests without
/// credentials too.
#[actix_web::test]
async fn metrics_labels_stay_bounded_whatever_the_client_sends() {
    let server = TestServer::start().await;
    let series = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("herald_http_requests_total{"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let scrape = || async {
        server
            .client
            .get(server.url("/metrics"))
            .send()
            .await
            .expect("an answer")
            .text()
            .await
            .expect("text")
    };
    let before = series(&scrape().await);
    for n in 0..40 {
        let method =
            reqwest::Method::from_bytes(format!("X{n}METHOD").as_bytes()).expect("a method");
        for path in [
            format!("/no/such/path/{n}"),
            "/api/v1/entries/faq".to_owned(),
        ] {
            server
                .anonymous
                .request(method.clone(), server.url(&path))
                .send()
                .await
                .expect("an answer");
        }
        server
            .anonymous
            .get(server.url(&format!("/random-{n}")))
            .send()
            .await
            .expect("an answer");
    }
    let text = scrape().await;
    let after = series(&text);
    assert!(
        !text.contains("METHOD"),
        "a client's method became a label: {text}"
    );
    assert!(
        !text.contains("random-"),
        "a client's path became a label: {text}"
    );
    assert!(
        !text.contains("/no/such"),
        "a client's path became a label: {text}"
    );
    let other: u64 = after
        .iter()
        .filter(|l| l.contains(r#"method="OTHER""#))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(other, 80, "{text}");
    assert!(
        after
            .iter()
            .any(|l| l.starts_with(r#"herald_http_requests_total{method="GET",route="unmatched""#)),
        "{text}"
    );
    // 120 requests with 40 methods and 80 paths: a handful of new series, not hundreds.
    assert!(
        after.len() <= before.len() + 6,
        "{} series before, {} after:\n{}",
        before.len(),
        after.len(),
        after.join("\n")
    );
    server.stop().await;
}

/// `/readyz` needs no token, so it says which check failed and nothing more: an error's text
/// can name hosts, folders or accounts. The detail goes to the log.
#[actix_web::test]
async fn readiness_names_the_failing_check_but_not_its_error() {
    use herald::settings::Bucket;

    let server = TestServer::start().await;
    let only_names = |ready: &crate::support::Response| {
        assert_eq!(
            ready.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            ready.text
        );
        assert_eq!(ready.code(), "unavailable", "{}", ready.text);
        assert_eq!(
            ready.body["error"]["message"], "not ready",
            "{}",
            ready.text
        );
        let checks = ready.body["checks"].as_object().expect("checks");
        assert_eq!(checks.len(), 2, "{}", ready.text);
        for (name, value) in checks {
            assert!(
                value == "ok" || value == "unavailable",
                "{name}: {value} says more than whether it failed"
            );
        }
    };
    if let Bucket::Folder(folder) = &server.settings.bucket {
        std::fs::remove_dir_all(folder).expect("the folder removed");
        let ready = server.get("/readyz").await;
        only_names(&ready);
        assert_eq!(
            ready.body["checks"],
            json!({"database": "ok", "bucket": "unavailable"})
        );
        let folder = folder.display().to_string();
        assert!(!ready.text.contains(&folder), "{}", ready.text);
    }
    // The database goes away under the server: its connections are closed.
    server.store().clone().close().await;
    let ready = server.get("/readyz").await;
    only_names(&ready);
    assert_eq!(ready.body["checks"]["database"], "unavailable");
    server.stop().await;
}
