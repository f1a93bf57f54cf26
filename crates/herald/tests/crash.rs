//! Publishing with the real binary. Crash safety: `herald serve` is killed with SIGKILL in the
//! middle of a rebuild and at each step of a single publish; after a restart the work
//! completes. Meanwhile a watcher reads the bucket folder over and over and records any
//! manifest, index page or redirect that names a missing object: there must be none. And
//! `herald publish rebuild` from the command line.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const EMAIL: &str = "admin@shop.example";
const PASSWORD: &str = "correct horse battery staple";
/// Published entries imported before the rebuild.
const ENTRIES: usize = 6000;

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// `herald <args>` on `data`, with no `HERALD_*` setting inherited from the test run.
fn herald(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("HERALD_") {
            command.env_remove(key);
        }
    }
    command
        .env("HERALD_DATA_DIR", data)
        .env("HERALD_SCHEMAS", schemas())
        .env("HERALD_ADMIN_EMAIL", EMAIL)
        .env("HERALD_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn");
    command
}

/// Imports `count` published FAQ entries (each with its one revision).
fn import(data: &Path, count: usize) {
    let mut lines = String::new();
    for n in 0..count {
        let id = format!("0193a3e4-7c1e-7b4a-9f00-{n:012}");
        let fields = json!({"question": format!("Question {n}?"), "answer": format!("The answer to question {n}."),
                            "category": "general", "order": 100});
        let at = "2026-11-20T10:00:00Z";
        let entry = json!({"kind": "entry", "id": id, "type": "faq", "locale": "en",
            "slug": format!("question-{n}"), "status": "published", "version": 1, "fields": fields,
            "created_at": at, "created_by": "import", "updated_at": at, "updated_by": "import",
            "published_version": 1, "publish_at": null, "unpublish_at": null});
        let revision = json!({"kind": "revision", "entry_id": id, "version": 1,
            "slug": format!("question-{n}"), "status": "published", "fields": fields,
            "author": "import", "created_at": at});
        lines.push_str(&format!("{entry}\n{revision}\n"));
    }
    let mut child = herald(data, &["import"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald import runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("write the import");
    let output = child.wait_with_output().expect("import finishes");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running `herald serve`, and the lines of its standard error.
struct Server {
    child: Child,
    base: String,
    stderr: mpsc::Receiver<String>,
    client: reqwest::Client,
}

impl Server {
    async fn start(data: &Path, pause: Option<&str>) -> Server {
        let mut command = herald(data, &["serve", "--listen", "127.0.0.1:0"]);
        if let Some(pause) = pause {
            command.env("HERALD_PUBLISH_PAUSE", pause);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("herald serve runs");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (lines, stderr) = mpsc::channel();
        let err = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut base = String::new();
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("Herald is listening on ") {
                base = url.trim().to_owned();
                break;
            }
        }
        assert!(!base.is_empty(), "the server did not start");
        let anonymous = reqwest::Client::new();
        let login: Value = anonymous
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": EMAIL, "password": PASSWORD}))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("a token");
        let token = login["access_token"].as_str().expect("a token").to_owned();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("a header"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("a client");
        Server {
            child,
            base,
            stderr,
            client,
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON")
    }

    /// Polls job `id` until `done` says so (or 120 s pass).
    async fn wait_for(&self, id: &Value, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let job = self.get(&format!("/api/v1/publish/jobs/{id}")).await;
            if done(&job) {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} stuck: {job}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for a log line containing `text`.
    fn wait_log(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(100))
                && line.contains(text)
            {
                return;
            }
        }
        panic!("no log line with {text:?}");
    }

    /// SIGKILL: no graceful anything.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    fn stop(self) {
        self.kill();
    }
}

fn finished(job: &Value) -> bool {
    ["done", "failed", "cancelled"].contains(&job["status"].as_str().unwrap_or(""))
}

/// What in the bucket folder names a missing object, looked at twice to rule out a change
/// between reading a page and checking what it names.
fn dangling(bucket: &Path) -> Vec<String> {
    let read = |key: &str| -> Option<Value> {
        let text = std::fs::read(bucket.join(key)).ok()?;
        serde_json::from_slice(&text).ok()
    };
    let exists = |key: &str| bucket.join(key).is_file();
    let mut problems = Vec::new();
    let Some(manifest) = read("manifest.json") else {
        return problems;
    };
    let mut check = |from: &str, named: &str| {
        if !exists(named) {
            problems.push(format!("{from} names {named}"));
        }
    };
    for (_, about) in manifest["types"].as_object().into_iter().flatten() {
        check("manifest.json", about["schema"].as_str().unwrap_or(""));
        for (_, listing) in about["locales"].as_object().into_iter().flatten() {
            let mut key = listing["index"].as_str().map(str::to_owned);
            let mut seen = BTreeSet::new();
            while let Some(page) = key.take() {
                if !seen.insert(page.clone()) {
                    break;
                }
                let Some(index) = read(&page) else {
                    check("manifest.json", &page);
                    break;
                };
                for item in index["items"].as_array().into_iter().flatten() {
                    check(&page, item["path"].as_str().unwrap_or(""));
                }
                key = index["next"].as_str().map(str::to_owned);
            }
        }
    }
    if let Some(redirects) = read("redirects.json") {
        for (_, to) in redirects.as_object().into_iter().flatten() {
            check("redirects.json", to.as_str().unwrap_or(""));
        }
    }
    problems
}

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
