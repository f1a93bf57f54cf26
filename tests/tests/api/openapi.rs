//! The OpenAPI document: snapshot-tested, so any API change is a visible diff, and checked
//! against the running server so the document cannot list a route the server lacks.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

/// A parameter's schema with `$ref`s followed and `null` dropped from an optional one.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return resolve(doc, &doc["components"]["schemas"][name]);
    }
    if let Some(choices) = schema["oneOf"].as_array()
        && let Some(other) = choices.iter().find(|c| c["type"] != "null")
    {
        return resolve(doc, other);
    }
    schema
}

fn has_type(schema: &Value, name: &str) -> bool {
    schema["type"] == name
        || schema["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == name))
}

/// A value the documented schema allows and one it refuses, for the typed parameters.
fn good_and_bad(schema: &Value) -> Option<(String, String)> {
    if let Some(choices) = schema["enum"].as_array() {
        let good = choices.iter().find_map(Value::as_str)?;
        return Some((good.to_owned(), "not-one-of-them".to_owned()));
    }
    if has_type(schema, "integer") {
        let minimum = schema["minimum"].as_i64().unwrap_or(1);
        return Some((minimum.to_string(), (minimum - 1).to_string()));
    }
    if schema["format"] == "date-time" {
        return Some(("2026-01-01T00:00:00Z".to_owned(), "yesterday".to_owned()));
    }
    None
}

/// Every query parameter the document types (an enum, a bounded integer, a date-time) is
/// checked by the server to the same rule: a value the document allows is served, one it
/// refuses is `400 invalid_query`. The document promises nothing the server does not check.
#[actix_web::test]
async fn typed_query_parameters_are_enforced_as_documented() {
    let server = TestServer::start().await;
    let entry = server
        .create(
            "promo_banner",
            &json!({"fields": {"headline": "Summer sale", "discount": 30}}),
        )
        .await;
    let id = entry["id"].as_str().expect("an id");
    let doc = server.get("/api/v1/openapi.json").await.body;
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let concrete = path.replace("{type}", "promo_banner").replace("{id}", id);
        for parameter in parameters.iter().filter(|p| p["in"] == "query") {
            let name = parameter["name"].as_str().expect("a name");
            let Some((good, bad)) = good_and_bad(resolve(&doc, &parameter["schema"])) else {
                continue;
            };
            let accepted = server.get(&format!("{concrete}?{name}={good}")).await;
            assert_eq!(
                accepted.status,
                StatusCode::OK,
                "GET {path}?{name}={good} is allowed by the document: {}",
                accepted.text
            );
            server
                .get(&format!("{concrete}?{name}={bad}"))
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
            checked.push(format!("{path}?{name}"));
        }
    }
    // limit on 6 listings, 3 times, 4 choices (entry and job status, job kind, sort).
    assert!(checked.len() >= 13, "only {checked:?} are typed");
    server.stop().await;
}
