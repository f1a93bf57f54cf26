//! Two records that `asset_uses` (an entry's current version only) cannot give:
//!
//! - `asset_history`: which entries have used which asset in **any** of their versions. It only
//!   grows (revisions are never destroyed), and an asset with a row here cannot be deleted, so
//!   every version of every entry stays restorable. Filled from the revisions written so far
//!   ([`backfill_asset_history`]; the store runs it again after an import).
//! - `asset_uploads`: who has uploaded an asset's bytes (its creator, and anyone who uploaded
//!   the same bytes again since). A caller limited to some content types sees the assets it
//!   uploaded and those used by entries of its types.
//!
//! During a rolling deploy the previous release keeps working on this schema; versions it
//! writes meanwhile reach `asset_history` only once a new server writes the entry again.

#![allow(elided_lifetimes_in_paths)]

use std::collections::{BTreeSet, HashSet};

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(Iden, Clone, Copy)]
enum AssetHistory {
    Table,
    AssetId,
    EntryId,
}

#[derive(Iden, Clone, Copy)]
enum AssetUploads {
    Table,
    AssetId,
    UploadedBy,
}

#[derive(Iden, Clone, Copy)]
enum Assets {
    Table,
    Id,
    CreatedBy,
}

#[derive(Iden, Clone, Copy)]
enum Revisions {
    Table,
    EntryId,
    Version,
    Fields,
}

/// Revisions read per query by [`backfill_asset_history`].
const PAGE: u64 = 500;

/// Records in `asset_history` every asset any stored revision uses. Asset ids are UUIDs: each
/// quoted UUID in a revision's fields that is an asset's id counts, as the field's
/// `{"id": "…"}` holds it. Safe to repeat; reads the revisions page by page.
pub async fn backfill_asset_history<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let ids: HashSet<String> = db
        .query_all(
            &Query::select()
                .column(Assets::Id)
                .from(Assets::Table)
                .to_owned(),
        )
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(());
    }
    let mut after: Option<(String, i64)> = None;
    loop {
        let mut page = Query::select()
            .columns([Revisions::EntryId, Revisions::Version, Revisions::Fields])
            .from(Revisions::Table)
            .order_by(Revisions::EntryId, Order::Asc)
            .order_by(Revisions::Version, Order::Asc)
            .limit(PAGE)
            .to_owned();
        if let Some((entry, version)) = &after {
            page.cond_where(
                Cond::any()
                    .add(Expr::col(Revisions::EntryId).gt(entry.as_str()))
                    .add(
                        Expr::col(Revisions::EntryId)
                            .eq(entry.as_str())
                            .and(Expr::col(Revisions::Version).gt(*version)),
                    ),
            );
        }
        let rows = db.query_all(&page).await?;
        let mut uses = BTreeSet::new();
        for row in &rows {
            let entry: String = row.try_get_by_index(0)?;
            let version: i64 = row.try_get_by_index(1)?;
            let fields: String = row.try_get_by_index(2)?;
            for id in quoted_uuids(&fields).filter(|id| ids.contains(*id)) {
                uses.insert((id.to_owned(), entry.clone()));
            }
            after = Some((entry, version));
        }
        if !uses.is_empty() {
            let mut insert = Query::insert()
                .into_table(AssetHistory::Table)
                .columns([AssetHistory::AssetId, AssetHistory::EntryId])
                .on_conflict(
                    OnConflict::columns([AssetHistory::AssetId, AssetHistory::EntryId])
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            for (asset, entry) in uses {
                insert
                    .values([asset.into(), entry.into()])
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            db.execute(&insert).await?;
        }
        if (rows.len() as u64) < PAGE {
            return Ok(());
        }
    }
}

/// The UUIDs (`8-4-4-4-12` hex digits) that stand between double quotes in `text`.
fn quoted_uuids(text: &str) -> impl Iterator<Item = &str> {
    text.split('"').filter(|part| {
        part.len() == 36
            && part.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    })
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssetHistory::Table)
                    .col(
                        ColumnDef::new(AssetHistory::AssetId)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AssetHistory::EntryId)
                            .string_len(36)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(AssetHistory::AssetId)
                            .col(AssetHistory::EntryId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AssetUploads::Table)
                    .col(
                        ColumnDef::new(AssetUploads::AssetId)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AssetUploads::UploadedBy)
                            .string_len(64)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(AssetUploads::AssetId)
                            .col(AssetUploads::UploadedBy),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute(
            &Query::insert()
                .into_table(AssetUploads::Table)
                .columns([AssetUploads::AssetId, AssetUploads::UploadedBy])
                .select_from(
                    Query::select()
                        .columns([Assets::Id, Assets::CreatedBy])
                        .from(Assets::Table)
                        .to_owned(),
                )
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned(),
        )
        .await?;
        backfill_asset_history(db).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AssetUploads::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AssetHistory::Table).to_owned())
            .await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::MigratorTrait;
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database};

    use super::quoted_uuids;
    use crate::Migrator;

    const HERO: &str = "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11";
    const UNUSED: &str = "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a22";

    #[tokio::test]
    async fn the_revisions_and_uploads_of_an_older_database_are_recorded() {
        let db = Database::connect("sqlite::memory:")
            .await
            .expect("a database");
        let before = u32::try_from(Migrator::migrations().len() - 1).expect("a few");
        Migrator::up(&db, Some(before))
            .await
            .expect("older migrations");
        db.execute_unprepared(&format!(
            "INSERT INTO assets (id, sha256, filename, content_type, bytes, search_text, \
             created_at, created_by) VALUES \
             ('{HERO}', 'aa', 'hero.png', 'image/png', 10, '', 0, 'ada'), \
             ('{UNUSED}', 'bb', 'spare.png', 'image/png', 10, '', 0, 'bo')"
        ))
        .await
        .expect("assets");
        // 600 versions of one entry (more than a page), only the last but one using the
        // hero; another entry names an id that is no asset's.
        db.execute_unprepared(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) \
             INSERT INTO revisions (entry_id, version, slug, status, fields, author, created_at) \
             SELECT 'entry-1', i, 's', 'draft', \
               CASE WHEN i = 599 THEN '{{\"hero\":{{\"id\":\"{HERO}\"}}}}' ELSE '{{}}' END, \
               'ada', 0 FROM n"
        ))
        .await
        .expect("revisions");
        db.execute_unprepared(
            "INSERT INTO revisions (entry_id, version, slug, status, fields, author, created_at) \
             VALUES ('entry-2', 1, 't', 'draft', \
             '{\"x\":\"0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a33\"}', 'bo', 0)",
        )
        .await
        .expect("a revision");

        Migrator::up(&db, None).await.expect("this migration");
        let rows = |sql: &'static str| {
            let db = &db;
            async move {
                db.query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .expect("rows")
                .iter()
                .map(|row| {
                    (
                        row.try_get_by_index::<String>(0).expect("a value"),
                        row.try_get_by_index::<String>(1).expect("a value"),
                    )
                })
                .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            rows("SELECT asset_id, entry_id FROM asset_history").await,
            [(HERO.to_owned(), "entry-1".to_owned())]
        );
        assert_eq!(
            rows("SELECT asset_id, uploaded_by FROM asset_uploads ORDER BY asset_id").await,
            [
                (HERO.to_owned(), "ada".to_owned()),
                (UNUSED.to_owned(), "bo".to_owned())
            ]
        );
    }

    #[test]
    fn finds_quoted_uuids_only() {
        let fields = r#"{"hero":{"id":"0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11","alt":"x"},
            "note":"0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a1","gallery":[{"id":"0193A3E4-7C1E-7B4A-9F00-3C2D1E0F9A12"}],
            "text":"not 0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a13 quoted"}"#;
        assert_eq!(
            quoted_uuids(fields).collect::<Vec<_>>(),
            [
                "0193a3e4-7c1e-7b4a-9f00-3c2d1e0f9a11",
                "0193A3E4-7C1E-7B4A-9F00-3C2D1E0F9A12"
            ]
        );
    }
}
