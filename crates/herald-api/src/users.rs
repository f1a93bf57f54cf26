//! `/api/v1/users…` (admins): create, list, read, change and disable users. Passwords are
//! checked against the policy and hashed by the auth crate; they are never returned.

use actix_web::{HttpRequest, HttpResponse, web};
use herald_auth::{NewUserRequest, Role, UserPatch};
use herald_model::{ErrorCode, FieldError, ValidationErrors};
use herald_store::User;
use serde::{Deserialize, Deserializer, Serialize};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{
    Admin, Authorized, JsonBody, QueryParams, email_cursor, parse_cursor, parse_limit, state,
};

/// `POST /users`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUserBody {
    email: String,
    /// At least 12 characters, not the e-mail, not a common password.
    password: String,
    role: Role,
    /// Limit the user to these content types; absent or `null` for all.
    content_types: Option<Vec<String>>,
}

/// `PATCH /users/{id}`: only the keys sent change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateUserBody {
    email: Option<String>,
    /// A new password ends the user's sessions.
    password: Option<String>,
    role: Option<Role>,
    /// `null` lifts the restriction.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    content_types: Option<Option<Vec<String>>>,
    /// Disabling ends the user's sessions at once.
    disabled: Option<bool>,
}

macro_rules! debug_without_password {
    ($type:ident, $($field:ident),*) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}
debug_without_password!(CreateUserBody, email, role, content_types);
debug_without_password!(UpdateUserBody, email, role, content_types, disabled);

/// Tells a key sent as `null` (`Some(None)`) from a key not sent (`None`).
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A content-type scope names known types, at least one.
pub(crate) fn check_scope(state: &AppState, scope: &Option<Vec<String>>) -> Result<(), ApiError> {
    let Some(types) = scope else { return Ok(()) };
    if types.is_empty() {
        return Err(ApiError::validation(ValidationErrors(vec![
            FieldError::new(
                "content_types",
                ErrorCode::TooFewItems,
                "name at least one content type, or send null for all of them",
            ),
        ])));
    }
    let unknown: Vec<FieldError> = types
        .iter()
        .enumerate()
        .filter(|(_, name)| state.schemas.get(name).is_none())
        .map(|(i, name)| {
            FieldError::new(
                format!("content_types[{i}]"),
                ErrorCode::NotInEnum,
                format!("no content type `{name}`"),
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(ValidationErrors(unknown)))
    }
}

/// `GET /users` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct UserListParams {
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of users in e-mail order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UserPage {
    items: Vec<User>,
    next_cursor: Option<String>,
}

/// List users
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserListParams),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
    ))]
pub(crate) async fn list(
    _caller: Authorized<Admin>,
    req: HttpRequest,
    params: QueryParams<UserListParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let limit = parse_limit(params.0.limit.as_deref(), state.limits.max_list_limit)?;
    let after = parse_cursor(params.0.cursor.as_deref(), email_cursor)?;
    let items = state.auth.list_users(after.as_deref(), limit).await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|u| u.email.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(UserPage { items, next_cursor }))
}

/// Create a user
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserBody,
    responses(
        (status = 201, description = "Created", body = User),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 422, description = "Invalid e-mail, weak password, e-mail taken, unknown content type", body = ErrorBody),
    ))]
pub(crate) async fn create(
    caller: Authorized<Admin>,
    req: HttpRequest,
    body: JsonBody<CreateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let body = body.0;
    check_scope(state, &body.content_types)?;
    let content_types = caller.grant_scope(body.content_types)?;
    let user = state
        .auth
        .create_user(
            NewUserRequest {
                email: body.email,
                password: body.password,
                role: body.role,
                content_types,
            },
            &caller.actor(),
        )
        .await?;
    Ok(HttpResponse::Created().json(user))
}

/// One user
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
pub(crate) async fn get(
    _caller: Authorized<Admin>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    Ok(HttpResponse::Ok().json(state.auth.user(&path).await?))
}

/// Change a user
///
/// A new password or `disabled: true` ends the user's sessions at once; a new role or scope
/// applies to their next request. The last active admin cannot be demoted or disabled.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUserBody,
    responses(
        (status = 200, description = "The changed user", body = User),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "Invalid change", body = ErrorBody),
    ))]
pub(crate) async fn update(
    caller: Authorized<Admin>,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<UpdateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let body = body.0;
    caller.check_covers(state.auth.user(&path).await?.content_types.as_deref())?;
    if let Some(scope) = &body.content_types {
        check_scope(state, scope)?;
        caller.check_covers(scope.as_deref())?;
    }
    let patch = UserPatch {
        email: body.email,
        password: body.password,
        role: body.role,
        content_types: body.content_types,
        disabled: body.disabled,
    };
    let user = state
        .auth
        .update_user(&path, patch, &caller.actor())
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Disable a user
///
/// Users are never erased: they remain the authors of their revisions and audit rows. The user
/// can no longer sign in and their sessions end; `PATCH` with `disabled: false` restores them.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The disabled user", body = User),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "The last active admin", body = ErrorBody),
    ))]
pub(crate) async fn disable(
    caller: Authorized<Admin>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    caller.check_covers(state.auth.user(&path).await?.content_types.as_deref())?;
    let patch = UserPatch {
        disabled: Some(true),
        ..UserPatch::default()
    };
    let user = state
        .auth
        .update_user(&path, patch, &caller.actor())
        .await?;
    Ok(HttpResponse::Ok().json(user))
}
