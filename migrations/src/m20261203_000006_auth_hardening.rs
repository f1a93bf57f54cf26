//! Auth hardening. On PostgreSQL the audit log refused `UPDATE` and `DELETE` row by row, but
//! `TRUNCATE` fires no row trigger and emptied it: a statement trigger refuses it now (SQLite has
//! no `TRUNCATE`; its `DELETE` trigger already covers a `DELETE` of every row). And an index for
//! the sign-in limiter, which counts recent rows of one action per account (`target_id`): the
//! existing indexes lead with the action alone or with the target type, which the limiter does
//! not filter on.

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden)]
enum AuditLog {
    Table,
    TargetId,
    Action,
    At,
}

const INDEX: &str = "audit_by_target_action";

/// Reuses the function of `m20261123_000002_auth`, which raises for any change.
const POSTGRES_NO_TRUNCATE: &str = "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON \
     audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(AuditLog::Table)
                    .col(AuditLog::TargetId)
                    .col(AuditLog::Action)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(POSTGRES_NO_TRUNCATE)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
                .await?;
        }
        manager
            .drop_index(Index::drop().name(INDEX).table(AuditLog::Table).to_owned())
            .await
    }
}
