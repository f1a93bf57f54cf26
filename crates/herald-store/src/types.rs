//! The domain types the store hands out.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::StoreError;
use crate::entity::{entries, revisions};
use crate::time::from_micros;

/// Where an entry stands in the workflow (contract §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Published,
    Archived,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::InReview,
        Status::Approved,
        Status::Published,
        Status::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// An entry at its current version, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub locale: String,
    pub slug: String,
    pub status: Status,
    pub version: i64,
    /// The entry's content, as its content type describes it.
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub published_version: Option<i64>,
    pub publish_at: Option<DateTime<Utc>>,
    pub unpublish_at: Option<DateTime<Utc>>,
}

impl TryFrom<entries::Model> for Entry {
    type Error = StoreError;

    fn try_from(row: entries::Model) -> Result<Self, StoreError> {
        Ok(Entry {
            status: parse_status(&row.status)?,
            fields: parse_fields(&row.fields)?,
            id: row.id,
            type_name: row.type_name,
            locale: row.locale,
            slug: row.slug,
            version: row.version,
            created_at: from_micros(row.created_at),
            created_by: row.created_by,
            updated_at: from_micros(row.updated_at),
            updated_by: row.updated_by,
            published_version: row.published_version,
            publish_at: row.publish_at.map(from_micros),
            unpublish_at: row.unpublish_at.map(from_micros),
        })
    }
}

/// One version in an entry's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revision {
    pub entry_id: String,
    pub version: i64,
    pub slug: String,
    pub status: Status,
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// Why the version exists when it is not a plain edit: `restored from version 3`, `archived`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

impl TryFrom<revisions::Model> for Revision {
    type Error = StoreError;

    fn try_from(row: revisions::Model) -> Result<Self, StoreError> {
        Ok(Revision {
            status: parse_status(&row.status)?,
            fields: parse_fields(&row.fields)?,
            entry_id: row.entry_id,
            version: row.version,
            slug: row.slug,
            author: row.author,
            created_at: from_micros(row.created_at),
            note: row.note,
        })
    }
}

fn parse_status(s: &str) -> Result<Status, StoreError> {
    Status::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown status `{s}`")))
}

pub(crate) fn parse_fields(text: &str) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("stored fields: {e}")))
}
