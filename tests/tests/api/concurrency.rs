//! No update is ever silently lost: concurrent writers with `If-Match` and retries on 412.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestServer;

const CLIENTS: usize = 8;
const PATCHES: usize = 200;

#[actix_web::test]
async fn concurrent_patches_with_retries_lose_nothing() {
    edit_concurrently(PATCHES, |server, path, marker| async move {
        loop {
            let current = server.get(&path).await;
            let version = current.body["version"].as_i64().expect("a version");
            let response = server
                .patch(&path, version, &json!({"fields": {"question": marker}}))
                .await;
            match response.status {
                StatusCode::OK => return response.body["version"].as_i64().expect("a version"),
                StatusCode::PRECONDITION_FAILED => continue,
                other => panic!("unexpected {other}: {}", response.text),
            }
        }
    })
    .await;
}

/// `If-Match: *` writes over whatever version is current: concurrent writers all succeed, on
/// PostgreSQL too (where a writer that loses the race reads the entry again), and none of
/// their changes is lost.
#[actix_web::test]
async fn concurrent_patches_with_if_match_any_all_succeed() {
    edit_concurrently(25, |server, path, marker| async move {
        let response = server
            .send(
                reqwest::Method::PATCH,
                &path,
                Some(&json!({"fields": {"question": marker}})),
                &[("if-match", "*")],
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response.body["version"].as_i64().expect("a version")
    })
    .await;
}

/// `CLIENTS` clients at once each make `patches` edits of one entry's question with `edit`
/// (which answers the version its edit was accepted as); then every edit must be in the
/// entry's history.
async fn edit_concurrently<F, Fut>(patches: usize, edit: F)
where
    F: Fn(Arc<TestServer>, String, String) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = i64>,
{
    let (server, path) = shared_entry().await;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (server, path, edit) = (Arc::clone(&server), path.clone(), edit.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let mut accepted = Vec::new();
            for n in 0..patches {
                let marker = format!("c{client}-{n}");
                let version = edit(Arc::clone(&server), path.clone(), marker.clone()).await;
                accepted.push((version, marker));
            }
            accepted
        }));
    }
    let mut accepted = Vec::new();
    for task in tasks {
        accepted.extend(task.await.expect("a client finished"));
    }
    assert_eq!(accepted.len(), CLIENTS * patches);
    assert_history(&server, &path, &accepted).await;
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

/// A server shared by the clients of a test, and the path of the FAQ entry they all edit.
async fn shared_entry() -> (Arc<TestServer>, String) {
    let server = Arc::new(TestServer::start().await);
    let entry = server
        .create(
            "faq",
            &json!({"fields": {"question": "Returns?", "answer": "Within 30 days."}}),
        )
        .await;
    let path = format!("/api/v1/entries/faq/{}", entry["id"].as_str().unwrap_or(""));
    (server, path)
}

/// The entry's version is one more than the accepted changes, and every accepted change is in
/// its history, at the version it was accepted as.
async fn assert_history(server: &TestServer, path: &str, accepted: &[(i64, String)]) {
    let final_entry = server.get(path).await;
    assert_eq!(
        final_entry.body["version"].as_i64(),
        Some(1 + accepted.len() as i64)
    );
    let mut history: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}/revisions?limit=200&cursor={c}"),
            None => format!("{path}/revisions?limit=200"),
        };
        let page = server.get(&page_path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        history.extend(
            page.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .cloned(),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let versions: Vec<i64> = history
        .iter()
        .filter_map(|r| r["version"].as_i64())
        .collect();
    assert_eq!(
        versions,
        (1..=1 + accepted.len() as i64).rev().collect::<Vec<_>>()
    );
    for (version, marker) in accepted {
        let revision = history
            .iter()
            .find(|r| r["version"] == json!(version))
            .expect("the revision exists");
        assert_eq!(
            revision["fields"]["question"],
            json!(marker),
            "version {version}"
        );
    }
}

#[actix_web::test]
async fn concurrent_creations_conflict_cleanly() {
    let server = Arc::new(TestServer::start().await);
    let mut tasks = Vec::new();
    for n in 0..6 {
        let server = Arc::clone(&server);
        tasks.push(actix_web::rt::spawn(async move {
            server
                .post(
                    "/api/v1/entries/promo_banner",
                    &json!({"slug": "launch", "fields": {"headline": format!("Launch {n}")}}),
                )
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("done"));
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        5,
        "{statuses:?}"
    );
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

/// Workflow steps sent without `If-Match` while others edit the entry: a step that loses the
/// race to an edit is checked again on the new version (on PostgreSQL), so it is carried out
/// or refused for what the entry now is, never answered 412 for a version it did not name.
#[actix_web::test]
async fn workflow_steps_without_if_match_are_never_refused_for_a_version() {
    let (server, path) = shared_entry().await;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (server, path) = (Arc::clone(&server), path.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..10 {
                let response = if client % 2 == 0 {
                    let body = json!({"fields": {"question": format!("c{client}-{n}")}});
                    server
                        .send(
                            reqwest::Method::PATCH,
                            &path,
                            Some(&body),
                            &[("if-match", "*")],
                        )
                        .await
                } else {
                    server
                        .send(reqwest::Method::POST, &format!("{path}/publish"), None, &[])
                        .await
                };
                statuses.push((response.status, response.text));
            }
            statuses
        }));
    }
    for task in tasks {
        for (status, text) in task.await.expect("a client finished") {
            assert!(
                [StatusCode::OK, StatusCode::ACCEPTED, StatusCode::CONFLICT].contains(&status),
                "{status}: {text}"
            );
        }
    }
    server.wait_idle().await;
    server.assert_bucket_consistent().await;
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}
