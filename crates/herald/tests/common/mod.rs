//! What the tests of the real binary share: running `herald` with a clean environment,
//! importing entries, a running `herald serve` signed in as the first admin, and a check that
//! nothing in a bucket folder names a missing object.
// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub(crate) const EMAIL: &str = "admin@shop.example";
pub(crate) const PASSWORD: &str = "correct horse battery staple";
pub(crate) fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

/// `herald <args>` with no `HERALD_*` setting inherited from the test run.
pub(crate) fn bare_herald(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("HERALD_") {
            command.env_remove(key);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

/// `herald <args>` on `data`, with the example schemas and the first admin's credentials.
pub(crate) fn herald(data: &Path, args: &[&str]) -> Command {
    let mut command = bare_herald(args);
    command
        .env("HERALD_DATA_DIR", data)
        .env("HERALD_SCHEMAS", schemas())
        .env("HERALD_ADMIN_EMAIL", EMAIL)
        .env("HERALD_ADMIN_PASSWORD", PASSWORD);
    command
}

/// Runs `command` with `stdin` as its input, and waits for it.
pub(crate) fn run(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("herald finishes")
}

/// Imports `count` published FAQ entries (each with its one revision).
pub(crate) fn import(data: &Path, count: usize) {
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
    let output = run(&mut herald(data, &["import"]), &lines);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A new PostgreSQL database named `<prefix>_<pid>` on the server of `admin_url` (one left by
/// an earlier run is dropped first); dropped by [`Database::drop`].
pub(crate) struct Database {
    admin_url: String,
    name: String,
    pub(crate) url: String,
}

impl Database {
    pub(crate) async fn create(admin_url: &str, prefix: &str) -> Database {
        let name = format!("{prefix}_{}", std::process::id());
        run_sql(
            admin_url,
            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
        .await;
        run_sql(admin_url, &format!("CREATE DATABASE \"{name}\"")).await;
        let root = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(root, _)| root);
        Database {
            admin_url: admin_url.to_owned(),
            url: format!("{root}/{name}"),
            name,
        }
    }

    pub(crate) async fn drop(self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        run_sql(&self.admin_url, &sql).await;
    }
}

/// The PostgreSQL server of the test run when it runs on PostgreSQL
/// (`HERALD_TEST_DATABASE=postgres`, at `HERALD_TEST_POSTGRES_URL`).
pub(crate) fn postgres_url() -> Option<String> {
    (std::env::var("HERALD_TEST_DATABASE").as_deref() == Ok("postgres")).then(|| {
        std::env::var("HERALD_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    })
}

/// The database of a test: the SQLite file `<dir>/<prefix>.db`, or, when the run is on
/// PostgreSQL ([`postgres_url`]), a new database named after `prefix`, to drop at the end.
pub(crate) async fn test_database(dir: &Path, prefix: &str) -> (String, Option<Database>) {
    match postgres_url() {
        Some(admin_url) => {
            let database = Database::create(&admin_url, prefix).await;
            (database.url.clone(), Some(database))
        }
        None => (format!("sqlite://{}/{prefix}.db", dir.display()), None),
    }
}

/// A copy of the example schemas in `dir`, with `extra` files (name, text) added or replaced.
pub(crate) fn schema_folder(dir: &Path, extra: &[(&str, &str)]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("a folder");
    for file in std::fs::read_dir(schemas()).expect("schemas") {
        let file = file.expect("a file").path();
        if file.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&file, dir.join(file.file_name().expect("a name"))).expect("copy");
        }
    }
    for (name, text) in extra {
        std::fs::write(dir.join(name), text).expect("write");
    }
    dir.to_path_buf()
}

async fn run_sql(url: &str, sql: &str) {
    let pool = sea_orm::sqlx::PgPool::connect(url)
        .await
        .expect("PostgreSQL is reachable (HERALD_TEST_POSTGRES_URL)");
    sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&pool)
        .await
        .expect(sql);
    pool.close().await;
}

/// A running `herald serve`, and the lines of its standard error.
pub(crate) struct Server {
    child: Child,
    base: String,
    stderr: mpsc::Receiver<String>,
    client: reqwest::Client,
    /// The first admin's access token, which `client` sends.
    token: String,
}

impl Server {
    /// `herald serve` on `data`, paused at a publishing step when `pause` says so
    /// (`HERALD_PUBLISH_PAUSE`).
    pub(crate) async fn start(data: &Path, pause: Option<&str>) -> Server {
        let mut command = Self::command(data);
        if let Some(pause) = pause {
            command.env("HERALD_PUBLISH_PAUSE", pause);
        }
        Self::spawn(command).await
    }

    /// `herald serve` on `data` listening on a free loopback port, to adjust before
    /// [`Server::spawn`].
    pub(crate) fn command(data: &Path) -> Command {
        herald(data, &["serve", "--listen", "127.0.0.1:0"])
    }

    /// Runs `command`, waits until it listens and signs in as the first admin.
    pub(crate) async fn spawn(command: Command) -> Server {
        Self::attach(Self::launch(command)).await
    }

    /// Starts `command` with its output captured, without waiting for it.
    pub(crate) fn launch(mut command: Command) -> Child {
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("herald serve runs")
    }

    /// Waits until the launched `child` listens and signs in as the first admin.
    pub(crate) async fn attach(mut child: Child) -> Server {
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
        if base.is_empty() {
            let said: Vec<String> = stderr.try_iter().collect();
            panic!("the server did not start:\n{}", said.join("\n"));
        }
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
            token,
        }
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Value {
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

    pub(crate) async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON")
    }

    /// Uploads `bytes` as an asset (`POST /assets`, multipart) and returns it; panics unless
    /// it is accepted.
    pub(crate) async fn upload(&self, filename: &str, content_type: &str, bytes: &[u8]) -> Value {
        let boundary = "herald-test-boundary-7f3a";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .client
            .post(format!("{}/api/v1/assets", self.base))
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status.is_success(), "upload: {status} {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    /// `method path` with `If-Match: *` and an optional JSON body; panics unless it succeeds.
    pub(crate) async fn edit(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .header("if-match", "*");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    /// `method path` with `If-Match: *` and an optional JSON body: the status and the body as
    /// JSON (`null` when it is not), whatever they are.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("if-match", "*");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Polls job `id` until `done` says so (or 120 s pass).
    pub(crate) async fn wait_for(&self, id: &Value, done: impl Fn(&Value) -> bool) -> Value {
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

    /// The server's URL, `http://127.0.0.1:<port>`.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Waits for a log line containing `text`.
    pub(crate) fn wait_log(&self, text: &str) {
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

    /// The first admin's access token, for requests made without [`Server`]'s client.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// SIGTERM, as systemd, Docker or Kubernetes stop a service: a graceful shutdown.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
    }

    /// The exit status once the process has exited, waiting at most `timeout`; `None` while
    /// it still runs.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("the process") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no graceful anything.
    pub(crate) fn kill(self) {
        drop(self);
    }

    pub(crate) fn stop(self) {
        self.kill();
    }
}

/// A test that fails leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn finished(job: &Value) -> bool {
    ["done", "failed", "cancelled"].contains(&job["status"].as_str().unwrap_or(""))
}

/// What in the bucket folder names a missing object, looked at twice to rule out a change
/// between reading a page and checking what it names.
pub(crate) fn dangling(bucket: &Path) -> Vec<String> {
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
    if let Some(redirects) = manifest.get("redirects") {
        check("manifest.json", redirects.as_str().unwrap_or(""));
    }
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
