//! Write statements that each change exactly one row, sent to the database together.
//!
//! On SQLite a write transaction holds the file's one writer from `BEGIN IMMEDIATE` to
//! `COMMIT`, and every statement is a round trip between the request's task and sqlx's SQLite
//! thread: two thread wake-ups, which cost more than running the statement
//! (`docs/performance.md`). A [`Batch`] goes to SQLite as one multi-statement execution, one
//! round trip for all of them. On PostgreSQL, whose writers do not queue on one connection,
//! the statements run one by one, and the batch stops at the first that changes no row, as a
//! lone statement would have.

use crate::writer::WriteTxn;
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement, Values};

/// Statements to run in order inside one transaction, each expected to change one row.
#[derive(Debug)]
pub(crate) struct Batch {
    backend: DbBackend,
    statements: Vec<Statement>,
}

/// Why a batch did not complete.
#[derive(Debug)]
pub(crate) enum BatchError {
    /// A statement changed no row (an `UPDATE … WHERE version = …` that another writer
    /// overtook). Statements after it did not run on PostgreSQL; on SQLite they ran, and the
    /// caller must roll the transaction back, which returning this error does.
    NoRow,
    /// The database refused a statement (a constraint, most often).
    Database(sea_orm::DbErr),
}

impl Batch {
    pub(crate) fn new(backend: DbBackend) -> Batch {
        Batch {
            backend,
            statements: Vec::new(),
        }
    }

    /// Adds a query (an insert or an update built with sea-orm) to run after the others.
    pub(crate) fn push(&mut self, query: &impl QueryTrait) {
        self.statements.push(query.build(self.backend));
    }

    /// Runs every statement, in order, in `txn`.
    pub(crate) async fn execute(self, txn: &WriteTxn) -> Result<(), BatchError> {
        let expected = self.statements.len() as u64;
        if self.backend != DbBackend::Sqlite {
            for statement in self.statements {
                let result = txn
                    .execute_raw(statement)
                    .await
                    .map_err(BatchError::Database)?;
                if result.rows_affected() != 1 {
                    return Err(BatchError::NoRow);
                }
            }
            return Ok(());
        }
        let result = txn
            .execute_raw(self.into_one_statement())
            .await
            .map_err(BatchError::Database)?;
        // SQLite reports the rows changed by all the statements together.
        if result.rows_affected() == expected {
            Ok(())
        } else {
            Err(BatchError::NoRow)
        }
    }

    /// One SQL text of the statements separated by `;`, with their values in order: SQLite's
    /// `?` parameters are numbered across the statements of one execution.
    fn into_one_statement(self) -> Statement {
        let mut sql = String::new();
        let mut values = Vec::new();
        for statement in self.statements {
            if !sql.is_empty() {
                sql.push_str(";\n");
            }
            sql.push_str(&statement.sql);
            if let Some(Values(more)) = statement.values {
                values.extend(more);
            }
        }
        Statement::from_sql_and_values(self.backend, sql, values)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use sea_orm::ActiveValue::Set;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, Insert, PaginatorTrait, QueryFilter};

    use super::*;
    use crate::Store;
    use crate::entity::{audit_log, entries};

    fn update(backend: DbBackend) -> Batch {
        let mut batch = Batch::new(backend);
        batch.push(
            &entries::Entity::update_many()
                .col_expr(entries::Column::Version, Expr::value(3))
                .filter(entries::Column::Id.eq("e1"))
                .filter(entries::Column::Version.eq(2)),
        );
        batch.push(&audit_log::Entity::insert(audit_log::ActiveModel {
            at: Set(7),
            actor_label: Set("ana".to_owned()),
            action: Set("entry.update".to_owned()),
            ..Default::default()
        }));
        batch
    }

    #[test]
    fn joins_statements_and_their_values_in_order() {
        let statement = update(DbBackend::Sqlite).into_one_statement();
        let parts: Vec<&str> = statement.sql.split(";\n").collect();
        assert_eq!(parts.len(), 2, "{}", statement.sql);
        assert!(parts[0].starts_with("UPDATE"), "{}", parts[0]);
        assert!(parts[1].starts_with("INSERT"), "{}", parts[1]);
        let placeholders = statement.sql.matches('?').count();
        let values = statement.values.expect("values").0;
        assert_eq!(values.len(), placeholders);
        assert_eq!(values.first(), Some(&sea_orm::Value::from(3)));
        assert_eq!(values.last(), Some(&sea_orm::Value::from("entry.update")));
    }

    /// An audit row to insert: a row of a table with no constraint to trip over.
    pub(crate) fn audit(action: &str) -> Insert<audit_log::ActiveModel> {
        audit_log::Entity::insert(audit_log::ActiveModel {
            at: Set(1),
            actor_label: Set("test".to_owned()),
            action: Set(action.to_owned()),
            ..Default::default()
        })
    }

    /// How many audit rows readers see.
    pub(crate) async fn audit_rows(store: &Store) -> u64 {
        audit_log::Entity::find()
            .count(&store.read)
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn runs_as_one_and_rolls_back_as_one_on_sqlite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("batch.db").display());
        let store = Store::connect(&url).await.expect("open");

        let txn = store.begin_write().await.expect("begin");
        let mut batch = Batch::new(DbBackend::Sqlite);
        batch.push(&audit("one"));
        batch.push(&audit("two"));
        batch.execute(&txn).await.expect("both rows");
        txn.commit().await.expect("commit");
        assert_eq!(audit_rows(&store).await, 2);

        // An update that matches nothing fails the batch; the insert before it goes with it.
        let txn = store.begin_write().await.expect("begin");
        let mut batch = Batch::new(DbBackend::Sqlite);
        batch.push(&audit("three"));
        batch.push(
            &entries::Entity::update_many()
                .col_expr(entries::Column::Version, Expr::value(2))
                .filter(entries::Column::Id.eq("no such entry")),
        );
        assert!(matches!(batch.execute(&txn).await, Err(BatchError::NoRow)));
        drop(txn);
        assert_eq!(audit_rows(&store).await, 2);

        // A statement the database refuses (the audit log is append-only) fails it too.
        let txn = store.begin_write().await.expect("begin");
        let mut batch = Batch::new(DbBackend::Sqlite);
        batch.push(&audit("four"));
        batch.push(
            &audit_log::Entity::update_many()
                .col_expr(audit_log::Column::Action, Expr::value("rewritten"))
                .filter(audit_log::Column::Action.eq("one")),
        );
        assert!(matches!(
            batch.execute(&txn).await,
            Err(BatchError::Database(_))
        ));
        drop(txn);
        assert_eq!(audit_rows(&store).await, 2);
        store.close().await;
    }
}
