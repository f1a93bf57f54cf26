//! Who wrote what, for people: entries, revisions and jobs name their authors by id (a user id,
//! or `token:<id>` for an API token); this turns such ids into what people recognise, a user's
//! e-mail or a token's name. It reads by id only: it lists no one.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::entity::{api_tokens, users};
use crate::{Store, StoreError};

/// The prefix of the author id of an API token.
const TOKEN_PREFIX: &str = "token:";

/// What kind of author an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// A person who signs in.
    User,
    /// An API token (a script).
    Token,
}

/// An author id with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Author {
    /// As the entry, revision or job names it: a user id, or `token:<id>`.
    pub id: String,
    pub kind: AuthorKind,
    /// The user's e-mail, or the token's name.
    pub label: String,
}

impl Store {
    /// The labels of the authors `ids`, in the order asked; ids that name no user or token
    /// (`system`, `anonymous`, an unknown id) are left out. Disabled users and revoked tokens
    /// keep their label: they remain the authors of what they wrote.
    pub async fn authors(&self, ids: &[String]) -> Result<Vec<Author>, StoreError> {
        let (token_ids, user_ids): (Vec<&str>, Vec<&str>) = ids
            .iter()
            .map(String::as_str)
            .partition(|id| id.starts_with(TOKEN_PREFIX));
        let token_ids: Vec<&str> = token_ids
            .into_iter()
            .filter_map(|id| id.strip_prefix(TOKEN_PREFIX))
            .collect();
        let mut found: Vec<Author> = Vec::with_capacity(ids.len());
        if !user_ids.is_empty() {
            let rows: Vec<(String, String)> = users::Entity::find()
                .select_only()
                .column(users::Column::Id)
                .column(users::Column::Email)
                .filter(users::Column::Id.is_in(user_ids.iter().copied()))
                .into_tuple()
                .all(&self.read)
                .await?;
            found.extend(rows.into_iter().map(|(id, email)| Author {
                id,
                kind: AuthorKind::User,
                label: email,
            }));
        }
        if !token_ids.is_empty() {
            let rows: Vec<(String, String)> = api_tokens::Entity::find()
                .select_only()
                .column(api_tokens::Column::Id)
                .column(api_tokens::Column::Name)
                .filter(api_tokens::Column::Id.is_in(token_ids.iter().copied()))
                .into_tuple()
                .all(&self.read)
                .await?;
            found.extend(rows.into_iter().map(|(id, name)| Author {
                id: format!("{TOKEN_PREFIX}{id}"),
                kind: AuthorKind::Token,
                label: name,
            }));
        }
        let mut ordered = Vec::with_capacity(found.len());
        for id in ids {
            if let Some(i) = found.iter().position(|a| &a.id == id) {
                ordered.push(found.swap_remove(i));
            }
        }
        Ok(ordered)
    }
}
