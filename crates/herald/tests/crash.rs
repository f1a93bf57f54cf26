//! Publishing with the real binary. Crash safety: `herald serve` is killed with SIGKILL in the
//! middle of a rebuild and at each step of a single publish; after a restart the work
//! completes. Meanwhile a watcher reads the bucket folder over and over and records any
//! manifest, index page or redirect that names a missing object: there must be none. And
//! `herald publish rebuild` from the command line, beside a server on the same SQLite file,
//! and a change of the listings' page size.

mod common;

use std::path::{Path, PathBuf};
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
    storefront_example_reads(&bucket);
}

/// `docs/examples/read_bucket.py`, the storefront guide's reader, on a real bucket: the
/// manifest, a whole listing, one entry; and its signature check on the documented vector.
fn storefront_example_reads(bucket: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/read_bucket.py");
    let run = |args: &[&str]| {
        let output = std::process::Command::new("python3")
            .arg(&example)
            .arg(bucket)
            .args(args)
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{args:?}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let overview = run(&[]);
    assert!(
        overview.contains("faq") && overview.contains("1200 entries"),
        "{overview}"
    );
    let listing = run(&["faq", "en"]);
    assert_eq!(listing.lines().count(), 1200, "every page along `next`");
    assert!(
        listing.contains("content/faq/en/question-7.json"),
        "{listing}"
    );
    let entry: Value = serde_json::from_str(&run(&["faq", "en", "question-7"])).expect("JSON");
    assert_eq!(entry["fields"]["question"], "Question 7?");
    let signature = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys; sys.path.insert(0, sys.argv[1]); import read_bucket as r; \
             ok = r.signed_by_herald(b'{\"paths\":[]}', 'sha256=fd83b5a91351f3a456eaafb853bae761b44e4ad307d9a6f6f8cfc0aab3a9a0c3', 'secret'); \
             bad = r.signed_by_herald(b'{\"paths\":[1]}', 'sha256=fd83b5a91351f3a456eaafb853bae761b44e4ad307d9a6f6f8cfc0aab3a9a0c3', 'secret'); \
             sys.exit(0 if ok and not bad else 1)",
        )
        .arg(example.parent().expect("its folder"))
        .status()
        .expect("python3 runs");
    assert!(
        signature.success(),
        "the example checks signatures like Herald signs"
    );
}

/// The listing pages of the FAQ in English in the bucket folder (`index-{n}.json`), in order,
/// with the slugs each lists.
fn faq_pages(bucket: &Path) -> Vec<(i64, Vec<String>)> {
    let folder = bucket.join("content/faq/en");
    let mut pages: Vec<(i64, Vec<String>)> = std::fs::read_dir(&folder)
        .expect("the listing folder")
        .filter_map(|f| {
            let name = f.ok()?.file_name().into_string().ok()?;
            let n = name
                .strip_prefix("index-")?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            let page: Value =
                serde_json::from_slice(&std::fs::read(folder.join(&name)).ok()?).ok()?;
            let slugs = page["items"]
                .as_array()?
                .iter()
                .filter_map(|i| i["slug"].as_str().map(str::to_owned))
                .collect();
            Some((n, slugs))
        })
        .collect();
    pages.sort();
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_page_size_pages_every_listing_again_and_leaves_no_page_behind() {
    const COUNT: usize = 250;
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    import(&data, COUNT);
    let config = dir.path().join("herald.toml");
    let mut last_job = Value::Null;
    for (size, pages) in [(100, 3), (50, 5), (200, 2)] {
        std::fs::write(&config, format!("[publish]\npage_size = {size}\n")).expect("config");
        let mut command = Server::command(&data);
        command.env("HERALD_CONFIG", &config);
        let server = Server::spawn(command).await;
        let job = if size == 100 {
            server.post("/api/v1/publish/rebuild", json!({})).await
        } else {
            // Changed: the server queued a rebuild of every type itself.
            let jobs = server.get("/api/v1/publish/jobs?kind=rebuild").await;
            jobs["items"][0].clone()
        };
        assert_ne!(job["id"], last_job["id"], "a new rebuild for {size}: {job}");
        let done = server.wait_for(&job["id"], finished).await;
        assert_eq!(done["status"], "done", "{done}");
        last_job = done;

        let manifest: Value = serde_json::from_slice(
            &std::fs::read(bucket.join("manifest.json")).expect("the manifest"),
        )
        .expect("JSON");
        assert_eq!(manifest["page_size"], size);
        assert_eq!(manifest["types"]["faq"]["locales"]["en"]["pages"], pages);
        let found = faq_pages(&bucket);
        let numbers: Vec<i64> = found.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            numbers,
            (0..pages).collect::<Vec<i64>>(),
            "page size {size}"
        );
        let mut listed: Vec<String> = Vec::new();
        for (n, slugs) in &found {
            assert!(slugs.len() <= size, "page {n} of {size}: {}", slugs.len());
            listed.extend(slugs.iter().cloned());
        }
        listed.sort();
        listed.dedup();
        assert_eq!(listed.len(), COUNT, "every entry listed once at {size}");
        assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));
        server.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_starting_beside_a_command_line_rebuild_leaves_its_job_alone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    import(&data, 1200);
    // Each chunk of 500 entries waits 1.5 s: the rebuild runs for about 5 s.
    let mut rebuild = herald(&data, &["publish", "rebuild"]);
    rebuild.env("HERALD_PUBLISH_PAUSE", "rebuild_chunk:1500");
    let cli = rebuild
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("herald runs");
    std::thread::sleep(Duration::from_millis(1200));
    let server = Server::start(&data, None).await;
    let output = cli.wait_with_output().expect("the rebuild finishes");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Rebuilt 1200 objects"), "{stdout}");
    let jobs = server.get("/api/v1/publish/jobs?kind=rebuild").await;
    let job = &jobs["items"][0];
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["attempts"], 1, "never taken over: {job}");
    assert!(dangling(&data.join("public")).is_empty());
    server.stop();
}

/// The id `import` gives FAQ number `n`.
fn imported_id(n: usize) -> String {
    format!("0193a3e4-7c1e-7b4a-9f00-{n:012}")
}

/// Runs `sql` on the SQLite database of `data`, with no server running.
async fn sql(data: &Path, sql: &str) {
    use sea_orm::ConnectionTrait;

    let url = format!("sqlite://{}/herald.db", data.display());
    let db = sea_orm::Database::connect(url.as_str())
        .await
        .expect("the database");
    db.execute_unprepared(sql).await.expect(sql);
    db.close().await.expect("closed");
}

/// Whether the listing page `page` of the English FAQ names `slug`.
fn page_lists(bucket: &Path, page: &str, slug: &str) -> bool {
    let page: Value = serde_json::from_slice(
        &std::fs::read(bucket.join(format!("content/faq/en/{page}.json"))).expect("the page"),
    )
    .expect("JSON");
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["slug"] == slug)
}

/// A rebuild writes every object again (here because the database recorded older versions than
/// the live ones, as when the bucket fell behind) and gives way to an unpublication between two
/// chunks. The paths it recorded keep their place in the listing until it writes every page at
/// its end, so the unpublication rewrites the page that lists its entry before deleting the
/// object: at no moment does a page name a missing object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpublication_in_the_middle_of_a_rebuild_leaves_no_page_naming_its_object() {
    const COUNT: usize = 1200;
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    import(&data, COUNT);
    let server = Server::start(&data, None).await;
    let job = server.post("/api/v1/publish/rebuild", json!({})).await;
    let done = server.wait_for(&job["id"], finished).await;
    assert_eq!(done["status"], "done", "{done}");
    server.stop();
    sql(&data, "UPDATE published_entries SET version = 0").await;
    assert!(page_lists(&bucket, "index-0", "question-5"));

    // Each chunk of 500 waits 4 s once recorded: the first (questions 0 to 499) is recorded
    // when the pause comes.
    let server = Server::start(&data, Some("rebuild_chunk:4000")).await;
    let rebuild = server.post("/api/v1/publish/rebuild", json!({})).await;
    server.wait_log("pausing (HERALD_PUBLISH_PAUSE)");
    let gone = server
        .post(
            &format!("/api/v1/entries/faq/{}/unpublish", imported_id(5)),
            json!({}),
        )
        .await;
    let done = server.wait_for(&gone["id"], finished).await;
    assert_eq!(done["status"], "done", "{done}");
    // The rebuild is still at work (it pauses after its next chunk): its pages are not written.
    let running = server
        .get(&format!("/api/v1/publish/jobs/{}", rebuild["id"]))
        .await;
    assert!(!finished(&running), "{running}");
    assert!(!bucket.join("content/faq/en/question-5.json").exists());
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));
    assert!(!page_lists(&bucket, "index-0", "question-5"));

    let rebuilt = server.wait_for(&rebuild["id"], finished).await;
    assert_eq!(rebuilt["status"], "done", "{rebuilt}");
    assert_eq!(rebuilt["result"]["written_count"], COUNT - 1, "{rebuilt}");
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(bucket.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    assert_eq!(
        manifest["types"]["faq"]["locales"]["en"]["count"],
        COUNT - 1
    );
    server.stop();
}

/// A PNG header of `width` × `height`, padded to `len` bytes.
fn png(width: u32, height: u32, len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes.resize(len, 7);
    bytes
}

/// A publication writes its object (and makes the portrait it shows public), then stops
/// before its transaction records them; before it resumes, the entry goes offline. The object
/// and the file are deleted when it resumes, not left public with nothing naming them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_interrupted_publication_wrote_for_an_entry_gone_offline_is_deleted() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    let pause = "after_objects:60000";
    let server = Server::start(&data, Some(pause)).await;
    let portrait = server
        .upload("portrait.png", "image/png", &png(400, 400, 2000))
        .await;
    let file = format!(
        "assets/{}/{}",
        portrait["sha256"].as_str().expect("a hash"),
        portrait["filename"].as_str().expect("a name")
    );
    let author = server
        .post(
            "/api/v1/entries/author",
            json!({"fields": {"name": "Ana Silva", "email": "ana@example.com",
                              "avatar": {"id": portrait["id"]}}}),
        )
        .await;
    let id = author["id"].as_str().expect("an id").to_owned();
    let object = format!(
        "content/author/en/{}.json",
        author["slug"].as_str().expect("a slug")
    );
    let publish = server
        .post(&format!("/api/v1/entries/author/{id}/publish"), json!({}))
        .await;
    server.wait_log("pausing (HERALD_PUBLISH_PAUSE)");
    assert!(bucket.join(&object).is_file(), "written before the pause");
    assert!(bucket.join(&file).is_file(), "public before the object");
    server.kill();

    // Restarted, the job resumes and stops at the same step again; meanwhile the entry is
    // taken offline.
    let server = Server::start(&data, Some(pause)).await;
    server.wait_log("pausing (HERALD_PUBLISH_PAUSE)");
    let unpublish = server
        .post(&format!("/api/v1/entries/author/{id}/unpublish"), json!({}))
        .await;
    server.kill();

    let server = Server::start(&data, None).await;
    let published = server.wait_for(&publish["id"], finished).await;
    assert_eq!(published["status"], "done", "{published}");
    let deleted = published["result"]["deleted"].to_string();
    assert!(
        deleted.contains(&object) && deleted.contains(&file),
        "{published}"
    );
    let unpublished = server.wait_for(&unpublish["id"], finished).await;
    assert_eq!(unpublished["status"], "done", "{unpublished}");
    assert!(!bucket.join(&object).exists(), "the object is gone");
    assert!(
        !bucket.join(&file).exists(),
        "the portrait is private again"
    );
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));
    server.stop();
}
