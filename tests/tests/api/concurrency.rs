//! No update is ever silently lost: concurrent writers with `If-Match` and retries on 412; and
//! concurrent creations never fail for a slug they did not give.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestServer, example_schemas};

const CLIENTS: usize = 8;
const PATCHES: usize = 200;

/// A type for read-modify-write: `counts` holds one counter per client, `last` the marker of
/// the latest change. A client's increment is lost if another client's write can land between
/// its read and its write. (Numbers: they stay out of the search text.)
const TALLY: &str = r#"{"name": "tally", "label": "Tally", "localized": false, "title_field": "title",
  "workflow": {"review": false, "four_eyes": false},
  "fields": [{"name": "title", "type": "text", "required": true},
             {"name": "counts", "type": "list", "of": {"type": "integer", "min": 0}},
             {"name": "last", "type": "integer"}]}"#;

/// The issue's lost-update test: `CLIENTS` clients each make `PATCHES` changes to one entry by
/// read-modify-write: read the entry, add one to the client's own counter in the `counts`
/// list, `PATCH` the whole list with `If-Match` (and the change's marker as `last`), read
/// again and retry on 412. Were `If-Match` ignored, a write would land on a version its
/// client did not read and undo the increments made since: every accepted change must be
/// counted in the final fields, each version must be the one before it plus exactly its own
/// change, and the final version must be 1 + the accepted PATCHes. (A list that grew by a
/// marker per change would test the same at many times the cost: each request would carry
/// all the markers so far.)
#[actix_web::test]
async fn concurrent_read_modify_writes_with_retries_lose_nothing() {
    let schemas = tempfile::tempdir().expect("a temp dir");
    for file in std::fs::read_dir(example_schemas()).expect("the examples") {
        let file = file.expect("a file").path();
        if file.extension().is_some_and(|e| e == "json") {
            std::fs::copy(
                &file,
                schemas.path().join(file.file_name().expect("a name")),
            )
            .expect("copy");
        }
    }
    std::fs::write(schemas.path().join("tally.json"), TALLY).expect("write");
    let folder = schemas.path().to_path_buf();
    let server = Arc::new(TestServer::start_with(|s| s.schemas = folder).await);
    let entry = server
        .create(
            "tally",
            &json!({"fields": {"title": "Counts", "counts": vec![0; CLIENTS]}}),
        )
        .await;
    let path = format!(
        "/api/v1/entries/tally/{}",
        entry["id"].as_str().unwrap_or("")
    );

    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (server, path) = (Arc::clone(&server), path.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let (mut accepted, mut refused) = (Vec::new(), 0usize);
            for n in 0..PATCHES {
                let marker = (client * PATCHES + n) as i64;
                loop {
                    let current = server.get(&path).await;
                    assert_eq!(current.status, StatusCode::OK, "{}", current.text);
                    let version = current.body["version"].as_i64().expect("a version");
                    let mut counts = counts_of(&current.body["fields"]);
                    counts[client] += 1;
                    let change = json!({"fields": {"counts": counts, "last": marker}});
                    let response = server.patch(&path, version, &change).await;
                    match response.status {
                        StatusCode::OK => {
                            let written = response.body["version"].as_i64().expect("a version");
                            assert_eq!(written, version + 1, "written over the version read");
                            accepted.push(Change {
                                version: written,
                                client,
                                count: n as i64 + 1,
                                marker,
                            });
                            break;
                        }
                        StatusCode::PRECONDITION_FAILED => {
                            assert_eq!(response.code(), "version_mismatch", "{}", response.text);
                            refused += 1;
                        }
                        other => panic!("unexpected {other}: {}", response.text),
                    }
                }
            }
            (accepted, refused)
        }));
    }
    let (mut accepted, mut refused) = (Vec::new(), 0);
    for task in tasks {
        let (mine, theirs) = task.await.expect("a client finished");
        accepted.extend(mine);
        refused += theirs;
    }
    assert_eq!(accepted.len(), CLIENTS * PATCHES);
    assert!(
        refused > 0,
        "no client ever lost a race: If-Match was not exercised"
    );

    let last = server.get(&path).await;
    assert_eq!(
        last.body["version"].as_i64(),
        Some(1 + accepted.len() as i64)
    );
    assert_eq!(
        counts_of(&last.body["fields"]),
        vec![PATCHES as i64; CLIENTS],
        "every accepted change is counted"
    );

    // Each accepted PATCH is a revision: the one before it plus exactly its own change.
    let history = history(&server, &path).await;
    let fields_at = |version: i64| -> &Value {
        history
            .iter()
            .find(|r| r["version"] == json!(version))
            .map(|r| &r["fields"])
            .unwrap_or_else(|| panic!("no revision {version}"))
    };
    for change in &accepted {
        let fields = fields_at(change.version);
        let mut expected = counts_of(fields_at(change.version - 1));
        expected[change.client] += 1;
        assert_eq!(counts_of(fields), expected, "version {}", change.version);
        assert_eq!(expected[change.client], change.count, "{change:?}");
        assert_eq!(fields["last"], json!(change.marker), "{change:?}");
    }
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

/// A change a client made: its `n`-th (`count`) increment, accepted as `version`.
#[derive(Debug)]
struct Change {
    version: i64,
    client: usize,
    count: i64,
    marker: i64,
}

/// The `counts` of an entry's fields, one per client.
fn counts_of(fields: &Value) -> Vec<i64> {
    let counts: Vec<i64> = fields["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert_eq!(counts.len(), CLIENTS, "{fields}");
    counts
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
    let history = history(server, path).await;
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

/// Every revision of the entry at `path`, newest first, read page by page; one per version.
async fn history(server: &TestServer, path: &str) -> Vec<Value> {
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
    let newest = versions.first().copied().unwrap_or(0);
    assert_eq!(versions, (1..=newest).rev().collect::<Vec<_>>());
    history
}

/// Entries of one title created at the same moment without a slug each get the slug derived
/// from it, with their own suffix: on PostgreSQL two creations can both see a slug free, and
/// the one whose insert comes second is tried again with the next suffix rather than answered
/// 409 `slug_taken` for a slug it never gave.
#[actix_web::test]
async fn concurrent_creations_of_one_title_get_distinct_derived_slugs() {
    let server = Arc::new(TestServer::start().await);
    for round in 0..4 {
        let question = format!("Where is my order number {round}?");
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (server, question) = (Arc::clone(&server), question.clone());
            tasks.push(actix_web::rt::spawn(async move {
                let body = json!({"fields": {"question": question, "answer": "In your account, under Orders."}});
                server.post("/api/v1/entries/faq", &body).await
            }));
        }
        let mut slugs = Vec::new();
        for task in tasks {
            let response = task.await.expect("done");
            assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
            slugs.push(response.body["slug"].as_str().unwrap_or("").to_owned());
        }
        slugs.sort_unstable();
        let base = format!("where-is-my-order-number-{round}");
        let mut expected: Vec<String> = (1..=CLIENTS)
            .map(|n| match n {
                1 => base.clone(),
                n => format!("{base}-{n}"),
            })
            .collect();
        expected.sort_unstable();
        assert_eq!(slugs, expected);
    }
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
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
