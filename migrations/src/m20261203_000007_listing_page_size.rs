//! The page size the bucket's listings are paged with (`publish_state.page_size`). Pages are
//! computed from it, not from the setting: a changed `[publish] page_size` takes effect only
//! when a rebuild of every type has written every page again, so that the pages in the bucket
//! always agree with each other. Empty until the first batch records the setting.

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden)]
enum PublishState {
    Table,
    PageSize,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PublishState::Table)
                    .add_column(ColumnDef::new(PublishState::PageSize).big_integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PublishState::Table)
                    .drop_column(PublishState::PageSize)
                    .to_owned(),
            )
            .await
    }
}
