//! Uploaded files and which entries use them. The files themselves live in the private asset
//! store (`originals/<sha256>`); a row here describes one, and the same bytes are one row.

#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden)]
enum Assets {
    Table,
    Id,
    Sha256,
    Filename,
    ContentType,
    Bytes,
    Width,
    Height,
    Alt,
    SearchText,
    CreatedAt,
    CreatedBy,
}

#[derive(Iden)]
enum AssetUses {
    Table,
    EntryId,
    AssetId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assets::Table)
                    .col(
                        ColumnDef::new(Assets::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Assets::Sha256)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Assets::Filename).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Assets::ContentType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Assets::Bytes).big_integer().not_null())
                    .col(ColumnDef::new(Assets::Width).integer().null())
                    .col(ColumnDef::new(Assets::Height).integer().null())
                    .col(ColumnDef::new(Assets::Alt).text().null())
                    .col(ColumnDef::new(Assets::SearchText).text().not_null())
                    .col(ColumnDef::new(Assets::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Assets::CreatedBy).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("assets_by_type")
                    .table(Assets::Table)
                    .col(Assets::ContentType)
                    .col(Assets::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AssetUses::Table)
                    .col(ColumnDef::new(AssetUses::EntryId).string_len(36).not_null())
                    .col(ColumnDef::new(AssetUses::AssetId).string_len(36).not_null())
                    .primary_key(
                        Index::create()
                            .col(AssetUses::EntryId)
                            .col(AssetUses::AssetId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("asset_uses_by_asset")
                    .table(AssetUses::Table)
                    .col(AssetUses::AssetId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["asset_uses", "assets"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
