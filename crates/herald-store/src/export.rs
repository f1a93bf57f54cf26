//! `herald export` / `herald import`: every asset's description, then every entry with its
//! whole history, one JSON object per line. An import restores ids, versions, authors and times
//! exactly, so a round trip between databases gives identical content. (The files of assets
//! live in the private asset store, which is copied on its own.)

use herald_model::SchemaSet;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::assets::{AssetCheck, check_assets, insert_asset, write_asset_uses};
use crate::entity::{assets, entries, revisions, unique_values};
use crate::entries::{is_entry_id, unique_values as unique_keys};
use crate::search::search_text;
use crate::{Asset, Entry, Revision, Store, StoreError};

/// Rows read per query of an export.
const PAGE: u64 = 200;

/// One line of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportLine {
    /// An uploaded file's description; all of them come before the entries.
    Asset(Asset),
    /// An entry at its current version; its revisions follow it.
    Entry(Entry),
    Revision(Revision),
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub assets: u64,
    pub entries: u64,
    pub revisions: u64,
}

impl Store {
    /// Calls `emit` with every asset, then every entry followed by its revisions, oldest
    /// first, in id order. Everything is read in one read transaction, so the export is one
    /// moment's content even while the server writes (a snapshot: `REPEATABLE READ` on
    /// PostgreSQL, a WAL read transaction on SQLite), and paged by id, so each page is one
    /// index seek however far the export has got.
    pub async fn export(
        &self,
        mut emit: impl FnMut(ExportLine) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let txn = self.begin_read().await?;
        let mut after: Option<String> = None;
        loop {
            let mut page = assets::Entity::find().order_by_asc(assets::Column::Id);
            if let Some(last) = &after {
                page = page.filter(assets::Column::Id.gt(last.as_str()));
            }
            let rows = page.limit(PAGE).all(&txn).await?;
            after = rows.last().map(|row| row.id.clone());
            for row in rows {
                emit(ExportLine::Asset(row.into()))?;
            }
            if after.is_none() {
                break;
            }
        }
        loop {
            let mut page = entries::Entity::find().order_by_asc(entries::Column::Id);
            if let Some(last) = &after {
                page = page.filter(entries::Column::Id.gt(last.as_str()));
            }
            let rows = page.limit(PAGE).all(&txn).await?;
            let Some(last) = rows.last().map(|row| row.id.clone()) else {
                break;
            };
            // The page's revisions in one query, in the order they are written out.
            let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
            let mut history = revisions::Entity::find()
                .filter(revisions::Column::EntryId.is_in(ids))
                .order_by_asc(revisions::Column::EntryId)
                .order_by_asc(revisions::Column::Version)
                .all(&txn)
                .await?
                .into_iter()
                .peekable();
            for row in rows {
                let id = row.id.clone();
                emit(ExportLine::Entry(row.try_into()?))?;
                while let Some(revision) = history.next_if(|r| r.entry_id == id) {
                    emit(ExportLine::Revision(revision.try_into()?))?;
                }
            }
            after = Some(last);
        }
        txn.commit().await?;
        Ok(())
    }

    /// Imports lines written by [`Store::export`] in one transaction: all or nothing. Entries
    /// must be of a known type, valid under `schemas`, and not already present.
    pub async fn import(
        &self,
        schemas: &SchemaSet,
        lines: impl IntoIterator<Item = (usize, ExportLine)>,
    ) -> Result<ImportSummary, StoreError> {
        let txn = self.begin_write().await?;
        let mut summary = ImportSummary::default();
        for (number, line) in lines {
            let at = |message: String| StoreError::Import(format!("line {number}: {message}"));
            match line {
                ExportLine::Asset(asset) => {
                    insert_asset(&txn, asset)
                        .await
                        .map_err(|e| at(format!("asset: {e}")))?;
                    summary.assets += 1;
                }
                ExportLine::Entry(entry) => {
                    if !is_entry_id(&entry.id) {
                        return Err(at(format!("entry id `{}` is not a UUID", entry.id)));
                    }
                    let content_type = schemas
                        .get(&entry.type_name)
                        .ok_or_else(|| at(format!("unknown content type `{}`", entry.type_name)))?;
                    let validated = content_type
                        .validate(Value::Object(entry.fields.clone()))
                        .map_err(|errors| at(format!("entry {}: {errors}", entry.id)))?;
                    if entries::Entity::find_by_id(entry.id.clone())
                        .count(&txn)
                        .await?
                        > 0
                    {
                        return Err(at(format!("entry {} already exists", entry.id)));
                    }
                    // Stored as every write stores them: long values cut to their key.
                    for (field, value) in unique_keys(content_type, &validated.fields) {
                        unique_values::Entity::insert(unique_values::ActiveModel {
                            type_name: Set(entry.type_name.clone()),
                            locale: Set(entry.locale.clone()),
                            field: Set(field.clone()),
                            value: Set(value),
                            entry_id: Set(entry.id.clone()),
                        })
                        .exec_without_returning(&txn)
                        .await
                        .map_err(|e| {
                            if StoreError::is_unique_violation(&e) {
                                at(format!(
                                    "entry {}: fields.{field}: another entry of this type and \
                                     locale has this value, and the field is unique",
                                    entry.id
                                ))
                            } else {
                                StoreError::Database(e)
                            }
                        })?;
                    }
                    let uses: Vec<AssetCheck> =
                        validated.assets.iter().map(AssetCheck::from_use).collect();
                    check_assets(&txn, &uses, None)
                        .await
                        .map_err(|errors| at(format!("entry {}: {errors}", entry.id)))?;
                    write_asset_uses(&txn, &entry.id, &uses).await?;
                    entries::Entity::insert(entries::ActiveModel {
                        search_text: Set(search_text(content_type, &entry.slug, &entry.fields)),
                        fields: Set(Value::Object(entry.fields).to_string()),
                        id: Set(entry.id),
                        type_name: Set(entry.type_name),
                        locale: Set(entry.locale),
                        slug: Set(entry.slug),
                        status: Set(entry.status.as_str().to_owned()),
                        version: Set(entry.version),
                        created_at: Set(entry.created_at.timestamp_micros()),
                        created_by: Set(entry.created_by),
                        updated_at: Set(entry.updated_at.timestamp_micros()),
                        updated_by: Set(entry.updated_by),
                        published_version: Set(entry.published_version),
                        publish_at: Set(entry.publish_at.map(|t| t.timestamp_micros())),
                        unpublish_at: Set(entry.unpublish_at.map(|t| t.timestamp_micros())),
                        // Set from the published revision once the revisions are in.
                        published_slug: Set(None),
                        published_at: Set(None),
                    })
                    .exec_without_returning(&txn)
                    .await?;
                    summary.entries += 1;
                }
                ExportLine::Revision(revision) => {
                    revisions::Entity::insert(revisions::ActiveModel {
                        entry_id: Set(revision.entry_id),
                        version: Set(revision.version),
                        slug: Set(revision.slug),
                        status: Set(revision.status.as_str().to_owned()),
                        fields: Set(Value::Object(revision.fields).to_string()),
                        author: Set(revision.author),
                        created_at: Set(revision.created_at.timestamp_micros()),
                        note: Set(revision.note),
                    })
                    .exec_without_returning(&txn)
                    .await
                    .map_err(|e| at(format!("revision: {e}")))?;
                    summary.revisions += 1;
                }
            }
        }
        crate::published::backfill_published_slugs(&txn).await?;
        // What the imported revisions use, so that no asset they need can be deleted.
        herald_migration::backfill_asset_history(&txn).await?;
        txn.commit().await?;
        Ok(summary)
    }
}
