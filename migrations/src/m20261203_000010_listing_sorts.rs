//! Indexes for the listing's other orders: `sort=created_at` and `sort=slug`, each with no
//! filter, the locale, the status, or both (the newest-first order has had all four since
//! `m20261122_000001_entries` and `m20261201_000005_listing_by_locale_and_status`; `slug`
//! within a locale is served by the unique `entries_slug`). Without them, such a listing either
//! sorted every entry the filter kept (a second at a million entries) or walked an order index
//! and tested each row, which is as slow when the filter keeps few of them.
//!
//! None of these columns changes when an entry is edited (a PATCH rewrites `updated_at` and the
//! fields), so the indexes cost a write only when an entry is created, renamed or moves through
//! the workflow.

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
    Status,
    Slug,
    CreatedAt,
}

const INDEXES: [(&str, &[Entries]); 6] = [
    (
        "entries_by_locale_created",
        &[
            Entries::TypeName,
            Entries::Locale,
            Entries::CreatedAt,
            Entries::Id,
        ],
    ),
    (
        "entries_by_status_created",
        &[
            Entries::TypeName,
            Entries::Status,
            Entries::CreatedAt,
            Entries::Id,
        ],
    ),
    (
        "entries_by_locale_status_created",
        &[
            Entries::TypeName,
            Entries::Locale,
            Entries::Status,
            Entries::CreatedAt,
            Entries::Id,
        ],
    ),
    (
        "entries_by_slug",
        &[Entries::TypeName, Entries::Slug, Entries::Id],
    ),
    (
        "entries_by_status_slug",
        &[
            Entries::TypeName,
            Entries::Status,
            Entries::Slug,
            Entries::Id,
        ],
    ),
    (
        "entries_by_locale_status_slug",
        &[
            Entries::TypeName,
            Entries::Locale,
            Entries::Status,
            Entries::Slug,
            Entries::Id,
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Entries::Table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Entries::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
