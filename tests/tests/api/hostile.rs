//! Hostile bodies, paths and query parameters get the 4xx JSON error of their contract code,
//! and change nothing. NUL bytes matter most on PostgreSQL, which refuses them in text: `.ci/run`
//! runs these tests there too.

use base64::Engine;
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

    // Keys that no field has: as many as fit under the body limit (1 MiB), and over it.
    let keys = |count: usize| -> String {
        let keys: Vec<String> = (0..count).map(|i| format!("\"k{i}\":1")).collect();
        format!(
            "{{\"fields\": {{\"headline\": \"x\", {}}}}}",
            keys.join(",")
        )
    };
    // Each body with the error code it gets; a second code where PATCH, which reads the body
    // as a merge patch (a JSON value) rather than as the create or replace body, differs.
    let bodies: Vec<(&str, Vec<u8>, &str, Option<&str>)> = vec![
        (
            "deep nesting",
            "[".repeat(10_000).into_bytes(),
            "invalid_json",
            None,
        ),
        (
            "deep nesting in fields",
            format!("{{\"fields\": {}", "{\"a\":".repeat(5_000)).into_bytes(),
            "invalid_json",
            None,
        ),
        (
            "10 MB string",
            format!(
                "{{\"fields\": {{\"headline\": \"{}\"}}}}",
                "x".repeat(10 * 1024 * 1024)
            )
            .into_bytes(),
            "payload_too_large",
            None,
        ),
        (
            "invalid UTF-8",
            b"{\"fields\": {\"headline\": \"\xff\xfe\"}}".to_vec(),
            "invalid_json",
            None,
        ),
        (
            "NUL byte",
            br#"{"fields": {"headline": "a\u0000b"}}"#.to_vec(),
            "validation_failed",
            None,
        ),
        (
            "huge float",
            br#"{"fields": {"headline": "x", "discount": 1e400}}"#.to_vec(),
            "invalid_json",
            None,
        ),
        (
            "huge integer",
            br#"{"fields": {"headline": "x", "discount": 99999999999999999999999999}}"#.to_vec(),
            "validation_failed",
            None,
        ),
        (
            "fields as array",
            br#"{"fields": []}"#.to_vec(),
            "validation_failed",
            None,
        ),
        (
            "fields as string",
            br#"{"fields": "headline"}"#.to_vec(),
            "validation_failed",
            None,
        ),
        (
            "headline as object",
            br#"{"fields": {"headline": {"$ne": null}}}"#.to_vec(),
            "validation_failed",
            None,
        ),
        // A merge patch is a JSON value, whose last duplicate wins: `"fields": 5`.
        (
            "duplicate keys",
            br#"{"fields": {"headline": "a"}, "fields": 5}"#.to_vec(),
            "invalid_json",
            Some("validation_failed"),
        ),
        (
            "top-level array",
            b"[1, 2, 3]".to_vec(),
            "invalid_json",
            None,
        ),
        ("null body", b"null".to_vec(), "invalid_json", None),
        (
            "many keys",
            keys(10_000).into_bytes(),
            "validation_failed",
            None,
        ),
        (
            "many keys over the limit",
            keys(100_000).into_bytes(),
            "payload_too_large",
            None,
        ),
        (
            "long key",
            format!("{{\"fields\": {{\"{}\": 1}}}}", "k".repeat(100_000)).into_bytes(),
            "validation_failed",
            None,
        ),
    ];
    for method in [Method::POST, Method::PATCH, Method::PUT] {
        for (name, body, code, patch_code) in &bodies {
            let target = if method == Method::POST {
                "/api/v1/entries/promo_banner"
            } else {
                path.as_str()
            };
            let code = match patch_code {
                Some(patch_code) if method == Method::PATCH => patch_code,
                _ => code,
            };
            let status = match *code {
                "invalid_json" => StatusCode::BAD_REQUEST,
                "payload_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
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
            assert_eq!(
                (response.status, response.code()),
                (status, *code),
                "{method} {name}: {}",
                &response.text[..response.text.len().min(300)]
            );
            if *name == "many keys" {
                // Every key is wrong; the answer lists the first hundred and counts them all.
                let details = response.body["error"]["details"].as_array().map(Vec::len);
                assert_eq!(details, Some(100), "{method} {name}");
                assert_eq!(
                    response.body["error"]["message"],
                    "10000 fields are invalid; the first 100 are listed",
                    "{method} {name}"
                );
            }
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

#[actix_web::test]
async fn hostile_paths_and_query_parameters_are_refused() {
    let server = TestServer::start().await;
    let entry = server
        .create("promo_banner", &json!({"fields": {"headline": "Sale"}}))
        .await;
    let id = entry["id"].as_str().unwrap_or("").to_owned();
    let path = format!("/api/v1/entries/promo_banner/{id}");
    let snapshot = |s: &TestServer| {
        let (listing, history) = (
            s.url("/api/v1/entries/promo_banner?limit=200"),
            s.url(&format!("{path}/revisions")),
        );
        let client = s.client.clone();
        async move {
            let mut texts = Vec::new();
            for url in [listing, history] {
                let response = client.get(url).send().await.expect("an answer");
                texts.push(response.text().await.expect("text"));
            }
            texts
        }
    };
    let before = snapshot(&server).await;

    let long_id = "9".repeat(400);
    let paths: Vec<(Method, String)> = vec![
        (Method::GET, "/api/v1/entries/promo_banner/%00".to_owned()),
        (Method::GET, "/api/v1/entries/promo_banner/a%00b".to_owned()),
        (Method::GET, format!("{path}%00")),
        (
            Method::GET,
            format!("/api/v1/entries/promo_banner/{}%00", &id[..35]),
        ),
        (
            Method::GET,
            "/api/v1/entries/promo_banner/not-an-id".to_owned(),
        ),
        (
            Method::GET,
            format!("/api/v1/entries/promo_banner/{long_id}"),
        ),
        (Method::GET, "/api/v1/entries/promo_banner/%0A".to_owned()),
        (
            Method::GET,
            "/api/v1/entries/promo_banner/%C2%85".to_owned(),
        ),
        (Method::GET, "/api/v1/entries/promo%00_banner".to_owned()),
        (Method::PATCH, "/api/v1/entries/promo_banner/%00".to_owned()),
        (Method::PUT, "/api/v1/entries/promo_banner/%00".to_owned()),
        (
            Method::DELETE,
            "/api/v1/entries/promo_banner/%00".to_owned(),
        ),
        (
            Method::GET,
            "/api/v1/entries/promo_banner/%00/revisions".to_owned(),
        ),
        (
            Method::GET,
            "/api/v1/entries/promo_banner/%00/revisions/1".to_owned(),
        ),
        (
            Method::POST,
            "/api/v1/entries/promo_banner/%00/revisions/1/restore".to_owned(),
        ),
        (
            Method::GET,
            "/api/v1/entries/promo_banner/%00/preview".to_owned(),
        ),
        (
            Method::POST,
            "/api/v1/entries/promo_banner/%00/submit".to_owned(),
        ),
        (
            Method::POST,
            format!("/api/v1/entries/promo_banner/{long_id}/submit"),
        ),
        (
            Method::POST,
            "/api/v1/entries/promo_banner/%00/publish".to_owned(),
        ),
        (Method::GET, "/api/v1/assets/%00".to_owned()),
        (Method::GET, "/api/v1/users/%00".to_owned()),
        (Method::DELETE, "/api/v1/tokens/%00".to_owned()),
        (Method::GET, "/api/v1/publish/jobs/%00".to_owned()),
    ];
    let edit = json!({"fields": {"headline": "Hostile"}});
    for (method, target) in &paths {
        // A valid body for the edits, so only the path can be at fault.
        let body = [Method::PATCH, Method::PUT]
            .contains(method)
            .then_some(&edit);
        let response = server
            .send(method.clone(), target, body, &[("if-match", "*")])
            .await;
        assert_eq!(
            (response.status, response.code()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{method} {target}: {}",
            response.text
        );
    }

    // Cursors as a client could make them: NUL in the slug or the id, an id that is no id.
    let cursor = |value: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    };
    let forged = [
        format!(
            "sort=slug&cursor={}",
            cursor(json!({"s": "slug", "k": "a\u{0}b", "id": id}))
        ),
        format!(
            "sort=slug&cursor={}",
            cursor(json!({"s": "slug", "k": "sale", "id": "a\u{0}"}))
        ),
        format!(
            "cursor={}",
            cursor(json!({"s": "-updated_at", "k": 1, "id": "\u{0}"}))
        ),
        format!(
            "cursor={}",
            cursor(json!({"s": "-updated_at", "k": 1, "id": long_id}))
        ),
    ];
    let queries = [
        "q=%00",
        "q=sale%00",
        "q=%0A",
        "q=a%7Fb",
        "locale=en%00",
        "status=draft%00",
        "sort=slug%00",
        "cursor=%00",
        "updated_since=2026-01-01T00:00:00Z%00",
        "%00=1",
    ];
    for query in queries.iter().map(|q| q.to_string()).chain(forged) {
        let response = server
            .get(&format!("/api/v1/entries/promo_banner?{query}"))
            .await;
        assert_eq!(
            (response.status, response.code()),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "?{query}: {}",
            response.text
        );
    }
    for target in [
        format!("{path}/revisions?cursor=%00"),
        "/api/v1/assets?q=%00".to_owned(),
        "/api/v1/assets?cursor=a%00".to_owned(),
        "/api/v1/users?cursor=%00".to_owned(),
        "/api/v1/audit?actor=%00".to_owned(),
        "/api/v1/publish/jobs?entry_id=%00".to_owned(),
    ] {
        let response = server.get(&target).await;
        assert_eq!(
            (response.status, response.code()),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{target}: {}",
            response.text
        );
    }

    assert_eq!(
        before,
        snapshot(&server).await,
        "a hostile request changed the database"
    );
    server.stop().await;
}
