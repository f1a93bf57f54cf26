//! Which public file (`assets/{sha256}/{filename}`) each published object shows.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "published_assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub type_name: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub locale: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slug: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub asset_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
