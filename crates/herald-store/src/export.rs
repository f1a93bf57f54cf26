//! `herald export` / `herald import`: every asset's description, then every entry with its
//! whole history, one JSON object per line. An import restores ids, versions, authors and times
//! exactly, so a round trip between databases gives identical content. (The files of assets
//! live in the private asset store, which is copied on its own.)

use futures::TryStreamExt;
use herald_model::SchemaSet;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::assets::{AssetCheck, check_assets, insert_asset, write_asset_uses};
use crate::entity::{assets, entries, revisions, unique_values};
use crate::search::search_text;
use crate::{Asset, Entry, Revision, Store, StoreError};

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
    /// Calls `emit` with every entry followed by its revisions, oldest first, in id order.
    pub async fn export(
        &self,
        mut emit: impl FnMut(ExportLine) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut files = assets::Entity::find()
            .order_by_asc(assets::Column::Id)
            .paginate(&self.read, 500);
        while let Some(rows) = files.fetch_and_next().await? {
            for row in rows {
                emit(ExportLine::Asset(row.into()))?;
            }
        }
        let mut pages = entries::Entity::find()
            .order_by_asc(entries::Column::Id)
            .paginate(&self.read, 200);
        while let Some(rows) = pages.fetch_and_next().await? {
            for row in rows {
                let id = row.id.clone();
                emit(ExportLine::Entry(row.try_into()?))?;
                let mut history = revisions::Entity::find()
                    .filter(revisions::Column::EntryId.eq(&id))
                    .order_by_asc(revisions::Column::Version)
                    .stream(&self.read)
                    .await?;
                while let Some(revision) = history.try_next().await? {
                    emit(ExportLine::Revision(revision.try_into()?))?;
                }
            }
        }
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
            let at = |message: String| StoreError::Corrupt(format!("line {number}: {message}"));
            match line {
                ExportLine::Asset(asset) => {
                    insert_asset(&txn, asset)
                        .await
                        .map_err(|e| at(format!("asset: {e}")))?;
                    summary.assets += 1;
                }
                ExportLine::Entry(entry) => {
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
                    for field in content_type.unique_fields() {
                        if let Some(value) = validated.fields.get(&field.name) {
                            let value = match value {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            unique_values::Entity::insert(unique_values::ActiveModel {
                                type_name: Set(entry.type_name.clone()),
                                locale: Set(entry.locale.clone()),
                                field: Set(field.name.clone()),
                                value: Set(value),
                                entry_id: Set(entry.id.clone()),
                            })
                            .exec_without_returning(&txn)
                            .await?;
                        }
                    }
                    let uses: Vec<AssetCheck> =
                        validated.assets.iter().map(AssetCheck::from_use).collect();
                    check_assets(&txn, &uses)
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
        txn.commit().await?;
        Ok(summary)
    }
}
