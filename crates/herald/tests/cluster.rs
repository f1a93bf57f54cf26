//! Three `herald serve` processes on one PostgreSQL database and one bucket, as behind a load
//! balancer, started at the same moment on a new database (migrations, the first admin and the
//! schema record race). Every publish job, scheduled or not, runs exactly once, and every
//! path is announced once; so does every scheduled unpublication. A batch whose server is
//! killed in the middle is finished once by another when the lease runs out. Runs only with
//! `HERALD_TEST_DATABASE=postgres` (one SQLite file belongs to one server); the database is
//! `HERALD_TEST_POSTGRES_URL`'s server.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{Database, Server, dangling, finished, postgres_url};

/// A webhook endpoint on loopback that answers 200 and keeps every body.
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Hook {
    fn start() -> Hook {
        let bodies: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let seen = bodies.clone();
        let server = actix_web::HttpServer::new(move || {
            let seen = seen.clone();
            actix_web::App::new().default_service(actix_web::web::to(
                move |body: actix_web::web::Bytes| {
                    seen.lock().expect("the lock").push(body.to_vec());
                    async { actix_web::HttpResponse::Ok().finish() }
                },
            ))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("a port");
        let url = format!("http://{}/hook", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Hook {
            url,
            bodies,
            handle,
        }
    }

    /// How many times each path under `prefix` was announced.
    fn announced(&self, prefix: &str) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for body in self.bodies.lock().expect("the lock").iter() {
            let body: Value = serde_json::from_slice(body).expect("JSON");
            for path in body["paths"].as_array().expect("paths") {
                let path = path.as_str().unwrap_or("");
                if path.starts_with(prefix) {
                    *counts.entry(path.to_owned()).or_default() += 1;
                }
            }
        }
        counts
    }
}

#[actix_web::test]
async fn three_processes_run_every_job_exactly_once() {
    let Some(admin_url) = postgres_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: needs HERALD_TEST_DATABASE=postgres"
        );
        return;
    };
    let database = Database::create(&admin_url, "herald_c").await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    let hook = Hook::start();
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        format!(
            "[[publish.webhooks]]\nurl = \"{}\"\nsecret = \"cluster-hook\"\n",
            hook.url
        ),
    )
    .expect("the config");

    // Launched together, then waited for: they migrate, create the first admin and record the
    // schema set at the same moment.
    let children: Vec<_> = (0..3)
        .map(|_| {
            let mut command = Server::command(&data);
            command
                .env("HERALD_DATABASE_URL", &database.url)
                .env("HERALD_CONFIG", &config);
            Server::launch(command)
        })
        .collect();
    let mut servers = Vec::new();
    for child in children {
        servers.push(Server::attach(child).await);
    }

    // 30 entries published now and 6 at a time two seconds ahead, each through a server in
    // turn, all at once.
    let mut ids = Vec::new();
    for n in 0..36 {
        let entry = servers[n % 3]
            .post(
                "/api/v1/entries/faq",
                json!({"fields": {"question": format!("Cluster question {n}?"),
                                   "answer": "Answered by whichever server."}}),
            )
            .await;
        ids.push(entry["id"].as_str().expect("an id").to_owned());
    }
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let requests = ids.iter().enumerate().map(|(n, id)| {
        let body = if n >= 30 {
            json!({"at": at})
        } else {
            json!({})
        };
        let (server, path) = (&servers[n % 3], format!("/api/v1/entries/faq/{id}/publish"));
        async move { server.post(&path, body).await }
    });
    let jobs = futures::future::join_all(requests).await;
    for (n, job) in jobs.iter().enumerate() {
        let job = servers[(n + 1) % 3].wait_for(&job["id"], finished).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["attempts"], 1, "ran once: {job}");
    }

    // Every notification delivered; each entry's path announced exactly once.
    let prefix = "content/faq/en/cluster-question-";
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut announced = hook.announced(prefix);
    while announced.len() < ids.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        announced = hook.announced(prefix);
    }
    assert_eq!(announced.len(), ids.len(), "{announced:?}");
    assert!(announced.values().all(|n| *n == 1), "{announced:?}");

    // Each scheduled publication was carried out once, by one of the servers.
    let audit = servers[0]
        .get("/api/v1/audit?action=entry.publish&actor=system&limit=100")
        .await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(6), "{audit}");
    let users = servers[1].get("/api/v1/users").await;
    assert_eq!(
        users["items"].as_array().map(Vec::len),
        Some(1),
        "one first admin: {users}"
    );
    let index: Value = serde_json::from_slice(
        &std::fs::read(bucket.join("content/faq/en/index.json")).expect("the listing"),
    )
    .expect("JSON");
    assert_eq!(index["items"].as_array().map(Vec::len), Some(36), "{index}");
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));

    // 6 entries taken offline two seconds ahead, each through a server in turn: each scheduled
    // unpublication is carried out once, by one of the servers, within 5 s of its time.
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let requests = ids[..6].iter().enumerate().map(|(n, id)| {
        let (server, path) = (
            &servers[n % 3],
            format!("/api/v1/entries/faq/{id}/unpublish"),
        );
        let body = json!({"at": at.to_rfc3339()});
        async move { server.post(&path, body).await }
    });
    let jobs = futures::future::join_all(requests).await;
    for (n, job) in jobs.iter().enumerate() {
        assert_eq!(job["status"], "queued", "{job}");
        let job = servers[(n + 1) % 3].wait_for(&job["id"], finished).await;
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["attempts"], 1, "ran once: {job}");
        let done = chrono::DateTime::parse_from_rfc3339(job["finished_at"].as_str().unwrap_or(""))
            .expect("a finish time");
        assert!(
            done.with_timezone(&chrono::Utc) - at < chrono::Duration::seconds(5),
            "on time: {job}"
        );
    }
    let audit = servers[2]
        .get("/api/v1/audit?action=entry.unpublish&actor=system&limit=100")
        .await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(6), "{audit}");
    for id in &ids[..6] {
        let history = servers[0]
            .get(&format!("/api/v1/entries/faq/{id}/revisions"))
            .await;
        let unpublished = history["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["note"] == "unpublished")
            .count();
        assert_eq!(unpublished, 1, "one unpublication of {id}: {history}");
    }
    let index: Value = serde_json::from_slice(
        &std::fs::read(bucket.join("content/faq/en/index.json")).expect("the listing"),
    )
    .expect("JSON");
    assert_eq!(index["items"].as_array().map(Vec::len), Some(30), "{index}");
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));

    for server in servers {
        server.stop();
    }
    hook.handle.stop(false).await;
    database.drop().await;
}

#[actix_web::test]
async fn a_batch_whose_server_dies_is_finished_once_by_another() {
    let Some(admin_url) = postgres_url() else {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: needs HERALD_TEST_DATABASE=postgres"
        );
        return;
    };
    let database = Database::create(&admin_url, "herald_k").await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let bucket = data.join("public");
    let start = |pause: Option<&str>| {
        let mut command = Server::command(&data);
        command.env("HERALD_DATABASE_URL", &database.url);
        if let Some(pause) = pause {
            command.env("HERALD_PUBLISH_PAUSE", pause);
        }
        Server::spawn(command)
    };

    let first = start(None).await;
    let mut entries = Vec::new();
    for n in 0..3 {
        let entry = first
            .post(
                "/api/v1/entries/faq",
                json!({"fields": {"question": format!("Takeover question {n}?"),
                                   "answer": "Still answered after a crash."}}),
            )
            .await;
        let id = entry["id"].as_str().expect("an id").to_owned();
        let job = first
            .post(&format!("/api/v1/entries/faq/{id}/publish"), json!({}))
            .await;
        first.wait_for(&job["id"], finished).await;
        entries.push(entry);
    }
    first.stop();

    // The unpublication is recorded, then its server dies before the listing and the manifest
    // are written and the object deleted: the riskiest moment.
    let doomed = start(Some("after_commit:120000")).await;
    let gone = &entries[1];
    let job = doomed
        .post(
            &format!(
                "/api/v1/entries/faq/{}/unpublish",
                gone["id"].as_str().unwrap_or("")
            ),
            json!({}),
        )
        .await;
    doomed.wait_log("pausing (HERALD_PUBLISH_PAUSE)");
    let survivor = start(None).await;
    doomed.kill();
    let started = Instant::now();
    let done = survivor.wait_for(&job["id"], finished).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["attempts"], 2, "taken over once: {done}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "taken over within the lease: {:?}",
        started.elapsed()
    );
    let slug = gone["slug"].as_str().expect("a slug");
    assert!(!bucket.join(format!("content/faq/en/{slug}.json")).exists());
    let index: Value = serde_json::from_slice(
        &std::fs::read(bucket.join("content/faq/en/index.json")).expect("the listing"),
    )
    .expect("JSON");
    let listed: Vec<&str> = index["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["slug"].as_str())
        .collect();
    assert_eq!(listed.len(), 2, "{index}");
    assert!(!listed.contains(&slug), "{index}");
    assert!(dangling(&bucket).is_empty(), "{:?}", dangling(&bucket));
    survivor.stop();
    database.drop().await;
}
