//! Authorization in two steps that cannot be skipped or reordered:
//!
//! 1. [`authenticate`], a middleware in front of every route, checks the bearer credential of
//!    any request that sends one (a database lookup at worst) and leaves the outcome in the
//!    request's extensions, before any handler or extractor runs.
//! 2. [`Authorized`], the guard every protected handler takes as its first argument, turns
//!    that outcome into 401 (no or bad credential), 403 (role too low, or a `{type}` outside
//!    the principal's scope) or the principal. It answers at once, so it fails before any
//!    other extractor has read the body or the query: a caller who is not signed in learns
//!    nothing about the route's input rules.

use std::marker::PhantomData;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use herald_auth::{Principal, Role};
use herald_store::Actor;

use crate::AppState;
use crate::error::{ApiError, Code};

/// A role a route requires: the type parameter of [`Authorized`].
pub trait Requirement {
    const ROLE: Role;
}

/// Signed-in users and tokens of any role.
#[derive(Debug)]
pub struct Viewer;
/// Editors and above.
#[derive(Debug)]
pub struct Editor;
/// Publishers and above.
#[derive(Debug)]
pub struct Publisher;
/// Admins only.
#[derive(Debug)]
pub struct Admin;

impl Requirement for Viewer {
    const ROLE: Role = Role::Viewer;
}
impl Requirement for Editor {
    const ROLE: Role = Role::Editor;
}
impl Requirement for Publisher {
    const ROLE: Role = Role::Publisher;
}
impl Requirement for Admin {
    const ROLE: Role = Role::Admin;
}

/// What [`authenticate`] found, kept in the request's extensions for the guard.
#[derive(Debug, Clone)]
struct Authentication(Result<Principal, ApiError>);

/// Checks the request's bearer credential, if it sends one, before anything else of the
/// request is read.
pub(crate) async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION)
        && let Some(state) = req.app_data::<web::Data<AppState>>().cloned()
    {
        let outcome = match bearer(req.request()) {
            Ok(credential) => state
                .auth
                .authenticate(credential)
                .await
                .map_err(ApiError::from),
            Err(error) => Err(error),
        };
        req.extensions_mut().insert(Authentication(outcome));
    }
    next.call(req).await
}

/// The guard in front of every protected handler: a handler cannot reach its data without
/// taking one, and one exists only for a request whose bearer credential (an access token or
/// an API token) is valid (else 401), whose role is `R` or above (else 403) and, on a route
/// with a `{type}` segment, whose content-type scope includes that type (else 403).
///
/// Take it as the handler's first argument: extractors are polled in order, and this one is
/// always ready, so its refusal is the answer.
#[derive(Debug)]
pub struct Authorized<R> {
    pub principal: Principal,
    /// The client's address (the peer, or `X-Forwarded-For` when configured to trust it).
    pub ip: Option<String>,
    role: PhantomData<R>,
}

impl<R> Authorized<R> {
    /// Who to record in `created_by`, revisions and the audit log.
    pub fn actor(&self) -> Actor {
        self.principal.actor(self.ip.clone())
    }

    /// The principal's id.
    pub fn id(&self) -> &str {
        &self.principal.id
    }

    /// The scope a user or token created by this caller gets: what was asked for, which must
    /// lie within the caller's own scope (403 otherwise); a caller limited to some types who
    /// asks for none passes its own scope on. No one hands out more than they hold.
    pub fn grant_scope(
        &self,
        requested: Option<Vec<String>>,
    ) -> Result<Option<Vec<String>>, ApiError> {
        let Some(own) = &self.principal.content_types else {
            return Ok(requested);
        };
        match requested {
            None => Ok(Some(own.clone())),
            Some(types) => {
                self.check_covers(Some(&types))?;
                Ok(Some(types))
            }
        }
    }

    /// 403 unless the caller's scope covers `scope` (`None`: every type), so that an admin
    /// limited to some types cannot manage, or make, users and tokens that reach further.
    pub fn check_covers(&self, scope: Option<&[String]>) -> Result<(), ApiError> {
        let Some(own) = &self.principal.content_types else {
            return Ok(());
        };
        let outside: Vec<&str> = match scope {
            None => vec!["every content type"],
            Some(types) => types
                .iter()
                .filter(|t| !own.contains(t))
                .map(String::as_str)
                .collect(),
        };
        if outside.is_empty() {
            Ok(())
        } else {
            Err(ApiError::new(
                Code::Forbidden,
                format!(
                    "your scope is limited to {}; this reaches {}",
                    own.join(", "),
                    outside.join(", ")
                ),
            ))
        }
    }
}

impl<R: Requirement + 'static> FromRequest for Authorized<R> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(authorize::<R>(req))
    }
}

fn authorize<R: Requirement>(req: &HttpRequest) -> Result<Authorized<R>, ApiError> {
    let state = crate::extract::state(req)?;
    let outcome = req.extensions().get::<Authentication>().cloned();
    let principal = match outcome {
        Some(Authentication(outcome)) => outcome?,
        None => {
            return Err(ApiError::new(
                Code::Unauthenticated,
                "sign in: send Authorization: Bearer <token>",
            ));
        }
    };
    if !principal.has_role(R::ROLE) {
        return Err(ApiError::new(
            Code::Forbidden,
            format!(
                "this needs the {} role or above; you are {}",
                R::ROLE.as_str(),
                principal.role.as_str()
            ),
        ));
    }
    if let Some(type_name) = req.match_info().get("type")
        && !principal.may_access(type_name)
    {
        return Err(ApiError::new(
            Code::Forbidden,
            format!("you may not access content type `{type_name}`"),
        ));
    }
    Ok(Authorized {
        ip: client_ip(req, state.trust_forwarded_for),
        principal,
        role: PhantomData,
    })
}

/// The credential of `Authorization: Bearer <credential>`.
fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::new(
            Code::Unauthenticated,
            "sign in: send Authorization: Bearer <token>",
        )
    })?;
    let text = value.to_str().unwrap_or("");
    let (scheme, credential) = text.split_once(' ').unwrap_or((text, ""));
    let credential = credential.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || credential.is_empty() {
        return Err(ApiError::new(
            Code::Unauthenticated,
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(credential)
}

/// The client's address: when the server sits behind a proxy it trusts, the last
/// `X-Forwarded-For` hop (the one that proxy appended; earlier hops are whatever the client
/// sent), else the connection's peer.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last()
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    {
        return Some(last.to_owned());
    }
    req.peer_addr().map(|addr| addr.ip().to_string())
}
