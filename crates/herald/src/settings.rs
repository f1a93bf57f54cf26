//! Settings of `herald serve` and of the other commands that need the data dir, the database,
//! the bucket or the schemas (contract §2, operator's guide in `docs/operations.md`).
//!
//! Every value comes from the first of these that gives it:
//!
//! 1. a command-line flag ([`ServeArgs`]),
//! 2. an environment variable (`HERALD_LISTEN`, `HERALD_DATA_DIR`, …),
//! 3. the settings file (`herald.toml`, or the one named by `--config` / `HERALD_CONFIG`),
//! 4. the built-in default.
//!
//! The clap struct therefore holds `Option`s without clap defaults or clap `env` attributes;
//! [`Settings::load`] reads the environment itself so that it knows where each value came from
//! and can say so in its errors (`HERALD_LISTEN="x": …`, `herald.toml: limits.max_body_bytes = 12:
//! …`). Tests use [`Settings::load_from`] with an environment of their own.
//!
//! Relative paths, wherever they are written, are relative to the working directory.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// `HERALD_LISTEN`: address and port to listen on.
pub const ENV_LISTEN: &str = "HERALD_LISTEN";
/// `HERALD_DATA_DIR`: folder of the SQLite file, the local bucket and the JWT secret.
pub const ENV_DATA_DIR: &str = "HERALD_DATA_DIR";
/// `HERALD_DATABASE_URL`: `sqlite://PATH` or `postgres://…`.
pub const ENV_DATABASE_URL: &str = "HERALD_DATABASE_URL";
/// `HERALD_BUCKET`: a folder, or an `s3://`, `gs://` or `az://` URL.
pub const ENV_BUCKET: &str = "HERALD_BUCKET";
/// `HERALD_SCHEMAS`: folder of schema files.
pub const ENV_SCHEMAS: &str = "HERALD_SCHEMAS";
/// `HERALD_CONFIG`: the settings file.
pub const ENV_CONFIG: &str = "HERALD_CONFIG";
/// `HERALD_JWT_SECRET`: the JWT signing secret (else one is kept in the data dir).
pub const ENV_JWT_SECRET: &str = "HERALD_JWT_SECRET";
/// `HERALD_JWT_PREVIOUS_SECRETS`: earlier signing secrets still accepted during a rotation,
/// separated by spaces.
pub const ENV_JWT_PREVIOUS_SECRETS: &str = "HERALD_JWT_PREVIOUS_SECRETS";
/// `HERALD_ADMIN_EMAIL`: e-mail of the admin created on first start.
pub const ENV_ADMIN_EMAIL: &str = "HERALD_ADMIN_EMAIL";
/// `HERALD_ADMIN_PASSWORD`: password of the admin created on first start.
pub const ENV_ADMIN_PASSWORD: &str = "HERALD_ADMIN_PASSWORD";
/// `RUST_LOG`: when set, replaces `[log] level`.
pub const ENV_RUST_LOG: &str = "RUST_LOG";

/// Every environment variable [`Settings::load`] reads, e.g. for tests that run the binary
/// with a clean environment.
pub const ENV_VARS: &[&str] = &[
    ENV_LISTEN,
    ENV_DATA_DIR,
    ENV_DATABASE_URL,
    ENV_BUCKET,
    ENV_SCHEMAS,
    ENV_CONFIG,
    ENV_JWT_SECRET,
    ENV_JWT_PREVIOUS_SECRETS,
    ENV_ADMIN_EMAIL,
    ENV_ADMIN_PASSWORD,
    ENV_RUST_LOG,
];

/// The settings file looked for in the working directory when neither `--config` nor
/// `HERALD_CONFIG` names one.
pub const DEFAULT_CONFIG_FILE: &str = "herald.toml";
/// Default of `--listen` (as text; [`Settings::defaults`] holds it parsed).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default of `--data-dir`.
pub const DEFAULT_DATA_DIR: &str = "data";
/// Default of `--schemas`.
pub const DEFAULT_SCHEMAS: &str = "schemas";
/// Default of `[limits] max_body_bytes` (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Smallest accepted `[limits] max_body_bytes`.
pub const MIN_MAX_BODY_BYTES: usize = 1024;
/// Default of `[limits] max_list_limit`.
pub const DEFAULT_MAX_LIST_LIMIT: u32 = 200;
/// Default of `[shutdown] grace_seconds`.
pub const DEFAULT_GRACE_SECONDS: u64 = 30;
/// Default of `[log] level`.
pub const DEFAULT_LOG_LEVEL: &str = "info";

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/// Options of `herald serve` and of the commands that need the data dir, the database, the
/// bucket or the schemas. Flags win over environment variables, which win over the settings
/// file, which wins over the defaults; the merge is [`Settings::load`].
// The field docs are --help text, not Markdown: `[::]:8080` and `<data-dir>` are meant literally.
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
#[derive(Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on, e.g. 0.0.0.0:8080 or [::]:8080 [env: HERALD_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,

    /// Folder of the SQLite database, the local bucket and the JWT secret [env: HERALD_DATA_DIR] [default: data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Database: sqlite://PATH or postgres://USER@HOST/DB [env: HERALD_DATABASE_URL] [default: sqlite://<data-dir>/herald.db]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,

    /// Where published JSON is written: a folder, or an s3://, gs:// or az:// bucket URL [env: HERALD_BUCKET] [default: <data-dir>/public]
    #[arg(long, value_name = "DIR|URL")]
    pub bucket: Option<String>,

    /// Folder of schema files [env: HERALD_SCHEMAS] [default: schemas]
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,

    /// Settings file; one given here or in the environment must exist [env: HERALD_CONFIG] [default: herald.toml if present]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database.as_deref().map(redact_url_str))
            .field("bucket", &self.bucket)
            .field("schemas", &self.schemas)
            .field("config", &self.config)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Resolved settings
// ---------------------------------------------------------------------------------------------

/// Everything `herald serve` needs, resolved and checked. `Debug` prints no secret.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The settings file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Folder of the SQLite database, the local bucket and the JWT secret. Not created here.
    pub data_dir: PathBuf,
    /// The database.
    pub database: DatabaseUrl,
    /// Where published JSON and public assets are written.
    pub bucket: Bucket,
    /// Folder of schema files.
    pub schemas: PathBuf,
    /// `[content]`: locales and their fallbacks.
    pub locales: Locales,
    /// `[limits]`.
    pub limits: Limits,
    /// `[shutdown]`.
    pub shutdown: Shutdown,
    /// `[log]`, with `RUST_LOG` applied.
    pub log: LogSettings,
    /// `[publish]`: CDN purge and webhooks.
    pub publish: PublishSettings,
    /// First-start and signing secrets, from the environment only.
    pub auth: AuthSettings,
    /// `[assets]`: the private store of uploads and what it accepts.
    pub assets: AssetSettings,
}

/// Default of `[assets] max_bytes` (25 MiB).
pub const DEFAULT_ASSET_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// `[assets]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetSettings {
    /// Where uploads are kept until published: a folder (default `<data-dir>/assets`), or an
    /// `s3://`, `gs://` or `az://` URL of a private bucket. Never the public bucket.
    pub store: Bucket,
    /// Largest upload in bytes.
    pub max_bytes: u64,
    /// Accepted media types (of `herald_assets::sniff::KNOWN_TYPES`).
    pub allowed_types: Vec<String>,
}

/// `[limits]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted request body, in bytes. At least 1024. Asset uploads are streamed and
    /// bounded by `[assets] max_bytes` instead.
    pub max_body_bytes: usize,
    /// Largest `limit` a list request may ask for. At least 1.
    pub max_list_limit: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_list_limit: DEFAULT_MAX_LIST_LIMIT,
        }
    }
}

/// `[shutdown]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shutdown {
    /// How long in-flight requests may take to finish after SIGTERM or SIGINT.
    pub grace: Duration,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            grace: Duration::from_secs(DEFAULT_GRACE_SECONDS),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// Text or JSON.
    pub format: LogFormat,
    /// A `tracing` filter (`info`, `warn,herald=debug`): `RUST_LOG` when it is set, else
    /// `[log] level`, else `info`. Give it to `tracing_subscriber::EnvFilter::try_new`.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            filter: DEFAULT_LOG_LEVEL.to_owned(),
        }
    }
}

/// Default of `[publish] page_size`.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Largest accepted `[publish] page_size`.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// `[publish]`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublishSettings {
    /// Receives the changed paths after each publish batch.
    pub purge_url: Option<Url>,
    /// Signs the purge request (`X-Herald-Signature`); without it the request is unsigned.
    pub purge_secret: Option<Secret>,
    /// `[[publish.webhooks]]`: receive the changed paths after each publish batch.
    pub webhooks: Vec<Webhook>,
    /// Entries per listing page in the bucket (`index.json`, `index-{n}.json`), 1 to 1000.
    pub page_size: u32,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings {
            purge_url: None,
            purge_secret: None,
            webhooks: Vec::new(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl fmt::Debug for PublishSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishSettings")
            .field("purge_url", &self.purge_url.as_ref().map(redact_url))
            .field("purge_secret", &self.purge_secret)
            .field("webhooks", &self.webhooks)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// One `[[publish.webhooks]]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// An `http` or `https` URL.
    pub url: Url,
    /// The HMAC-SHA256 key of `X-Herald-Signature`.
    pub secret: Secret,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &redact_url(&self.url))
            .field("secret", &self.secret)
            .finish()
    }
}

/// `[auth]` of the settings file, and the secrets read only from the environment (contract §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// `HERALD_JWT_SECRET`; when absent the server keeps one in `<data-dir>` (mode 0600).
    pub jwt_secret: Option<Secret>,
    /// `HERALD_JWT_PREVIOUS_SECRETS`: still accepted, never used to sign.
    pub jwt_previous_secrets: Vec<Secret>,
    /// `HERALD_ADMIN_EMAIL`: the admin created on first start with no users.
    pub admin_email: Option<String>,
    /// `HERALD_ADMIN_PASSWORD`; when absent a random password is generated and printed once.
    pub admin_password: Option<Secret>,
    /// `auth.access_token_minutes` (15): lifetime of an access token.
    pub access_ttl: Duration,
    /// `auth.refresh_token_days` (14): lifetime of an unused refresh token.
    pub refresh_ttl: Duration,
    /// `auth.login_attempts` (5): failed sign-ins per account or address within the window
    /// before 429.
    pub login_attempts: u32,
    /// `auth.login_window_seconds` (60).
    pub login_window: Duration,
    /// `auth.max_session_days` (30): how long a session may last however often it is
    /// refreshed; then its user signs in again.
    pub max_session_age: Duration,
    /// `auth.recheck_seconds` (5): how long a checked user, session or token is trusted before
    /// it is read again; changes made on another instance take effect within this time. At
    /// most one access-token lifetime.
    pub recheck_after: Duration,
    /// `auth.trust_forwarded_for` (false): read the client address from `X-Forwarded-For`;
    /// only behind a proxy that sets it.
    pub trust_forwarded_for: bool,
    /// `auth.hash_concurrency` (half the cores, at least 1): password hashes computed at once,
    /// so that a flood of sign-ins leaves the other cores to everything else.
    pub hash_concurrency: usize,
}

/// Half the machine's cores, at least one.
fn half_the_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            jwt_secret: None,
            jwt_previous_secrets: Vec::new(),
            admin_email: None,
            admin_password: None,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(14 * 24 * 3600),
            login_attempts: 5,
            login_window: Duration::from_secs(60),
            max_session_age: Duration::from_secs(30 * 24 * 3600),
            recheck_after: Duration::from_secs(5),
            trust_forwarded_for: false,
            hash_concurrency: half_the_cores(),
        }
    }
}

/// A value that must never be printed: `Debug` shows `***`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for signing or hashing. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

// ---------------------------------------------------------------------------------------------
// Database and bucket
// ---------------------------------------------------------------------------------------------

/// Which database a [`DatabaseUrl`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// `sqlite://PATH` (also `sqlite:PATH`, `sqlite::memory:`).
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

/// A checked database URL. `Debug` and `Display` hide the password; [`DatabaseUrl::as_str`]
/// is the URL to connect with.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    kind: DatabaseKind,
}

impl DatabaseUrl {
    /// Checks a database URL: `sqlite:` or `postgres://` / `postgresql://`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let kind = if url.starts_with("sqlite:") {
            let path = sqlite_path_part(url);
            if path.is_empty() {
                return Err("the SQLite URL names no file, e.g. sqlite://data/herald.db".into());
            }
            DatabaseKind::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let parsed = Url::parse(url).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err("the PostgreSQL URL names no host".into());
            }
            DatabaseKind::Postgres
        } else {
            return Err(
                "expected sqlite://PATH or postgres://USER@HOST/DB (other databases are not supported)"
                    .into(),
            );
        };
        Ok(DatabaseUrl {
            url: url.to_owned(),
            kind,
        })
    }

    /// The URL to connect with (it may hold a password: do not log it; use `Display`).
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// SQLite or PostgreSQL.
    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// The SQLite file (`sqlite://data/herald.db` → `data/herald.db`, query string dropped);
    /// `None` for PostgreSQL and for `sqlite::memory:`.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.kind != DatabaseKind::Sqlite {
            return None;
        }
        let path = sqlite_path_part(&self.url);
        (path != ":memory:").then(|| PathBuf::from(path))
    }
}

/// `sqlite://a/b.db?mode=rwc` → `a/b.db`; `sqlite:a.db` → `a.db`.
fn sqlite_path_part(url: &str) -> &str {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    rest.split('?').next().unwrap_or_default()
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url_str(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", redact_url_str(&self.url))
    }
}

/// Where published objects go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bucket {
    /// A local folder (also `file:///…`).
    Folder(PathBuf),
    /// An `s3://`, `gs://` or `az://` URL, for `object_store::parse_url_opts`; credentials come
    /// from `object_store`'s usual environment variables.
    Cloud(Url),
}

impl Bucket {
    /// A folder path, or a URL when the value contains `://`.
    pub fn parse(value: &str) -> Result<Self, String> {
        if !value.contains("://") {
            return Ok(Bucket::Folder(PathBuf::from(value)));
        }
        let url = Url::parse(value).map_err(|e| format!("not a valid bucket URL: {e}"))?;
        match url.scheme() {
            "s3" | "gs" | "az" => {
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(format!(
                        "the URL names no bucket, e.g. {}://my-bucket/prefix",
                        url.scheme()
                    ));
                }
                Ok(Bucket::Cloud(url))
            }
            "file" => url
                .to_file_path()
                .map(Bucket::Folder)
                .map_err(|()| "not a valid file:// URL".to_owned()),
            other => Err(format!(
                "unsupported bucket URL scheme {other:?}: use a folder, s3://, gs:// or az://"
            )),
        }
    }
}

impl Bucket {
    /// Whether one location lies inside the other, or they are the same: the same folder
    /// (compared after resolving `.` and `..`, not symlinks), or the same cloud bucket with one
    /// prefix inside the other.
    pub fn overlaps(&self, other: &Bucket) -> bool {
        match (self, other) {
            (Bucket::Folder(a), Bucket::Folder(b)) => {
                let (a, b) = (lexical_absolute(a), lexical_absolute(b));
                a.starts_with(&b) || b.starts_with(&a)
            }
            (Bucket::Cloud(a), Bucket::Cloud(b)) => {
                let segments = |url: &Url| -> Vec<String> {
                    url.path_segments()
                        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
                        .unwrap_or_default()
                };
                let (a_path, b_path) = (segments(a), segments(b));
                a.scheme() == b.scheme()
                    && a.host_str() == b.host_str()
                    && (a_path.starts_with(&b_path) || b_path.starts_with(&a_path))
            }
            _ => false,
        }
    }
}

/// `path` made absolute against the working directory, with `.` and `..` resolved by name.
fn lexical_absolute(path: &std::path::Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bucket::Folder(path) => write!(f, "{}", path.display()),
            Bucket::Cloud(url) => f.write_str(&redact_url(url)),
        }
    }
}

fn redact_url(url: &Url) -> String {
    if url.password().is_some() {
        let mut shown = url.clone();
        // Cannot fail: a URL with a password has a host.
        let _ = shown.set_password(Some("***"));
        shown.to_string()
    } else {
        url.to_string()
    }
}

fn redact_url_str(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) if parsed.password().is_some() => redact_url(&parsed),
        Ok(_) => url.to_owned(),
        // Not a URL we can read: hide whatever sits between `//` and `@`, if anything.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                format!("{}***{}", &url[..start + 3], &url[at..])
            }
            _ => url.to_owned(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Locales
// ---------------------------------------------------------------------------------------------

// `Locales` lives in the content model, so that the store and the API can use it without the
// binary crate; it is re-exported here because `herald.toml` is where it is configured.
pub use herald_model::{LocaleError, Locales};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--listen`.
    Flag(&'static str),
    /// An environment variable, e.g. `HERALD_LISTEN`.
    Env(&'static str),
    /// A key of the settings file, e.g. `limits.max_body_bytes`.
    File {
        /// The settings file.
        path: PathBuf,
        /// Dotted key.
        key: String,
    },
    /// The built-in default (or a value derived from another one, e.g. the database from
    /// the data dir).
    Default(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => f.write_str(flag),
            Origin::Env(var) => f.write_str(var),
            Origin::File { path, key } => write!(f, "{}: {key}", path.display()),
            Origin::Default(option) => write!(f, "default {option}"),
        }
    }
}

/// Why settings could not be loaded. Each `Display` is one line naming the option and where
/// its value came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// `--config` or `HERALD_CONFIG` names a file that does not exist.
    #[error("config file {} not found (given by {origin})", path.display())]
    ConfigNotFound {
        /// The missing file.
        path: PathBuf,
        /// `--config` or `HERALD_CONFIG`.
        origin: Origin,
    },
    /// The settings file exists but cannot be read.
    #[error("cannot read config file {}: {error}", path.display())]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The settings file is not valid TOML, has an unknown key or a value of the wrong type.
    #[error("{}:{line}:{column}: {message}", path.display())]
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// One line, e.g. ``unknown key `lsten`, expected one of `listen`, …``.
        message: String,
    },
    /// An environment variable holds bytes that are not UTF-8.
    #[error("{var}: the value is not valid UTF-8")]
    NotUnicode {
        /// The variable.
        var: &'static str,
    },
    /// A value was read but is not acceptable.
    #[error("{}", invalid_line(origin, value.as_deref(), message))]
    Invalid {
        /// Where the value came from.
        origin: Origin,
        /// The value as written (a TOML literal for a file key, the raw text of a flag or
        /// variable), with any password hidden; `None` for long or secret values.
        value: Option<String>,
        /// What is wrong with it.
        message: String,
    },
}

fn invalid_line(origin: &Origin, value: Option<&str>, message: &str) -> String {
    match (origin, value) {
        (Origin::Flag(flag), Some(value)) => format!("{flag} {value:?}: {message}"),
        (Origin::Env(var), Some(value)) => format!("{var}={value:?}: {message}"),
        (Origin::File { path, key }, Some(value)) => {
            format!("{}: {key} = {value}: {message}", path.display())
        }
        (origin, _) => format!("{origin}: {message}"),
    }
}

impl SettingsError {
    fn invalid(
        origin: Origin,
        value: impl Into<Option<String>>,
        message: impl Into<String>,
    ) -> Self {
        SettingsError::Invalid {
            origin,
            value: value.into(),
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The settings file
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    bucket: Option<String>,
    schemas: Option<PathBuf>,
    #[serde(default)]
    content: FileContent,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    shutdown: FileShutdown,
    #[serde(default)]
    log: FileLog,
    #[serde(default)]
    publish: FilePublish,
    #[serde(default)]
    auth: FileAuth,
    #[serde(default)]
    assets: FileAssets,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAssets {
    store: Option<String>,
    max_bytes: Option<u64>,
    allowed_types: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAuth {
    access_token_minutes: Option<u64>,
    refresh_token_days: Option<u64>,
    login_attempts: Option<u32>,
    login_window_seconds: Option<u64>,
    max_session_days: Option<u64>,
    recheck_seconds: Option<u64>,
    trust_forwarded_for: Option<bool>,
    hash_concurrency: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileContent {
    locales: Option<Vec<String>>,
    #[serde(default)]
    fallbacks: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_body_bytes: Option<usize>,
    max_list_limit: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShutdown {
    grace_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLog {
    format: Option<LogFormat>,
    level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePublish {
    purge_url: Option<String>,
    purge_secret: Option<Secret>,
    page_size: Option<u32>,
    #[serde(default)]
    webhooks: Vec<FileWebhook>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhook {
    url: String,
    secret: Secret,
}

fn parse_file(path: &Path, text: &str) -> Result<FileSettings, SettingsError> {
    toml::from_str(text).map_err(|error| {
        let (line, column) = error
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        let message = error.message().trim().replace('\n', " ");
        // serde speaks of fields and Rust types; the operator wrote keys and numbers.
        let message = message
            .replacen("unknown field", "unknown key", 1)
            .replacen("missing field", "missing key", 1)
            .replace("expected usize", "expected a whole number")
            .replace("expected u64", "expected a whole number")
            .replace("expected u32", "expected a whole number");
        SettingsError::ConfigSyntax {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    })
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

// ---------------------------------------------------------------------------------------------
// The merge
// ---------------------------------------------------------------------------------------------

/// A value with where it came from.
struct Sourced<T> {
    value: T,
    origin: Origin,
}

/// The first of flag, environment variable (already filtered: empty counts as unset) and file
/// key that is set.
fn pick<T: From<String>>(
    flag: (&'static str, Option<T>),
    env: (&'static str, Option<String>),
    file: (&Option<PathBuf>, &'static str, Option<T>),
) -> Option<Sourced<T>> {
    let (flag_name, flag_value) = flag;
    let (var, env_value) = env;
    let (config_file, key, file_value) = file;
    if let Some(value) = flag_value {
        return Some(Sourced {
            value,
            origin: Origin::Flag(flag_name),
        });
    }
    if let Some(value) = env_value {
        return Some(Sourced {
            value: T::from(value),
            origin: Origin::Env(var),
        });
    }
    match (config_file, file_value) {
        (Some(path), Some(value)) => Some(Sourced {
            value,
            origin: Origin::File {
                path: path.clone(),
                key: key.to_owned(),
            },
        }),
        _ => None,
    }
}

/// An empty flag or file value is a mistake (an empty variable counts as unset).
fn not_empty<T>(sourced: &Sourced<T>, is_empty: bool) -> Result<(), SettingsError> {
    if is_empty {
        Err(SettingsError::invalid(
            sourced.origin.clone(),
            None,
            "must not be empty",
        ))
    } else {
        Ok(())
    }
}

impl Settings {
    /// Reads flags, the process environment and the settings file, and checks the result.
    pub fn load(args: &ServeArgs) -> Result<Settings, SettingsError> {
        for var in ENV_VARS {
            if let Some(value) = std::env::var_os(var)
                && value.to_str().is_none()
            {
                return Err(SettingsError::NotUnicode { var });
            }
        }
        Settings::load_from(args, |var| std::env::var(var).ok())
    }

    /// Like [`Settings::load`] with `env` in place of the process environment. An empty
    /// variable counts as unset.
    pub fn load_from(
        args: &ServeArgs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let env = |var: &str| env(var).filter(|value| !value.is_empty());

        // The settings file: --config, else HERALD_CONFIG (both must exist), else
        // ./herald.toml if it exists.
        let explicit = match (&args.config, env(ENV_CONFIG)) {
            (Some(path), _) => Some((path.clone(), Origin::Flag("--config"))),
            (None, Some(path)) => Some((PathBuf::from(path), Origin::Env(ENV_CONFIG))),
            (None, None) => None,
        };
        let config_file = match explicit {
            Some((path, origin)) => {
                // A folder or an unreadable file is reported when it is read.
                if !path.exists() {
                    return Err(SettingsError::ConfigNotFound { path, origin });
                }
                Some(path)
            }
            None => {
                let path = PathBuf::from(DEFAULT_CONFIG_FILE);
                path.is_file().then_some(path)
            }
        };
        let file = match &config_file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|error| SettingsError::ConfigRead {
                        path: path.clone(),
                        error,
                    })?;
                parse_file(path, &text)?
            }
            None => FileSettings::default(),
        };
        Settings::merge(args, &env, config_file, file)
    }

    /// The built-in defaults: no flag, no environment, no settings file.
    pub fn defaults() -> Settings {
        match Settings::merge(
            &ServeArgs::default(),
            &|_: &str| None,
            None,
            FileSettings::default(),
        ) {
            Ok(settings) => settings,
            Err(error) => unreachable!("the defaults are valid: {error}"),
        }
    }

    fn merge(
        args: &ServeArgs,
        env: &dyn Fn(&str) -> Option<String>,
        config_file: Option<PathBuf>,
        file: FileSettings,
    ) -> Result<Settings, SettingsError> {
        let cf = &config_file;
        let file_origin = |key: &str| Origin::File {
            path: cf.clone().unwrap_or_default(),
            key: key.to_owned(),
        };

        // listen
        let listen = match pick(
            ("--listen", args.listen.clone()),
            (ENV_LISTEN, env(ENV_LISTEN)),
            (cf, "listen", file.listen),
        ) {
            Some(sourced) => {
                let quoted = quote_for(&sourced.origin, &sourced.value);
                sourced.value.trim().parse::<SocketAddr>().map_err(|_| {
                    SettingsError::invalid(
                        sourced.origin.clone(),
                        quoted,
                        "expected an IP address and port, such as 127.0.0.1:8080, 0.0.0.0:8080 or [::]:8080",
                    )
                })?
            }
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };

        // data dir
        let data_dir = match pick(
            ("--data-dir", args.data_dir.clone()),
            (ENV_DATA_DIR, env(ENV_DATA_DIR)),
            (cf, "data_dir", file.data_dir),
        ) {
            Some(sourced) => {
                not_empty(&sourced, sourced.value.as_os_str().is_empty())?;
                sourced.value
            }
            None => PathBuf::from(DEFAULT_DATA_DIR),
        };

        // database
        let database = match pick(
            ("--database", args.database.clone()),
            (ENV_DATABASE_URL, env(ENV_DATABASE_URL)),
            (cf, "database", file.database),
        ) {
            Some(sourced) => {
                not_empty(&sourced, sourced.value.is_empty())?;
                DatabaseUrl::parse(&sourced.value).map_err(|message| {
                    let shown = redact_url_str(&sourced.value);
                    SettingsError::invalid(
                        sourced.origin.clone(),
                        quote_for(&sourced.origin, &shown),
                        message,
                    )
                })?
            }
            None => {
                let file = data_dir.join("herald.db");
                let Some(file) = file.to_str() else {
                    return Err(SettingsError::invalid(
                        Origin::Default("--database"),
                        None,
                        format!(
                            "the data dir {} is not UTF-8, so no sqlite:// URL can name it; give --database",
                            data_dir.display()
                        ),
                    ));
                };
                DatabaseUrl::parse(&format!("sqlite://{file}")).map_err(|message| {
                    SettingsError::invalid(Origin::Default("--database"), None, message)
                })?
            }
        };

        // bucket
        let bucket = match pick(
            ("--bucket", args.bucket.clone()),
            (ENV_BUCKET, env(ENV_BUCKET)),
            (cf, "bucket", file.bucket),
        ) {
            Some(sourced) => {
                not_empty(&sourced, sourced.value.is_empty())?;
                Bucket::parse(&sourced.value).map_err(|message| {
                    let shown = redact_url_str(&sourced.value);
                    SettingsError::invalid(
                        sourced.origin.clone(),
                        quote_for(&sourced.origin, &shown),
                        message,
                    )
                })?
            }
            None => Bucket::Folder(data_dir.join("public")),
        };

        // schemas
        let schemas = match pick(
            ("--schemas", args.schemas.clone()),
            (ENV_SCHEMAS, env(ENV_SCHEMAS)),
            (cf, "schemas", file.schemas),
        ) {
            Some(sourced) => {
                not_empty(&sourced, sourced.value.as_os_str().is_empty())?;
                sourced.value
            }
            None => PathBuf::from(DEFAULT_SCHEMAS),
        };

        // [content]
        let locales = match (file.content.locales, file.content.fallbacks) {
            (None, fallbacks) if fallbacks.is_empty() => Locales::default(),
            (all, fallbacks) => {
                let all = all.unwrap_or_else(|| Locales::default().all);
                Locales::new(all, fallbacks).map_err(|error| {
                    SettingsError::invalid(file_origin(error.key), None, error.message)
                })?
            }
        };

        // [limits]
        let mut limits = Limits::default();
        if let Some(max) = file.limits.max_body_bytes {
            if max < MIN_MAX_BODY_BYTES {
                return Err(SettingsError::invalid(
                    file_origin("limits.max_body_bytes"),
                    max.to_string(),
                    format!("must be at least {MIN_MAX_BODY_BYTES}"),
                ));
            }
            limits.max_body_bytes = max;
        }
        if let Some(max) = file.limits.max_list_limit {
            if max == 0 {
                return Err(SettingsError::invalid(
                    file_origin("limits.max_list_limit"),
                    max.to_string(),
                    "must be at least 1",
                ));
            }
            limits.max_list_limit = max;
        }

        // [shutdown]
        let shutdown = Shutdown {
            grace: Duration::from_secs(
                file.shutdown.grace_seconds.unwrap_or(DEFAULT_GRACE_SECONDS),
            ),
        };

        // [log]; RUST_LOG replaces the level
        if let Some(level) = &file.log.level
            && !is_log_filter(level)
        {
            return Err(SettingsError::invalid(
                file_origin("log.level"),
                format!("{level:?}"),
                "expected a level (trace, debug, info, warn, error, off) or directives such as \"warn,herald=debug\"",
            ));
        }
        let log = LogSettings {
            format: file.log.format.unwrap_or_default(),
            filter: env(ENV_RUST_LOG)
                .or(file.log.level)
                .unwrap_or_else(|| DEFAULT_LOG_LEVEL.to_owned()),
        };

        // [publish]
        let purge_url = match file.publish.purge_url {
            Some(url) => Some(http_url(&url).map_err(|message| {
                SettingsError::invalid(
                    file_origin("publish.purge_url"),
                    format!("{:?}", redact_url_str(&url)),
                    message,
                )
            })?),
            None => None,
        };
        if file
            .publish
            .purge_secret
            .as_ref()
            .is_some_and(|s| s.expose().is_empty())
        {
            return Err(SettingsError::invalid(
                file_origin("publish.purge_secret"),
                None,
                "must not be empty",
            ));
        }
        let mut webhooks = Vec::with_capacity(file.publish.webhooks.len());
        for (index, hook) in file.publish.webhooks.into_iter().enumerate() {
            let url = http_url(&hook.url).map_err(|message| {
                SettingsError::invalid(
                    file_origin(&format!("publish.webhooks[{index}].url")),
                    format!("{:?}", redact_url_str(&hook.url)),
                    message,
                )
            })?;
            if hook.secret.expose().is_empty() {
                return Err(SettingsError::invalid(
                    file_origin(&format!("publish.webhooks[{index}].secret")),
                    None,
                    "must not be empty",
                ));
            }
            webhooks.push(Webhook {
                url,
                secret: hook.secret,
            });
        }
        let page_size = file.publish.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(SettingsError::invalid(
                file_origin("publish.page_size"),
                page_size.to_string(),
                format!("must be from 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        let publish = PublishSettings {
            purge_url,
            purge_secret: file.publish.purge_secret,
            webhooks,
            page_size,
        };

        // [auth], and the secrets from the environment only
        let defaults = AuthSettings::default();
        let positive = |key: &str, value: Option<u64>, unit: u64, default: Duration| match value {
            Some(0) => Err(SettingsError::invalid(
                file_origin(key),
                "0".to_owned(),
                "must be at least 1",
            )),
            Some(n) => Ok(Duration::from_secs(n.saturating_mul(unit))),
            None => Ok(default),
        };
        let auth = AuthSettings {
            jwt_secret: env(ENV_JWT_SECRET).map(Secret),
            jwt_previous_secrets: env(ENV_JWT_PREVIOUS_SECRETS)
                .map(|all| all.split_whitespace().map(Secret::new).collect())
                .unwrap_or_default(),
            admin_email: env(ENV_ADMIN_EMAIL),
            admin_password: env(ENV_ADMIN_PASSWORD).map(Secret),
            access_ttl: positive(
                "auth.access_token_minutes",
                file.auth.access_token_minutes,
                60,
                defaults.access_ttl,
            )?,
            refresh_ttl: positive(
                "auth.refresh_token_days",
                file.auth.refresh_token_days,
                24 * 3600,
                defaults.refresh_ttl,
            )?,
            login_attempts: match file.auth.login_attempts {
                Some(0) => {
                    return Err(SettingsError::invalid(
                        file_origin("auth.login_attempts"),
                        "0".to_owned(),
                        "must be at least 1",
                    ));
                }
                Some(n) => n,
                None => defaults.login_attempts,
            },
            login_window: positive(
                "auth.login_window_seconds",
                file.auth.login_window_seconds,
                1,
                defaults.login_window,
            )?,
            max_session_age: positive(
                "auth.max_session_days",
                file.auth.max_session_days,
                24 * 3600,
                defaults.max_session_age,
            )?,
            recheck_after: match file.auth.recheck_seconds {
                Some(n) => Duration::from_secs(n),
                None => defaults.recheck_after,
            },
            trust_forwarded_for: file.auth.trust_forwarded_for.unwrap_or(false),
            hash_concurrency: match file.auth.hash_concurrency {
                Some(0) => {
                    return Err(SettingsError::invalid(
                        file_origin("auth.hash_concurrency"),
                        "0".to_owned(),
                        "must be at least 1",
                    ));
                }
                Some(n) => n,
                None => defaults.hash_concurrency,
            },
        };
        // A disabled user, an ended session or a revoked token must not outlive one access
        // token on another instance.
        if auth.recheck_after > auth.access_ttl {
            return Err(SettingsError::invalid(
                file_origin("auth.recheck_seconds"),
                auth.recheck_after.as_secs().to_string(),
                format!(
                    "must be at most the access-token lifetime ({} s, auth.access_token_minutes)",
                    auth.access_ttl.as_secs()
                ),
            ));
        }

        // [assets]
        let known: Vec<&str> = herald_assets::sniff::KNOWN_TYPES
            .iter()
            .map(|(t, _)| *t)
            .collect();
        let asset_store = match file.assets.store {
            Some(value) => {
                let store = Bucket::parse(&value).map_err(|message| {
                    SettingsError::invalid(
                        file_origin("assets.store"),
                        format!("{:?}", redact_url_str(&value)),
                        message,
                    )
                })?;
                if store.overlaps(&bucket) {
                    return Err(SettingsError::invalid(
                        file_origin("assets.store"),
                        format!("{value:?}"),
                        format!(
                            "must not be, contain or lie inside the public bucket {bucket}: \
                             uploads stay private until published"
                        ),
                    ));
                }
                store
            }
            None => {
                let store = Bucket::Folder(data_dir.join("assets"));
                if store.overlaps(&bucket) {
                    return Err(SettingsError::invalid(
                        file_origin("assets.store"),
                        format!("{store} (the default)"),
                        format!(
                            "the public bucket {bucket} would contain the private store of \
                             uploads: choose a bucket outside it, or set [assets] store"
                        ),
                    ));
                }
                store
            }
        };
        let max_bytes = match file.assets.max_bytes {
            Some(0) => {
                return Err(SettingsError::invalid(
                    file_origin("assets.max_bytes"),
                    "0".to_owned(),
                    "must be at least 1",
                ));
            }
            Some(n) => n,
            None => DEFAULT_ASSET_MAX_BYTES,
        };
        let allowed_types = match file.assets.allowed_types {
            Some(types) => {
                if let Some(unknown) = types.iter().find(|t| !known.contains(&t.as_str())) {
                    return Err(SettingsError::invalid(
                        file_origin("assets.allowed_types"),
                        format!("{unknown:?}"),
                        format!(
                            "not a type Herald can check; use some of {}",
                            known.join(", ")
                        ),
                    ));
                }
                types
            }
            None => known.iter().map(|t| (*t).to_owned()).collect(),
        };
        let assets = AssetSettings {
            store: asset_store,
            max_bytes,
            allowed_types,
        };

        Ok(Settings {
            config_file,
            listen,
            data_dir,
            database,
            bucket,
            schemas,
            locales,
            limits,
            shutdown,
            log,
            publish,
            auth,
            assets,
        })
    }
}

/// How a value is shown in an error: quoted as a TOML string for the file, raw otherwise (the
/// error line adds the quotes).
fn quote_for(origin: &Origin, value: &str) -> String {
    match origin {
        Origin::File { .. } => format!("{value:?}"),
        _ => value.to_owned(),
    }
}

fn http_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a valid URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!(
            "expected an http:// or https:// URL, not {other}://"
        )),
    }
}

/// `level` or `target=level`, comma-separated: the common subset of `tracing`'s filter syntax.
fn is_log_filter(value: &str) -> bool {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let is_level = |s: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(s.trim()));
    let is_target = |s: &str| {
        let s = s.trim();
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-'))
    };
    !value.trim().is_empty()
        && value
            .split(',')
            .all(|directive| match directive.split_once('=') {
                Some((target, level)) => is_target(target) && is_level(level),
                None => is_level(directive),
            })
}
