//! Hostile bodies get a 4xx JSON error with a contract code, and change nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Response, TestServer};

#[actix_web::test]
async fn hostile_bodies_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let entry = server
        .create("promo_banner", &json!({"fields": {"headline": "Sale"}}))
        .await;
    let path = format!(
        "/api/v1/entries/promo_banner/{}",
        entry["id"].as_str().unwrap_or("")
    );
    let listing = |s: &TestServer| {
        let url = s.url("/api/v1/entries/promo_banner?limit=200");
        let client = s.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("an answer")
                .text()
                .await
                .expect("text")
        }
    };
    let before = (
        listing(&server).await,
        server.get(&format!("{path}/revisions")).await.text,
    );

    let many_keys: String = {
        let keys: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":1")).collect();
        format!(
            "{{\"fields\": {{\"headline\": \"x\", {}}}}}",
            keys.join(",")
        )
    };
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("deep nesting", "[".repeat(10_000).into_bytes()),
        (
            "deep nesting in fields",
            format!("{{\"fields\": {}", "{\"a\":".repeat(5_000)).into_bytes(),
        ),
        (
            "10 MB string",
            format!(
                "{{\"fields\": {{\"headline\": \"{}\"}}}}",
                "x".repeat(10 * 1024 * 1024)
            )
            .into_bytes(),
        ),
        (
            "invalid UTF-8",
            b"{\"fields\": {\"headline\": \"\xff\xfe\"}}".to_vec(),
        ),
        (
            "NUL byte",
            br#"{"fields": {"headline": "a\u0000b"}}"#.to_vec(),
        ),
        (
            "huge float",
            br#"{"fields": {"headline": "x", "discount": 1e400}}"#.to_vec(),
        ),
        (
            "huge integer",
            br#"{"fields": {"headline": "x", "discount": 99999999999999999999999999}}"#.to_vec(),
        ),
        ("fields as array", br#"{"fields": []}"#.to_vec()),
        ("fields as string", br#"{"fields": "headline"}"#.to_vec()),
        (
            "headline as object",
            br#"{"fields": {"headline": {"$ne": null}}}"#.to_vec(),
        ),
        (
            "duplicate keys",
            br#"{"fields": {"headline": "a"}, "fields": 5}"#.to_vec(),
        ),
        ("top-level array", b"[1, 2, 3]".to_vec()),
        ("null body", b"null".to_vec()),
        ("many keys", many_keys.into_bytes()),
        (
            "long key",
            format!("{{\"fields\": {{\"{}\": 1}}}}", "k".repeat(100_000)).into_bytes(),
        ),
    ];
    for method in [Method::POST, Method::PATCH] {
        for (name, body) in &bodies {
            let target = if method == Method::POST {
                "/api/v1/entries/promo_banner"
            } else {
                path.as_str()
            };
            let response = server
                .client
                .request(method.clone(), server.url(target))
                .header("content-type", "application/json")
                .header("if-match", "\"1\"")
                .body(body.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {name}: the connection failed: {e}"));
            let response = Response::read(response).await;
            assert!(
                response.status.is_client_error(),
                "{method} {name}: {} {}",
                response.status,
                &response.text[..response.text.len().min(300)]
            );
            assert!(
                !response.code().is_empty(),
                "{method} {name}: no error code: {}",
                &response.text[..response.text.len().min(300)]
            );
        }
    }
    let after = (
        listing(&server).await,
        server.get(&format!("{path}/revisions")).await.text,
    );
    assert_eq!(before, after, "a hostile request changed the database");
    assert_eq!(server.get(&path).await.status, StatusCode::OK);
    server.stop().await;
}
