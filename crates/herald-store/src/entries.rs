//! Creating, reading, editing, archiving and restoring entries. Every write validates with the
//! content model, checks references, slugs and unique values, and appends a revision, all in
//! one transaction; an update only applies to the version the client read.

use herald_model::slug::{check_slug, derive_slug};
use herald_model::{ContentType, ErrorCode, FieldError, ValidationErrors};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Insert, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Map, Value};

use crate::assets::{AssetCheck, AssetScope, asset_ids, check_assets, write_asset_uses};
use crate::audit::{Actor, AuditEvent, audit_row, record};
use crate::batch::{Batch, BatchError};
use crate::entity::{entries, revisions, unique_values};
use crate::search::search_text;
use crate::time::now_micros;
use crate::writer::WriteTxn;
use crate::{Entry, Revision, Status, Store, StoreError};

/// Longest stored form of a `unique` value; longer values compare on this prefix.
const MAX_UNIQUE_VALUE: usize = 512;

/// How many times a creation is tried whose derived slug a concurrent creation took first.
/// Each lost attempt means another creation committed, so up to this many concurrent
/// creations of one title all succeed.
const DERIVED_SLUG_ATTEMPTS: usize = 32;

/// A new entry: a draft at version 1.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Already checked against the configured locales by the caller.
    pub locale: String,
    /// Derived from the title field when absent.
    pub slug: Option<String>,
    pub fields: Value,
}

/// A new version of an entry's content.
#[derive(Debug, Clone)]
pub struct EntryUpdate {
    /// `None` keeps the current slug.
    pub slug: Option<String>,
    /// The complete new fields (a merge patch is applied by the caller).
    pub fields: Value,
}

/// Fields that passed validation, with the slug to store.
struct Prepared {
    fields: Map<String, Value>,
    references: Vec<(String, String, String)>,
    assets: Vec<AssetCheck>,
    unique: Vec<(String, String)>,
    slug: SlugChoice,
}

enum SlugChoice {
    /// Given by the client: taken means `slug_taken`.
    Given(String),
    /// Derived from the title: taken means trying `-2`, `-3`, …
    Derived(String),
    /// Kept from the current version.
    Kept(String),
}

impl Store {
    /// Creates a draft at version 1. A slug derived from the title that a concurrent creation
    /// takes first (PostgreSQL: both saw it free) is not the client's mistake: the creation is
    /// tried again with the next free suffix.
    pub async fn create_entry(
        &self,
        content_type: &ContentType,
        input: NewEntry,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        let prepared = prepare(content_type, input.fields, input.slug.as_deref(), None)?;
        let mut attempts = 1;
        loop {
            match self
                .create_once(content_type, &input.locale, &prepared, actor)
                .await
            {
                Err(StoreError::SlugTaken { .. })
                    if matches!(prepared.slug, SlugChoice::Derived(_))
                        && attempts < DERIVED_SLUG_ATTEMPTS =>
                {
                    attempts += 1;
                }
                done => return done,
            }
        }
    }

    async fn create_once(
        &self,
        content_type: &ContentType,
        locale: &str,
        prepared: &Prepared,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        let txn = self.begin_write().await?;
        check_references(&txn, &prepared.references).await?;
        check_assets(&txn, &prepared.assets, AssetScope::of(actor).as_ref()).await?;
        let slug = free_slug(&txn, &content_type.name, locale, &prepared.slug, None).await?;
        let now = now_micros();
        let id = uuid::Uuid::now_v7().to_string();
        let fields_text = Value::Object(prepared.fields.clone()).to_string();
        let row = entries::ActiveModel {
            id: Set(id.clone()),
            type_name: Set(content_type.name.clone()),
            locale: Set(locale.to_owned()),
            slug: Set(slug.clone()),
            status: Set(Status::Draft.as_str().to_owned()),
            version: Set(1),
            fields: Set(fields_text.clone()),
            search_text: Set(search_text(content_type, &slug, &prepared.fields)),
            created_at: Set(now),
            created_by: Set(actor.id.clone()),
            updated_at: Set(now),
            updated_by: Set(actor.id.clone()),
            published_version: Set(None),
            publish_at: Set(None),
            unpublish_at: Set(None),
            published_slug: Set(None),
            published_at: Set(None),
        };
        let written = sea_orm::TryIntoModel::try_into_model(row.clone())?;
        let mut batch = Batch::new(txn.get_database_backend());
        batch.push(&entries::Entity::insert(row));
        batch.push(&revision_row(
            &id,
            1,
            &slug,
            Status::Draft,
            fields_text,
            actor,
            now,
            None,
        ));
        batch.push(&audit_row(actor, entry_event("entry.create", &written)));
        batch.execute(&txn).await.map_err(|e| match e {
            // Of these statements only the entry's insert can break a unique index: the slug's.
            BatchError::Database(e) => slug_conflict(e, &slug),
            BatchError::NoRow => StoreError::Corrupt("an insert that wrote no row".to_owned()),
        })?;
        write_unique_values(&txn, content_type, locale, &id, &prepared.unique).await?;
        write_asset_uses(&txn, &id, &prepared.assets).await?;
        txn.commit().await?;
        written.try_into()
    }

    /// The entry at its current version.
    pub async fn get_entry(&self, type_name: &str, id: &str) -> Result<Entry, StoreError> {
        find(&self.read, type_name, id).await?.try_into()
    }

    /// Replaces the fields (and maybe the slug) of the entry at `expected_version`. Like every
    /// write here it returns the entry as written, read inside its transaction. Editing an
    /// approved or published entry makes it a draft again; the published version stays live.
    pub async fn update_entry(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: i64,
        update: EntryUpdate,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        let EntryUpdate { slug, fields } = update;
        self.update_entry_with(
            content_type,
            id,
            Some(expected_version),
            slug,
            |_| fields.clone(),
            actor,
        )
        .await
    }

    /// Like [`Store::update_entry`], but the new fields are computed from the current ones
    /// inside the write transaction (a merge patch), and `expected_version: None` writes over
    /// whatever version is current (`If-Match: *`) without ever losing a concurrent change:
    /// when another writer commits first, the entry is read again and `new_fields` applied to
    /// its new version.
    pub async fn update_entry_with(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: Option<i64>,
        slug: Option<String>,
        new_fields: impl Fn(Map<String, Value>) -> Value,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        any_version(expected_version, || {
            self.update_once(
                content_type,
                id,
                expected_version,
                slug.as_deref(),
                &new_fields,
                actor,
            )
        })
        .await
    }

    async fn update_once(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: Option<i64>,
        slug: Option<&str>,
        new_fields: &impl Fn(Map<String, Value>) -> Value,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        let txn = self.begin_write().await?;
        let current = find_to_write(&txn, &content_type.name, id).await?;
        check_version(&current, expected_version)?;
        let fields = new_fields(crate::types::parse_fields(&current.fields)?);
        let prepared = prepare(content_type, fields, slug, Some(&current.slug))?;
        let status = match Status::parse(&current.status) {
            Some(Status::Approved | Status::Published) => Status::Draft,
            Some(status) => status,
            None => return Err(StoreError::Corrupt(format!("status `{}`", current.status))),
        };
        let written = self
            .write_version(
                &txn,
                content_type,
                &current,
                prepared,
                status,
                actor,
                None,
                Some("entry.update"),
            )
            .await?;
        txn.commit().await?;
        written.try_into()
    }

    /// Archives the entry (contract: `DELETE` archives; nothing is destroyed).
    pub async fn archive_entry(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        any_version(expected_version, || {
            self.archive_once(content_type, id, expected_version, actor)
        })
        .await
    }

    async fn archive_once(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        let txn = self.begin_write().await?;
        let current = find_to_write(&txn, &content_type.name, id).await?;
        check_version(&current, expected_version)?;
        if current.status == Status::Archived.as_str() {
            return current.try_into();
        }
        let prepared = Prepared {
            fields: crate::types::parse_fields(&current.fields)?,
            references: Vec::new(),
            assets: Vec::new(),
            unique: Vec::new(),
            slug: SlugChoice::Kept(current.slug.clone()),
        };
        self.write_version(
            &txn,
            content_type,
            &current,
            prepared,
            Status::Archived,
            actor,
            Some("archived".to_owned()),
            // Recorded below, once the live version is out of the bucket.
            None,
        )
        .await?;
        // Archiving takes the live version out of the bucket first.
        crate::workflow::unpublish_for_archive(&txn, &current, actor).await?;
        let written = find(&txn, &content_type.name, id).await?;
        record(&txn, actor, entry_event("entry.archive", &written)).await?;
        txn.commit().await?;
        written.try_into()
    }

    /// The history, newest first: versions below `before` (all when `None`), at most `limit`.
    pub async fn revisions(
        &self,
        type_name: &str,
        id: &str,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Revision>, StoreError> {
        find(&self.read, type_name, id).await?;
        let mut query = revisions::Entity::find()
            .filter(revisions::Column::EntryId.eq(id))
            .order_by_desc(revisions::Column::Version)
            .limit(limit);
        if let Some(before) = before {
            query = query.filter(revisions::Column::Version.lt(before));
        }
        query
            .all(&self.read)
            .await?
            .into_iter()
            .map(Revision::try_from)
            .collect()
    }

    /// One version of an entry.
    pub async fn revision(
        &self,
        type_name: &str,
        id: &str,
        version: i64,
    ) -> Result<Revision, StoreError> {
        find(&self.read, type_name, id).await?;
        revisions::Entity::find_by_id((id.to_owned(), version))
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// A new draft version with the fields and slug of an old one, validated against the
    /// current schema.
    pub async fn restore_revision(
        &self,
        content_type: &ContentType,
        id: &str,
        version: i64,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        any_version(expected_version, || {
            self.restore_once(content_type, id, version, expected_version, actor)
        })
        .await
    }

    async fn restore_once(
        &self,
        content_type: &ContentType,
        id: &str,
        version: i64,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Entry, StoreError> {
        let txn = self.begin_write().await?;
        let current = find_to_write(&txn, &content_type.name, id).await?;
        check_version(&current, expected_version)?;
        let old = revisions::Entity::find_by_id((id.to_owned(), version))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let fields: Value = serde_json::from_str(&old.fields)
            .map_err(|e| StoreError::Corrupt(format!("revision fields: {e}")))?;
        let prepared = prepare(content_type, fields, Some(&old.slug), Some(&current.slug))?;
        let written = self
            .write_version(
                &txn,
                content_type,
                &current,
                prepared,
                Status::Draft,
                actor,
                Some(format!("restored from version {version}")),
                Some("entry.restore"),
            )
            .await?;
        txn.commit().await?;
        written.try_into()
    }

    /// Writes version `current.version + 1` with its revision, unique values and, when `audit`
    /// names the action, its audit row, and returns the row as written (without reading it
    /// back: each statement holds SQLite's one writer).
    #[allow(clippy::too_many_arguments)]
    async fn write_version(
        &self,
        txn: &WriteTxn,
        content_type: &ContentType,
        current: &entries::Model,
        prepared: Prepared,
        status: Status,
        actor: &Actor,
        note: Option<String>,
        audit: Option<&'static str>,
    ) -> Result<entries::Model, StoreError> {
        crate::workflow::cancel_stale_schedule(txn, current).await?;
        check_references(txn, &prepared.references).await?;
        check_assets(txn, &prepared.assets, AssetScope::of(actor).as_ref()).await?;
        let slug = match &prepared.slug {
            // The entry holds its slug already, and no other entry can take it meanwhile.
            SlugChoice::Kept(slug) if *slug == current.slug => slug.clone(),
            choice => {
                free_slug(
                    txn,
                    &content_type.name,
                    &current.locale,
                    choice,
                    Some(&current.id),
                )
                .await?
            }
        };
        let written = entries::Model {
            slug: slug.clone(),
            status: status.as_str().to_owned(),
            version: current.version + 1,
            fields: Value::Object(prepared.fields.clone()).to_string(),
            search_text: search_text(content_type, &slug, &prepared.fields),
            updated_at: now_micros(),
            updated_by: actor.id.clone(),
            // A new version is never scheduled: any schedule was cancelled just above.
            publish_at: None,
            ..current.clone()
        };
        // The row, its revision and its audit row go to the database as one batch.
        let mut batch = Batch::new(txn.get_database_backend());
        // Only the columns that change: SQLite rewrites every index on a column an `UPDATE`
        // sets, changed or not, and the slug and the status are in several listing indexes
        // (and the search text has its own), while most edits change neither.
        let mut update = entries::Entity::update_many()
            .col_expr(entries::Column::Version, Expr::value(written.version))
            .col_expr(entries::Column::Fields, Expr::value(written.fields.clone()))
            .col_expr(entries::Column::UpdatedAt, Expr::value(written.updated_at))
            .col_expr(entries::Column::UpdatedBy, Expr::value(actor.id.as_str()));
        if slug != current.slug {
            update = update.col_expr(entries::Column::Slug, Expr::value(slug.clone()));
        }
        if written.status != current.status {
            update = update.col_expr(entries::Column::Status, Expr::value(status.as_str()));
        }
        if written.search_text != current.search_text {
            update = update.col_expr(
                entries::Column::SearchText,
                Expr::value(written.search_text.clone()),
            );
        }
        batch.push(
            &update
                .filter(entries::Column::Id.eq(&current.id))
                .filter(entries::Column::Version.eq(current.version)),
        );
        batch.push(&revision_row(
            &current.id,
            written.version,
            &slug,
            status,
            written.fields.clone(),
            actor,
            written.updated_at,
            note,
        ));
        if let Some(action) = audit {
            batch.push(&audit_row(actor, entry_event(action, &written)));
        }
        match batch.execute(txn).await {
            Ok(()) => {}
            // Of these statements only the update can break a unique index: the slug's.
            Err(BatchError::Database(e)) => return Err(slug_conflict(e, &slug)),
            Err(BatchError::NoRow) => {
                // Another writer got there first (PostgreSQL; SQLite writes are serialized).
                let now_at = find(txn, &content_type.name, &current.id).await?;
                return Err(StoreError::VersionMismatch {
                    current: now_at.version,
                });
            }
        }
        // Every statement here holds the single writer a little longer: skip what cannot apply,
        // and what the edit did not change.
        let before = Uses::of(content_type, &current.fields);
        if status != Status::Archived {
            if content_type.unique_fields().next().is_some()
                && before.as_ref().is_none_or(|b| b.unique != prepared.unique)
            {
                unique_values::Entity::delete_many()
                    .filter(unique_values::Column::EntryId.eq(&current.id))
                    .exec(txn)
                    .await?;
                write_unique_values(
                    txn,
                    content_type,
                    &current.locale,
                    &current.id,
                    &prepared.unique,
                )
                .await?;
            }
            if before.is_none_or(|b| b.assets != asset_ids(&prepared.assets)) {
                write_asset_uses(txn, &current.id, &prepared.assets).await?;
            }
        }
        Ok(written)
    }
}

/// The audit row of an entry change.
pub(crate) fn entry_event(action: &'static str, entry: &entries::Model) -> AuditEvent {
    AuditEvent::on(action, "entry", &entry.id).with(serde_json::json!({
        "type": entry.type_name,
        "locale": entry.locale,
        "slug": entry.slug,
        "version": entry.version,
        "status": entry.status,
    }))
}

/// How many times a write that names no version is tried before giving up.
const ANY_VERSION_ATTEMPTS: usize = 64;

/// Runs `write` and, when it names no version (`If-Match: *`, or none where the header is
/// optional), runs it again while it loses to a concurrent writer. A safety net: on
/// PostgreSQL an entry's writers wait for each other on its row ([`find_to_write`]) and on
/// SQLite all writes take turns, so the update matches the version read. Each new attempt
/// reads the entry again.
pub(crate) async fn any_version<T, F, Fut>(
    expected: Option<i64>,
    mut write: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut attempts = 1;
    loop {
        match write().await {
            Err(StoreError::VersionMismatch { .. })
                if expected.is_none() && attempts < ANY_VERSION_ATTEMPTS =>
            {
                attempts += 1;
            }
            done => return done,
        }
    }
}

/// `VersionMismatch` when the client named a version that is not the current one.
pub(crate) fn check_version(
    current: &entries::Model,
    expected: Option<i64>,
) -> Result<(), StoreError> {
    match expected {
        Some(expected) if expected != current.version => Err(StoreError::VersionMismatch {
            current: current.version,
        }),
        _ => Ok(()),
    }
}

/// Whether `id` can be an entry's: a hyphenated UUID, as every entry id is.
pub(crate) fn is_entry_id(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::try_parse(id).is_ok()
}

/// The entry row, or `NotFound` (also when it is of another type). An id that is no entry's
/// (`"a\0b"`, which PostgreSQL would refuse) is `NotFound` without asking the database.
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    type_name: &str,
    id: &str,
) -> Result<entries::Model, StoreError> {
    find_locked(db, type_name, id, None).await
}

/// Like [`find`], at the start of a write transaction: on PostgreSQL the row stays locked
/// (`FOR UPDATE`) until the transaction ends, so concurrent writers of one entry take turns
/// rather than race (a loser would only read the entry again and retry) and every write
/// transaction takes the entry's row before anything else, one order in which they cannot
/// deadlock. SQLite's writers take turns anyway, and the lock is left out there.
pub(crate) async fn find_to_write(
    txn: &WriteTxn,
    type_name: &str,
    id: &str,
) -> Result<entries::Model, StoreError> {
    find_locked(
        txn,
        type_name,
        id,
        Some(sea_orm::sea_query::LockType::Update),
    )
    .await
}

async fn find_locked(
    db: &impl ConnectionTrait,
    type_name: &str,
    id: &str,
    lock: Option<sea_orm::sea_query::LockType>,
) -> Result<entries::Model, StoreError> {
    if !is_entry_id(id) {
        return Err(StoreError::NotFound);
    }
    let mut query = entries::Entity::find_by_id(id.to_owned());
    if let Some(lock) = lock {
        query = query.lock(lock);
    }
    query
        .one(db)
        .await?
        .filter(|row| row.type_name == type_name)
        .ok_or(StoreError::NotFound)
}

/// Validates fields and settles the slug, collecting every problem.
fn prepare(
    content_type: &ContentType,
    fields: Value,
    given_slug: Option<&str>,
    current_slug: Option<&str>,
) -> Result<Prepared, StoreError> {
    let mut errors = Vec::new();
    let validated = match content_type.validate(fields) {
        Ok(validated) => Some(validated),
        Err(ValidationErrors(found)) => {
            errors.extend(found);
            None
        }
    };
    let slug = match (given_slug, current_slug) {
        (Some(slug), _) => match check_slug(slug) {
            Ok(()) => Some(SlugChoice::Given(slug.to_owned())),
            Err(problem) => {
                errors.push(FieldError::new(
                    "slug",
                    ErrorCode::InvalidSlug,
                    problem.to_string(),
                ));
                None
            }
        },
        (None, Some(current)) => Some(SlugChoice::Kept(current.to_owned())),
        (None, None) => validated.as_ref().and_then(|v| {
            let title = content_type.title(&v.fields);
            match title.map(derive_slug) {
                Some(Ok(slug)) => Some(SlugChoice::Derived(slug)),
                Some(Err(problem)) => {
                    errors.push(FieldError::new(
                        "slug",
                        ErrorCode::InvalidSlug,
                        problem.to_string(),
                    ));
                    None
                }
                None => {
                    let message = match &content_type.title_field {
                        Some(title) => format!("give a slug, or a `{title}` to derive it from"),
                        None => {
                            "give a slug: this type has no title field to derive it from".to_owned()
                        }
                    };
                    errors.push(FieldError::new("slug", ErrorCode::Required, message));
                    None
                }
            }
        }),
    };
    match (validated, slug) {
        (Some(validated), Some(slug)) if errors.is_empty() => {
            let references = validated
                .references
                .iter()
                .map(|r| (r.path.clone(), r.type_name.to_owned(), r.id.clone()))
                .collect();
            let unique = unique_values(content_type, &validated.fields);
            let assets = validated.assets.iter().map(AssetCheck::from_use).collect();
            Ok(Prepared {
                fields: validated.fields,
                references,
                assets,
                unique,
                slug,
            })
        }
        _ => Err(StoreError::Validation(ValidationErrors(errors))),
    }
}

/// The values of the type's `unique` fields in `fields`, as stored.
pub(crate) fn unique_values(
    content_type: &ContentType,
    fields: &Map<String, Value>,
) -> Vec<(String, String)> {
    content_type
        .unique_fields()
        .filter_map(|field| {
            let value = fields.get(&field.name)?;
            Some((field.name.clone(), unique_key(value)))
        })
        .collect()
}

/// What the stored version of an entry has in the side tables (unique values, asset uses),
/// found again from its fields so that an edit that changes neither skips rewriting them.
struct Uses {
    unique: Vec<(String, String)>,
    assets: Vec<String>,
}

impl Uses {
    /// `None` when the stored fields no longer validate (the schema changed): then the side
    /// tables are rewritten whatever the edit.
    fn of(content_type: &ContentType, stored_fields: &str) -> Option<Uses> {
        let fields = serde_json::from_str(stored_fields).ok()?;
        let validated = content_type.validate(fields).ok()?;
        let assets: Vec<AssetCheck> = validated.assets.iter().map(AssetCheck::from_use).collect();
        Some(Uses {
            unique: unique_values(content_type, &validated.fields),
            assets: asset_ids(&assets).into_iter().map(str::to_owned).collect(),
        })
    }
}

/// The stored form of a unique value: strings as they are, other values as JSON.
pub(crate) fn unique_key(value: &Value) -> String {
    let mut key = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if key.len() > MAX_UNIQUE_VALUE {
        let mut cut = MAX_UNIQUE_VALUE;
        while !key.is_char_boundary(cut) {
            cut -= 1;
        }
        key.truncate(cut);
    }
    key
}

/// Every referenced entry must exist with the type the reference names.
async fn check_references(
    txn: &WriteTxn,
    references: &[(String, String, String)],
) -> Result<(), StoreError> {
    if references.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<&str> = references.iter().map(|(_, _, id)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: Vec<(String, String)> = entries::Entity::find()
        .select_only()
        .column(entries::Column::Id)
        .column(entries::Column::TypeName)
        .filter(entries::Column::Id.is_in(ids))
        .into_tuple()
        .all(txn)
        .await?;
    let errors: Vec<FieldError> = references
        .iter()
        .filter(|(_, type_name, id)| !found.iter().any(|(fid, ft)| fid == id && ft == type_name))
        .map(|(path, type_name, id)| {
            FieldError::new(
                path.clone(),
                ErrorCode::ReferenceNotFound,
                format!("no {type_name} entry has the id {id}"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Validation(ValidationErrors(errors)))
    }
}

/// The slug to store: a given or kept slug must be free (else `slug_taken`); a derived one
/// gets the first free suffix.
async fn free_slug(
    txn: &WriteTxn,
    type_name: &str,
    locale: &str,
    choice: &SlugChoice,
    own_id: Option<&str>,
) -> Result<String, StoreError> {
    let taken = |slug: String| async move {
        // A slug stays taken while an entry is published under it, even after that entry's
        // draft moved to another slug. Two lookups, each by its own index: with an `OR` of the
        // two columns SQLite scans every entry of the type and locale instead.
        for column in [entries::Column::Slug, entries::Column::PublishedSlug] {
            let holders: Vec<String> = entries::Entity::find()
                .select_only()
                .column(entries::Column::Id)
                .filter(entries::Column::TypeName.eq(type_name))
                .filter(entries::Column::Locale.eq(locale))
                .filter(column.eq(&slug))
                .into_tuple()
                .all(txn)
                .await?;
            if holders.iter().any(|id| Some(id.as_str()) != own_id) {
                return Ok(true);
            }
        }
        Ok::<bool, StoreError>(false)
    };
    match choice {
        SlugChoice::Given(slug) | SlugChoice::Kept(slug) => {
            if taken(slug.clone()).await? {
                Err(StoreError::SlugTaken { slug: slug.clone() })
            } else {
                Ok(slug.clone())
            }
        }
        SlugChoice::Derived(base) => {
            for n in 1..1000 {
                let candidate = if n == 1 {
                    base.clone()
                } else {
                    let suffix = format!("-{n}");
                    let keep = base
                        .len()
                        .min(herald_model::slug::MAX_SLUG_LENGTH - suffix.len());
                    format!("{}{suffix}", base[..keep].trim_end_matches('-'))
                };
                if !taken(candidate.clone()).await? {
                    return Ok(candidate);
                }
            }
            Err(StoreError::SlugTaken { slug: base.clone() })
        }
    }
}

fn slug_conflict(error: sea_orm::DbErr, slug: &str) -> StoreError {
    if StoreError::is_unique_violation(&error) {
        StoreError::SlugTaken {
            slug: slug.to_owned(),
        }
    } else {
        StoreError::Database(error)
    }
}

async fn write_unique_values(
    txn: &WriteTxn,
    content_type: &ContentType,
    locale: &str,
    entry_id: &str,
    values: &[(String, String)],
) -> Result<(), StoreError> {
    let mut errors = Vec::new();
    for (field, value) in values {
        let row = unique_values::ActiveModel {
            type_name: Set(content_type.name.clone()),
            locale: Set(locale.to_owned()),
            field: Set(field.clone()),
            value: Set(value.clone()),
            entry_id: Set(entry_id.to_owned()),
        };
        // Check first: a failed statement would abort a PostgreSQL transaction.
        let holder = unique_values::Entity::find_by_id((
            content_type.name.clone(),
            locale.to_owned(),
            field.clone(),
            value.clone(),
        ))
        .one(txn)
        .await?;
        if holder.is_some() {
            errors.push(FieldError::new(
                format!("fields.{field}"),
                ErrorCode::NotUnique,
                "another entry of this type and locale has this value",
            ));
            continue;
        }
        unique_values::Entity::insert(row)
            .exec_without_returning(txn)
            .await
            .map_err(|e| {
                if StoreError::is_unique_violation(&e) {
                    StoreError::Validation(ValidationErrors(vec![FieldError::new(
                        format!("fields.{field}"),
                        ErrorCode::NotUnique,
                        "another entry of this type and locale has this value",
                    )]))
                } else {
                    StoreError::Database(e)
                }
            })?;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Validation(ValidationErrors(errors)))
    }
}

/// The insert of one revision (run in a [`Batch`] with the entry's update).
#[allow(clippy::too_many_arguments)]
pub(crate) fn revision_row(
    entry_id: &str,
    version: i64,
    slug: &str,
    status: Status,
    fields: String,
    author: &Actor,
    at: i64,
    note: Option<String>,
) -> Insert<revisions::ActiveModel> {
    revisions::Entity::insert(revisions::ActiveModel {
        entry_id: Set(entry_id.to_owned()),
        version: Set(version),
        slug: Set(slug.to_owned()),
        status: Set(status.as_str().to_owned()),
        fields: Set(fields),
        author: Set(author.id.clone()),
        created_at: Set(at),
        note: Set(note),
    })
}

/// Where a referenced entry lives: enough to build its bucket path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLocation {
    pub id: String,
    pub type_name: String,
    pub locale: String,
    pub slug: String,
    pub status: Status,
}

impl Store {
    /// The type, locale, slug and status of each existing entry among `ids`.
    pub async fn locate_entries(&self, ids: &[&str]) -> Result<Vec<EntryLocation>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, String, String, String)> = entries::Entity::find()
            .select_only()
            .column(entries::Column::Id)
            .column(entries::Column::TypeName)
            .column(entries::Column::Locale)
            .column(entries::Column::Slug)
            .column(entries::Column::Status)
            .filter(entries::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|(id, type_name, locale, slug, status)| {
                Ok(EntryLocation {
                    status: Status::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("status `{status}`")))?,
                    id,
                    type_name,
                    locale,
                    slug,
                })
            })
            .collect()
    }
}
