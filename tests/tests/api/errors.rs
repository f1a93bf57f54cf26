//! Every error code of the contract the API can produce today, with its status and shape.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestServer;

const BANNERS: &str = "/api/v1/entries/promo_banner";

async fn raw(
    server: &TestServer,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> crate::support::Response {
    let mut request = server.client.request(method, server.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    crate::support::Response::read(request.send().await.expect("an answer")).await
}

/// An error body has exactly `{"error": {"code", "message", "details"?}}`.
fn assert_shape(body: &Value) {
    let object = body.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["error"], "{body}");
    let error = body["error"].as_object().expect("error is an object");
    for key in error.keys() {
        assert!(
            ["code", "message", "details"].contains(&key.as_str()),
            "{body}"
        );
    }
}

#[actix_web::test]
async fn malformed_requests() {
    let server = TestServer::start().await;
    let json = Some("application/json");
    type Case<'a> = (
        Method,
        &'a str,
        Option<&'a str>,
        Vec<u8>,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            Method::POST,
            BANNERS,
            json,
            b"{\"fields\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Method::POST,
            BANNERS,
            json,
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Method::POST,
            BANNERS,
            json,
            b"{\"fields\": {}} trailing".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Method::POST,
            BANNERS,
            json,
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Method::POST,
            BANNERS,
            json,
            br#"{"fields": {}, "colour": 1}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "unknown_field",
        ),
        (
            Method::POST,
            BANNERS,
            Some("text/plain"),
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Method::POST,
            BANNERS,
            None,
            b"{}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Method::POST,
            BANNERS,
            Some("application/x-www-form-urlencoded"),
            b"a=1".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Method::POST,
            "/api/v1/entries/promo_banners",
            json,
            b"{\"fields\": {}}".to_vec(),
            StatusCode::NOT_FOUND,
            "unknown_content_type",
        ),
        (
            Method::GET,
            "/api/v1/entries/promo_banner/0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11",
            None,
            Vec::new(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            "/api/v1/nothing-here",
            None,
            Vec::new(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::DELETE,
            BANNERS,
            None,
            Vec::new(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::POST,
            BANNERS,
            json,
            vec![b'x'; 2 * 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (method, path, content_type, body, status, code) in cases {
        let response = raw(&server, method.clone(), path, content_type, body).await;
        response.assert_error(status, code);
        assert_shape(&response.body);
    }
    for query in [
        "colour=red",
        "limit=0",
        "limit=1000",
        "limit=abc",
        "sort=name",
        "status=live",
        "locale=de",
        "updated_since=yesterday",
        "cursor=garbage",
    ] {
        let response = server.get(&format!("{BANNERS}?{query}")).await;
        response.assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    }
    // Every listing refuses a cursor it did not hand out, whatever its kind of cursor, and
    // takes one of the shape it hands out.
    let (bad, good) = (StatusCode::BAD_REQUEST, StatusCode::OK);
    for (target, status) in [
        ("/api/v1/users?cursor=abc", bad),
        ("/api/v1/users?cursor=a%20b%40shop.example", bad),
        ("/api/v1/users?cursor=someone%40shop.example", good),
        ("/api/v1/assets?cursor=abc", bad),
        (
            "/api/v1/assets?cursor=01A2423A-A1CD-7554-B3F6-0762602959F4",
            bad,
        ),
        (
            "/api/v1/assets?cursor=01a2423a-a1cd-7554-b3f6-0762602959f4",
            good,
        ),
        ("/api/v1/audit?cursor=0", bad),
        ("/api/v1/audit?cursor=12", good),
        ("/api/v1/publish/jobs?cursor=-3", bad),
        ("/api/v1/publish/jobs?cursor=abc", bad),
        ("/api/v1/publish/jobs?cursor=12", good),
    ] {
        let response = server.get(target).await;
        assert_eq!(response.status, status, "{target}: {}", response.text);
        if status == bad {
            assert_eq!(response.code(), "invalid_query", "{target}");
        }
    }
    server.stop().await;
}

#[actix_web::test]
async fn a_smaller_body_limit_is_honoured() {
    let server = TestServer::start_with(|s| s.limits.max_body_bytes = 2048).await;
    let headline = "x".repeat(3000);
    let response = server
        .post(BANNERS, &json!({"fields": {"headline": headline}}))
        .await;
    response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    server.stop().await;
}

#[actix_web::test]
async fn validation_lists_every_failing_path() {
    let server = TestServer::start().await;
    let missing = "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11";
    let response = server
        .post(
            BANNERS,
            &json!({"fields": {
            "headline": "x".repeat(81), "discount": 95,
            "products": [{"type": "product", "id": missing}, {"type": "author", "id": missing}],
            "colour": "red"}}),
        )
        .await;
    let error = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let details: Vec<(String, String)> = error["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap_or("").to_owned(),
                d["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for expected in [
        ("fields.headline", "too_long"),
        ("fields.discount", "too_large"),
        ("fields.products[1]", "invalid_reference"),
        ("fields.colour", "unknown_field"),
    ] {
        assert!(
            details
                .iter()
                .any(|(p, c)| p == expected.0 && c == expected.1),
            "{expected:?} in {details:?}"
        );
    }

    // Once the shape is right, a reference to a missing entry is reported too.
    let response = server
        .post(
            BANNERS,
            &json!({"fields": {"headline": "Sale", "products": [{"id": missing}]}}),
        )
        .await;
    let error = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "fields.products[0]");
    assert_eq!(error["details"][0]["code"], "reference_not_found");

    for (body, path) in [
        (
            json!({"locale": "de", "fields": {"headline": "Sale"}}),
            "locale",
        ),
        (
            json!({"slug": "Not A Slug", "fields": {"headline": "Sale"}}),
            "slug",
        ),
        (json!({}), "fields"),
        (json!({"fields": {"headline": "!!!"}}), "slug"),
    ] {
        let response = server.post(BANNERS, &body).await;
        let error = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(error["details"][0]["path"], path, "{body}");
    }
    let response = server
        .post(
            "/api/v1/entries/author",
            &json!({"locale": "fr", "fields": {"name": "Ana", "email": "ana@shop.example"}}),
        )
        .await;
    let error = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "locale");
    server.stop().await;
}

#[actix_web::test]
async fn slugs_and_unique_values_conflict() {
    let server = TestServer::start().await;
    let first = server
        .create(
            "promo_banner",
            &json!({"slug": "summer", "fields": {"headline": "Summer"}}),
        )
        .await;
    server
        .post(
            BANNERS,
            &json!({"slug": "summer", "fields": {"headline": "Other"}}),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "slug_taken");
    let french = server
        .create(
            "promo_banner",
            &json!({"locale": "fr", "slug": "summer", "fields": {"headline": "Été"}}),
        )
        .await;
    assert_eq!(french["slug"], "summer");
    let derived = server
        .create("promo_banner", &json!({"fields": {"headline": "Summer"}}))
        .await;
    assert_eq!(derived["slug"], "summer-2");
    let path = format!("{BANNERS}/{}", derived["id"].as_str().unwrap_or(""));
    server
        .patch(&path, 1, &json!({"slug": first["slug"]}))
        .await
        .assert_error(StatusCode::CONFLICT, "slug_taken");

    let image = crate::assets::upload(
        &server,
        crate::assets::png(800, 800, 500),
        "sandal.png",
        "image/png",
        None,
    )
    .await;
    let image_id = image.body["id"].clone();
    let product = json!({"fields": {"name": "Sandal", "sku": "SAND-001", "price": 49.9, "currency": "EUR",
        "description": "Light **leather** sandal with a cushioned sole, made to walk all day in summer.", "images": [{"id": image_id}]}});
    let created = server.post("/api/v1/entries/product", &product).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let mut again = product.clone();
    again["fields"]["name"] = json!("Sandal two");
    let error = server.post("/api/v1/entries/product", &again).await;
    let error = error.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(error["details"][0]["path"], "fields.sku");
    assert_eq!(error["details"][0]["code"], "not_unique");
    server.stop().await;
}

#[actix_web::test]
async fn preconditions() {
    let server = TestServer::start().await;
    let entry = server
        .create("promo_banner", &json!({"fields": {"headline": "Sale"}}))
        .await;
    let path = format!("{BANNERS}/{}", entry["id"].as_str().unwrap_or(""));
    let body = json!({"fields": {"discount": 10}});
    server
        .send(Method::PATCH, &path, Some(&body), &[])
        .await
        .assert_error(StatusCode::PRECONDITION_REQUIRED, "precondition_required");
    server
        .send(
            Method::PUT,
            &path,
            Some(&json!({"fields": {"headline": "New"}})),
            &[],
        )
        .await
        .assert_error(StatusCode::PRECONDITION_REQUIRED, "precondition_required");
    assert_eq!(server.patch(&path, 1, &body).await.status, StatusCode::OK);
    let stale = server
        .patch(&path, 1, &json!({"fields": {"discount": 20}}))
        .await;
    stale.assert_error(StatusCode::PRECONDITION_FAILED, "version_mismatch");
    assert_eq!(stale.header("etag"), Some("\"2\""));
    // `If-Match` compares strongly (RFC 9110): a weak tag never matches, not even the
    // current version's.
    for weak in ["W/\"2\"", "w/\"2\""] {
        server
            .send(
                Method::PATCH,
                &path,
                Some(&json!({"fields": {"discount": 20}})),
                &[("if-match", weak)],
            )
            .await
            .assert_error(StatusCode::PRECONDITION_FAILED, "version_mismatch");
    }
    let current = server.get(&path).await;
    assert_eq!(
        current.body["fields"]["discount"], 10,
        "the stale change was not applied"
    );
    let any = server
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"fields": {"discount": 30}})),
            &[("if-match", "*")],
        )
        .await;
    assert_eq!(any.status, StatusCode::OK);
    // The ETag is the version, which does not cover the schedule: never a stale 304.
    let fresh = server
        .send(Method::GET, &path, None, &[("if-none-match", "\"3\"")])
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(fresh.header("cache-control"), Some("private, no-cache"));
    server.stop().await;
}

/// Wrongly typed keys, as docs/api.md describes them: the keys of a `POST` or `PUT` body are
/// typed (`invalid_json`), but `fields` is checked by the content type (`validation_failed`),
/// and a merge patch is checked key by key (`validation_failed`).
#[actix_web::test]
async fn wrongly_typed_keys() {
    let server = TestServer::start().await;
    let entry = server
        .create("promo_banner", &json!({"fields": {"headline": "Sale"}}))
        .await;
    let path = format!("{BANNERS}/{}", entry["id"].as_str().unwrap_or(""));
    let fields = json!({"headline": "Sale"});
    let wrong_type = |response: &crate::support::Response, at: &str| {
        let error = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            (&error["details"][0]["path"], &error["details"][0]["code"]),
            (&json!(at), &json!("wrong_type")),
            "{}",
            response.text
        );
    };
    for (method, target) in [(Method::POST, BANNERS), (Method::PUT, path.as_str())] {
        let send = |body: Value| {
            let (server, method) = (&server, method.clone());
            async move {
                server
                    .send(method, target, Some(&body), &[("if-match", "*")])
                    .await
            }
        };
        send(json!({"slug": 5, "fields": fields}))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
        wrong_type(&send(json!({"fields": ["Sale"]})).await, "fields");
        wrong_type(&send(json!({"fields": "Sale"})).await, "fields");
    }
    server
        .post(BANNERS, &json!({"locale": ["en"], "fields": fields}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    let patch = |body: Value| {
        let (server, path) = (&server, &path);
        async move {
            server
                .send(Method::PATCH, path, Some(&body), &[("if-match", "*")])
                .await
        }
    };
    wrong_type(&patch(json!({"slug": 5})).await, "slug");
    wrong_type(&patch(json!({"fields": ["Sale"]})).await, "fields");
    patch(json!(["Sale"]))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    assert_eq!(
        server.get(&path).await.body["version"],
        1,
        "nothing changed"
    );
    server.stop().await;
}
