//! Starting a real server for a test, and a small HTTP client around it.

#![allow(dead_code)] // each test module uses a part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use herald::server::{Running, StartError, start};
use herald::settings::{Bucket, DatabaseUrl, Settings};
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
/// left by earlier runs (a panicking test cannot drop its own) are dropped on first use.
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
            for (name,) in stale {
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

/// Settings for a test server: a random port, the given schemas, locales `en` (default),
/// `fr` and `fr-BE` (falling back to `fr`).
pub(crate) fn settings(dir: &Path, database: &str, schemas: &Path) -> Settings {
    let mut settings = Settings::defaults();
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.data_dir = dir.to_path_buf();
    settings.database = DatabaseUrl::parse(database).expect("a database URL");
    settings.bucket = Bucket::Folder(dir.join("public"));
    settings.schemas = schemas.to_path_buf();
    settings.locales = Locales::new(
        vec!["en".into(), "fr".into(), "fr-BE".into()],
        [("fr-BE".to_owned(), "fr".to_owned())]
            .into_iter()
            .collect(),
    )
    .expect("valid locales");
    settings
}

/// A running server with its own database and folder.
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    pub(crate) dir: Arc<tempfile::TempDir>,
    pub(crate) database_url: String,
    pub(crate) settings: Settings,
    handle: actix_web::dev::ServerHandle,
    store: Option<herald_store::Store>,
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
        adjust(&mut settings);
        let running = start(&settings)
            .await
            .unwrap_or_else(|e| panic!("the server starts: {e}"));
        Self::from_running(running, dir, database_url, settings, pg_database)
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
            ..
        } = running;
        actix_web::rt::spawn(server);
        TestServer {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            dir,
            database_url,
            settings,
            handle,
            store: Some(store),
            pg_database,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional JSON body and headers; returns status, headers and
    /// the body as JSON (`Value::Null` when empty or not JSON).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers {
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

    /// Stops the server gracefully and drops its PostgreSQL database.
    pub(crate) async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(store) = self.store.take() {
            store.close().await;
        }
        if let Some(name) = self.pg_database.take() {
            drop_database(&name).await;
        }
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
