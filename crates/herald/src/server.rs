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
use herald_store::{SchemaReview, Store};

use crate::settings::{Bucket, Settings};

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
}

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

/// Starts the server; it runs until `handle.stop` or a shutdown signal.
pub async fn start(settings: &Settings) -> Result<Running, StartError> {
    let schemas = load_schemas(settings)?;
    let store = open_store(settings, &schemas).await?;
    let bucket_dir = match &settings.bucket {
        Bucket::Folder(path) => {
            std::fs::create_dir_all(path).map_err(|error| StartError::Bucket {
                path: path.display().to_string(),
                error,
            })?;
            Some(path.clone())
        }
        Bucket::Cloud(_) => None,
    };
    let state = web::Data::new(AppState {
        store: store.clone(),
        schemas: Arc::new(schemas),
        locales: settings.locales.clone(),
        limits: herald_api::Limits {
            max_body_bytes: settings.limits.max_body_bytes,
            max_list_limit: u64::from(settings.limits.max_list_limit),
        },
        bucket_dir,
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
    Ok(Running {
        addr,
        handle: server.handle(),
        server,
        store,
        state: app_state,
    })
}
