//! Sign-in sessions as families of refresh tokens. The auth crate hands in SHA-256 hashes
//! only; a token's text never reaches the database. Each refresh spends one token and adds the
//! next to its family; a spent token coming back means it was stolen, so the whole family is
//! revoked.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;

use crate::audit::{Actor, AuditEvent, record};
use crate::entity::refresh_tokens;
use crate::time::now_micros;
use crate::users::{UserCredentials, find_user};
use crate::{Store, StoreError};

/// What [`Store::rotate_refresh_token`] found.
#[derive(Debug)]
pub enum Rotation {
    /// The token was live: it is spent now and `new_hash` is the family's live token.
    Rotated {
        user: Box<UserCredentials>,
        family_id: String,
    },
    /// No such token, or it expired.
    Invalid,
    /// The token (or its family) was revoked: logged out, or the user disabled.
    Revoked { user_id: String, family_id: String },
    /// A spent token came back: the family is revoked now.
    Reused { user_id: String, family_id: String },
    /// The user is disabled; the family is revoked now.
    UserDisabled { user_id: String, family_id: String },
    /// The session was opened longer ago than its maximum age; the family is revoked now.
    TooOld { user_id: String, family_id: String },
}

async fn insert_token(
    db: &impl ConnectionTrait,
    user_id: &str,
    family_id: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        family_id: Set(family_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now_micros()),
        expires_at: Set(expires_at.timestamp_micros()),
        used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn revoke_family(db: &impl ConnectionTrait, family_id: &str) -> Result<(), StoreError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now_micros()))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    /// Opens a session: a new family whose first token has `token_hash`. Returns the family id.
    pub async fn open_session(
        &self,
        user_id: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let family_id = uuid::Uuid::now_v7().to_string();
        insert_token(&self.write, user_id, &family_id, token_hash, expires_at).await?;
        Ok(family_id)
    }

    /// Spends the token with `old_hash` and adds `new_hash` to its family, in one transaction.
    /// A session opened before `opened_after` (its maximum age) is ended instead, and the new
    /// token expires by the time its session reaches that age.
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        expires_at: DateTime<Utc>,
        opened_after: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        let txn = self.begin_write().await?;
        let Some(token) = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(old_hash))
            .one(&txn)
            .await?
        else {
            return Ok(Rotation::Invalid);
        };
        let ids = (token.user_id.clone(), token.family_id.clone());
        if token.revoked_at.is_some() {
            return Ok(Rotation::Revoked {
                user_id: ids.0,
                family_id: ids.1,
            });
        }
        // Spend it, unless someone else just did: that is a reuse too.
        let spent = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now_micros()))
            .filter(refresh_tokens::Column::Id.eq(&token.id))
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        if token.used_at.is_some() || spent.rows_affected != 1 {
            revoke_family(&txn, &token.family_id).await?;
            txn.commit().await?;
            return Ok(Rotation::Reused {
                user_id: ids.0,
                family_id: ids.1,
            });
        }
        if token.expires_at <= now_micros() {
            txn.commit().await?;
            return Ok(Rotation::Invalid);
        }
        // The family's first token is as old as the session.
        let opened: Option<Option<i64>> = refresh_tokens::Entity::find()
            .select_only()
            .column_as(Expr::col(refresh_tokens::Column::CreatedAt).min(), "opened")
            .filter(refresh_tokens::Column::FamilyId.eq(&token.family_id))
            .into_tuple()
            .one(&txn)
            .await?;
        let opened = opened.flatten().unwrap_or(token.created_at);
        if opened < opened_after.timestamp_micros() {
            revoke_family(&txn, &token.family_id).await?;
            txn.commit().await?;
            return Ok(Rotation::TooOld {
                user_id: ids.0,
                family_id: ids.1,
            });
        }
        let max_age = now_micros().saturating_sub(opened_after.timestamp_micros());
        let expires_at = DateTime::from_timestamp_micros(opened.saturating_add(max_age))
            .map_or(expires_at, |end| Ord::min(expires_at, end));
        let user = find_user(&txn, &token.user_id).await?;
        if user.user.disabled {
            revoke_family(&txn, &token.family_id).await?;
            txn.commit().await?;
            return Ok(Rotation::UserDisabled {
                user_id: ids.0,
                family_id: ids.1,
            });
        }
        insert_token(&txn, &token.user_id, &token.family_id, new_hash, expires_at).await?;
        txn.commit().await?;
        Ok(Rotation::Rotated {
            user: Box::new(user),
            family_id: ids.1,
        })
    }

    /// Ends a session: every token of the family stops working. Returns whether the family
    /// existed and belongs to `user_id`.
    pub async fn close_session(&self, user_id: &str, family_id: &str) -> Result<bool, StoreError> {
        let owned = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::UserId.eq(user_id))
            .count(&self.read)
            .await?;
        if owned == 0 {
            return Ok(false);
        }
        revoke_family(&self.write, family_id).await?;
        Ok(true)
    }

    /// The family of the token with `token_hash`, if it belongs to `user_id`.
    pub async fn session_of_token(
        &self,
        user_id: &str,
        token_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
            .filter(refresh_tokens::Column::UserId.eq(user_id))
            .one(&self.read)
            .await?
            .map(|t| t.family_id))
    }

    /// Deletes the sessions whose every refresh token expired before `before`, and returns
    /// how many tokens went. Choose `before` at least one access-token lifetime ago: an
    /// access token names its session, and it stops working once its session is gone.
    pub async fn purge_expired_sessions(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let expired = Query::select()
            .column(refresh_tokens::Column::FamilyId)
            .from(refresh_tokens::Entity)
            .group_by_col(refresh_tokens::Column::FamilyId)
            .and_having(
                Func::max(Expr::col(refresh_tokens::Column::ExpiresAt))
                    .lt(before.timestamp_micros()),
            )
            .to_owned();
        let deleted = refresh_tokens::Entity::delete_many()
            .filter(refresh_tokens::Column::FamilyId.in_subquery(expired))
            .exec(&self.write)
            .await?;
        Ok(deleted.rows_affected)
    }

    /// Ends every session of every user at once (a leaked database copy or signing secret, a
    /// suspected break-in), with its audit row in the same transaction. Returns how many
    /// sessions still had a token that was not revoked.
    pub async fn revoke_all_sessions(&self, actor: &Actor) -> Result<u64, StoreError> {
        let txn = self.begin_write().await?;
        let open: Option<i64> = refresh_tokens::Entity::find()
            .select_only()
            .column_as(
                Expr::col(refresh_tokens::Column::FamilyId).count_distinct(),
                "open",
            )
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .into_tuple()
            .one(&txn)
            .await?;
        let open = u64::try_from(open.unwrap_or_default()).unwrap_or_default();
        refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now_micros()))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let event = AuditEvent {
            action: "auth.sessions_revoked",
            target_type: Some("session"),
            target_id: None,
            details: Some(json!({ "scope": "all", "sessions": open })),
        };
        record(&txn, actor, event).await?;
        txn.commit().await?;
        Ok(open)
    }

    /// Whether `user_id` has this session and it is still open: it exists and is not revoked
    /// (logged out, reused, or its user disabled or given a new password). Access tokens name
    /// their session, so this ends them too; a session that does not exist (never opened, or
    /// purged) is not live either.
    pub async fn session_live(&self, user_id: &str, family_id: &str) -> Result<bool, StoreError> {
        let counts: Option<(i64, i64)> = refresh_tokens::Entity::find()
            .select_only()
            .column_as(Expr::col(refresh_tokens::Column::Id).count(), "tokens")
            .column_as(
                Expr::col(refresh_tokens::Column::RevokedAt).count(),
                "revoked",
            )
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::UserId.eq(user_id))
            .into_tuple()
            .one(&self.read)
            .await?;
        Ok(counts.is_some_and(|(tokens, revoked)| tokens > 0 && revoked == 0))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::users::{NewUser, Role};

    #[tokio::test]
    async fn only_sessions_expired_in_every_token_are_purged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("sessions.db").display());
        let store = Store::connect(&url).await.expect("open");
        let user = store
            .create_user(
                NewUser {
                    email: "ana@shop.example".to_owned(),
                    password_hash: "not a real hash".to_owned(),
                    role: Role::Editor,
                    content_types: None,
                },
                &Actor::system(),
            )
            .await
            .expect("a user");
        let now = Utc::now();
        let days = |n: i64| now + TimeDelta::days(n);
        let over = store
            .open_session(&user.id, "h1", days(-3))
            .await
            .expect("session");
        // Refreshed once: its first token expired, its live one not.
        let live = store
            .open_session(&user.id, "h2", days(-3))
            .await
            .expect("session");
        insert_token(&store.write, &user.id, &live, "h3", days(10))
            .await
            .expect("token");

        assert_eq!(
            store
                .purge_expired_sessions(days(-4))
                .await
                .expect("purged"),
            0
        );
        assert_eq!(
            store
                .purge_expired_sessions(days(-1))
                .await
                .expect("purged"),
            1
        );
        let left: Vec<String> = refresh_tokens::Entity::find()
            .all(&store.read)
            .await
            .expect("tokens")
            .into_iter()
            .map(|t| t.family_id)
            .collect();
        assert_eq!(left, [live.clone(), live]);
        assert!(!left.contains(&over));
        store.close().await;
    }
}
