//! Who a request acts as, once its credentials are checked.

use herald_store::{Actor, Role};

/// How the principal proved itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A user with an access token of this session (refresh-token family).
    User { session_id: String },
    /// An API token.
    Token,
}

/// A signed-in user or an API token, as checked for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user id, or `token:<id>` for an API token: what `created_by`, revisions and the
    /// audit log record.
    pub id: String,
    /// The user's e-mail or the token's name.
    pub label: String,
    pub role: Role,
    /// The content types this principal may touch; `None` for all.
    pub content_types: Option<Vec<String>>,
    pub kind: PrincipalKind,
}

impl Principal {
    /// Whether the role is `role` or above it.
    pub fn has_role(&self, role: Role) -> bool {
        self.role >= role
    }

    /// Whether the scope includes the content type.
    pub fn may_access(&self, type_name: &str) -> bool {
        self.content_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == type_name))
    }

    /// The audit actor of a request from `ip`.
    pub fn actor(&self, ip: Option<String>) -> Actor {
        Actor {
            id: self.id.clone(),
            label: self.label.clone(),
            ip,
            content_types: self.content_types.clone(),
        }
    }

    /// The user id when the principal is a signed-in user.
    pub fn user_id(&self) -> Option<&str> {
        matches!(self.kind, PrincipalKind::User { .. }).then_some(self.id.as_str())
    }
}
