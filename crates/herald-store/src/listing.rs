//! Listing entries of a type with filters, a sort and keyset pagination: the next page starts
//! after the last row of this one (`WHERE (key, id) < (last key, last id)`), so a page deep in a
//! million entries costs the same as the first. The cursor is opaque to clients.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::entity::entries;
use crate::search::like_pattern;
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

    fn column(self) -> entries::Column {
        match self {
            Sort::UpdatedDesc | Sort::UpdatedAsc => entries::Column::UpdatedAt,
            Sort::CreatedDesc | Sort::CreatedAsc => entries::Column::CreatedAt,
            Sort::SlugAsc | Sort::SlugDesc => entries::Column::Slug,
        }
    }

    fn descending(self) -> bool {
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

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum CursorKey {
    Time(i64),
    Text(String),
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
        let sort = query.sort;
        let column = sort.column();
        let mut select = entries::Entity::find().filter(entries::Column::TypeName.eq(type_name));
        if let Some(locale) = &query.locale {
            select = select.filter(entries::Column::Locale.eq(locale));
        }
        if let Some(status) = query.status {
            select = select.filter(entries::Column::Status.eq(status.as_str()));
        }
        if let Some(since) = query.updated_since {
            select = select.filter(entries::Column::UpdatedAt.gte(since.timestamp_micros()));
        }
        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            select = select.filter(
                Expr::col(entries::Column::SearchText)
                    .like(LikeExpr::new(like_pattern(q)).escape('\\')),
            );
        }
        if let Some(text) = &query.cursor {
            let cursor = Cursor::decode(text, sort)?;
            let key = match cursor.key {
                CursorKey::Time(t) => sea_orm::Value::from(t),
                CursorKey::Text(s) => sea_orm::Value::from(s),
            };
            // `key <= k AND (key < k OR id < i)` rather than `key < k OR (key = k AND id < i)`:
            // the same rows, but the first conjunct is a range the index can seek to. With
            // the `OR` alone and bound values SQLite walks the index from the first page and
            // tests every row, so page 1,000 cost a thousand pages.
            let after = if sort.descending() {
                Condition::all()
                    .add(Expr::col(column).lte(key.clone()))
                    .add(
                        Condition::any()
                            .add(Expr::col(column).lt(key))
                            .add(entries::Column::Id.lt(cursor.id)),
                    )
            } else {
                Condition::all()
                    .add(Expr::col(column).gte(key.clone()))
                    .add(
                        Condition::any()
                            .add(Expr::col(column).gt(key))
                            .add(entries::Column::Id.gt(cursor.id)),
                    )
            };
            select = select.filter(after);
        }
        let order = if sort.descending() {
            Order::Desc
        } else {
            Order::Asc
        };
        let rows = select
            .order_by(column, order.clone())
            .order_by(entries::Column::Id, order)
            .limit(query.limit + 1)
            .all(&self.read)
            .await?;
        let more = rows.len() as u64 > query.limit;
        let mut items = rows
            .into_iter()
            .take(query.limit as usize)
            .map(Entry::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = match (more, items.last_mut()) {
            (true, Some(last)) => Some(
                Cursor {
                    sort: sort.as_str().to_owned(),
                    key: match column {
                        entries::Column::Slug => CursorKey::Text(last.slug.clone()),
                        entries::Column::CreatedAt => {
                            CursorKey::Time(last.created_at.timestamp_micros())
                        }
                        _ => CursorKey::Time(last.updated_at.timestamp_micros()),
                    },
                    id: last.id.clone(),
                }
                .encode(),
            ),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }
}
