//! What the bucket holds: one row per published object `content/{type}/{locale}/{slug}.json`,
//! with the sequence number that places it on an index page of its listing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "published_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub type_name: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub locale: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slug: String,
    pub seq: i64,
    pub entry_id: String,
    pub version: i64,
    pub fallback_from: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub title: Option<String>,
    pub published_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
