//! The publishing job queue: an outbox row per transition that changes the bucket, claimed by
//! one worker at a time under a lease.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publish_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub type_name: Option<String>,
    pub entry_id: Option<String>,
    pub version: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    pub run_after: i64,
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_until: Option<i64>,
    pub worker: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub progress: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub result: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
