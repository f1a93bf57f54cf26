//! One row: the bucket's revision (the manifest's number). Job claims lock it, so at most one
//! batch writes the bucket at a time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publish_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub revision: i64,
    pub updated_at: i64,
    /// The page size of the listings in the bucket (`None` before the first batch).
    pub page_size: Option<i64>,
    /// Whether `published_assets` names the files of every object.
    pub assets_recorded: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
