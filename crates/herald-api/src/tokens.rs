//! `/api/v1/tokens…` (admins): API tokens for scripts, CI and storefront previews. The secret
//! is in the answer to `POST` and nowhere else, ever.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use herald_auth::{NewToken, Role};
use herald_store::ApiToken;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Admin, Authorized, JsonBody, state};
use crate::users::check_scope;

/// `POST /tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateTokenBody {
    /// What the token is for: `CI import`, `storefront preview`.
    name: String,
    role: Role,
    /// Limit the token to these content types; absent or `null` for all.
    content_types: Option<Vec<String>>,
    /// When it stops working; never when absent.
    expires_at: Option<DateTime<Utc>>,
}

/// A new token with its secret, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CreatedToken {
    #[serde(flatten)]
    token: ApiToken,
    /// `hrld_…`: send as `Authorization: Bearer hrld_…`. Not retrievable later.
    secret: String,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Every API token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TokenList {
    items: Vec<ApiToken>,
}

/// List API tokens
///
/// Newest first, revoked ones included; never their secrets.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, description = "Every token", body = TokenList)))]
pub(crate) async fn list(
    _caller: Authorized<Admin>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    Ok(HttpResponse::Ok().json(TokenList {
        items: state.auth.list_tokens().await?,
    }))
}

/// Create an API token
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenBody,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = CreatedToken),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 422, description = "Invalid name, expiry or content types", body = ErrorBody),
    ))]
pub(crate) async fn create(
    caller: Authorized<Admin>,
    req: HttpRequest,
    body: JsonBody<CreateTokenBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let body = body.0;
    check_scope(state, &body.content_types)?;
    let content_types = caller.grant_scope(body.content_types)?;
    let (token, secret) = state
        .auth
        .create_token(
            NewToken {
                name: body.name,
                role: body.role,
                content_types,
                expires_at: body.expires_at,
            },
            &caller.actor(),
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedToken { token, secret }))
}

/// Revoke an API token
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 200, description = "The revoked token", body = ApiToken),
        (status = 404, description = "No such token", body = ErrorBody),
    ))]
pub(crate) async fn revoke(
    caller: Authorized<Admin>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    if let Some(token) = state
        .auth
        .list_tokens()
        .await?
        .into_iter()
        .find(|t| t.id == *path)
    {
        caller.check_covers(token.content_types.as_deref())?;
    }
    Ok(HttpResponse::Ok().json(state.auth.revoke_token(&path, &caller.actor()).await?))
}
