//! Starting the server: settings → logs → schemas → database (migrated, schema change
//! reviewed) → HTTP. `herald serve` runs this; the end-to-end tests start the very same server
//! on a random port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::dev::ServerHandle;
use actix_web::{HttpServer, web};
use herald_api::{AppState, Metrics};
use herald_model::{SchemaProblems, SchemaSet};
use herald_publish::{Bucket as PublishBucket, NotifyTarget, Options, Pause, Publisher, Renderer};
use herald_store::{Actor, ProcessLock, SchemaReview, Store};
use tokio::sync::watch;

use herald_assets::AssetStorage;
use herald_auth::jwt::Keys;
use herald_auth::{Auth, AuthConfig, AuthError, FirstAdmin, SECRET_FILE, load_or_create_secret};

use crate::housekeeping::{self, Housekeeping};
use crate::settings::{Bucket, Secret, Settings};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the schema files have problems:\n{0}")]
    Schemas(SchemaProblems),
    #[error("{}", breaking_report(.0))]
    BreakingChange(Box<SchemaReview>),
    #[error("database: {0}")]
    Store(#[from] herald_store::StoreError),
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("cannot create the bucket folder {path}: {error}")]
    Bucket { path: String, error: std::io::Error },
    #[error("the JWT signing secret in {path}: {error}")]
    SigningSecret { path: String, error: std::io::Error },
    #[error("authentication: {0}")]
    Auth(#[from] AuthError),
    #[error("publishing: {0}")]
    Publish(#[from] herald_publish::PublishError),
}

/// `HERALD_PUBLISH_PAUSE=<step>:<milliseconds>`: a pause inside each publish batch, for the
/// crash tests only (see `herald_publish::Pause`).
pub const ENV_PUBLISH_PAUSE: &str = "HERALD_PUBLISH_PAUSE";

/// The refusal of a breaking schema change, listing the breaking changes and the entries.
pub fn breaking_report(review: &SchemaReview) -> String {
    let mut text = String::from(
        "the schema files contain breaking changes that stored entries would violate; \
         the server does not start until they are resolved\n",
    );
    for change in review.changes.iter().filter(|c| c.is_breaking()) {
        text.push_str(&format!("  {change}\n"));
    }
    text.push_str(&format!("{} affected entries:\n", review.affected.len()));
    for entry in review.affected.iter().take(100) {
        text.push_str(&format!(
            "  {} {} ({}/{}): {}\n",
            entry.type_name, entry.id, entry.locale, entry.slug, entry.reason
        ));
    }
    if review.affected.len() > 100 {
        text.push_str(&format!("  … and {} more\n", review.affected.len() - 100));
    }
    text.push_str("Fix the entries first, or make the change in safe steps (docs/schemas.md).");
    text
}

/// A started server.
pub struct Running {
    /// Where it listens (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// Stops it gracefully.
    pub handle: ServerHandle,
    /// Completes when the server has stopped.
    pub server: actix_web::dev::Server,
    pub store: Store,
    pub state: web::Data<AppState>,
    /// The admin created because the database had no user; its generated password, if any,
    /// must be shown to the operator once.
    pub first_admin: Option<FirstAdmin>,
    /// The publishing pipeline and its running worker.
    pub publisher: Publisher,
    pub worker: Worker,
    /// On SQLite, this process's place among those using the file, held while it runs.
    pub processes: Option<ProcessLock>,
}

/// The background work inside the server: the publishing worker and the housekeeping.
#[derive(Debug)]
pub struct Worker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    housekeeping: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Starts `publisher`'s worker, and `housekeeping` every `every`.
    pub fn start(
        publisher: &Publisher,
        housekeeping: Housekeeping,
        every: std::time::Duration,
    ) -> Worker {
        let (stop, stopped) = watch::channel(false);
        let task = publisher.spawn(stopped.clone());
        let housekeeping = housekeeping.spawn(every, stopped);
        Worker {
            stop,
            task,
            housekeeping,
        }
    }

    /// Asks the worker to stop and waits until it has: a batch in progress is finished (or,
    /// after `grace`, left to be resumed from its recorded progress). A sweep in progress is
    /// dropped; the next start sweeps again.
    pub async fn stop(self, grace: std::time::Duration) {
        let _ = self.stop.send(true);
        self.housekeeping.abort();
        let abort = self.task.abort_handle();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("the publishing worker did not stop in time; its batch will resume");
            abort.abort();
        }
    }
}

impl Running {
    /// Marks the server as shutting down (`/readyz` answers 503), stops accepting
    /// connections and waits for in-flight requests, at most the configured grace period.
    pub async fn shut_down(handle: &ServerHandle, state: &AppState) {
        state.shutting_down.store(true, Ordering::Relaxed);
        handle.stop(true).await;
    }
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Loads and checks the schema folder.
pub fn load_schemas(settings: &Settings) -> Result<SchemaSet, StartError> {
    SchemaSet::load_dir(&settings.schemas).map_err(StartError::Schemas)
}

/// Opens the database and accepts the schema set, or refuses it when a breaking change would
/// break stored entries.
pub async fn open_store(settings: &Settings, schemas: &SchemaSet) -> Result<Store, StartError> {
    let store = Store::connect(settings.database.as_str()).await?;
    let review = store
        .review_schema_set(schemas, &settings.locales.default)
        .await?;
    if !review.is_acceptable() {
        return Err(StartError::BreakingChange(Box::new(review)));
    }
    for change in &review.changes {
        tracing::info!(%change, "schema change");
    }
    if review.first_use || !review.changes.is_empty() {
        store.record_schema_set(schemas).await?;
    }
    Ok(store)
}

/// The signing keys: `HERALD_JWT_SECRET` (with `HERALD_JWT_PREVIOUS_SECRETS`), else the
/// secrets kept in `<data-dir>/jwt-secret`, created on first use.
pub fn signing_keys(settings: &Settings) -> Result<Keys, StartError> {
    let previous_env = settings
        .auth
        .jwt_previous_secrets
        .iter()
        .map(|s| s.expose().as_bytes().to_vec());
    let (current, previous): (Vec<u8>, Vec<Vec<u8>>) = match &settings.auth.jwt_secret {
        Some(secret) => (secret.expose().as_bytes().to_vec(), previous_env.collect()),
        None => {
            let mut kept = load_or_create_secret(&settings.data_dir).map_err(|error| {
                StartError::SigningSecret {
                    path: settings.data_dir.join(SECRET_FILE).display().to_string(),
                    error,
                }
            })?;
            let current = kept.remove(0);
            (current, kept.into_iter().chain(previous_env).collect())
        }
    };
    Ok(Keys::new(&current, &previous)?)
}

/// The authentication service on `store`, configured by `[auth]`.
pub fn auth_service(settings: &Settings, store: &Store) -> Result<Auth, StartError> {
    let config = AuthConfig {
        access_ttl: settings.auth.access_ttl,
        refresh_ttl: settings.auth.refresh_ttl,
        login_attempts: settings.auth.login_attempts,
        login_window: settings.auth.login_window,
        max_session_age: settings.auth.max_session_age,
        recheck_after: settings.auth.recheck_after,
        hash_concurrency: settings.auth.hash_concurrency,
    };
    Ok(Auth::new(store.clone(), signing_keys(settings)?, config)?)
}

/// The bucket (or private asset store) at `location`: a folder, created if missing, or a
/// cloud URL configured by `object_store`'s usual environment variables.
pub fn open_bucket(location: &Bucket) -> Result<PublishBucket, StartError> {
    Ok(match location {
        Bucket::Folder(path) => PublishBucket::folder(path)?,
        Bucket::Cloud(url) => PublishBucket::cloud(url)?,
    })
}

/// The private store of uploads (`[assets] store`).
pub fn asset_storage(settings: &Settings) -> Result<AssetStorage, StartError> {
    let private = open_bucket(&settings.assets.store)?;
    let folder = match &settings.assets.store {
        Bucket::Folder(path) => Some(path.clone()),
        Bucket::Cloud(_) => None,
    };
    Ok(AssetStorage::new(private.object_store().clone(), folder))
}

/// The publishing pipeline on `store`: the bucket of the settings, the CDN purge URL and the
/// webhooks of `[publish]`.
pub fn publisher(
    settings: &Settings,
    store: &Store,
    assets: AssetStorage,
    renderer: Arc<Renderer>,
) -> Result<Publisher, StartError> {
    let bucket = open_bucket(&settings.bucket)?;
    let mut notify = Vec::new();
    if let Some(url) = &settings.publish.purge_url {
        notify.push(NotifyTarget {
            url: url.clone(),
            secret: settings
                .publish
                .purge_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
        });
    }
    for hook in &settings.publish.webhooks {
        notify.push(NotifyTarget {
            url: hook.url.clone(),
            secret: Some(hook.secret.expose().to_owned()),
        });
    }
    let options = Options {
        notify,
        page_size: i64::from(settings.publish.page_size),
        // Fault injection exists in debug builds only (the tests'); a release build ignores it.
        pause: std::env::var(ENV_PUBLISH_PAUSE)
            .ok()
            .filter(|_| cfg!(debug_assertions))
            .and_then(|v| Pause::parse(&v)),
        ..Options::default()
    };
    Ok(Publisher::new(
        store.clone(),
        bucket,
        assets,
        renderer,
        settings.locales.clone(),
        options,
    )?)
}

/// On SQLite, joins the processes using the file before any job is claimed; when none other
/// is alive, the jobs a crashed one left running resume at once ([`Store::join_processes`]).
pub async fn join_processes(
    settings: &Settings,
    store: &Store,
) -> Result<Option<ProcessLock>, StartError> {
    let Some(joined) = store.join_processes(settings.database.as_str()).await? else {
        return Ok(None);
    };
    if joined.released_jobs > 0 {
        tracing::warn!(
            resumed = joined.released_jobs,
            "resuming publishing jobs interrupted by a crash"
        );
    }
    Ok(Some(joined.lock))
}

/// When `[publish] page_size` is not the page size the bucket's listings were written with,
/// queues a rebuild of every type, which pages them again; until it ends, publishing keeps the
/// old size so that the pages in the bucket agree with each other.
async fn queue_repaging(settings: &Settings, store: &Store) -> Result<(), StartError> {
    let setting = i64::from(settings.publish.page_size);
    let Some(recorded) = store.listing_page_size().await? else {
        return Ok(());
    };
    if recorded == setting {
        return Ok(());
    }
    let (job, created) = store.enqueue_rebuild(None, &Actor::system()).await?;
    tracing::warn!(
        from = recorded,
        to = setting,
        job = job.id,
        queued = created,
        "[publish] page_size changed: a rebuild of every type pages the listings again; \
         until it is done they keep the old size"
    );
    Ok(())
}

/// Starts the server; it runs until `handle.stop` or a shutdown signal.
pub async fn start(settings: &Settings) -> Result<Running, StartError> {
    let schemas = Arc::new(load_schemas(settings)?);
    let store = open_store(settings, &schemas).await?;
    if let Bucket::Folder(path) = &settings.bucket {
        std::fs::create_dir_all(path).map_err(|error| StartError::Bucket {
            path: path.display().to_string(),
            error,
        })?;
    }
    let renderer = Arc::new(Renderer::new(schemas.clone())?);
    let assets = asset_storage(settings)?;
    let publisher = publisher(settings, &store, assets.clone(), renderer.clone())?;
    let processes = join_processes(settings, &store).await?;
    queue_repaging(settings, &store).await?;
    let auth = auth_service(settings, &store)?;
    let first_admin = auth
        .ensure_first_admin(
            settings.auth.admin_email.as_deref(),
            settings.auth.admin_password.as_ref().map(Secret::expose),
        )
        .await?;
    if let Some(admin) = &first_admin {
        tracing::warn!(email = %admin.email, "no users: created the first admin");
    }
    let state = web::Data::new(AppState {
        store: store.clone(),
        auth: Arc::new(auth),
        trust_forwarded_for: settings.auth.trust_forwarded_for,
        assets,
        asset_limits: herald_api::AssetLimits {
            max_bytes: settings.assets.max_bytes,
            allowed_types: settings.assets.allowed_types.clone(),
        },
        schemas,
        locales: settings.locales.clone(),
        limits: herald_api::Limits {
            max_body_bytes: settings.limits.max_body_bytes,
            max_list_limit: u64::from(settings.limits.max_list_limit),
        },
        bucket: publisher.bucket().clone(),
        renderer,
        publish_wake: publisher.waker(),
        shutting_down: AtomicBool::new(false),
    });
    let metrics = web::Data::new(Metrics::default());
    let listen = settings.listen;
    let app_state = state.clone();
    let server = HttpServer::new(move || herald_api::app(state.clone(), metrics.clone()))
        .shutdown_timeout(settings.shutdown.grace.as_secs())
        .disable_signals()
        .bind(listen)
        .map_err(|error| StartError::Bind {
            addr: listen,
            error,
        })?;
    let addr = server.addrs().first().copied().unwrap_or(listen);
    let server = server.run();
    let housekeeping = Housekeeping {
        store: store.clone(),
        assets: app_state.assets.clone(),
        bucket: publisher.bucket().clone(),
        access_ttl: settings.auth.access_ttl,
    };
    let worker = Worker::start(&publisher, housekeeping, housekeeping::SWEEP_EVERY);
    Ok(Running {
        addr,
        handle: server.handle(),
        server,
        store,
        state: app_state,
        first_admin,
        publisher,
        worker,
        processes,
    })
}
