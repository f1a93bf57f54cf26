//! API tokens for scripts, CI and storefront previews. Only a SHA-256 hash and a short display
//! prefix are stored; the secret is shown once, by the auth crate, when the token is created.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;

use crate::audit::{Actor, AuditEvent, record};
use crate::entity::api_tokens;
use crate::time::{from_micros, now_micros};
use crate::users::{decode_scope, encode_scope, parse_role};
use crate::{Role, Store, StoreError};

/// An API token as listed: never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, to recognise it (`hrld_3kF9`).
    pub prefix: String,
    pub role: Role,
    /// The content types the token may touch; absent for all of them.
    pub content_types: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The user who created it.
    pub created_by: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Whether the token may be used at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

impl TryFrom<api_tokens::Model> for ApiToken {
    type Error = StoreError;

    fn try_from(row: api_tokens::Model) -> Result<Self, StoreError> {
        Ok(ApiToken {
            role: parse_role(&row.role)?,
            content_types: decode_scope(row.content_types.as_deref())?,
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            expires_at: row.expires_at.map(from_micros),
            created_at: from_micros(row.created_at),
            created_by: row.created_by,
            last_used_at: row.last_used_at.map(from_micros),
            revoked_at: row.revoked_at.map(from_micros),
        })
    }
}

/// A token to store; the caller generated the secret and hashed it.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub role: Role,
    pub content_types: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Stores a new token.
    pub async fn create_api_token(
        &self,
        new: NewApiToken,
        actor: &Actor,
    ) -> Result<ApiToken, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let txn = self.begin_write().await?;
        api_tokens::Entity::insert(api_tokens::ActiveModel {
            id: Set(id.clone()),
            name: Set(new.name.clone()),
            token_hash: Set(new.token_hash),
            prefix: Set(new.prefix),
            role: Set(new.role.as_str().to_owned()),
            content_types: Set(encode_scope(new.content_types.as_ref())),
            expires_at: Set(new.expires_at.map(|t| t.timestamp_micros())),
            created_at: Set(now_micros()),
            created_by: Set(actor.id.clone()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        record(
            &txn,
            actor,
            AuditEvent::on("token.create", "token", &id).with(json!({
                "name": new.name,
                "role": new.role,
                "content_types": new.content_types,
                "expires_at": new.expires_at,
            })),
        )
        .await?;
        let token = api_tokens::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        txn.commit().await?;
        token.try_into()
    }

    /// Every token, newest first, revoked ones included.
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        api_tokens::Entity::find()
            .order_by_desc(api_tokens::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(ApiToken::try_from)
            .collect()
    }

    /// The token whose secret hashes to `token_hash`, live or not.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ApiToken>, StoreError> {
        api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.eq(token_hash))
            .one(&self.read)
            .await?
            .map(ApiToken::try_from)
            .transpose()
    }

    /// Revokes a token; revoking a revoked one changes nothing.
    pub async fn revoke_api_token(&self, id: &str, actor: &Actor) -> Result<ApiToken, StoreError> {
        let txn = self.begin_write().await?;
        let token: ApiToken = api_tokens::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::RevokedAt, Expr::value(now_micros()))
            .filter(api_tokens::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        record(
            &txn,
            actor,
            AuditEvent::on("token.revoke", "token", id).with(json!({ "name": token.name })),
        )
        .await?;
        let token = api_tokens::Entity::find_by_id(id.to_owned())
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        txn.commit().await?;
        token.try_into()
    }

    /// Notes that a token was used (the auth crate calls this at most once a minute a token).
    pub async fn touch_api_token(&self, id: &str) -> Result<(), StoreError> {
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::LastUsedAt, Expr::value(now_micros()))
            .filter(api_tokens::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(())
    }
}
