//! The schema set a database was last used with, and the review of a new set against it: the
//! server refuses to start when a breaking change would make stored entries invalid, and
//! `herald schema check --database` reports the same without starting. Recording a new set
//! also brings the stored values of `unique` fields in line with it.

use std::collections::{BTreeSet, HashMap, HashSet};

use herald_model::compat::{Affected, Change, compare, still_valid};
use herald_model::{ErrorCode, FieldError, SchemaSet, ValidationErrors};
use sea_orm::sea_query::{LockType, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::entity::{entries, schema_state, unique_values};
use crate::entries::unique_key;
use crate::time::now_micros;
use crate::writer::WriteTxn;
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
        parse_snapshot(&row.snapshot).map(Some)
    }

    /// Remembers `set` as the one the database is used with. In the same transaction the
    /// stored values of `unique` fields follow the new set: a field that became unique gets
    /// the values of every stored entry (so that a new entry cannot take one of them), and a
    /// field no longer unique loses its values. The review ([`Store::review_schema_set`]) has
    /// refused the set first if stored entries share a value of a newly unique field.
    pub async fn record_schema_set(&self, set: &SchemaSet) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        // Servers sharing a PostgreSQL database may start at the same moment: the row lock
        // makes them take turns, and a later one finds the set already recorded and its
        // unique values already in place (SQLite's writers take turns anyway).
        let recorded = schema_state::Entity::find_by_id(1)
            .lock(LockType::Update)
            .one(&txn)
            .await?
            .map(|row| parse_snapshot(&row.snapshot))
            .transpose()?;
        for change in unique_changes(recorded.as_ref(), set) {
            change.apply(&txn).await?;
        }
        let row = schema_state::ActiveModel {
            id: Set(1),
            snapshot: Set(set.to_snapshot().to_string()),
            updated_at: Set(now_micros()),
        };
        // An upsert: on a new database there is no row to lock yet.
        schema_state::Entity::insert(row)
            .on_conflict(
                OnConflict::column(schema_state::Column::Id)
                    .update_columns([
                        schema_state::Column::Snapshot,
                        schema_state::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
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
                            // Compared as stored (`unique_key`): what the stored values
                            // of the field will be once the set is recorded.
                            match fields.get(field).filter(|v| !v.is_null()) {
                                Some(value) => seen_values
                                    .insert((row.locale.clone(), unique_key(value)), row.id.clone())
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

fn parse_snapshot(snapshot: &str) -> Result<SchemaSet, StoreError> {
    let snapshot: serde_json::Value = serde_json::from_str(snapshot)
        .map_err(|e| StoreError::Corrupt(format!("schema snapshot: {e}")))?;
    SchemaSet::from_snapshot(&snapshot)
        .map_err(|problems| StoreError::Corrupt(format!("schema snapshot: {problems}")))
}

/// How the `unique` fields of one content type differ between two schema sets.
#[derive(Debug, PartialEq, Eq)]
struct UniqueChange {
    type_name: String,
    /// Unique before, not now (or the type is gone): their stored values are deleted.
    dropped: Vec<String>,
    /// Unique now, not before (or the type or field is new): their values are stored again
    /// from every entry of the type.
    added: Vec<String>,
}

/// The types whose `unique` fields differ between `old` (`None`: nothing recorded yet, as if
/// no field were unique) and `new`.
fn unique_changes(old: Option<&SchemaSet>, new: &SchemaSet) -> Vec<UniqueChange> {
    let unique = |set: Option<&SchemaSet>, type_name: &str| -> BTreeSet<String> {
        set.and_then(|s| s.get(type_name))
            .map(|ct| ct.unique_fields().map(|f| f.name.clone()).collect())
            .unwrap_or_default()
    };
    let names: BTreeSet<&str> = new
        .names()
        .chain(old.into_iter().flat_map(SchemaSet::names))
        .collect();
    names
        .into_iter()
        .filter_map(|type_name| {
            let (before, after) = (unique(old, type_name), unique(Some(new), type_name));
            let change = UniqueChange {
                type_name: type_name.to_owned(),
                dropped: before.difference(&after).cloned().collect(),
                added: after.difference(&before).cloned().collect(),
            };
            (!change.dropped.is_empty() || !change.added.is_empty()).then_some(change)
        })
        .collect()
}

impl UniqueChange {
    /// Deletes the stored values of the dropped and added fields, then stores the added
    /// fields' values of every entry of the type (archived ones too: an archived entry keeps
    /// its values, as when it is archived by a write).
    async fn apply(&self, txn: &WriteTxn) -> Result<(), StoreError> {
        let fields = self.dropped.iter().chain(&self.added).map(String::as_str);
        unique_values::Entity::delete_many()
            .filter(unique_values::Column::TypeName.eq(&self.type_name))
            .filter(unique_values::Column::Field.is_in(fields))
            .exec(txn)
            .await?;
        if self.added.is_empty() {
            return Ok(());
        }
        let mut after: Option<String> = None;
        let mut stored = 0usize;
        loop {
            let mut page = entries::Entity::find()
                .select_only()
                .column(entries::Column::Id)
                .column(entries::Column::Locale)
                .column(entries::Column::Fields)
                .filter(entries::Column::TypeName.eq(&self.type_name));
            if let Some(after) = &after {
                page = page.filter(entries::Column::Id.gt(after.as_str()));
            }
            let rows: Vec<(String, String, String)> = page
                .order_by_asc(entries::Column::Id)
                .limit(BATCH)
                .into_tuple()
                .all(txn)
                .await?;
            let last_page = rows.len() < BATCH as usize;
            after = rows.last().map(|(id, _, _)| id.clone());
            let mut values = Vec::new();
            for (id, locale, fields) in rows {
                let fields = crate::types::parse_fields(&fields)?;
                for field in &self.added {
                    if let Some(value) = fields.get(field).filter(|v| !v.is_null()) {
                        values.push(unique_values::ActiveModel {
                            type_name: Set(self.type_name.clone()),
                            locale: Set(locale.clone()),
                            field: Set(field.clone()),
                            value: Set(unique_key(value)),
                            entry_id: Set(id.clone()),
                        });
                    }
                }
            }
            stored += values.len();
            while !values.is_empty() {
                let rest = values.split_off(values.len().min(BATCH as usize));
                unique_values::Entity::insert_many(values)
                    .exec_without_returning(txn)
                    .await
                    .map_err(|e| self.shared_value(e))?;
                values = rest;
            }
            if last_page {
                if stored > 0 {
                    tracing::info!(
                        content_type = %self.type_name,
                        fields = ?self.added,
                        values = stored,
                        "stored the values of newly unique fields"
                    );
                }
                return Ok(());
            }
        }
    }

    /// Two stored entries share a value of a newly unique field, which the review refuses:
    /// only a write that landed between the review and now (another server still on the
    /// old set) gets here.
    fn shared_value(&self, error: sea_orm::DbErr) -> StoreError {
        if !StoreError::is_unique_violation(&error) {
            return StoreError::Database(error);
        }
        StoreError::Validation(ValidationErrors(vec![FieldError::new(
            format!("{}.fields.{}", self.type_name, self.added.join(", ")),
            ErrorCode::NotUnique,
            "stored entries share a value of this newly unique field; \
             `herald schema check --database` lists them",
        )]))
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
