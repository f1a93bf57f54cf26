//! `redirects.json`: the old path of an entry whose published slug changed → its new path.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publish_redirects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub from_path: String,
    pub to_path: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
