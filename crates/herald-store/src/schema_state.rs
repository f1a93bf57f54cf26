//! The schema set a database was last used with, and the review of a new set against it: the
//! server refuses to start when a breaking change would make stored entries invalid, and
//! `herald schema check --database` reports the same without starting.

use std::collections::{HashMap, HashSet};

use herald_model::SchemaSet;
use herald_model::compat::{Affected, Change, compare, still_valid};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
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
        // An entry broken by several changes is listed once, for the first.
        let mut listed: HashSet<String> = HashSet::new();
        for change in changes.iter().filter(|c| c.is_breaking()) {
            let reason = if change.path.is_empty() {
                change.message.clone()
            } else {
                format!("{}: {}", change.path, change.message)
            };
            let mut seen_values: HashMap<(String, String), String> = HashMap::new();
            // Pages by id (keyset): the cost of a page does not grow with how far it is.
            let mut after: Option<String> = None;
            loop {
                let mut page = entries::Entity::find()
                    .filter(entries::Column::TypeName.eq(&change.content_type));
                if let Some(after) = &after {
                    page = page.filter(entries::Column::Id.gt(after.as_str()));
                }
                let rows = page
                    .order_by_asc(entries::Column::Id)
                    .limit(BATCH)
                    .all(&self.read)
                    .await?;
                let last_page = rows.len() < BATCH as usize;
                after = rows.last().map(|r| r.id.clone());
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
                    if breaks && listed.insert(row.id.clone()) {
                        affected.push(AffectedEntry {
                            type_name: row.type_name,
                            id: row.id,
                            locale: row.locale,
                            slug: row.slug,
                            reason: reason.clone(),
                        });
                    }
                }
                if last_page {
                    break;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, NewEntry};

    /// The example schemas, with the FAQ's `question` field changed by `edit`.
    fn example_schemas(dir: &std::path::Path, edit: impl Fn(&str) -> String) -> SchemaSet {
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        std::fs::create_dir_all(dir).expect("a folder");
        for file in std::fs::read_dir(&examples).expect("the examples") {
            let path = file.expect("a file").path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("read");
                let text = if path.ends_with("faq.json") {
                    edit(&text)
                } else {
                    text
                };
                std::fs::write(dir.join(path.file_name().expect("a name")), text).expect("write");
            }
        }
        SchemaSet::load_dir(dir).expect("valid schemas")
    }

    #[tokio::test]
    async fn a_breaking_change_lists_every_affected_entry_once_across_pages() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display());
        let store = Store::connect(&url).await.expect("a database");
        let before = example_schemas(&dir.path().join("before"), str::to_owned);
        store.record_schema_set(&before).await.expect("recorded");
        let faq = before.get("faq").expect("the FAQ type");
        let actor = Actor::system();
        // More than two pages of entries whose question a shorter limit breaks, a few it does
        // not, and two that share a question.
        let long = BATCH as usize * 2 + 37;
        for n in 0..long + 5 {
            let question = if n < long {
                format!("Is question number {n:05} longer than forty characters?")
            } else {
                format!("Short {n}?")
            };
            let fields =
                serde_json::json!({"question": question, "answer": "An answer of some length."});
            store
                .create_entry(
                    faq,
                    NewEntry {
                        locale: "en".into(),
                        slug: None,
                        fields,
                    },
                    &actor,
                )
                .await
                .expect("created");
        }
        let same = serde_json::json!({"question": format!("Short {long}?"), "answer": "The same question again."});
        let twin = store
            .create_entry(
                faq,
                NewEntry {
                    locale: "en".into(),
                    slug: None,
                    fields: same,
                },
                &actor,
            )
            .await
            .expect("created");

        let shorter = example_schemas(&dir.path().join("shorter"), |text| {
            text.replacen("\"max_length\": 200", "\"max_length\": 40", 1)
        });
        let review = store
            .review_schema_set(&shorter, "en")
            .await
            .expect("reviewed");
        assert!(!review.is_acceptable());
        assert_eq!(review.affected.len(), long, "every page, each entry once");
        let mut ids: Vec<&str> = review.affected.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), long);

        // Shorter and unique at once: the long ones are listed once, and the twin with them.
        let unique = example_schemas(&dir.path().join("unique"), |text| {
            text.replacen(
                "\"max_length\": 200",
                "\"max_length\": 40, \"unique\": true",
                1,
            )
        });
        let review = store
            .review_schema_set(&unique, "en")
            .await
            .expect("reviewed");
        assert_eq!(review.affected.len(), long + 1);
        assert!(review.affected.iter().any(|a| a.id == twin.id));
    }
}
