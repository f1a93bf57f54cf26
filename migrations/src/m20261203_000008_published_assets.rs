//! Which published object shows which public file (`published_assets`), so that a file leaves
//! the public bucket once no published object shows it any more (its entries unpublished or
//! archived, or edited to use another file). `publish_state.assets_recorded` says whether every
//! object's files are recorded: true on a bucket with no object yet; on an older one it becomes
//! true when a rebuild of every type has recorded them, and until then no file is withdrawn
//! (one an unrecorded object shows would otherwise go).

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden)]
enum PublishedAssets {
    Table,
    TypeName,
    Locale,
    Slug,
    AssetKey,
}

#[derive(Iden)]
enum PublishState {
    Table,
    AssetsRecorded,
}

const BY_KEY: &str = "published_assets_by_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PublishedAssets::Table)
                    .col(
                        ColumnDef::new(PublishedAssets::TypeName)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedAssets::Locale)
                            .string_len(35)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedAssets::Slug)
                            .string_len(96)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PublishedAssets::AssetKey)
                            .string_len(512)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PublishedAssets::TypeName)
                            .col(PublishedAssets::Locale)
                            .col(PublishedAssets::Slug)
                            .col(PublishedAssets::AssetKey),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_KEY)
                    .table(PublishedAssets::Table)
                    .col(PublishedAssets::AssetKey)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PublishState::Table)
                    .add_column(
                        ColumnDef::new(PublishState::AssetsRecorded)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        // Nothing published yet: nothing unrecorded either.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE publish_state SET assets_recorded = TRUE \
                 WHERE NOT EXISTS (SELECT 1 FROM published_entries)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PublishState::Table)
                    .drop_column(PublishState::AssetsRecorded)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PublishedAssets::Table).to_owned())
            .await
    }
}
