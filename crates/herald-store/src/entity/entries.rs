//! One row per entry: the current version. Timestamps are microseconds since the epoch.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub type_name: String,
    pub locale: String,
    pub slug: String,
    pub status: String,
    pub version: i64,
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
    pub published_version: Option<i64>,
    pub publish_at: Option<i64>,
    pub unpublish_at: Option<i64>,
    /// The slug of the live version, while one is published.
    pub published_slug: Option<String>,
    /// When the live version was published.
    pub published_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
