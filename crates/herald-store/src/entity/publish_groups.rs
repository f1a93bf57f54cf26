//! One row per listing (type and locale): the next sequence number and the object count.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publish_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub type_name: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub locale: String,
    pub next_seq: i64,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
