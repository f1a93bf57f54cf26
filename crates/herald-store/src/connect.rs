//! Opening the database: SQLite with WAL, a busy timeout, one writer connection and a pool of
//! readers; PostgreSQL with one pool. Migrations run on every open but a check's.

use std::str::FromStr;
use std::time::Duration;

use herald_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, SqlxPostgresConnector,
    SqlxSqliteConnector, TransactionTrait,
};

use crate::StoreError;
use crate::writer::{WriteTxn, Writer};

/// How long a SQLite connection waits for a lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL advisory lock key held while migrating ("herald" in ASCII).
const MIGRATION_LOCK: i64 = 0x6865_7261_6c64;

/// The database: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads: a pool of connections.
    pub(crate) read: DatabaseConnection,
    /// Writes. On SQLite a single connection, so writers queue for it instead of retrying on
    /// `SQLITE_BUSY`; on PostgreSQL the same pool as `read`.
    pub(crate) write: Writer,
}

impl Store {
    /// Opens (creating a SQLite file and its folder if needed) and migrates the database at
    /// `url`: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = Self::open(url, true).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// How many migrations make Herald's tables (a database with all of them pending is
    /// empty).
    pub fn migration_count() -> usize {
        Migrator::migrations().len()
    }

    /// Opens the database at `url` as it is, to look at it (`herald schema check`): nothing is
    /// created and no migration runs, so a mistyped SQLite path is an error rather than a new,
    /// empty database. Also returns the names of the migrations a server would apply first,
    /// oldest first (all of them for a database Herald never ran on).
    pub async fn open_existing(url: &str) -> Result<(Store, Vec<String>), StoreError> {
        let store = Self::open(url, false).await?;
        let pending = Migrator::get_pending_migrations_read_only(&store.read)
            .await?
            .iter()
            .map(|migration| migration.name().to_owned())
            .collect();
        Ok((store, pending))
    }

    async fn open(url: &str, create: bool) -> Result<Store, StoreError> {
        Ok(if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, create).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(sqlx_err)?;
            let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            Store {
                read: db.clone(),
                write: Writer::Pool(db),
            }
        } else {
            return Err(StoreError::Database(sea_orm::DbErr::Custom(format!(
                "unsupported database URL (use sqlite://… or postgres://…): {}",
                redact(url)
            ))));
        })
    }

    /// Applies pending migrations. On PostgreSQL they run in one transaction holding an
    /// advisory lock, so servers that start together on a new database take turns instead of
    /// creating the same tables at once (DDL is transactional there). SQLite's file has one
    /// server.
    async fn migrate(&self) -> Result<(), StoreError> {
        let Writer::Pool(db) = &self.write else {
            return self.migrate_sqlite().await;
        };
        let txn = db.begin().await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
        self.warn_without_search_index().await
    }

    /// SQLite's migrations run on a connection of their own (sea-orm-migration runs a
    /// migration's statements one by one on SQLite, outside a transaction, so they must not
    /// spread over the readers' pool), closed after.
    async fn migrate_sqlite(&self) -> Result<(), StoreError> {
        let options = self.read.get_sqlite_connection_pool().connect_options();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with((*options).clone())
            .await
            .map_err(sqlx_err)?;
        let db = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        let migrated = Migrator::up(&db, None).await;
        let _ = db.close().await;
        Ok(migrated?)
    }

    /// Says so when `?q=` has no trigram index on PostgreSQL: the migration that makes it goes
    /// on without it where the database refuses `pg_trgm`, and PostgreSQL's own warning reaches
    /// no log.
    async fn warn_without_search_index(&self) -> Result<(), StoreError> {
        let found = self
            .read
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT 1 FROM pg_indexes WHERE tablename = 'entries' \
                 AND indexname = 'entries_search_trgm' AND schemaname = current_schema()",
            ))
            .await?;
        if found.is_none() {
            tracing::warn!(
                "the database has no pg_trgm index for ?q=: a search for a rare word reads \
                 every entry of its type. docs/operations.md, \"Text search on PostgreSQL\", \
                 says how to add it"
            );
        }
        Ok(())
    }

    /// SQLite at `url`; with `create`, the file (and its folder) is made if missing, else a
    /// missing file is an error.
    async fn connect_sqlite(url: &str, create: bool) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(sea_orm::DbErr::Custom(format!("{e}"))))?
            .create_if_missing(create);
        // WAL is a lasting property of the file, set when Herald makes or migrates it; a check
        // leaves the file as it is.
        let options = if create {
            options.journal_mode(SqliteJournalMode::Wal)
        } else {
            options
        };
        let options = options
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true)
            // A listing page (up to 201 rows) fits the channel from SQLite's thread whole, so
            // that thread never waits on the request task in the middle of a query.
            .row_buffer_size(256);
        let file = options.get_filename();
        if !create && !file.is_file() {
            return Err(StoreError::Database(sea_orm::DbErr::Custom(format!(
                "no SQLite database at {}",
                file.display()
            ))));
        }
        if let Some(dir) = options.get_filename().parent().filter(|_| create) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Database(sea_orm::DbErr::Custom(format!(
                    "cannot create {}: {e}",
                    dir.display()
                )))
            })?;
        }
        let writer = Writer::sqlite(options.clone()).await.map_err(sqlx_err)?;
        // No ping before handing out a connection: to a file it is one more round trip to
        // SQLite's thread on every request, and a broken file fails the query anyway.
        let readers = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(sqlx_err)?;
        Ok(Store {
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(readers),
            write: writer,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> DbBackend {
        self.read.get_database_backend()
    }

    /// Whether this is SQLite, whose file only one server may use at a time.
    pub fn is_sqlite(&self) -> bool {
        self.backend() == DbBackend::Sqlite
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read.ping().await?;
        Ok(())
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so the write lock is taken up
    /// front rather than on the first write).
    pub(crate) async fn begin_write(&self) -> Result<WriteTxn, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// Starts a read-only transaction that sees one moment's data throughout: `REPEATABLE
    /// READ` on PostgreSQL; on SQLite (WAL) a read transaction, whose snapshot is taken by its
    /// first read and kept until it ends.
    pub(crate) async fn begin_read(&self) -> Result<DatabaseTransaction, StoreError> {
        if self.is_sqlite() {
            return Ok(self.read.begin().await?);
        }
        Ok(self
            .read
            .begin_with_config(
                Some(sea_orm::IsolationLevel::RepeatableRead),
                Some(sea_orm::AccessMode::ReadOnly),
            )
            .await?)
    }

    /// Closes every connection (at shutdown, so SQLite checkpoints its WAL).
    pub async fn close(self) {
        self.write.close().await;
        let _ = self.read.close().await;
    }
}

fn sqlx_err(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
        e.into(),
    )))
}

/// A database URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}{}:***{}", &url[..scheme], "://", user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://app:s3cret@db/herald"),
            "postgres://app:***@db/herald"
        );
        assert_eq!(redact("sqlite://data/herald.db"), "sqlite://data/herald.db");
    }
}
