//! Publishing with the real binary. Crash safety: `herald serve` is killed with SIGKILL in the
//! middle of a rebuild and at each step of a single publish; after a restart the work
//! completes. Meanwhile a watcher reads the bucket folder over and over and records any
//! manifest, index page or redirect that names a missing object: there must be none. And
//! `herald publish rebuild` from the command line.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use common::{Server, dangling, finished, herald, import};

/// Published entries imported before the rebuild.
const ENTRIES: usize = 6000;

/// Reads the bucket folder in a loop until stopped; returns what it found wrong and how many
/// times it looked.
fn watch(bucket: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(Vec<String>, usize)> {
    std::thread::spawn(move || {
        let found = Mutex::new(Vec::new());
        let mut rounds = 0;
        while !stop.load(Ordering::SeqCst) {
            let first = dangling(&bucket);
            if !first.is_empty() {
                // A page read just before it was rewritten may name an object deleted just
                // after: only what is still wrong on a second look counts.
                std::thread::sleep(Duration::from_millis(5));
                let again = dangling(&bucket);
                let lasting: Vec<String> =
                    first.into_iter().filter(|p| again.contains(p)).collect();
                found.lock().expect("lock").extend(lasting);
            }
            rounds += 1;
        }
        (found.into_inner().expect("lock"), rounds)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_rebuild_and_mid_publish_the_work_completes_and_nothing_dangles() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    import(&data, ENTRIES);
    std::fs::create_dir_all(&bucket).expect("the bucket folder");
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch(bucket.clone(), stop.clone());

    // A rebuild, killed twice while it writes objects.
    let server = Server::start(&data, None).await;
    let job = server.post("/api/v1/publish/rebuild", json!({})).await;
    let id = job["id"].clone();
    let third = (ENTRIES / 3) as u64;
    server
        .wait_for(&id, |j| {
            j["progress"]["done"].as_u64().unwrap_or(0) >= third
        })
        .await;
    server.kill();
    let server = Server::start(&data, None).await;
    let resumed = server
        .wait_for(&id, |j| {
            finished(j) || j["progress"]["done"].as_u64().unwrap_or(0) >= 2 * third
        })
        .await;
    assert!(
        resumed["progress"]["done"].as_u64().unwrap_or(0) >= third,
        "resumed, not restarted: {resumed}"
    );
    server.kill();
    let server = Server::start(&data, None).await;
    let rebuilt = server.wait_for(&id, finished).await;
    assert_eq!(rebuilt["status"], "done", "{rebuilt}");
    let index = std::fs::read(bucket.join("content/faq/en/index.json")).expect("the listing");
    let index: Value = serde_json::from_slice(&index).expect("JSON");
    assert_eq!(index["page"], (ENTRIES - 1) / 100);
    for n in [0, ENTRIES / 2, ENTRIES - 1] {
        assert!(
            bucket
                .join(format!("content/faq/en/question-{n}.json"))
                .is_file()
        );
    }
    server.stop();

    // A single publish, killed after each of its steps.
    for (n, step) in ["after_objects", "after_commit", "after_manifest"]
        .iter()
        .enumerate()
    {
        let pause = format!("{step}:60000");
        let server = Server::start(&data, Some(&pause)).await;
        let entry = server
            .post(
                "/api/v1/entries/faq",
                json!({"fields": {"question": format!("Crash {step}?"), "answer": "Published despite the crash."}}),
            )
            .await;
        let slug = entry["slug"].as_str().expect("a slug").to_owned();
        let job = server
            .post(
                &format!(
                    "/api/v1/entries/faq/{}/publish",
                    entry["id"].as_str().unwrap_or("")
                ),
                json!({}),
            )
            .await;
        server.wait_log("pausing (HERALD_PUBLISH_PAUSE)");
        server.kill();
        let server = Server::start(&data, None).await;
        let done = server.wait_for(&job["id"], finished).await;
        assert_eq!(done["status"], "done", "{step}: {done}");
        assert_eq!(done["attempts"], 2, "{step}: resumed once: {done}");
        assert!(
            bucket.join(format!("content/faq/en/{slug}.json")).is_file(),
            "{step}"
        );
        let index: Value = serde_json::from_slice(
            &std::fs::read(bucket.join("content/faq/en/index.json")).expect("the listing"),
        )
        .expect("JSON");
        assert_eq!(
            index["items"][0]["slug"], slug,
            "{step}: listed newest first"
        );
        assert_eq!(
            index["items"].as_array().map(Vec::len).unwrap_or(0),
            ENTRIES % 100 + n + 1,
            "{step}"
        );
        server.stop();
    }

    stop.store(true, Ordering::SeqCst);
    let (problems, rounds) = watcher.join().expect("the watcher");
    assert!(rounds > 10, "the watcher looked {rounds} times");
    assert!(problems.is_empty(), "dangling: {problems:?}");
    assert!(dangling(&bucket).is_empty());
}

#[test]
fn publish_rebuild_on_the_command_line_shows_progress_and_writes_the_bucket() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    import(&data, 1200);
    let unknown = herald(&data, &["publish", "rebuild", "--type", "nope"])
        .output()
        .expect("herald runs");
    assert_eq!(unknown.status.code(), Some(1));
    let said = String::from_utf8_lossy(&unknown.stdout);
    assert!(
        said.contains("no content type `nope`"),
        "{said}{}",
        String::from_utf8_lossy(&unknown.stderr)
    );

    let output = herald(&data, &["publish", "rebuild", "--type", "faq"])
        .output()
        .expect("herald runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("Starting the rebuild of faq"), "{stdout}");
    assert!(stdout.contains("Rebuilt 1200 objects"), "{stdout}");
    assert!(stderr.contains("100% 1200/1200 entries"), "{stderr}");
    let bucket = data.join("public");
    assert!(bucket.join("content/faq/en/question-1199.json").is_file());
    assert!(bucket.join("content/faq/en/index-11.json").is_file());
    assert!(bucket.join("manifest.json").is_file());
    assert!(dangling(&bucket).is_empty());
}
