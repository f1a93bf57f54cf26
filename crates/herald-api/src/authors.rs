//! `GET /api/v1/authors?ids=…` (every role): the labels of the users and API tokens that
//! entries, revisions and jobs name as their authors, so that a client shows
//! `marie@shop.example` rather than an id. It answers only for ids the caller names, which it
//! learnt from something it may read: it lists no one, and says nothing else about a user
//! (role, scope, state) than the `/users` routes tell admins.

use actix_web::{HttpRequest, HttpResponse};
use herald_store::Author;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authorized, QueryParams, Viewer, state};

/// The most ids one request may name.
pub(crate) const MAX_IDS: usize = 100;

/// `GET /authors` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuthorParams {
    /// Author ids separated by commas, as `created_by`, `updated_by`, a revision's `author` or
    /// a job's `created_by` give them (a user id, or `token:<id>`); at most 100.
    ids: String,
}

/// The labels found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AuthorList {
    /// In the order asked, each id once; ids that name no user or token are left out.
    items: Vec<Author>,
}

/// Who an author id is
///
/// A user's e-mail or an API token's name, for the ids of authors shown with entries,
/// revisions and jobs. Disabled users and revoked tokens keep their label.
#[utoipa::path(get, path = "/api/v1/authors", tag = "authors", params(AuthorParams),
    responses(
        (status = 200, description = "The labels of the ids that name a user or a token", body = AuthorList),
        (status = 400, description = "No ids, or more than 100", body = ErrorBody),
    ))]
pub(crate) async fn list(
    _caller: Authorized<Viewer>,
    req: HttpRequest,
    params: QueryParams<AuthorParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let ids = parse_ids(&params.0.ids)?;
    let items = state.store.authors(&ids).await?;
    Ok(HttpResponse::Ok().json(AuthorList { items }))
}

/// The distinct, non-empty ids of `ids=a,b,c`, at least one and at most [`MAX_IDS`].
fn parse_ids(text: &str) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = Vec::new();
    for id in text.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    if ids.is_empty() {
        return Err(ApiError::invalid_query(
            "ids: name at least one author id (`ids=<id>,<id>`)",
        ));
    }
    if ids.len() > MAX_IDS {
        return Err(ApiError::invalid_query(format!(
            "ids: at most {MAX_IDS} ids at once, not {}",
            ids.len()
        )));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_split_trimmed_and_deduplicated() {
        let ids = parse_ids(" a, token:b ,,a").expect("valid");
        assert_eq!(ids, ["a", "token:b"]);
    }

    #[test]
    fn no_ids_or_too_many_are_refused() {
        assert!(parse_ids(" , ").is_err());
        let many: Vec<String> = (0..=MAX_IDS).map(|i| i.to_string()).collect();
        assert!(parse_ids(&many.join(",")).is_err());
        assert!(parse_ids(&many[..MAX_IDS].join(",")).is_ok());
    }
}
