//! Users: e-mail (stored lowercased, unique), an argon2id hash computed by the auth crate, a
//! role and an optional list of content types they may touch. Every change is audited in its
//! own transaction; a change that would leave no active admin is refused.

use chrono::{DateTime, Utc};
use herald_model::{ErrorCode, FieldError, ValidationErrors};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{Actor, AuditEvent, record};
use crate::entity::{refresh_tokens, users};
use crate::time::{from_micros, now_micros};
use crate::{Store, StoreError};

/// What a user or token may do; each role includes the ones below it (contract §3).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads entries, revisions, previews and jobs.
    Viewer,
    /// Also creates and edits entries, submits them for review, uploads assets.
    Editor,
    /// Also approves, rejects, publishes, unpublishes and archives.
    Publisher,
    /// Also manages users, API tokens, rebuilds and reads the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Editor, Role::Publisher, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == s)
    }
}

/// A user as the API shows it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// The content types this user may touch; absent for all of them.
    pub content_types: Option<Vec<String>>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A user with the hash their password is checked against.
#[derive(Clone, PartialEq, Eq)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A user to create; the caller has checked the password policy and hashed it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub content_types: Option<Vec<String>>,
}

/// Changes to a user; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` lifts the restriction.
    pub content_types: Option<Option<Vec<String>>>,
    pub disabled: Option<bool>,
}

impl UserChange {
    /// Whether sessions opened before the change must end: a new password, or disabling.
    fn ends_sessions(&self) -> bool {
        self.password_hash.is_some() || self.disabled == Some(true)
    }
}

pub(crate) fn encode_scope(scope: Option<&Vec<String>>) -> Option<String> {
    scope.map(|types| serde_json::Value::from(types.clone()).to_string())
}

pub(crate) fn decode_scope(text: Option<&str>) -> Result<Option<Vec<String>>, StoreError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| StoreError::Corrupt(format!("content types: {e}")))
    })
    .transpose()
}

pub(crate) fn parse_role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown role `{text}`")))
}

impl TryFrom<users::Model> for UserCredentials {
    type Error = StoreError;

    fn try_from(row: users::Model) -> Result<Self, StoreError> {
        Ok(UserCredentials {
            user: User {
                role: parse_role(&row.role)?,
                content_types: decode_scope(row.content_types.as_deref())?,
                id: row.id,
                email: row.email,
                disabled: row.disabled,
                created_at: from_micros(row.created_at),
                updated_at: from_micros(row.updated_at),
                last_login_at: row.last_login_at.map(from_micros),
            },
            password_hash: row.password_hash,
        })
    }
}

fn email_taken() -> StoreError {
    StoreError::Validation(ValidationErrors(vec![FieldError::new(
        "email",
        ErrorCode::NotUnique,
        "another user has this e-mail address",
    )]))
}

/// A validation error when another user has `email` (checked before writing: a failed
/// statement would abort a PostgreSQL transaction).
async fn ensure_email_free(db: &impl ConnectionTrait, email: &str) -> Result<(), StoreError> {
    let taken = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .count(db)
        .await?;
    if taken > 0 {
        Err(email_taken())
    } else {
        Ok(())
    }
}

/// The unique index caught a concurrent writer of the same e-mail.
fn email_conflict(error: sea_orm::DbErr) -> StoreError {
    if StoreError::is_unique_violation(&error) {
        email_taken()
    } else {
        StoreError::Database(error)
    }
}

impl Store {
    /// How many users exist (the first start creates an admin when there are none).
    pub async fn count_users(&self) -> Result<u64, StoreError> {
        Ok(users::Entity::find().count(&self.read).await?)
    }

    /// Creates a user. The e-mail is stored lowercased; a taken one is a validation error.
    pub async fn create_user(&self, new: NewUser, actor: &Actor) -> Result<User, StoreError> {
        let email = new.email.trim().to_lowercase();
        let txn = self.begin_write().await?;
        ensure_email_free(&txn, &email).await?;
        let now = now_micros();
        let id = uuid::Uuid::now_v7().to_string();
        users::Entity::insert(users::ActiveModel {
            id: Set(id.clone()),
            email: Set(email.clone()),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            content_types: Set(encode_scope(new.content_types.as_ref())),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            last_login_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(email_conflict)?;
        record(
            &txn,
            actor,
            AuditEvent::on("user.create", "user", &id).with(json!({
                "email": email,
                "role": new.role,
                "content_types": new.content_types,
            })),
        )
        .await?;
        let user = find_user(&txn, &id).await?;
        txn.commit().await?;
        Ok(user.user)
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> Result<UserCredentials, StoreError> {
        find_user(&self.read, id).await
    }

    /// A user by e-mail (compared lowercased).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserCredentials>, StoreError> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.read)
            .await?
            .map(UserCredentials::try_from)
            .transpose()
    }

    /// Users in e-mail order, after `after` (the previous page's last e-mail).
    pub async fn list_users(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<User>, StoreError> {
        let mut select = users::Entity::find().order_by_asc(users::Column::Email);
        if let Some(after) = after {
            select = select.filter(users::Column::Email.gt(after));
        }
        select
            .limit(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|row| UserCredentials::try_from(row).map(|c| c.user))
            .collect()
    }

    /// Applies a change. A new password or disabling ends every session of the user; demoting
    /// or disabling the last active admin is refused.
    pub async fn update_user(
        &self,
        id: &str,
        change: UserChange,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        let txn = self.begin_write().await?;
        let current = find_user(&txn, id).await?.user;
        let loses_admin = current.role == Role::Admin
            && !current.disabled
            && (change.role.is_some_and(|r| r != Role::Admin) || change.disabled == Some(true));
        if loses_admin {
            // The active admins' rows stay locked until this change commits (PostgreSQL; a
            // SQLite writer is alone anyway): two admins demoting each other at once cannot
            // both see the other one still there.
            let admins = users::Entity::find()
                .filter(users::Column::Role.eq(Role::Admin.as_str()))
                .filter(users::Column::Disabled.eq(false))
                .lock_exclusive()
                .all(&txn)
                .await?;
            if !admins.iter().any(|admin| admin.id != id) {
                let path = if change.disabled == Some(true) {
                    "disabled"
                } else {
                    "role"
                };
                return Err(StoreError::Validation(ValidationErrors(vec![
                    FieldError::new(
                        path,
                        ErrorCode::LastAdmin,
                        "this is the last active admin; make another user admin first",
                    ),
                ])));
            }
        }
        let mut update = users::Entity::update_many()
            .col_expr(users::Column::UpdatedAt, Expr::value(now_micros()))
            .filter(users::Column::Id.eq(id));
        let mut changed = Vec::new();
        if let Some(email) = &change.email {
            let email = email.trim().to_lowercase();
            if email != current.email {
                ensure_email_free(&txn, &email).await?;
                update = update.col_expr(users::Column::Email, Expr::value(email));
                changed.push("email");
            }
        }
        if let Some(hash) = &change.password_hash {
            update = update.col_expr(users::Column::PasswordHash, Expr::value(hash.clone()));
            changed.push("password");
        }
        if let Some(role) = change.role {
            update = update.col_expr(users::Column::Role, Expr::value(role.as_str()));
            changed.push("role");
        }
        if let Some(scope) = &change.content_types {
            update = update.col_expr(
                users::Column::ContentTypes,
                Expr::value(encode_scope(scope.as_ref())),
            );
            changed.push("content_types");
        }
        if let Some(disabled) = change.disabled {
            update = update.col_expr(users::Column::Disabled, Expr::value(disabled));
            changed.push("disabled");
        }
        update.exec(&txn).await.map_err(email_conflict)?;
        if change.ends_sessions() {
            revoke_user_sessions(&txn, id).await?;
        }
        let after = find_user(&txn, id).await?.user;
        record(
            &txn,
            actor,
            AuditEvent::on("user.update", "user", id).with(json!({
                "changed": changed,
                "role": after.role,
                "content_types": after.content_types,
                "disabled": after.disabled,
            })),
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Notes a successful sign-in.
    pub async fn record_login(&self, id: &str) -> Result<(), StoreError> {
        users::Entity::update_many()
            .col_expr(users::Column::LastLoginAt, Expr::value(now_micros()))
            .filter(users::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(())
    }
}

/// A user row, or `NotFound`.
pub(crate) async fn find_user(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<UserCredentials, StoreError> {
    users::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_into()
}

/// Revokes every live refresh token of a user.
pub(crate) async fn revoke_user_sessions(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<(), StoreError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now_micros()))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
