//! Entries, their append-only revisions, the values of `unique` fields, and the schema set the
//! database was last used with. Timestamps are microseconds since the Unix epoch (BIGINT): the
//! same type and ordering on SQLite and PostgreSQL, and cheap keyset pagination.

// `async_trait` cannot name the manager's lifetime, so it stays elided.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden, Clone, Copy)]
enum Entries {
    Table,
    Id,
    TypeName,
    Locale,
    Slug,
    Status,
    Version,
    Fields,
    SearchText,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
    UpdatedBy,
    PublishedVersion,
    PublishAt,
    UnpublishAt,
}

#[derive(Iden)]
enum Revisions {
    Table,
    EntryId,
    Version,
    Slug,
    Status,
    Fields,
    Author,
    CreatedAt,
    Note,
}

#[derive(Iden)]
enum UniqueValues {
    Table,
    TypeName,
    Locale,
    Field,
    Value,
    EntryId,
}

#[derive(Iden)]
enum SchemaState {
    Table,
    Id,
    Snapshot,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Entries::Table)
                    .col(
                        ColumnDef::new(Entries::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Entries::TypeName).string_len(64).not_null())
                    .col(ColumnDef::new(Entries::Locale).string_len(35).not_null())
                    .col(ColumnDef::new(Entries::Slug).string_len(96).not_null())
                    .col(ColumnDef::new(Entries::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Entries::Version).big_integer().not_null())
                    .col(ColumnDef::new(Entries::Fields).text().not_null())
                    .col(ColumnDef::new(Entries::SearchText).text().not_null())
                    .col(ColumnDef::new(Entries::CreatedAt).big_integer().not_null())
                    .col(
                        ColumnDef::new(Entries::CreatedBy)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Entries::UpdatedAt).big_integer().not_null())
                    .col(
                        ColumnDef::new(Entries::UpdatedBy)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Entries::PublishedVersion)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Entries::PublishAt).big_integer().null())
                    .col(ColumnDef::new(Entries::UnpublishAt).big_integer().null())
                    .to_owned(),
            )
            .await?;
        // Slugs are unique per type and locale (`slug_taken`).
        manager
            .create_index(
                Index::create()
                    .name("entries_slug")
                    .table(Entries::Table)
                    .col(Entries::TypeName)
                    .col(Entries::Locale)
                    .col(Entries::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Keyset pagination of the listing, with and without each equality filter.
        let listing: [(&str, &[Entries]); 4] = [
            (
                "entries_by_updated",
                &[Entries::TypeName, Entries::UpdatedAt, Entries::Id],
            ),
            (
                "entries_by_locale_updated",
                &[
                    Entries::TypeName,
                    Entries::Locale,
                    Entries::UpdatedAt,
                    Entries::Id,
                ],
            ),
            (
                "entries_by_status_updated",
                &[
                    Entries::TypeName,
                    Entries::Status,
                    Entries::UpdatedAt,
                    Entries::Id,
                ],
            ),
            (
                "entries_by_created",
                &[Entries::TypeName, Entries::CreatedAt, Entries::Id],
            ),
        ];
        for (name, columns) in listing {
            let mut index = Index::create();
            index.name(name).table(Entries::Table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .col(ColumnDef::new(Revisions::EntryId).string_len(36).not_null())
                    .col(ColumnDef::new(Revisions::Version).big_integer().not_null())
                    .col(ColumnDef::new(Revisions::Slug).string_len(96).not_null())
                    .col(ColumnDef::new(Revisions::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Revisions::Fields).text().not_null())
                    .col(ColumnDef::new(Revisions::Author).string_len(255).not_null())
                    .col(
                        ColumnDef::new(Revisions::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Revisions::Note).string_len(255).null())
                    .primary_key(
                        Index::create()
                            .col(Revisions::EntryId)
                            .col(Revisions::Version),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UniqueValues::Table)
                    .col(
                        ColumnDef::new(UniqueValues::TypeName)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UniqueValues::Locale)
                            .string_len(35)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UniqueValues::Field)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UniqueValues::Value)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UniqueValues::EntryId)
                            .string_len(36)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(UniqueValues::TypeName)
                            .col(UniqueValues::Locale)
                            .col(UniqueValues::Field)
                            .col(UniqueValues::Value),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("unique_values_by_entry")
                    .table(UniqueValues::Table)
                    .col(UniqueValues::EntryId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SchemaState::Table)
                    .col(
                        ColumnDef::new(SchemaState::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SchemaState::Snapshot).text().not_null())
                    .col(
                        ColumnDef::new(SchemaState::UpdatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alias::new("schema_state"),
            Alias::new("unique_values"),
            Alias::new("revisions"),
            Alias::new("entries"),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
