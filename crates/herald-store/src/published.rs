//! What is live and what the bucket holds.
//!
//! The *intent* lives on `entries`: `published_version`, `published_slug` and `published_at`,
//! set by the workflow's transitions. The *bucket* is mirrored by `published_entries`: one row
//! per object `content/{type}/{locale}/{slug}.json` (an entry's own, or one shown under a
//! locale that falls back to it), written only after the object itself is in the bucket.
//!
//! Each listing (type and locale) numbers its rows with a sequence that only grows: a new or
//! republished object gets the next number, so the newest are at the end. Index page `k` of a
//! listing holds the numbers `[k·P, (k+1)·P)`, read through the `(type, locale, seq)` index; a
//! publish touches only the page its new number lands on and the page its old row left, so its
//! cost does not depend on how many entries the type has. A rebuild's chunks leave a path that
//! has a row at its number ([`Numbering::KeepPlace`]) until it numbers everything again.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use herald_model::render::entry_key;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};

use crate::entity::{
    entries, publish_groups, publish_redirects, publish_state, published_assets, published_entries,
    revisions,
};
use crate::jobs::save_progress;
use crate::time::{from_micros, now_micros};
use crate::writer::WriteTxn;
use crate::{Store, StoreError};

/// An entry whose version is live (its intent, from the workflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEntry {
    pub id: String,
    pub type_name: String,
    pub locale: String,
    /// The slug the live version is published under.
    pub slug: String,
    /// The live version.
    pub version: i64,
    pub published_at: DateTime<Utc>,
}

/// An entry as publishing sees it: where it lives and what of it is live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPlace {
    pub id: String,
    pub type_name: String,
    pub locale: String,
    pub live: Option<LiveEntry>,
}

/// One object in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedObject {
    pub type_name: String,
    pub locale: String,
    pub slug: String,
    /// Its place in the listing: newer objects have larger numbers.
    pub seq: i64,
    pub entry_id: String,
    pub version: i64,
    /// The locale of the entry shown, when this locale has none of its own.
    pub fallback_from: Option<String>,
    pub title: Option<String>,
    pub published_at: DateTime<Utc>,
}

impl PublishedObject {
    /// Its key in the bucket.
    pub fn path(&self) -> String {
        entry_key(&self.type_name, &self.locale, &self.slug)
    }
}

/// What an object should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSource {
    pub entry_id: String,
    pub version: i64,
    pub fallback_from: Option<String>,
    pub title: Option<String>,
    pub published_at: DateTime<Utc>,
    /// The public files it shows (`assets/{sha256}/{filename}`), known once it is rendered.
    pub assets: Vec<String>,
}

/// A change of one path of the bucket: the row it had, the object it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotChange {
    pub type_name: String,
    pub locale: String,
    pub slug: String,
    pub old: Option<PublishedObject>,
    pub new: Option<ObjectSource>,
}

impl SlotChange {
    pub fn path(&self) -> String {
        entry_key(&self.type_name, &self.locale, &self.slug)
    }
}

/// One listing: a type in a locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub type_name: String,
    pub locale: String,
    /// The next sequence number; the listing's pages are `0 ..= (next_seq - 1) / P`.
    pub next_seq: i64,
    /// Objects in the listing.
    pub count: i64,
}

impl Listing {
    /// The newest page (`index.json`): the one the last number falls on, and page 0 of a
    /// listing a rebuild left empty (which must still be written, empty, over the old one).
    pub fn open_page(&self, page_size: i64) -> i64 {
        Ord::max(self.next_seq - 1, 0) / Ord::max(page_size, 1)
    }
}

/// How [`Store::apply_slot_changes`] numbers the rows it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// Every new object takes the listing's next number: it is the newest (a publication).
    Next,
    /// A path that had a row keeps its number; only a path new to the listing takes the next
    /// one (a rebuild's chunks). The pages in the bucket are only rewritten at the rebuild's
    /// end, so until then they list each path at its old number; a batch running in between
    /// (the rebuild gives way to publications) that removes the path rewrites the page of the
    /// number it finds, which must be that one.
    KeepPlace,
}

/// What [`Store::apply_slot_changes`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Index pages whose content changed: (type, locale, page).
    pub pages: BTreeSet<(String, String, i64)>,
    /// Whether `redirects.json` changed.
    pub redirects_changed: bool,
    /// The bucket's new revision.
    pub revision: i64,
    /// The page size of the listings (see [`Store::listing_page_size`]).
    pub page_size: i64,
    /// Public files no published object shows any more: to delete with the old objects.
    pub withdrawn: Vec<String>,
}

/// Where a referenced entry is (its live slug when it is live).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceTarget {
    pub id: String,
    pub type_name: String,
    pub locale: String,
    pub slug: String,
    pub live: bool,
}

/// `SELECT r.entry_id AS id FROM revisions r JOIN entries e ON` the revision being the entry's
/// live version: the base of queries on what is published. Add columns of `r` (revisions)
/// and conditions on `e` (entries).
pub(crate) fn live_revisions() -> SelectStatement {
    let (r, e) = (Alias::new("r"), Alias::new("e"));
    Query::select()
        .expr_as(
            Expr::col((r.clone(), revisions::Column::EntryId)),
            Alias::new("id"),
        )
        .from_as(revisions::Entity, r.clone())
        .join_as(
            JoinType::InnerJoin,
            entries::Entity,
            e.clone(),
            Expr::col((e.clone(), entries::Column::Id))
                .equals((r.clone(), revisions::Column::EntryId))
                .and(
                    Expr::col((e, entries::Column::PublishedVersion))
                        .equals((r, revisions::Column::Version)),
                ),
        )
        .to_owned()
}

#[derive(Debug, FromQueryResult)]
struct LiveFieldsRow {
    id: String,
    fields: String,
}

type EntryRow = (
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn live_of(row: EntryRow) -> EntryPlace {
    let (id, type_name, locale, version, slug, at) = row;
    let live = match (version, slug) {
        (Some(version), Some(slug)) => Some(LiveEntry {
            id: id.clone(),
            type_name: type_name.clone(),
            locale: locale.clone(),
            slug,
            version,
            published_at: from_micros(at.unwrap_or_default()),
        }),
        _ => None,
    };
    EntryPlace {
        id,
        type_name,
        locale,
        live,
    }
}

fn entry_columns() -> sea_orm::Select<entries::Entity> {
    entries::Entity::find()
        .select_only()
        .column(entries::Column::Id)
        .column(entries::Column::TypeName)
        .column(entries::Column::Locale)
        .column(entries::Column::PublishedVersion)
        .column(entries::Column::PublishedSlug)
        .column(entries::Column::PublishedAt)
}

impl From<published_entries::Model> for PublishedObject {
    fn from(row: published_entries::Model) -> Self {
        PublishedObject {
            type_name: row.type_name,
            locale: row.locale,
            slug: row.slug,
            seq: row.seq,
            entry_id: row.entry_id,
            version: row.version,
            fallback_from: row.fallback_from,
            title: row.title,
            published_at: from_micros(row.published_at),
        }
    }
}

impl Store {
    /// Where each of the entries is and what of it is live.
    pub async fn entry_places(&self, ids: &[String]) -> Result<Vec<EntryPlace>, StoreError> {
        let rows: Vec<EntryRow> = entry_columns()
            .filter(entries::Column::Id.is_in(ids.iter().cloned()))
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(rows.into_iter().map(live_of).collect())
    }

    /// The live entries of `type_name` published under one of `slugs` (in any locale).
    pub async fn live_at(
        &self,
        type_name: &str,
        slugs: &[String],
    ) -> Result<Vec<LiveEntry>, StoreError> {
        let rows: Vec<EntryRow> = entry_columns()
            .filter(entries::Column::TypeName.eq(type_name))
            .filter(entries::Column::PublishedSlug.is_in(slugs.iter().cloned()))
            .filter(entries::Column::PublishedVersion.is_not_null())
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(rows.into_iter().filter_map(|r| live_of(r).live).collect())
    }

    /// Every live entry (of one type, or all), oldest publication first: the order a rebuild
    /// walks and numbers them in.
    pub async fn live_entries(
        &self,
        type_name: Option<&str>,
    ) -> Result<Vec<LiveEntry>, StoreError> {
        let mut select = entry_columns().filter(entries::Column::PublishedVersion.is_not_null());
        if let Some(type_name) = type_name {
            select = select.filter(entries::Column::TypeName.eq(type_name));
        }
        let rows: Vec<EntryRow> = select.into_tuple().all(&self.read).await?;
        let mut live: Vec<LiveEntry> = rows.into_iter().filter_map(|r| live_of(r).live).collect();
        live.sort_by(|a, b| (a.published_at, &a.id).cmp(&(b.published_at, &b.id)));
        Ok(live)
    }

    /// The fields of the live version of each entry (those without one are left out).
    pub async fn live_fields(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Map<String, Value>>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let query = live_revisions()
            .expr_as(
                Expr::col((Alias::new("r"), revisions::Column::Fields)),
                Alias::new("fields"),
            )
            .and_where(Expr::col((Alias::new("e"), entries::Column::Id)).is_in(ids.iter().cloned()))
            .to_owned();
        let rows = LiveFieldsRow::find_by_statement(self.backend().build(&query))
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|row| Ok((row.id, crate::types::parse_fields(&row.fields)?)))
            .collect()
    }

    /// Where each referenced entry is: its live slug when it is live, else its current one.
    pub async fn reference_targets(
        &self,
        ids: &[String],
    ) -> Result<Vec<ReferenceTarget>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, String, String, Option<String>, String)> =
            entries::Entity::find()
                .select_only()
                .column(entries::Column::Id)
                .column(entries::Column::TypeName)
                .column(entries::Column::Locale)
                .column(entries::Column::Slug)
                .column(entries::Column::PublishedSlug)
                .column(entries::Column::Status)
                .filter(entries::Column::Id.is_in(ids.iter().cloned()))
                .into_tuple()
                .all(&self.read)
                .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, type_name, locale, slug, published_slug, _status)| ReferenceTarget {
                    live: published_slug.is_some(),
                    slug: published_slug.unwrap_or(slug),
                    id,
                    type_name,
                    locale,
                },
            )
            .collect())
    }

    /// The objects showing any of the entries (their own and fallbacks).
    pub async fn objects_of_entries(
        &self,
        ids: &[String],
    ) -> Result<Vec<PublishedObject>, StoreError> {
        Ok(published_entries::Entity::find()
            .filter(published_entries::Column::EntryId.is_in(ids.iter().cloned()))
            .all(&self.read)
            .await?
            .into_iter()
            .map(PublishedObject::from)
            .collect())
    }

    /// The objects of `type_name` at any of `slugs` (in any locale).
    pub async fn objects_at(
        &self,
        type_name: &str,
        slugs: &[String],
    ) -> Result<Vec<PublishedObject>, StoreError> {
        let mut found = Vec::new();
        for chunk in slugs.chunks(500) {
            found.extend(
                published_entries::Entity::find()
                    .filter(published_entries::Column::TypeName.eq(type_name))
                    .filter(published_entries::Column::Slug.is_in(chunk.iter().cloned()))
                    .all(&self.read)
                    .await?
                    .into_iter()
                    .map(PublishedObject::from),
            );
        }
        Ok(found)
    }

    /// The (type, locale) pairs that have objects (of one type, or all).
    pub async fn object_groups(
        &self,
        type_name: Option<&str>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut select = published_entries::Entity::find()
            .select_only()
            .column(published_entries::Column::TypeName)
            .column(published_entries::Column::Locale)
            .distinct();
        if let Some(type_name) = type_name {
            select = select.filter(published_entries::Column::TypeName.eq(type_name));
        }
        Ok(select.into_tuple().all(&self.read).await?)
    }

    /// Up to `limit` objects of a type and locale whose slug comes after `after`, in slug
    /// order: a rebuild pages through them to find those it no longer wants, without holding
    /// every row at once.
    pub async fn objects_after(
        &self,
        type_name: &str,
        locale: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<PublishedObject>, StoreError> {
        let mut select = published_entries::Entity::find()
            .filter(published_entries::Column::TypeName.eq(type_name))
            .filter(published_entries::Column::Locale.eq(locale));
        if let Some(after) = after {
            select = select.filter(published_entries::Column::Slug.gt(after));
        }
        Ok(select
            .order_by_asc(published_entries::Column::Slug)
            .limit(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(PublishedObject::from)
            .collect())
    }

    /// Page `page` of a listing, newest first.
    pub async fn index_page(
        &self,
        type_name: &str,
        locale: &str,
        page: i64,
        page_size: i64,
    ) -> Result<Vec<PublishedObject>, StoreError> {
        Ok(published_entries::Entity::find()
            .filter(published_entries::Column::TypeName.eq(type_name))
            .filter(published_entries::Column::Locale.eq(locale))
            .filter(published_entries::Column::Seq.gte(page * page_size))
            .filter(published_entries::Column::Seq.lt((page + 1) * page_size))
            .order_by_desc(published_entries::Column::Seq)
            .all(&self.read)
            .await?
            .into_iter()
            .map(PublishedObject::from)
            .collect())
    }

    /// Every listing that ever had an object.
    pub async fn listings(&self) -> Result<Vec<Listing>, StoreError> {
        Ok(publish_groups::Entity::find()
            .order_by_asc(publish_groups::Column::TypeName)
            .order_by_asc(publish_groups::Column::Locale)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|g| Listing {
                type_name: g.type_name,
                locale: g.locale,
                next_seq: g.next_seq,
                count: g.count,
            })
            .collect())
    }

    /// The bucket's revision: how many batches changed it.
    pub async fn bucket_revision(&self) -> Result<i64, StoreError> {
        Ok(publish_state::Entity::find_by_id(1)
            .one(&self.read)
            .await?
            .map(|s| s.revision)
            .unwrap_or_default())
    }

    /// The page size the listings in the bucket are paged with: the setting recorded by the
    /// first batch, changed only by a rebuild of every type ([`Store::resequence_listings`]),
    /// which writes every page again. `None` before the first batch.
    pub async fn listing_page_size(&self) -> Result<Option<i64>, StoreError> {
        Ok(publish_state::Entity::find_by_id(1)
            .one(&self.read)
            .await?
            .and_then(|s| s.page_size))
    }

    /// `redirects.json`: old path → new path, sorted.
    pub async fn redirect_map(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(publish_redirects::Entity::find()
            .order_by_asc(publish_redirects::Column::FromPath)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|r| (r.from_path, r.to_path))
            .collect())
    }

    /// Records, in one transaction, that the objects of `changes` are in the bucket (the
    /// caller has written them) and the old ones gone from the listings: rows deleted and
    /// inserted with new sequence numbers, listing counters, the redirects of `moves` (old path
    /// → new path), the bucket revision, and the jobs' progress (`progress` receives what was
    /// applied), so that a crash after this point resumes by writing the pages. Pages are
    /// counted in the recorded page size; the first batch records `setting`. `numbering` says
    /// which number a replaced row gets.
    pub async fn apply_slot_changes(
        &self,
        changes: &[SlotChange],
        moves: &[(String, String)],
        numbering: Numbering,
        setting: i64,
        jobs: (&[i64], &str),
        progress: impl FnOnce(&Applied) -> Value,
    ) -> Result<Applied, StoreError> {
        let txn = self.begin_write().await?;
        let state = publish_state::Entity::find_by_id(1).one(&txn).await?;
        let recorded = state.as_ref().and_then(|s| s.page_size);
        let assets_recorded = state.is_some_and(|s| s.assets_recorded);
        let page_size = Ord::max(recorded.unwrap_or(setting), 1);
        let mut applied = Applied {
            page_size,
            ..Applied::default()
        };
        let mut types: Vec<&str> = changes.iter().map(|c| c.type_name.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        let mut groups: HashMap<(String, String), (publish_groups::Model, bool)> =
            publish_groups::Entity::find()
                .filter(publish_groups::Column::TypeName.is_in(types.iter().copied()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|g| ((g.type_name.clone(), g.locale.clone()), (g, false)))
                .collect();
        let mut created: BTreeSet<(String, String)> = BTreeSet::new();
        for change in changes {
            if let Some(old) = &change.old {
                published_entries::Entity::delete_many()
                    .filter(published_entries::Column::TypeName.eq(&old.type_name))
                    .filter(published_entries::Column::Locale.eq(&old.locale))
                    .filter(published_entries::Column::Slug.eq(&old.slug))
                    .exec(&txn)
                    .await?;
                if let Some((group, dirty)) =
                    groups.get_mut(&(old.type_name.clone(), old.locale.clone()))
                {
                    group.count -= 1;
                    *dirty = true;
                }
                applied.pages.insert((
                    old.type_name.clone(),
                    old.locale.clone(),
                    old.seq / page_size,
                ));
            }
        }
        let released = replace_shown_assets(&txn, changes).await?;
        if assets_recorded {
            applied.withdrawn = unshown_assets(&txn, released).await?;
        }
        let mut rows = Vec::new();
        let mut added_paths = Vec::new();
        for change in changes {
            let Some(new) = &change.new else { continue };
            let key = (change.type_name.clone(), change.locale.clone());
            let (group, dirty) = groups.entry(key.clone()).or_insert_with(|| {
                created.insert(key.clone());
                (
                    publish_groups::Model {
                        type_name: key.0.clone(),
                        locale: key.1.clone(),
                        next_seq: 0,
                        count: 0,
                    },
                    true,
                )
            });
            let seq = match (numbering, &change.old) {
                (Numbering::KeepPlace, Some(old))
                    if old.type_name == change.type_name && old.locale == change.locale =>
                {
                    old.seq
                }
                _ => {
                    group.next_seq += 1;
                    group.next_seq - 1
                }
            };
            group.count += 1;
            *dirty = true;
            applied
                .pages
                .insert((key.0.clone(), key.1.clone(), seq / page_size));
            added_paths.push(change.path());
            rows.push(published_entries::ActiveModel {
                type_name: Set(change.type_name.clone()),
                locale: Set(change.locale.clone()),
                slug: Set(change.slug.clone()),
                seq: Set(seq),
                entry_id: Set(new.entry_id.clone()),
                version: Set(new.version),
                fallback_from: Set(new.fallback_from.clone()),
                title: Set(new.title.clone()),
                published_at: Set(new.published_at.timestamp_micros()),
            });
        }
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(200));
            published_entries::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
            rows = rest;
        }
        for ((type_name, locale), (group, dirty)) in &groups {
            if !dirty {
                continue;
            }
            if created.contains(&(type_name.clone(), locale.clone())) {
                publish_groups::Entity::insert(publish_groups::ActiveModel {
                    type_name: Set(type_name.clone()),
                    locale: Set(locale.clone()),
                    next_seq: Set(group.next_seq),
                    count: Set(group.count),
                })
                .exec_without_returning(&txn)
                .await?;
            } else {
                publish_groups::Entity::update_many()
                    .col_expr(publish_groups::Column::NextSeq, Expr::value(group.next_seq))
                    .col_expr(publish_groups::Column::Count, Expr::value(group.count))
                    .filter(publish_groups::Column::TypeName.eq(type_name))
                    .filter(publish_groups::Column::Locale.eq(locale))
                    .exec(&txn)
                    .await?;
            }
        }
        let removed_paths: Vec<String> = changes
            .iter()
            .filter(|c| c.old.is_some() && c.new.is_none())
            .map(SlotChange::path)
            .collect();
        applied.redirects_changed =
            update_redirects(&txn, moves, &added_paths, &removed_paths).await?;
        let mut bump = publish_state::Entity::update_many()
            .col_expr(
                publish_state::Column::Revision,
                Expr::col(publish_state::Column::Revision).add(1),
            )
            .col_expr(publish_state::Column::UpdatedAt, Expr::value(now_micros()));
        if recorded.is_none() {
            bump = bump.col_expr(publish_state::Column::PageSize, Expr::value(page_size));
        }
        bump.filter(publish_state::Column::Id.eq(1))
            .exec(&txn)
            .await?;
        applied.revision = publish_state::Entity::find_by_id(1)
            .one(&txn)
            .await?
            .map(|s| s.revision)
            .unwrap_or_default();
        let (job_ids, worker) = jobs;
        if !job_ids.is_empty() {
            save_progress(&txn, job_ids, worker, &progress(&applied)).await?;
        }
        txn.commit().await?;
        Ok(applied)
    }
}

impl Store {
    /// Records the files the objects of `changes` show, whose rows a rebuild keeps (they
    /// already showed the same version), on a bucket whose files are not all recorded yet.
    pub async fn record_shown_assets(&self, changes: &[SlotChange]) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        replace_shown_assets(&txn, changes).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Of the public files `keys` (`assets/{sha256}/{filename}`), those a recorded object
    /// shows.
    pub async fn shown_assets(&self, keys: &[String]) -> Result<BTreeSet<String>, StoreError> {
        let mut shown = BTreeSet::new();
        for chunk in keys.chunks(500) {
            let found: Vec<String> = published_assets::Entity::find()
                .select_only()
                .column(published_assets::Column::AssetKey)
                .filter(published_assets::Column::AssetKey.is_in(chunk.iter().cloned()))
                .distinct()
                .into_tuple()
                .all(&self.read)
                .await?;
            shown.extend(found);
        }
        Ok(shown)
    }

    /// Whether the files of every published object are recorded, so that one no object shows
    /// any more can be withdrawn from the bucket (see [`Applied::withdrawn`]).
    pub async fn assets_recorded(&self) -> Result<bool, StoreError> {
        Ok(publish_state::Entity::find_by_id(1)
            .one(&self.read)
            .await?
            .is_some_and(|s| s.assets_recorded))
    }
}

/// Replaces the recorded files of the paths `changes` touch by those of their new objects.
/// Returns the files the old objects showed.
async fn replace_shown_assets(
    txn: &WriteTxn,
    changes: &[SlotChange],
) -> Result<BTreeSet<String>, StoreError> {
    let mut released = BTreeSet::new();
    let mut rows = Vec::new();
    for change in changes {
        let slot = Condition::all()
            .add(published_assets::Column::TypeName.eq(&change.type_name))
            .add(published_assets::Column::Locale.eq(&change.locale))
            .add(published_assets::Column::Slug.eq(&change.slug));
        if change.old.is_some() {
            let shown: Vec<String> = published_assets::Entity::find()
                .select_only()
                .column(published_assets::Column::AssetKey)
                .filter(slot.clone())
                .into_tuple()
                .all(txn)
                .await?;
            if !shown.is_empty() {
                published_assets::Entity::delete_many()
                    .filter(slot)
                    .exec(txn)
                    .await?;
                released.extend(shown);
            }
        }
        let keys: BTreeSet<&String> = change.new.iter().flat_map(|n| &n.assets).collect();
        rows.extend(keys.into_iter().map(|key| published_assets::ActiveModel {
            type_name: Set(change.type_name.clone()),
            locale: Set(change.locale.clone()),
            slug: Set(change.slug.clone()),
            asset_key: Set(key.clone()),
        }));
    }
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(200));
        published_assets::Entity::insert_many(rows)
            .on_conflict_do_nothing()
            .exec_without_returning(txn)
            .await?;
        rows = rest;
    }
    Ok(released)
}

/// Of the files in `released`, those no recorded object shows any more.
async fn unshown_assets(
    txn: &WriteTxn,
    mut released: BTreeSet<String>,
) -> Result<Vec<String>, StoreError> {
    let keys: Vec<String> = released.iter().cloned().collect();
    for chunk in keys.chunks(500) {
        let still: Vec<String> = published_assets::Entity::find()
            .select_only()
            .column(published_assets::Column::AssetKey)
            .filter(published_assets::Column::AssetKey.is_in(chunk.iter().cloned()))
            .distinct()
            .into_tuple()
            .all(txn)
            .await?;
        for key in still {
            released.remove(&key);
        }
    }
    Ok(released.into_iter().collect())
}

impl Store {
    /// Numbers the listing rows of `types` again, oldest publication first (then by entry id),
    /// without gaps, so that every listing is newest first. A rebuild records the entries it
    /// rewrites in publication order, but a publication it gave way to, or a row it had to
    /// replace, took the next number in between; the rebuild ends with this, and then writes
    /// every page of those types anyway. A rebuild of every type passes the `page_size`
    /// setting, which from then on pages every listing; it has also recorded the files of
    /// every object ([`Store::assets_recorded`]).
    pub async fn resequence_listings(
        &self,
        types: &[String],
        page_size: Option<i64>,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        if let Some(page_size) = page_size {
            publish_state::Entity::update_many()
                .col_expr(
                    publish_state::Column::PageSize,
                    Expr::value(Ord::max(page_size, 1)),
                )
                .col_expr(publish_state::Column::AssetsRecorded, Expr::value(true))
                .filter(publish_state::Column::Id.eq(1))
                .exec(&txn)
                .await?;
        }
        let backend = txn.get_database_backend();
        // `?1` and `$1` both name the first parameter, used several times.
        let param = if backend == sea_orm::DbBackend::Postgres {
            "$1"
        } else {
            "?1"
        };
        let steps = [
            // Out of the way first: every (type, locale, seq) stays unique at each row.
            "UPDATE published_entries SET seq = -1 - seq WHERE type_name = {p}",
            "UPDATE published_entries SET seq = ranked.rank FROM (
                 SELECT locale AS r_locale, slug AS r_slug,
                        ROW_NUMBER() OVER (PARTITION BY locale ORDER BY published_at, entry_id) - 1
                            AS rank
                 FROM published_entries WHERE type_name = {p}) AS ranked
             WHERE published_entries.type_name = {p}
               AND published_entries.locale = ranked.r_locale
               AND published_entries.slug = ranked.r_slug",
            "UPDATE publish_groups SET
                 next_seq = (SELECT COUNT(*) FROM published_entries p
                             WHERE p.type_name = publish_groups.type_name
                               AND p.locale = publish_groups.locale),
                 count = (SELECT COUNT(*) FROM published_entries p
                          WHERE p.type_name = publish_groups.type_name
                            AND p.locale = publish_groups.locale)
             WHERE type_name = {p}",
        ];
        for type_name in types {
            for step in steps {
                txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                    backend,
                    step.replace("{p}", param),
                    [type_name.as_str().into()],
                ))
                .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}

/// Keeps `redirects.json` right: each move adds `old → new` and points the redirects that led
/// to the old path at the new one; a path live again is no redirect; a redirect to a path that
/// is gone is dropped. Returns whether anything changed.
async fn update_redirects(
    txn: &WriteTxn,
    moves: &[(String, String)],
    added: &[String],
    removed: &[String],
) -> Result<bool, StoreError> {
    let mut changed = false;
    let now = now_micros();
    for (from, to) in moves {
        let retargeted = publish_redirects::Entity::update_many()
            .col_expr(publish_redirects::Column::ToPath, Expr::value(to.as_str()))
            .filter(publish_redirects::Column::ToPath.eq(from))
            .exec(txn)
            .await?;
        publish_redirects::Entity::delete_many()
            .filter(publish_redirects::Column::FromPath.eq(from))
            .exec(txn)
            .await?;
        publish_redirects::Entity::insert(publish_redirects::ActiveModel {
            from_path: Set(from.clone()),
            to_path: Set(to.clone()),
            created_at: Set(now),
        })
        .exec_without_returning(txn)
        .await?;
        changed |= retargeted.rows_affected > 0 || from != to;
    }
    for chunk in added.chunks(500) {
        let live_again = publish_redirects::Entity::delete_many()
            .filter(publish_redirects::Column::FromPath.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?;
        changed |= live_again.rows_affected > 0;
    }
    for chunk in removed.chunks(500) {
        let dangling = publish_redirects::Entity::delete_many()
            .filter(publish_redirects::Column::ToPath.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?;
        changed |= dangling.rows_affected > 0;
    }
    Ok(changed)
}

/// After an import: the live slug and time of entries imported as published come from their
/// published revision.
pub(crate) async fn backfill_published_slugs(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    db.execute_unprepared(herald_migration::BACKFILL_PUBLISHED)
        .await?;
    Ok(())
}
