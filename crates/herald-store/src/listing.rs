//! Listing entries of a type with filters, a sort and keyset pagination: the next page starts
//! after the last row of this one (`WHERE (key, id) < (last key, last id)`), so a page deep in a
//! million entries costs the same as the first. The cursor is opaque to clients.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use crate::entity::entries;
use crate::search;
use crate::{Entry, Status, Store, StoreError};

/// The orders a listing can have; `-` means newest or last first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    UpdatedDesc,
    UpdatedAsc,
    CreatedDesc,
    CreatedAsc,
    SlugAsc,
    SlugDesc,
}

impl Sort {
    pub const ALL: [Sort; 6] = [
        Sort::UpdatedDesc,
        Sort::UpdatedAsc,
        Sort::CreatedDesc,
        Sort::CreatedAsc,
        Sort::SlugAsc,
        Sort::SlugDesc,
    ];

    /// As written in `?sort=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::UpdatedDesc => "-updated_at",
            Sort::UpdatedAsc => "updated_at",
            Sort::CreatedDesc => "-created_at",
            Sort::CreatedAsc => "created_at",
            Sort::SlugAsc => "slug",
            Sort::SlugDesc => "-slug",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|sort| sort.as_str() == s)
    }

    pub(crate) fn column(self) -> entries::Column {
        match self {
            Sort::UpdatedDesc | Sort::UpdatedAsc => entries::Column::UpdatedAt,
            Sort::CreatedDesc | Sort::CreatedAsc => entries::Column::CreatedAt,
            Sort::SlugAsc | Sort::SlugDesc => entries::Column::Slug,
        }
    }

    pub(crate) fn descending(self) -> bool {
        matches!(self, Sort::UpdatedDesc | Sort::CreatedDesc | Sort::SlugDesc)
    }
}

/// Filters and paging of a listing.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub locale: Option<String>,
    pub status: Option<Status>,
    /// Words searched in the text fields and slug, case-insensitively.
    pub q: Option<String>,
    /// Only entries updated at or after this time.
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    pub sort: Sort,
    pub limit: u64,
    pub cursor: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page {
    pub items: Vec<Entry>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What a cursor holds: the sort it belongs to and the last row's key.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "s")]
    sort: String,
    #[serde(rename = "k")]
    key: CursorKey,
    id: String,
}

/// The sort key of one row.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum CursorKey {
    Time(i64),
    Text(String),
}

impl CursorKey {
    /// `row`'s key in the order of `sort`.
    pub(crate) fn of(sort: Sort, row: &entries::Model) -> CursorKey {
        match sort.column() {
            entries::Column::Slug => CursorKey::Text(row.slug.clone()),
            entries::Column::CreatedAt => CursorKey::Time(row.created_at),
            _ => CursorKey::Time(row.updated_at),
        }
    }
}

impl Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, sort: Sort) -> Result<Cursor, StoreError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| StoreError::InvalidCursor("not a cursor from a previous page"))?;
        let cursor: Cursor = serde_json::from_slice(&bytes)
            .map_err(|_| StoreError::InvalidCursor("not a cursor from a previous page"))?;
        let key_fits = matches!(
            (&cursor.key, sort.column()),
            (CursorKey::Text(_), entries::Column::Slug)
                | (
                    CursorKey::Time(_),
                    entries::Column::UpdatedAt | entries::Column::CreatedAt
                )
        );
        if cursor.sort != sort.as_str() || !key_fits {
            return Err(StoreError::InvalidCursor(
                "the cursor belongs to another sort",
            ));
        }
        // Only a cursor this server made: an entry id, a slug without control characters
        // (PostgreSQL refuses NUL in text).
        let key_ok = match &cursor.key {
            CursorKey::Text(slug) => !slug.chars().any(char::is_control),
            CursorKey::Time(_) => true,
        };
        if !key_ok || !crate::entries::is_entry_id(&cursor.id) {
            return Err(StoreError::InvalidCursor(
                "not a cursor from a previous page",
            ));
        }
        Ok(cursor)
    }
}

impl Store {
    /// A page of entries of `type_name`.
    pub async fn list_entries(
        &self,
        type_name: &str,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        let (page, _) = self
            .list_entries_planned(type_name, query, search::Tuning::DEFAULT)
            .await?;
        Ok(page)
    }

    /// [`Store::list_entries`] with the thresholds of the search plans, and the plan a search
    /// took; the tests set them to take each plan.
    pub(crate) async fn list_entries_planned(
        &self,
        type_name: &str,
        query: &ListQuery,
        tuning: search::Tuning,
    ) -> Result<(Page, Option<search::Plan>), StoreError> {
        let sort = query.sort;
        // Everything but the type and `q`, which the search plans put in their own ways.
        let mut filters = Condition::all();
        if let Some(locale) = &query.locale {
            filters = filters.add(entries::Column::Locale.eq(locale));
        }
        if let Some(status) = query.status {
            filters = filters.add(entries::Column::Status.eq(status.as_str()));
        }
        if let Some(since) = query.updated_since {
            filters = filters.add(entries::Column::UpdatedAt.gte(since.timestamp_micros()));
        }
        if let Some(text) = &query.cursor {
            let cursor = Cursor::decode(text, sort)?;
            filters = filters.add(keyset(sort, cursor.key, cursor.id, Side::After));
        }
        let wanted = query.limit + 1;
        let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let (mut rows, plan) = match q {
            Some(q) => {
                let (rows, plan) =
                    search::rows(self, type_name, filters, q, sort, wanted, tuning).await?;
                (rows, Some(plan))
            }
            None => {
                let condition = Condition::all()
                    .add(entries::Column::TypeName.eq(type_name))
                    .add(filters);
                (self.ordered_rows(condition, sort, wanted).await?, None)
            }
        };
        let more = rows.len() as u64 > query.limit;
        rows.truncate(query.limit as usize);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(
                Cursor {
                    sort: sort.as_str().to_owned(),
                    key: CursorKey::of(sort, last),
                    id: last.id.clone(),
                }
                .encode(),
            ),
            _ => None,
        };
        let items = rows
            .into_iter()
            .map(Entry::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((Page { items, next_cursor }, plan))
    }

    /// The first `count` entries that meet `condition`, in the order of `sort`.
    pub(crate) async fn ordered_rows(
        &self,
        condition: Condition,
        sort: Sort,
        count: u64,
    ) -> Result<Vec<entries::Model>, StoreError> {
        Ok(ordered(entries::Entity::find().filter(condition), sort)
            .limit(count)
            .all(&self.read)
            .await?)
    }
}

/// `select` in the order of `sort`, ties broken by id.
pub(crate) fn ordered(select: Select<entries::Entity>, sort: Sort) -> Select<entries::Entity> {
    let order = if sort.descending() {
        Order::Desc
    } else {
        Order::Asc
    };
    select
        .order_by(sort.column(), order.clone())
        .order_by(entries::Column::Id, order)
}

/// Which rows a [`keyset`] condition keeps, around one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The rows after it in the order.
    After,
    /// The rows before it, and itself.
    UpTo,
}

/// The rows on `side` of the row with `key` and `id`, in the order of `sort`.
///
/// `key <= k AND (key < k OR id < i)` rather than `key < k OR (key = k AND id < i)`: the same
/// rows, but the first conjunct is a range the index can seek to. With the `OR` alone and bound
/// values SQLite walks the index from the first page and tests every row, so page 1,000 cost a
/// thousand pages.
pub(crate) fn keyset(sort: Sort, key: CursorKey, id: String, side: Side) -> Condition {
    let column = sort.column();
    let key = match key {
        CursorKey::Time(t) => sea_orm::Value::from(t),
        CursorKey::Text(s) => sea_orm::Value::from(s),
    };
    // Toward the end of the listing: smaller keys when it is descending.
    let onward = sort.descending() == (side == Side::After);
    let (range, strictly, id_side) = if onward {
        (
            Expr::col(column).lte(key.clone()),
            Expr::col(column).lt(key),
            if side == Side::After {
                entries::Column::Id.lt(id)
            } else {
                entries::Column::Id.lte(id)
            },
        )
    } else {
        (
            Expr::col(column).gte(key.clone()),
            Expr::col(column).gt(key),
            if side == Side::After {
                entries::Column::Id.gt(id)
            } else {
                entries::Column::Id.gte(id)
            },
        )
    };
    Condition::all()
        .add(range)
        .add(Condition::any().add(strictly).add(id_side))
}
