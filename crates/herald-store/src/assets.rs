//! Assets: uploaded files as the API lists them, and which entries use them. The bytes are in
//! the private asset store (`herald-assets`); one row per distinct SHA-256, so uploading the
//! same file twice gives the same asset. Entry writes check their asset fields against these
//! rows (exists, type accepted, size) and record the uses in the same transaction: the current
//! version's in `asset_uses`, and every version's in `asset_history`, which only grows. An
//! asset any version uses cannot be deleted, so every version stays restorable.
//!
//! Who may see an asset: callers of every content type see all of them; a caller limited to
//! some types ([`AssetScope`]) sees those it uploaded (`asset_uploads`) and those that entries
//! of its types use or have used, so an embargoed image of another type's entry stays hidden.

use chrono::{DateTime, Utc};
use herald_model::{AssetRules, AssetUse, ErrorCode, FieldError, ValidationErrors};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, LikeExpr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{Actor, AuditEvent, record};
use crate::entity::{asset_history, asset_uploads, asset_uses, assets, entries};
use crate::search::like_pattern;
use crate::time::{from_micros, now_micros};
use crate::writer::WriteTxn;
use crate::{EntryLocation, Store, StoreError};

/// Longest alt text, in characters.
pub const MAX_ALT_CHARS: usize = 1000;

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Asset {
    pub id: String,
    /// Hex SHA-256 of the bytes: also the folder of the published file.
    pub sha256: String,
    /// The sanitized file name.
    pub filename: String,
    /// Sniffed from the bytes, never taken from the client.
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The default alt text; an asset field may give its own.
    pub alt: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<assets::Model> for Asset {
    fn from(row: assets::Model) -> Self {
        Asset {
            id: row.id,
            sha256: row.sha256,
            filename: row.filename,
            content_type: row.content_type,
            bytes: u64::try_from(row.bytes).unwrap_or_default(),
            width: row.width.and_then(|w| u32::try_from(w).ok()),
            height: row.height.and_then(|h| u32::try_from(h).ok()),
            alt: row.alt,
            created_at: from_micros(row.created_at),
            created_by: row.created_by,
        }
    }
}

/// A stored file to record.
#[derive(Debug, Clone)]
pub struct NewAsset {
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt: Option<String>,
}

/// Filters of `GET /assets`, newest first; `before` is the cursor (an asset id).
#[derive(Debug, Clone, Default)]
pub struct AssetQuery {
    /// Words in the file name or alt text.
    pub q: Option<String>,
    /// An exact type (`image/png`) or a family (`image/`).
    pub content_type: Option<String>,
    /// Only the assets this caller may see (`None`: every asset).
    pub scope: Option<AssetScope>,
    pub before: Option<String>,
    pub limit: u64,
}

/// The assets a caller limited to some content types may see: those it uploaded (it, or
/// anyone, uploading the same bytes again counts), and those an entry of one of its types
/// uses in any version. Unused assets uploaded by others stay hidden: an embargoed file is
/// often uploaded before it is put in its entry. Callers of every type see every asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetScope {
    /// The caller's principal id (what `created_by` records).
    pub uploader: String,
    /// The content types it may access.
    pub types: Vec<String>,
}

impl AssetScope {
    /// The condition on `assets` rows that keeps the visible ones: two index lookups per row
    /// (`asset_uploads` and `asset_history` are keyed by asset first), so a keyset page stays
    /// a walk down `assets`' primary key.
    fn condition(&self) -> Condition {
        let (u, h, e) = (Alias::new("u"), Alias::new("h"), Alias::new("e"));
        let outer_id = Expr::col((assets::Entity, assets::Column::Id));
        let uploaded = Query::select()
            .expr(Expr::val(1))
            .from_as(asset_uploads::Entity, u.clone())
            .and_where(Expr::col((u.clone(), asset_uploads::Column::AssetId)).eq(outer_id.clone()))
            .and_where(Expr::col((u, asset_uploads::Column::UploadedBy)).eq(self.uploader.as_str()))
            .to_owned();
        let used = Query::select()
            .expr(Expr::val(1))
            .from_as(asset_history::Entity, h.clone())
            .join_as(
                JoinType::InnerJoin,
                entries::Entity,
                e.clone(),
                Expr::col((e.clone(), entries::Column::Id))
                    .equals((h.clone(), asset_history::Column::EntryId)),
            )
            .and_where(Expr::col((h, asset_history::Column::AssetId)).eq(outer_id))
            .and_where(
                Expr::col((e, entries::Column::TypeName))
                    .is_in(self.types.iter().map(String::as_str)),
            )
            .to_owned();
        Condition::any()
            .add(Expr::exists(uploaded))
            .add(Expr::exists(used))
    }

    /// The scope of an actor limited to some content types; `None` for one who sees every
    /// asset.
    pub fn of(actor: &Actor) -> Option<AssetScope> {
        actor.content_types.as_ref().map(|types| AssetScope {
            uploader: actor.id.clone(),
            types: types.clone(),
        })
    }

    /// Whether the scope includes a content type.
    pub fn covers(&self, type_name: &str) -> bool {
        self.types.iter().any(|t| t == type_name)
    }
}

/// An entry that uses, or has used, an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetUser {
    pub entry: EntryLocation,
    /// Whether its current version uses the asset; otherwise only earlier versions do (the
    /// live one among them, perhaps), which restoring would bring back.
    pub current: bool,
}

fn search_text(filename: &str, alt: Option<&str>) -> String {
    format!("{filename}\n{}", alt.unwrap_or("")).to_lowercase()
}

impl Store {
    /// Records a received file, or returns the asset that already has these bytes (and records
    /// `actor` as one of its uploaders). The flag is `true` when the asset is new; only then
    /// has `keep_file` run, which moves the file to where originals live. It runs inside the
    /// transaction, under the lock of the file's hash ([`lock_file`]), so that no
    /// [`Store::remove_unrecorded_file`] can take the file away before its row exists; if the
    /// row is not written after all, the file stays for a sweep to remove.
    pub async fn create_asset(
        &self,
        new: NewAsset,
        actor: &Actor,
        keep_file: impl Future<Output = Result<(), String>>,
    ) -> Result<(Asset, bool), StoreError> {
        let txn = self.begin_write().await?;
        lock_file(&txn, &new.sha256).await?;
        if let Some(existing) = find_by_sha256(&txn, &new.sha256).await? {
            record_uploader(&txn, &existing.id, &actor.id).await?;
            txn.commit().await?;
            return Ok((existing, false));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let asset = Asset {
            id: id.clone(),
            sha256: new.sha256.clone(),
            filename: new.filename.clone(),
            content_type: new.content_type.clone(),
            bytes: new.bytes,
            width: new.width,
            height: new.height,
            alt: new.alt,
            created_at: from_micros(now_micros()),
            created_by: actor.id.clone(),
        };
        keep_file.await.map_err(StoreError::Files)?;
        insert_asset(&txn, asset).await?;
        record(
            &txn,
            actor,
            AuditEvent::on("asset.upload", "asset", &id).with(json!({
                "filename": new.filename,
                "content_type": new.content_type,
                "bytes": new.bytes,
                "sha256": new.sha256,
            })),
        )
        .await?;
        let row = assets::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        txn.commit().await?;
        Ok((row.into(), true))
    }

    /// Runs `remove_file` when no asset has the bytes `sha256` (any more), under the hash's
    /// lock so that no upload of the same bytes records them meanwhile. Returns whether it
    /// ran. For a deleted asset's original, and for the files a sweep finds unrecorded.
    pub async fn remove_unrecorded_file<E: std::fmt::Display>(
        &self,
        sha256: &str,
        remove_file: impl Future<Output = Result<(), E>>,
    ) -> Result<bool, StoreError> {
        let txn = self.begin_write().await?;
        lock_file(&txn, sha256).await?;
        if find_by_sha256(&txn, sha256).await?.is_some() {
            return Ok(false);
        }
        remove_file
            .await
            .map_err(|e| StoreError::Files(e.to_string()))?;
        txn.commit().await?;
        Ok(true)
    }

    /// Which of `hashes` some asset has (a sweep's first, unlocked look).
    pub async fn recorded_hashes(&self, hashes: &[String]) -> Result<Vec<String>, StoreError> {
        Ok(assets::Entity::find()
            .select_only()
            .column(assets::Column::Sha256)
            .filter(assets::Column::Sha256.is_in(hashes.iter().map(String::as_str)))
            .into_tuple()
            .all(&self.read)
            .await?)
    }

    /// One asset, if it exists and `scope` (when given) lets the caller see it.
    pub async fn asset(&self, id: &str, scope: Option<&AssetScope>) -> Result<Asset, StoreError> {
        let mut select = assets::Entity::find_by_id(id.to_owned());
        if let Some(scope) = scope {
            select = select.filter(scope.condition());
        }
        select
            .one(&self.read)
            .await?
            .map(Asset::from)
            .ok_or(StoreError::NotFound)
    }

    /// The existing assets among `ids`.
    pub async fn assets_by_ids(&self, ids: &[&str]) -> Result<Vec<Asset>, StoreError> {
        find_assets(&self.read, ids, None).await
    }

    /// A page of assets, newest first.
    pub async fn list_assets(&self, query: &AssetQuery) -> Result<Vec<Asset>, StoreError> {
        let mut select = assets::Entity::find();
        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            select = select.filter(
                Expr::col(assets::Column::SearchText)
                    .like(LikeExpr::new(like_pattern(q)).escape('\\')),
            );
        }
        if let Some(content_type) = &query.content_type {
            select = if content_type.ends_with('/') {
                select.filter(assets::Column::ContentType.starts_with(content_type))
            } else {
                select.filter(assets::Column::ContentType.eq(content_type))
            };
        }
        if let Some(scope) = &query.scope {
            select = select.filter(scope.condition());
        }
        if let Some(before) = &query.before {
            select = select.filter(assets::Column::Id.lt(before));
        }
        Ok(select
            .order_by_desc(assets::Column::Id)
            .limit(query.limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(Asset::from)
            .collect())
    }

    /// The entries that use an asset in any of their versions, by id.
    pub async fn asset_users(&self, id: &str) -> Result<Vec<AssetUser>, StoreError> {
        let users = users_of_asset(&self.read, id).await?;
        self.locate_users(users).await
    }

    async fn locate_users(&self, users: Vec<(String, bool)>) -> Result<Vec<AssetUser>, StoreError> {
        let ids: Vec<&str> = users.iter().map(|(id, _)| id.as_str()).collect();
        let mut found = self.locate_entries(&ids).await?;
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found
            .into_iter()
            .map(|entry| AssetUser {
                current: users
                    .iter()
                    .any(|(id, current)| *id == entry.id && *current),
                entry,
            })
            .collect())
    }

    /// Deletes an asset no version of any entry uses; `AssetInUse` names the entries
    /// otherwise, so that every version stays restorable. Returns the deleted asset, whose
    /// original the caller then removes with [`Store::remove_unrecorded_file`] (the same
    /// bytes may have been uploaded again since).
    pub async fn delete_asset(&self, id: &str, actor: &Actor) -> Result<Asset, StoreError> {
        let txn = self.begin_write().await?;
        let asset: Asset = assets::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        let users = users_of_asset(&txn, id).await?;
        if !users.is_empty() {
            drop(txn);
            return Err(StoreError::AssetInUse(self.locate_users(users).await?));
        }
        assets::Entity::delete_by_id(id.to_owned())
            .exec(&txn)
            .await?;
        asset_uploads::Entity::delete_many()
            .filter(asset_uploads::Column::AssetId.eq(id))
            .exec(&txn)
            .await?;
        record(
            &txn,
            actor,
            AuditEvent::on("asset.delete", "asset", id).with(json!({
                "filename": asset.filename,
                "sha256": asset.sha256,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(asset)
    }
}

/// The entries that use the asset in any version (`asset_history`), each with whether its
/// current version does (`asset_uses`), sorted by id. Every revision is in the history once
/// written (migration `m20261206_000011` recorded the older ones), the live version included:
/// a published entry whose new draft drops a file keeps it, and so does a restorable one.
async fn users_of_asset(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Vec<(String, bool)>, StoreError> {
    let ever: Vec<String> = asset_history::Entity::find()
        .select_only()
        .column(asset_history::Column::EntryId)
        .filter(asset_history::Column::AssetId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    let current: Vec<String> = asset_uses::Entity::find()
        .select_only()
        .column(asset_uses::Column::EntryId)
        .filter(asset_uses::Column::AssetId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    // A version written by the previous release during a rolling deploy is in `asset_uses`
    // alone: count it too.
    let mut users: std::collections::BTreeMap<String, bool> =
        ever.into_iter().map(|entry| (entry, false)).collect();
    for entry in current {
        users.insert(entry, true);
    }
    Ok(users.into_iter().collect())
}

/// Records that `uploader` has uploaded the asset's bytes (once).
async fn record_uploader(
    db: &impl ConnectionTrait,
    asset_id: &str,
    uploader: &str,
) -> Result<(), StoreError> {
    asset_uploads::Entity::insert(asset_uploads::ActiveModel {
        asset_id: Set(asset_id.to_owned()),
        uploaded_by: Set(uploader.to_owned()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn find_by_sha256(
    db: &impl ConnectionTrait,
    sha256: &str,
) -> Result<Option<Asset>, StoreError> {
    Ok(assets::Entity::find()
        .filter(assets::Column::Sha256.eq(sha256))
        .one(db)
        .await?
        .map(Asset::from))
}

/// Holds, until `txn` ends, the lock of the file with hash `sha256`: recording a file and
/// removing an unrecorded one take turns. SQLite's write transactions take turns anyway; on
/// PostgreSQL it is a transaction-scoped advisory lock on the hash.
async fn lock_file(txn: &WriteTxn, sha256: &str) -> Result<(), StoreError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [sha256.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Inserts an asset exactly as exported (import), its creator as its first uploader.
pub(crate) async fn insert_asset(
    db: &impl ConnectionTrait,
    asset: Asset,
) -> Result<(), StoreError> {
    record_uploader(db, &asset.id, &asset.created_by).await?;
    assets::Entity::insert(assets::ActiveModel {
        search_text: Set(search_text(&asset.filename, asset.alt.as_deref())),
        id: Set(asset.id),
        sha256: Set(asset.sha256),
        filename: Set(asset.filename),
        content_type: Set(asset.content_type),
        bytes: Set(i64::try_from(asset.bytes).unwrap_or(i64::MAX)),
        width: Set(asset.width.and_then(|w| i32::try_from(w).ok())),
        height: Set(asset.height.and_then(|h| i32::try_from(h).ok())),
        alt: Set(asset.alt),
        created_at: Set(asset.created_at.timestamp_micros()),
        created_by: Set(asset.created_by),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn find_assets(
    db: &impl ConnectionTrait,
    ids: &[&str],
    scope: Option<&AssetScope>,
) -> Result<Vec<Asset>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = assets::Entity::find().filter(assets::Column::Id.is_in(ids.iter().copied()));
    if let Some(scope) = scope {
        select = select.filter(scope.condition());
    }
    Ok(select.all(db).await?.into_iter().map(Asset::from).collect())
}

/// An asset field's value checked in the store: the asset exists, its type is accepted and
/// its size allowed.
#[derive(Debug, Clone)]
pub(crate) struct AssetCheck {
    pub(crate) path: String,
    pub(crate) id: String,
    pub(crate) rules: AssetRules,
}

impl AssetCheck {
    pub(crate) fn from_use(used: &AssetUse<'_>) -> Self {
        AssetCheck {
            path: used.path.clone(),
            id: used.id.clone(),
            rules: used.rules.clone(),
        }
    }
}

/// Every problem of the entry's asset fields, all at once. An asset the writer may not see
/// (`scope`: it is limited to some content types) is `asset_not_found`, as one that does not
/// exist: an entry must not make an embargoed file of another type visible to its writer.
pub(crate) async fn check_assets(
    db: &impl ConnectionTrait,
    checks: &[AssetCheck],
    scope: Option<&AssetScope>,
) -> Result<(), StoreError> {
    if checks.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    let found = find_assets(db, &ids, scope).await?;
    let mut errors = Vec::new();
    for check in checks {
        match found.iter().find(|a| a.id == check.id) {
            None => errors.push(FieldError::new(
                check.path.clone(),
                ErrorCode::AssetNotFound,
                format!("no asset has the id {}", check.id),
            )),
            Some(asset) => {
                if !check.rules.accepts(&asset.content_type) {
                    errors.push(FieldError::new(
                        check.path.clone(),
                        ErrorCode::AssetTypeNotAccepted,
                        format!(
                            "{} is {}; this field accepts {}",
                            asset.filename,
                            asset.content_type,
                            check.rules.accept.join(", ")
                        ),
                    ));
                }
                if let Some(max) = check.rules.max_bytes
                    && asset.bytes > max
                {
                    errors.push(FieldError::new(
                        check.path.clone(),
                        ErrorCode::AssetTooLarge,
                        format!(
                            "{} has {} bytes; this field allows {max}",
                            asset.filename, asset.bytes
                        ),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Validation(ValidationErrors(errors)))
    }
}

/// The distinct asset ids of an entry, sorted: what its `asset_uses` rows hold.
pub(crate) fn asset_ids(checks: &[AssetCheck]) -> Vec<&str> {
    let mut ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Replaces the record of which assets an entry's current version uses, and adds them to the
/// entry's history (which keeps what earlier versions used).
pub(crate) async fn write_asset_uses(
    db: &impl ConnectionTrait,
    entry_id: &str,
    checks: &[AssetCheck],
) -> Result<(), StoreError> {
    asset_uses::Entity::delete_many()
        .filter(asset_uses::Column::EntryId.eq(entry_id))
        .exec(db)
        .await?;
    let ids = asset_ids(checks);
    if ids.is_empty() {
        return Ok(());
    }
    asset_uses::Entity::insert_many(ids.iter().map(|id| asset_uses::ActiveModel {
        entry_id: Set(entry_id.to_owned()),
        asset_id: Set((*id).to_owned()),
    }))
    .exec_without_returning(db)
    .await?;
    asset_history::Entity::insert_many(ids.iter().map(|id| asset_history::ActiveModel {
        asset_id: Set((*id).to_owned()),
        entry_id: Set(entry_id.to_owned()),
    }))
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(())
}
