//! A rebuild gives way to publications that are due: an entry published in the middle of a
//! long rebuild is live before the rebuild is done, and the rebuild then resumes at its cursor
//! and completes. The real binary, with a pause after each rebuilt chunk to make it long.

mod common;

use serde_json::json;

use common::{Server, dangling, finished, import};

/// Published entries imported before the rebuild: six chunks.
const ENTRIES: usize = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_does_not_wait_for_a_rebuild() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    import(&data, ENTRIES);
    let server = Server::start(&data, Some("rebuild_chunk:400")).await;
    let rebuild = server.post("/api/v1/publish/rebuild", json!({})).await;
    server
        .wait_for(&rebuild["id"], |job| {
            job["progress"]["done"].as_u64().unwrap_or(0) >= 500
        })
        .await;

    let entry = server
        .post(
            "/api/v1/entries/faq",
            json!({"fields": {"question": "Published during a rebuild?", "answer": "Yes, at once."}}),
        )
        .await;
    let id = entry["id"].as_str().expect("an id");
    let job = server
        .post(&format!("/api/v1/entries/faq/{id}/publish"), json!({}))
        .await;
    let published = server.wait_for(&job["id"], finished).await;
    assert_eq!(published["status"], "done", "{published}");
    let slug = entry["slug"].as_str().expect("a slug");
    assert!(bucket.join(format!("content/faq/en/{slug}.json")).is_file());
    let meanwhile = server
        .get(&format!("/api/v1/publish/jobs/{}", rebuild["id"]))
        .await;
    assert!(
        !finished(&meanwhile),
        "the publication waited for the whole rebuild: {meanwhile}"
    );

    let rebuilt = server.wait_for(&rebuild["id"], finished).await;
    assert_eq!(rebuilt["status"], "done", "{rebuilt}");
    for n in [0, ENTRIES - 1] {
        assert!(
            bucket
                .join(format!("content/faq/en/question-{n}.json"))
                .is_file()
        );
    }
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(bucket.join("content/faq/en/index.json")).expect("the listing"),
    )
    .expect("JSON");
    assert_eq!(
        index["items"][0]["slug"], slug,
        "listed newest first: {index}"
    );
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));
    server.stop();
}
