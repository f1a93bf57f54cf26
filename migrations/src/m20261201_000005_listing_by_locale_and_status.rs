//! An index for the listing most editors look at: one locale, one status, newest first
//! (`GET /entries/{type}?locale=fr&status=published`). With only the locale or only the status
//! indexed, SQLite walks one of them and checks the other row by row, which grows with the
//! share of entries the other filter drops.

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden)]
enum Entries {
    Table,
    TypeName,
    Locale,
    Status,
    UpdatedAt,
    Id,
}

const NAME: &str = "entries_by_locale_status_updated";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Entries::Table)
                    .col(Entries::TypeName)
                    .col(Entries::Locale)
                    .col(Entries::Status)
                    .col(Entries::UpdatedAt)
                    .col(Entries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Entries::Table).to_owned())
            .await
    }
}
