//! `/api/v1/auth/…` and `/api/v1/me`: signing in and out, refreshing, and who am I.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use herald_auth::{PrincipalKind, Role, Session};
use herald_store::User;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authorized, JsonBody, Viewer, client_ip, parse_json, payload_error, state};

/// `POST /auth/login`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginBody {
    email: String,
    password: String,
}

impl std::fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginBody")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// `POST /auth/refresh`, and optionally `POST /auth/logout`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshBody {
    refresh_token: String,
}

impl std::fmt::Debug for RefreshBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshBody")
    }
}

/// A new pair of tokens.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TokenPair {
    /// A JWT for `Authorization: Bearer`, valid `expires_in` seconds.
    access_token: String,
    /// Opaque; spend it at `/auth/refresh` for the next pair. Each works once.
    refresh_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    expires_in: u64,
    /// The signed-in user.
    user: User,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

fn pair(session: Session) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenPair {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            token_type: "Bearer",
            expires_in: session.expires_in,
            user: session.user,
        })
}

/// Sign in
///
/// Five failed attempts for one account or from one address within a minute lock both out
/// for the rest of that minute (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()),
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Wrong e-mail or password", body = ErrorBody),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = ErrorBody),
    ))]
pub(crate) async fn login(
    req: HttpRequest,
    body: JsonBody<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let ip = client_ip(&req, state.trust_forwarded_for);
    let LoginBody { email, password } = body.0;
    let session = state.auth.login(&email, password, ip.as_deref()).await?;
    Ok(pair(session))
}

/// Refresh the tokens
///
/// Spends the refresh token for a new pair. A refresh token that was already spent ends the
/// whole session: someone else has a copy.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", security(()),
    request_body = RefreshBody,
    responses(
        (status = 200, description = "A new pair", body = TokenPair),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token", body = ErrorBody),
    ))]
pub(crate) async fn refresh(
    req: HttpRequest,
    body: JsonBody<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let ip = client_ip(&req, state.trust_forwarded_for);
    let session = state
        .auth
        .refresh(&body.0.refresh_token, ip.as_deref())
        .await?;
    Ok(pair(session))
}

/// Sign out
///
/// Ends the session of the access token (its refresh tokens stop working, and so does the
/// access token), and the session of `refresh_token` if one is sent.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    request_body(content = Option<RefreshBody>, description = "Optional"),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "An API token has no session", body = ErrorBody),
    ))]
pub(crate) async fn logout(
    caller: Authorized<Viewer>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let bytes = body
        .to_bytes_limited(state.limits.max_body_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                crate::Code::PayloadTooLarge,
                "the body is larger than this server accepts",
            )
        })?
        .map_err(|e| payload_error(&e))?;
    let refresh_token = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(parse_json::<RefreshBody>(&bytes)?.refresh_token)
    };
    state
        .auth
        .logout(
            &caller.principal,
            refresh_token.as_deref(),
            caller.ip.clone(),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who am I.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    /// The user id, or `token:<id>`.
    id: String,
    /// `user` or `token`.
    kind: &'static str,
    /// The user's e-mail or the token's name.
    label: String,
    role: Role,
    content_types: Option<Vec<String>>,
    /// The full user, when signed in as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<User>,
}

/// The current user
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses(
        (status = 200, description = "The signed-in user or token", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub(crate) async fn me(
    caller: Authorized<Viewer>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let principal = caller.principal;
    let user = match principal.kind {
        PrincipalKind::User { .. } => Some(state.auth.user(&principal.id).await?),
        PrincipalKind::Token => None,
    };
    Ok(HttpResponse::Ok().json(Me {
        kind: if user.is_some() { "user" } else { "token" },
        id: principal.id,
        label: principal.label,
        role: principal.role,
        content_types: principal.content_types,
        user,
    }))
}
