//! Starting a real server for a test, and a small HTTP client around it.

#![allow(dead_code)] // each test module uses a part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use herald::server::{Running, StartError, start};
use herald::settings::{Bucket, DatabaseUrl, Secret, Settings};
use herald_model::Locales;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::OnceCell;

/// The repository's example schemas.
pub(crate) fn example_schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// Whether this run uses PostgreSQL.
pub(crate) fn postgres() -> bool {
    std::env::var("HERALD_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

fn postgres_admin_url() -> String {
    std::env::var("HERALD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

static SWEPT: OnceCell<()> = OnceCell::const_new();

/// A database for one test: a SQLite file in `dir`, or a new PostgreSQL database. Databases
/// left by earlier runs (a panicking test cannot drop its own) are dropped on first use once
/// they are an hour old.
pub(crate) async fn fresh_database(dir: &Path) -> (String, Option<String>) {
    if !postgres() {
        return (format!("sqlite://{}/herald.db", dir.display()), None);
    }
    let admin = sea_orm::sqlx::PgPool::connect(&postgres_admin_url())
        .await
        .expect("PostgreSQL is reachable (HERALD_TEST_POSTGRES_URL)");
    SWEPT
        .get_or_init(|| async {
            let stale: Vec<(String,)> = sea_orm::sqlx::query_as(
                "SELECT datname FROM pg_database WHERE datname LIKE 'herald_t_%'",
            )
            .fetch_all(&admin)
            .await
            .unwrap_or_default();
            // Only databases older than an hour: another run of this suite against the same
            // server may be going on, and its databases are young. The name's UUID v7 carries
            // the time it was made.
            let hour_ago = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|now| now.as_secs().saturating_sub(3600))
                .unwrap_or(0);
            for (name,) in stale {
                let made = name
                    .strip_prefix("herald_t_")
                    .and_then(|id| uuid::Uuid::parse_str(id).ok())
                    .and_then(|id| id.get_timestamp())
                    .map(|ts| ts.to_unix().0);
                if made.is_some_and(|secs| secs > hour_ago) {
                    continue;
                }
                let _ = sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&admin)
                .await;
            }
        })
        .await;
    let name = format!("herald_t_{}", uuid::Uuid::now_v7().simple());
    sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\""
    )))
    .execute(&admin)
    .await
    .expect("create a test database");
    admin.close().await;
    let base = postgres_admin_url();
    let root = base.rsplit_once('/').map(|(root, _)| root).unwrap_or(&base);
    (format!("{root}/{name}"), Some(name))
}

async fn drop_database(name: &str) {
    if let Ok(admin) = sea_orm::sqlx::PgPool::connect(&postgres_admin_url()).await {
        let _ = sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&admin)
        .await;
        admin.close().await;
    }
}

/// The first admin of every test server.
pub(crate) const ADMIN_EMAIL: &str = "admin@shop.example";
pub(crate) const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// Whether this run publishes to an S3 bucket (`HERALD_TEST_S3=1`, with `AWS_ENDPOINT`,
/// `AWS_ACCESS_KEY_ID`, … pointing at an S3 server such as the one `scripts/s3-server.sh`
/// starts) instead of a local folder.
pub(crate) fn s3() -> bool {
    std::env::var("HERALD_TEST_S3").is_ok_and(|v| v == "1")
}

static S3_BUCKET: OnceCell<String> = OnceCell::const_new();

/// The S3 bucket of this run, created on first use (`HERALD_TEST_S3_BUCKET`, default
/// `herald-test`).
async fn s3_bucket() -> String {
    S3_BUCKET
        .get_or_init(|| async {
            let name =
                std::env::var("HERALD_TEST_S3_BUCKET").unwrap_or_else(|_| "herald-test".into());
            let endpoint = std::env::var("AWS_ENDPOINT").expect("AWS_ENDPOINT for HERALD_TEST_S3");
            // The test S3 server accepts an unsigned bucket creation; an existing one is fine.
            let _ = reqwest::Client::new()
                .put(format!("{}/{name}", endpoint.trim_end_matches('/')))
                .send()
                .await
                .expect("the S3 server answers");
            name
        })
        .await
        .clone()
}

/// The bucket of a test server: a folder in `dir`, or a fresh prefix of the S3 bucket.
pub(crate) async fn test_bucket(dir: &Path) -> Bucket {
    if s3() {
        let url = format!(
            "s3://{}/{}",
            s3_bucket().await,
            uuid::Uuid::now_v7().simple()
        );
        Bucket::parse(&url).expect("an S3 URL")
    } else {
        Bucket::Folder(dir.join("public"))
    }
}

/// Settings for a test server: a random port, the given schemas, locales `en` (default),
/// `fr` and `fr-BE` (falling back to `fr`), and a first admin.
pub(crate) fn settings(dir: &Path, database: &str, schemas: &Path) -> Settings {
    let mut settings = Settings::defaults();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.data_dir = dir.to_path_buf();
    settings.database = DatabaseUrl::parse(database).expect("a database URL");
    settings.bucket = Bucket::Folder(dir.join("public"));
    settings.assets.store = Bucket::Folder(dir.join("assets"));
    settings.schemas = schemas.to_path_buf();
    settings.locales = Locales::new(
        vec!["en".into(), "fr".into(), "fr-BE".into()],
        [("fr-BE".to_owned(), "fr".to_owned())]
            .into_iter()
            .collect(),
    )
    .expect("valid locales");
    settings.auth.admin_email = Some(ADMIN_EMAIL.to_owned());
    settings.auth.admin_password = Some(Secret::new(ADMIN_PASSWORD));
    settings
}

/// A client that sends `Authorization: Bearer <token>` unless a request sets its own.
pub(crate) fn authorized_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header value"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// The `url` of every asset a published object's fields show.
fn asset_urls(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => {
            let own = map
                .get("url")
                .and_then(Value::as_str)
                .filter(|url| url.starts_with("assets/") && map.contains_key("content_type"))
                .map(str::to_owned);
            own.into_iter()
                .chain(map.values().flat_map(asset_urls))
                .collect()
        }
        Value::Array(items) => items.iter().flat_map(asset_urls).collect(),
        _ => Vec::new(),
    }
}

/// A running server with its own database and folder.
pub(crate) struct TestServer {
    pub(crate) base: String,
    /// Signed in as the first admin.
    pub(crate) client: reqwest::Client,
    /// Sends no credentials.
    pub(crate) anonymous: reqwest::Client,
    pub(crate) dir: Arc<tempfile::TempDir>,
    pub(crate) database_url: String,
    pub(crate) settings: Settings,
    /// The admin's access token, sent with every request that does not set `authorization`.
    pub(crate) token: String,
    handle: actix_web::dev::ServerHandle,
    store: Option<herald_store::Store>,
    worker: Option<herald::server::Worker>,
    pg_database: Option<String>,
}

impl TestServer {
    /// A server on the example schemas.
    pub(crate) async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server on the example schemas with adjusted settings.
    pub(crate) async fn start_with(adjust: impl FnOnce(&mut Settings)) -> TestServer {
        let dir = Arc::new(tempfile::tempdir().expect("a temp dir"));
        let (database_url, pg_database) = fresh_database(dir.path()).await;
        let mut settings = settings(dir.path(), &database_url, &example_schemas());
        settings.bucket = test_bucket(dir.path()).await;
        adjust(&mut settings);
        let running = start(&settings)
            .await
            .unwrap_or_else(|e| panic!("the server starts: {e}"));
        let mut server = Self::from_running(running, dir, database_url, settings, pg_database);
        server.token = server.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        server.client = authorized_client(&server.token);
        server
    }

    /// Signs in and returns the access token, panicking unless it works.
    pub(crate) async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(&serde_json::json!({"email": email, "password": password})),
                &[("authorization", "")],
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "sign-in: {}",
            response.text
        );
        response.body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// Creates a user with `role` (and an optional scope) and returns their access token.
    pub(crate) async fn user_token(
        &self,
        email: &str,
        role: &str,
        scope: Option<&[&str]>,
    ) -> String {
        let password = "a long enough passphrase";
        let response = self
            .post(
                "/api/v1/users",
                &serde_json::json!({"email": email, "password": password, "role": role, "content_types": scope}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        self.login(email, password).await
    }

    /// Starts a server on `settings`, returning the refusal if it does not start.
    pub(crate) async fn try_start(settings: &Settings) -> Result<Running, StartError> {
        start(settings).await
    }

    fn from_running(
        running: Running,
        dir: Arc<tempfile::TempDir>,
        database_url: String,
        settings: Settings,
        pg_database: Option<String>,
    ) -> TestServer {
        let Running {
            addr,
            handle,
            server,
            store,
            worker,
            ..
        } = running;
        actix_web::rt::spawn(server);
        TestServer {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            anonymous: reqwest::Client::new(),
            dir,
            database_url,
            settings,
            token: String::new(),
            handle,
            store: Some(store),
            worker: Some(worker),
            pg_database,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional JSON body and headers; returns status, headers and
    /// the body as JSON (`Value::Null` when empty or not JSON). The admin's token goes with it
    /// unless `headers` sets `authorization`; `("authorization", "")` sends no credentials.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let anonymous = headers
            .iter()
            .any(|(name, value)| name.eq_ignore_ascii_case("authorization") && value.is_empty());
        let client = if anonymous {
            &self.anonymous
        } else {
            &self.client
        };
        let mut request = client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers.iter().filter(|(_, value)| !value.is_empty()) {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the server answers");
        Response::read(response).await
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None, &[]).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// `PATCH` with `If-Match: "<version>"`.
    pub(crate) async fn patch(&self, path: &str, version: i64, body: &Value) -> Response {
        let tag = format!("\"{version}\"");
        self.send(Method::PATCH, path, Some(body), &[("if-match", &tag)])
            .await
    }

    /// Creates an entry and returns its JSON, panicking unless it is 201.
    pub(crate) async fn create(&self, type_name: &str, body: &Value) -> Value {
        let response = self
            .post(&format!("/api/v1/entries/{type_name}"), body)
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        response.body
    }

    /// The bucket this server publishes to, read through `object_store` like the server
    /// writes it (a folder, or S3).
    pub(crate) fn bucket(&self) -> herald_publish::Bucket {
        herald::server::open_bucket(&self.settings.bucket).expect("the bucket opens")
    }

    /// Every key in the bucket, sorted.
    pub(crate) async fn bucket_keys(&self) -> Vec<String> {
        self.bucket().list(None).await.expect("the bucket lists")
    }

    /// An object of the bucket as JSON, or `None` when it does not exist.
    pub(crate) async fn bucket_json(&self, key: &str) -> Option<Value> {
        self.bucket()
            .get(key)
            .await
            .expect("the bucket answers")
            .map(|bytes| serde_json::from_slice(&bytes).expect("a JSON object"))
    }

    /// An object of the bucket as JSON; panics when it does not exist.
    pub(crate) async fn object(&self, key: &str) -> Value {
        self.bucket_json(key)
            .await
            .unwrap_or_else(|| panic!("{key} is not in the bucket"))
    }

    /// Checks that everything the manifest, the listings and the redirects name exists.
    pub(crate) async fn assert_bucket_consistent(&self) {
        let keys = self.bucket_keys().await;
        let exists = |key: &str| keys.iter().any(|k| k == key);
        let Some(manifest) = self.bucket_json("manifest.json").await else {
            return;
        };
        if let Some(redirects) = manifest.get("redirects") {
            let key = redirects.as_str().unwrap_or("");
            assert!(exists(key), "the manifest names {key}, missing");
        }
        for (type_name, about) in manifest["types"].as_object().expect("types") {
            let schema = about["schema"].as_str().unwrap_or("");
            assert!(
                exists(schema),
                "{type_name}: the manifest names {schema}, missing"
            );
            for (locale, listing) in about["locales"].as_object().expect("locales") {
                let mut page = listing["index"].as_str().map(str::to_owned);
                while let Some(key) = page {
                    let index = self
                        .bucket_json(&key)
                        .await
                        .unwrap_or_else(|| panic!("{type_name}/{locale}: {key} is missing"));
                    for item in index["items"].as_array().expect("items") {
                        let path = item["path"].as_str().unwrap_or("");
                        assert!(exists(path), "{key} names {path}, missing");
                        let object = self.object(path).await;
                        for url in asset_urls(&object["fields"]) {
                            assert!(exists(&url), "{path} shows {url}, missing");
                        }
                    }
                    page = index["next"].as_str().map(str::to_owned);
                }
            }
        }
        if let Some(redirects) = self.bucket_json("redirects.json").await {
            for (from, to) in redirects.as_object().expect("redirects") {
                let to = to.as_str().unwrap_or("");
                assert!(exists(to), "{from} redirects to {to}, missing");
            }
        }
    }

    /// Waits until job `id` is done, failed or cancelled, and returns it.
    pub(crate) async fn wait_job(&self, id: &Value) -> Value {
        let path = format!("/api/v1/publish/jobs/{id}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let job = self.get(&path).await;
            assert_eq!(job.status, StatusCode::OK, "{}", job.text);
            if ["done", "failed", "cancelled"].contains(&job.body["status"].as_str().unwrap_or(""))
            {
                return job.body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "job {id} is still {}",
                job.body["status"]
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits until no bucket job is due or running.
    pub(crate) async fn wait_idle(&self) {
        let store = self.store.as_ref().expect("a running server");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while store
            .bucket_work_pending()
            .await
            .expect("the database answers")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "publishing never went idle"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// `POST /entries/{type}/{id}/{step}` with `body` as the given client (the admin when
    /// `token` is `None`).
    pub(crate) async fn step(
        &self,
        token: Option<&str>,
        type_name: &str,
        id: &Value,
        step: &str,
        body: Option<&Value>,
    ) -> Response {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let id = id.as_str().expect("an entry id");
        self.send(
            Method::POST,
            &format!("/api/v1/entries/{type_name}/{id}/{step}"),
            body,
            &headers,
        )
        .await
    }

    /// Publishes an entry of a type without review (`faq`, `author`) now and waits for the
    /// job; returns the job.
    pub(crate) async fn publish_now(&self, type_name: &str, id: &Value) -> Value {
        let response = self.step(None, type_name, id, "publish", None).await;
        assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.text);
        let job = self.wait_job(&response.body["id"]).await;
        assert_eq!(job["status"], "done", "{job}");
        job
    }

    /// The server's store, for what no route does (housekeeping).
    pub(crate) fn store(&self) -> &herald_store::Store {
        self.store.as_ref().expect("the server is running")
    }

    /// Stops the server gracefully and drops its PostgreSQL database.
    pub(crate) async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(worker) = self.worker.take() {
            worker.stop(std::time::Duration::from_secs(10)).await;
        }
        if let Some(store) = self.store.take() {
            store.close().await;
        }
        if let Some(name) = self.pg_database.take() {
            drop_database(&name).await;
        }
    }
}

/// A request a [`Receiver`] got: its headers and body.
pub(crate) type Received = (reqwest::header::HeaderMap, Vec<u8>);

/// A local HTTP endpoint standing in for a CDN purge URL or a webhook: it records every
/// request (headers and body) and answers with `status`.
pub(crate) struct Receiver {
    pub(crate) url: String,
    requests: Arc<std::sync::Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub(crate) fn start(status: u16) -> Receiver {
        let requests: Arc<std::sync::Mutex<Vec<Received>>> = Arc::default();
        let seen = requests.clone();
        let server = actix_web::HttpServer::new(move || {
            let seen = seen.clone();
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                    let seen = seen.clone();
                    async move {
                        let mut headers = reqwest::header::HeaderMap::new();
                        for (name, value) in req.headers() {
                            if let (Ok(name), Ok(value)) = (
                                reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
                                reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
                            ) {
                                headers.insert(name, value);
                            }
                        }
                        seen.lock()
                            .expect("the lock")
                            .push((headers, body.to_vec()));
                        actix_web::HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(status).expect("a status"),
                        )
                        .finish()
                    }
                },
            ))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("a port");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            url: format!("http://{addr}/hook"),
            requests,
            handle,
        }
    }

    /// The requests received so far: headers and body as JSON.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.requests.lock().expect("the lock").clone()
    }

    pub(crate) async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// A response read whole.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Response {
    pub(crate) async fn read(response: reqwest::Response) -> Response {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The contract error code of an error response.
    pub(crate) fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and error code, returning the error body.
    pub(crate) fn assert_error(&self, status: StatusCode, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.code(), code, "{}", self.text);
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}",
            self.text
        );
        &self.body["error"]
    }
}
