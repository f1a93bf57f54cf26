//! The schema set a database was last used with, and the review of a new set against it: the
//! server refuses to start when a breaking change would make stored entries invalid, and
//! `herald schema check --database` reports the same without starting.

use std::collections::HashMap;

use herald_model::SchemaSet;
use herald_model::compat::{Affected, Change, compare, still_valid};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

use crate::entity::{entries, schema_state};
use crate::time::now_micros;
use crate::{Store, StoreError};

/// Rows read at a time when checking entries against a new schema.
const BATCH: u64 = 500;

/// An entry a breaking change would break.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedEntry {
    pub type_name: String,
    pub id: String,
    pub locale: String,
    pub slug: String,
    /// The change that breaks it.
    pub reason: String,
}

/// The result of comparing schema files with the set the database last used.
#[derive(Debug, Clone, Default)]
pub struct SchemaReview {
    /// `true` when the database has never recorded a schema set.
    pub first_use: bool,
    pub changes: Vec<Change>,
    /// Entries the breaking changes would break; the new set is refused when this is not empty.
    pub affected: Vec<AffectedEntry>,
}

impl SchemaReview {
    /// Whether the new set may be used.
    pub fn is_acceptable(&self) -> bool {
        self.affected.is_empty()
    }
}

impl Store {
    /// The schema set recorded by [`Store::record_schema_set`], if any.
    pub async fn recorded_schema_set(&self) -> Result<Option<SchemaSet>, StoreError> {
        let Some(row) = schema_state::Entity::find_by_id(1).one(&self.read).await? else {
            return Ok(None);
        };
        let snapshot: serde_json::Value = serde_json::from_str(&row.snapshot)
            .map_err(|e| StoreError::Corrupt(format!("schema snapshot: {e}")))?;
        SchemaSet::from_snapshot(&snapshot)
            .map(Some)
            .map_err(|problems| StoreError::Corrupt(format!("schema snapshot: {problems}")))
    }

    /// Remembers `set` as the one the database is used with.
    pub async fn record_schema_set(&self, set: &SchemaSet) -> Result<(), StoreError> {
        let row = schema_state::ActiveModel {
            id: Set(1),
            snapshot: Set(set.to_snapshot().to_string()),
            updated_at: Set(now_micros()),
        };
        // An upsert: servers sharing a database may start at the same moment.
        schema_state::Entity::insert(row)
            .on_conflict(
                OnConflict::column(schema_state::Column::Id)
                    .update_columns([
                        schema_state::Column::Snapshot,
                        schema_state::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.write)
            .await?;
        Ok(())
    }

    /// Compares `new` with the recorded set and finds the stored entries each breaking change
    /// would break.
    pub async fn review_schema_set(
        &self,
        new: &SchemaSet,
        default_locale: &str,
    ) -> Result<SchemaReview, StoreError> {
        let Some(old) = self.recorded_schema_set().await? else {
            return Ok(SchemaReview {
                first_use: true,
                ..SchemaReview::default()
            });
        };
        let changes = compare(&old, new);
        let mut affected: Vec<AffectedEntry> = Vec::new();
        for change in changes.iter().filter(|c| c.is_breaking()) {
            let reason = if change.path.is_empty() {
                change.message.clone()
            } else {
                format!("{}: {}", change.path, change.message)
            };
            let mut seen_values: HashMap<(String, String), String> = HashMap::new();
            let mut pages = entries::Entity::find()
                .filter(entries::Column::TypeName.eq(&change.content_type))
                .order_by_asc(entries::Column::Id)
                .paginate(&self.read, BATCH);
            while let Some(rows) = pages.fetch_and_next().await? {
                for row in rows {
                    let breaks = match &change.affected {
                        Affected::None => false,
                        Affected::All => true,
                        Affected::OtherLocales => row.locale != default_locale,
                        Affected::Invalid => {
                            let fields: serde_json::Value = serde_json::from_str(&row.fields)
                                .map_err(|e| StoreError::Corrupt(format!("stored fields: {e}")))?;
                            new.get(&change.content_type)
                                .is_some_and(|ct| !still_valid(ct, &fields))
                        }
                        Affected::Duplicates(field) => {
                            let fields: serde_json::Value = serde_json::from_str(&row.fields)
                                .map_err(|e| StoreError::Corrupt(format!("stored fields: {e}")))?;
                            match fields.get(field).filter(|v| !v.is_null()) {
                                Some(value) => seen_values
                                    .insert((row.locale.clone(), value.to_string()), row.id.clone())
                                    .is_some(),
                                None => false,
                            }
                        }
                    };
                    let already = affected.iter().any(|a| a.id == row.id);
                    if breaks && !already {
                        affected.push(AffectedEntry {
                            type_name: row.type_name,
                            id: row.id,
                            locale: row.locale,
                            slug: row.slug,
                            reason: reason.clone(),
                        });
                    }
                }
            }
        }
        Ok(SchemaReview {
            first_use: false,
            changes,
            affected,
        })
    }
}
