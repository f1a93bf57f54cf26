//! The write side of the database: where every write statement and write transaction runs.
//!
//! PostgreSQL writes go through the pool, as its reads do. SQLite has one writer per file, and
//! Herald keeps one connection for it outside sqlx's pool, behind a lock that writers take in
//! turn. A pooled connection costs a write transaction two round trips to SQLite's thread that
//! do no work: sqlx pings every connection that comes back to its pool (and the next writer
//! waits for it), and `BEGIN` is a round trip of its own. Here a transaction sends
//! `BEGIN IMMEDIATE` together with its first statement, and hands the connection on after
//! `COMMIT` with nothing more (`docs/performance.md`).
//!
//! A [`WriteTxn`] dropped before its commit (an error returned with `?`, a cancelled request)
//! leaves SQLite's transaction open on the connection; the connection is marked so, and it is
//! rolled back by a task spawned on the drop or by the next writer, whichever comes first.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::TryStreamExt;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteQueryResult};
use sea_orm::sqlx::{self, ConnectOptions, Connection, Executor};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, RuntimeErr, Statement, TransactionOptions, TransactionTrait, Values,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a writer waits for the SQLite connection before giving up, as sqlx's pool did.
const WAIT_FOR_WRITER: std::time::Duration = std::time::Duration::from_secs(30);

/// Where writes go. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) enum Writer {
    /// PostgreSQL: the pool, whose writers do not queue on one connection.
    Pool(DatabaseConnection),
    /// SQLite: the one write connection.
    Sqlite(Arc<Mutex<Slot>>),
}

/// The SQLite write connection and what it was left with.
#[derive(Debug)]
pub(crate) struct Slot {
    /// `None` once the store is closed.
    conn: Option<SqliteConnection>,
    /// A transaction was begun and neither committed nor rolled back: whoever takes the
    /// connection next rolls it back first.
    open: bool,
}

impl Slot {
    fn conn(&mut self) -> Result<&mut SqliteConnection, DbErr> {
        self.conn
            .as_mut()
            .ok_or_else(|| DbErr::Custom("the database is closed".to_owned()))
    }

    /// Rolls back a transaction its owner dropped, if there is one.
    async fn settle(&mut self) {
        if !self.open {
            return;
        }
        if let Some(conn) = self.conn.as_mut()
            && let Err(error) = conn.execute("ROLLBACK").await
        {
            // "no transaction is active": the `BEGIN` itself had failed.
            tracing::debug!(%error, "rollback of an abandoned write transaction");
        }
        self.open = false;
    }
}

impl Writer {
    /// Opens the SQLite write connection.
    pub(crate) async fn sqlite(options: SqliteConnectOptions) -> Result<Writer, sqlx::Error> {
        // Each statement text a write sends is prepared once and kept; a first statement with
        // its `BEGIN` in front is a text of its own.
        let conn = options.statement_cache_capacity(400).connect().await?;
        Ok(Writer::Sqlite(Arc::new(Mutex::new(Slot {
            conn: Some(conn),
            open: false,
        }))))
    }

    /// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite (the write lock taken up front
    /// rather than at the first write), sent with the transaction's first statement.
    pub(crate) async fn begin(&self) -> Result<WriteTxn, DbErr> {
        match self {
            Writer::Pool(db) => Ok(WriteTxn::Pool(
                db.begin_with_options(TransactionOptions::default()).await?,
            )),
            Writer::Sqlite(slot) => {
                let mut held = tokio::time::timeout(WAIT_FOR_WRITER, slot.clone().lock_owned())
                    .await
                    .map_err(|_| waited_too_long())?;
                held.settle().await;
                Ok(WriteTxn::Sqlite(SqliteTxn {
                    held: Mutex::new(held),
                    writer: slot.clone(),
                    begun: AtomicBool::new(false),
                    finished: false,
                }))
            }
        }
    }

    /// Closes the connection (at shutdown, so that SQLite checkpoints its WAL).
    pub(crate) async fn close(&self) {
        match self {
            Writer::Pool(db) => {
                let _ = db.close_by_ref().await;
            }
            Writer::Sqlite(slot) => {
                let mut slot = slot.lock().await;
                slot.settle().await;
                if let Some(conn) = slot.conn.take() {
                    let _ = conn.close().await;
                }
            }
        }
    }
}

/// A write transaction. Dropped without [`WriteTxn::commit`], it is rolled back.
#[derive(Debug)]
pub(crate) enum WriteTxn {
    Pool(DatabaseTransaction),
    Sqlite(SqliteTxn),
}

impl WriteTxn {
    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        match self {
            WriteTxn::Pool(txn) => txn.commit().await,
            WriteTxn::Sqlite(txn) => txn.commit().await,
        }
    }
}

/// A SQLite write transaction, holding the write connection until it ends.
#[derive(Debug)]
pub(crate) struct SqliteTxn {
    /// The connection; a lock of its own because statements run through `&self`.
    held: Mutex<OwnedMutexGuard<Slot>>,
    /// The lock `held` came from, to roll back after a drop.
    writer: Arc<Mutex<Slot>>,
    /// Whether `BEGIN IMMEDIATE` went out (with the first statement).
    begun: AtomicBool,
    finished: bool,
}

impl SqliteTxn {
    /// `sql` with `BEGIN IMMEDIATE` in front when it is the transaction's first statement, and
    /// whether it is.
    fn first<'a>(&self, slot: &mut Slot, sql: &'a str) -> (Cow<'a, str>, bool) {
        if self.begun.swap(true, Ordering::AcqRel) {
            return (Cow::Borrowed(sql), false);
        }
        slot.open = true;
        (Cow::Owned(format!("BEGIN IMMEDIATE;\n{sql}")), true)
    }

    /// The connection, `sql` as it must go out, and whether that begins the transaction.
    async fn statement<'s>(
        &self,
        sql: &'s str,
    ) -> (
        tokio::sync::MutexGuard<'_, OwnedMutexGuard<Slot>>,
        Cow<'s, str>,
        bool,
    ) {
        let mut held = self.held.lock().await;
        let (sql, begins) = self.first(&mut held, sql);
        (held, sql, begins)
    }

    async fn commit(mut self) -> Result<(), DbErr> {
        self.finished = true;
        if !self.begun.load(Ordering::Acquire) {
            return Ok(());
        }
        let slot = self.held.get_mut();
        let committed = slot.conn()?.execute("COMMIT").await;
        match committed {
            Ok(_) => {
                slot.open = false;
                Ok(())
            }
            // SQLite keeps the transaction open after a failed `COMMIT`.
            Err(error) => {
                slot.settle().await;
                Err(exec_err(error))
            }
        }
    }
}

impl Drop for SqliteTxn {
    fn drop(&mut self) {
        if self.finished || !self.begun.load(Ordering::Acquire) {
            return;
        }
        // `open` is set on the connection: the next writer rolls back if this task has not.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let writer = self.writer.clone();
            runtime.spawn(async move { writer.lock().await.settle().await });
        }
    }
}

fn exec_err(error: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(error.into()))
}

fn query_err(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(error.into()))
}

/// The statement as sqlx runs it, with `sql` in place of its text.
fn sqlx_query<'q>(
    sql: &'q str,
    values: Option<Values>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, SqlxValues> {
    sqlx::query_with(
        sqlx::AssertSqlSafe(sql),
        SqlxValues(values.unwrap_or(Values(Vec::new()))),
    )
}

/// Runs `query` for its effect. With `after_begin`, its first statement is the `BEGIN`, whose
/// result is left out: SQLite reports the rows changed by the last `INSERT`, `UPDATE` or
/// `DELETE` before it as its own.
async fn execute<'q>(
    conn: &mut SqliteConnection,
    query: impl sqlx::Execute<'q, sqlx::Sqlite> + 'q,
    after_begin: bool,
) -> Result<ExecResult, DbErr> {
    let mut results = conn.fetch_many(query);
    let mut total = SqliteQueryResult::default();
    let mut skip = after_begin;
    while let Some(result) = results.try_next().await.map_err(exec_err)? {
        if let sqlx::Either::Left(result) = result {
            if std::mem::take(&mut skip) {
                continue;
            }
            total.extend([result]);
        }
    }
    Ok(total.into())
}

/// Text that runs as it is, without being prepared and kept (`execute_unprepared`).
fn unprepared(sql: &str) -> sqlx::RawSql {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
}

async fn fetch_one(
    conn: &mut SqliteConnection,
    sql: &str,
    values: Option<Values>,
) -> Result<Option<QueryResult>, DbErr> {
    Ok(sqlx_query(sql, values)
        .fetch_optional(conn)
        .await
        .map_err(query_err)?
        .map(Into::into))
}

async fn fetch_all(
    conn: &mut SqliteConnection,
    sql: &str,
    values: Option<Values>,
) -> Result<Vec<QueryResult>, DbErr> {
    Ok(sqlx_query(sql, values)
        .fetch_all(conn)
        .await
        .map_err(query_err)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The connection for a statement outside any transaction.
async fn alone(slot: &Mutex<Slot>) -> Result<tokio::sync::MutexGuard<'_, Slot>, DbErr> {
    let mut slot = tokio::time::timeout(WAIT_FOR_WRITER, slot.lock())
        .await
        .map_err(|_| waited_too_long())?;
    slot.settle().await;
    Ok(slot)
}

fn waited_too_long() -> DbErr {
    DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            WriteTxn::Pool(txn) => txn.get_database_backend(),
            WriteTxn::Sqlite(_) => DbBackend::Sqlite,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            WriteTxn::Pool(txn) => txn.execute_raw(stmt).await,
            WriteTxn::Sqlite(txn) => {
                let (mut held, sql, begins) = txn.statement(&stmt.sql).await;
                execute(held.conn()?, sqlx_query(&sql, stmt.values), begins).await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            WriteTxn::Pool(txn) => txn.execute_unprepared(sql).await,
            WriteTxn::Sqlite(txn) => {
                let (mut held, sql, begins) = txn.statement(sql).await;
                execute(held.conn()?, unprepared(&sql), begins).await
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            WriteTxn::Pool(txn) => txn.query_one_raw(stmt).await,
            WriteTxn::Sqlite(txn) => {
                let (mut held, sql, _) = txn.statement(&stmt.sql).await;
                fetch_one(held.conn()?, &sql, stmt.values).await
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            WriteTxn::Pool(txn) => txn.query_all_raw(stmt).await,
            WriteTxn::Sqlite(txn) => {
                let (mut held, sql, _) = txn.statement(&stmt.sql).await;
                fetch_all(held.conn()?, &sql, stmt.values).await
            }
        }
    }

    fn support_returning(&self) -> bool {
        match self {
            WriteTxn::Pool(txn) => txn.support_returning(),
            WriteTxn::Sqlite(_) => DbBackend::Sqlite.support_returning(),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Writer {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Writer::Pool(db) => db.get_database_backend(),
            Writer::Sqlite(_) => DbBackend::Sqlite,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Writer::Pool(db) => db.execute_raw(stmt).await,
            Writer::Sqlite(slot) => {
                execute(
                    alone(slot).await?.conn()?,
                    sqlx_query(&stmt.sql, stmt.values),
                    false,
                )
                .await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Writer::Pool(db) => db.execute_unprepared(sql).await,
            Writer::Sqlite(slot) => {
                execute(alone(slot).await?.conn()?, unprepared(sql), false).await
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Writer::Pool(db) => db.query_one_raw(stmt).await,
            Writer::Sqlite(slot) => {
                fetch_one(alone(slot).await?.conn()?, &stmt.sql, stmt.values).await
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Writer::Pool(db) => db.query_all_raw(stmt).await,
            Writer::Sqlite(slot) => {
                fetch_all(alone(slot).await?.conn()?, &stmt.sql, stmt.values).await
            }
        }
    }

    fn support_returning(&self) -> bool {
        match self {
            Writer::Pool(db) => db.support_returning(),
            Writer::Sqlite(_) => DbBackend::Sqlite.support_returning(),
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sqlx::{ConnectOptions, Connection, Executor};
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

    use crate::Store;
    use crate::batch::tests::{audit, audit_rows};
    use crate::entity::audit_log;

    async fn sqlite() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("writer.db").display());
        let store = Store::connect(&url).await.expect("open");
        (dir, store)
    }

    #[tokio::test]
    async fn commits_and_reports_only_its_own_changes() {
        let (_dir, store) = sqlite().await;
        audit("before").exec(&store.write).await.expect("insert");
        let txn = store.begin_write().await.expect("begin");
        // The first statement carries the `BEGIN`, which must not count the insert above.
        let result = audit_log::Entity::delete_many()
            .filter(audit_log::Column::Action.eq("none"))
            .exec(&txn)
            .await;
        // The audit log refuses deletes (a trigger), but only of rows that exist.
        assert_eq!(result.expect("nothing to delete").rows_affected, 0);
        let inserted = audit("one").exec(&txn).await.expect("insert");
        assert!(inserted.last_insert_id > 1);
        txn.commit().await.expect("commit");
        assert_eq!(audit_rows(&store).await, 2);
        store.close().await;
    }

    #[tokio::test]
    async fn a_dropped_transaction_is_rolled_back_before_the_next_write() {
        let (_dir, store) = sqlite().await;
        let txn = store.begin_write().await.expect("begin");
        audit("lost").exec(&txn).await.expect("insert");
        drop(txn);
        // The next transaction takes the connection at once, before the task spawned by the
        // drop can: it rolls back first.
        let txn = store.begin_write().await.expect("begin again");
        audit("kept").exec(&txn).await.expect("insert");
        txn.commit().await.expect("commit");
        assert_eq!(audit_rows(&store).await, 1);

        // Without a next writer, the task spawned by the drop rolls it back: another
        // connection to the file (another process, say) can take the write lock.
        let txn = store.begin_write().await.expect("begin");
        audit("lost too").exec(&txn).await.expect("insert");
        drop(txn);
        let options = store.read.get_sqlite_connection_pool().connect_options();
        let mut other = (*options)
            .clone()
            .busy_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .expect("another connection");
        other
            .execute("BEGIN IMMEDIATE; ROLLBACK")
            .await
            .expect("the write lock is free");
        other.close().await.expect("close");
        assert_eq!(audit_rows(&store).await, 1);
        store.close().await;
    }

    #[tokio::test]
    async fn a_transaction_whose_first_statement_fails_leaves_the_connection_usable() {
        let (_dir, store) = sqlite().await;
        let txn = store.begin_write().await.expect("begin");
        let refused = txn
            .execute_unprepared("INSERT INTO no_such_table VALUES (1)")
            .await;
        assert!(refused.is_err());
        drop(txn);
        let txn = store.begin_write().await.expect("begin");
        audit("after").exec(&txn).await.expect("insert");
        txn.commit().await.expect("commit");
        // A transaction that never ran a statement commits nothing and holds nothing.
        store
            .begin_write()
            .await
            .expect("begin")
            .commit()
            .await
            .expect("empty commit");
        assert_eq!(audit_rows(&store).await, 1);
        store.close().await;
    }
}
