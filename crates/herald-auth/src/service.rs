//! [`Auth`]: sign-in, refresh, sign-out, the per-request check of credentials, and the
//! management of users and API tokens, with their audit rows.

use std::time::Duration;

use chrono::{DateTime, Utc};
use herald_model::{ErrorCode, FieldError, ValidationErrors, is_email};
use herald_store::{
    Actor, ApiToken, AuditEvent, EventKey, NewApiToken, NewUser, Role, Rotation, Store, User,
    UserChange, UserCredentials,
};
use serde_json::json;

use crate::attempts::{Attempt, Attempts, Refusals};
use crate::cache::PrincipalCache;
use crate::jwt::Keys;
use crate::password::Hasher;
use crate::policy::check_password;
use crate::secret::{random_token, token_hash};
use crate::{AuthError, Principal, PrincipalKind};

/// Every API token starts with this, so that leaked ones are easy to find in code and logs.
pub const API_TOKEN_PREFIX: &str = "hrld_";
/// Every refresh token starts with this.
const REFRESH_TOKEN_PREFIX: &str = "hrt_";
/// Characters of an API token kept to recognise it (`hrld_` and four more).
const SHOWN_PREFIX_CHARS: usize = 9;
/// An API token's `last_used_at` is written at most this often.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// The audit action of a failed sign-in, counted by the limiter.
const LOGIN_FAILED: &str = "auth.login_failed";
/// The audit action of a sign-in refused by the limiter; not counted by it.
const LOGIN_RATE_LIMITED: &str = "auth.login_rate_limited";
/// What the audit log shows for a sign-in whose e-mail is not an e-mail address (perhaps the
/// password, typed into the wrong field): the input itself is never kept.
const NOT_AN_EMAIL: &str = "(not an e-mail)";
/// The e-mail of the first admin when `HERALD_ADMIN_EMAIL` is not set.
pub(crate) const DEFAULT_ADMIN_EMAIL: &str = "admin@herald.local";

/// Lifetimes and limits (`herald.toml` `[auth]`).
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// How long an access token is valid (15 minutes by default).
    pub access_ttl: Duration,
    /// How long an unused refresh token is valid (14 days by default).
    pub refresh_ttl: Duration,
    /// Failed sign-ins per account or per address within `login_window` before 429.
    pub login_attempts: u32,
    pub login_window: Duration,
    /// How long a session may last, however often it is refreshed (30 days by default).
    pub max_session_age: Duration,
    /// How long a checked user or token is trusted before it is read again; at most
    /// `access_ttl`, and never past an API token's expiry.
    pub recheck_after: Duration,
    /// Password hashes computed at once (half the cores by default, so that a flood of
    /// sign-ins leaves the rest to other requests).
    pub hash_concurrency: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(14 * 24 * 3600),
            login_attempts: 5,
            login_window: Duration::from_secs(60),
            max_session_age: Duration::from_secs(30 * 24 * 3600),
            recheck_after: Duration::from_secs(5),
            hash_concurrency: std::thread::available_parallelism()
                .map_or(1, |n| (n.get() / 2).max(1)),
        }
    }
}

/// What a sign-in or a refresh returns.
#[derive(Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// `POST /users`.
#[derive(Clone)]
pub struct NewUserRequest {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub content_types: Option<Vec<String>>,
}

impl std::fmt::Debug for NewUserRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserRequest")
            .field("email", &self.email)
            .field("role", &self.role)
            .field("content_types", &self.content_types)
            .finish_non_exhaustive()
    }
}

/// `PATCH /users/{id}`; `None` leaves a value as it is.
#[derive(Clone, Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub password: Option<String>,
    pub role: Option<Role>,
    pub content_types: Option<Option<Vec<String>>>,
    pub disabled: Option<bool>,
}

impl std::fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPatch")
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("role", &self.role)
            .field("content_types", &self.content_types)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// `POST /tokens`.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub content_types: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The first admin, created when the database has no user.
#[derive(Clone)]
pub struct FirstAdmin {
    pub email: String,
    /// Set when no password was configured: shown once, never stored in clear.
    pub generated_password: Option<String>,
}

impl std::fmt::Debug for FirstAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstAdmin")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

fn invalid(path: &str, code: ErrorCode, message: impl Into<String>) -> AuthError {
    AuthError::Validation(ValidationErrors(vec![FieldError::new(path, code, message)]))
}

fn check_email(email: &str) -> Result<String, AuthError> {
    let email = email.trim().to_lowercase();
    if is_email(&email) {
        Ok(email)
    } else {
        Err(invalid(
            "email",
            ErrorCode::InvalidEmail,
            "not an e-mail address like marie@shop.example",
        ))
    }
}

/// The audit rows a limiter key (`email:…`, `ip:…`) counts.
fn event_key(key: &str) -> Option<EventKey<'_>> {
    match key.split_once(':') {
        Some(("email", email)) => Some(EventKey::Target(email)),
        Some((_, ip)) => Some(EventKey::Ip(ip)),
        None => None,
    }
}

fn check_policy(password: &str, email: &str) -> Result<(), AuthError> {
    check_password(password, email).map_err(|why| invalid("password", ErrorCode::WeakPassword, why))
}

/// The service: cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Auth {
    store: Store,
    keys: Keys,
    hasher: Hasher,
    config: AuthConfig,
    cache: PrincipalCache,
    /// Sign-ins in progress, counted by the limiter.
    attempts: Attempts,
    /// Refused sign-ins audited lately.
    refusals: Refusals,
}

impl Auth {
    pub fn new(store: Store, keys: Keys, config: AuthConfig) -> Result<Auth, AuthError> {
        // Trusting a check longer than an access token lives would let another instance honour
        // a disabled user, an ended session or a revoked token past one token's lifetime.
        if config.recheck_after > config.access_ttl {
            return Err(AuthError::Config(format!(
                "auth.recheck_seconds ({} s) must be at most the access-token lifetime ({} s)",
                config.recheck_after.as_secs(),
                config.access_ttl.as_secs()
            )));
        }
        Ok(Auth {
            hasher: Hasher::new(config.hash_concurrency)?,
            cache: PrincipalCache::new(config.recheck_after),
            attempts: Attempts::default(),
            refusals: Refusals::default(),
            store,
            keys,
            config,
        })
    }

    /// The signing keys (tests craft tokens with them).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    // ----------------------------------------------------------------------------------------
    // Sessions
    // ----------------------------------------------------------------------------------------

    /// Signs in with e-mail and password. An unknown e-mail, a wrong password and a disabled
    /// user get the same answer after the same work; failures are audited and limited.
    pub async fn login(
        &self,
        email: &str,
        password: String,
        ip: Option<&str>,
    ) -> Result<Session, AuthError> {
        // Only an e-mail address can name an account, and only an e-mail address is ever
        // written down: a password typed into the e-mail field stays out of the audit log.
        let email = Some(email.trim().to_lowercase()).filter(|e| is_email(e));
        let account = email.as_deref().unwrap_or(NOT_AN_EMAIL);
        let keys = email
            .iter()
            .map(|email| format!("email:{email}"))
            .chain(ip.map(|ip| format!("ip:{ip}")))
            .collect();
        let attempt = self.attempts.begin(keys);
        if let Some((retry_after, blocked)) = self.login_blocked(&attempt).await? {
            self.audit_refusal(&blocked, account, ip, retry_after)
                .await?;
            return Err(AuthError::RateLimited {
                retry_after,
                why: "too many failed sign-ins",
            });
        }
        let user = match &email {
            Some(email) => self.store.user_by_email(email).await?,
            None => None,
        };
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let matches = self.hasher.verify(password, hash).await?;
        let user = match user {
            Some(user) if matches && !user.user.disabled => user.user,
            found => {
                let actor = Actor {
                    id: found
                        .as_ref()
                        .map_or_else(|| "anonymous".to_owned(), |u| u.user.id.clone()),
                    label: account.to_owned(),
                    ip: ip.map(str::to_owned),
                    content_types: None,
                };
                let reason = match &found {
                    None if email.is_none() => "not an e-mail",
                    None => "unknown e-mail",
                    Some(u) if u.user.disabled => "user disabled",
                    Some(_) => "wrong password",
                };
                self.store
                    .audit(
                        &actor,
                        AuditEvent::on(LOGIN_FAILED, "user", account)
                            .with(json!({ "reason": reason })),
                    )
                    .await?;
                return Err(AuthError::Unauthenticated("wrong e-mail or password"));
            }
        };
        let refresh_token = random_token(REFRESH_TOKEN_PREFIX);
        let session_id = self
            .store
            .open_session(&user.id, &token_hash(&refresh_token), self.refresh_expiry())
            .await?;
        self.store.record_login(&user.id).await?;
        let actor = Actor {
            id: user.id.clone(),
            label: user.email.clone(),
            ip: ip.map(str::to_owned),
            content_types: None,
        };
        self.store
            .audit(&actor, AuditEvent::on("auth.login", "session", &session_id))
            .await?;
        self.session(user, &session_id, refresh_token)
    }

    /// When the limiter refuses sign-ins for this account or address: how long until it
    /// allows one again, and the keys that refuse. Attempts still in progress count as
    /// failures.
    async fn login_blocked(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<Option<(Duration, Vec<String>)>, AuthError> {
        let window = self.login_window();
        let now = Utc::now();
        let limit = u64::from(self.config.login_attempts.max(1));
        let mut wait = None;
        let mut blocked = Vec::new();
        for (key, ahead) in &attempt.ahead {
            let Some(event_key) = event_key(key) else {
                continue;
            };
            let times = self
                .store
                .recent_event_times(LOGIN_FAILED, event_key, now - window, limit)
                .await?;
            let remaining = if times.len() as u64 >= limit {
                let oldest = times.last().copied().unwrap_or(now);
                (oldest + window - now).to_std().unwrap_or_default()
            } else if (times.len() + ahead) as u64 >= limit {
                // Guesses in the air: they end within a hash's time.
                Duration::from_secs(1)
            } else {
                continue;
            };
            let remaining = remaining.max(Duration::from_secs(1));
            wait = Some(wait.map_or(remaining, |w: Duration| w.max(remaining)));
            blocked.push(key.clone());
        }
        Ok(wait.map(|wait| (wait, blocked)))
    }

    /// Audits a refused sign-in as `auth.login_rate_limited`, once per refusing key and
    /// window (a flood of refusals is one row, not one per request). These rows are not
    /// failures: the limiter does not count them.
    async fn audit_refusal(
        &self,
        blocked: &[String],
        account: &str,
        ip: Option<&str>,
        retry_after: Duration,
    ) -> Result<(), AuthError> {
        let window = self.login_window();
        for key in blocked {
            // Per account, the row's target is the e-mail; per address, the address.
            let (target_type, target, limit) = match key.split_once(':') {
                Some(("email", email)) => ("user", email, "account"),
                Some((_, ip)) => ("address", ip, "address"),
                None => continue,
            };
            if !self.refusals.first_within(key, self.config.login_window) {
                continue;
            }
            // Another instance (or this one before a restart) may have written it.
            let seen = self
                .store
                .recent_event_times(
                    LOGIN_RATE_LIMITED,
                    EventKey::Target(target),
                    Utc::now() - window,
                    1,
                )
                .await?;
            if !seen.is_empty() {
                continue;
            }
            let actor = Actor {
                id: "anonymous".to_owned(),
                label: account.to_owned(),
                ip: ip.map(str::to_owned),
                content_types: None,
            };
            self.store
                .audit(
                    &actor,
                    AuditEvent::on(LOGIN_RATE_LIMITED, target_type, target).with(json!({
                        "limit": limit,
                        "retry_after_seconds": crate::retry_after_seconds(retry_after),
                    })),
                )
                .await?;
        }
        Ok(())
    }

    fn login_window(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::from_std(self.config.login_window)
            .unwrap_or(chrono::TimeDelta::minutes(1))
    }

    /// Spends a refresh token for a new pair. A spent token coming back ends its session.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        ip: Option<&str>,
    ) -> Result<Session, AuthError> {
        let next = random_token(REFRESH_TOKEN_PREFIX);
        let rotation = self
            .store
            .rotate_refresh_token(
                &token_hash(refresh_token),
                &token_hash(&next),
                self.refresh_expiry(),
                self.oldest_session_start(),
            )
            .await?;
        match rotation {
            Rotation::Rotated { user, family_id } => self.session(user.user, &family_id, next),
            Rotation::Invalid => Err(AuthError::Unauthenticated(
                "the refresh token is not valid or has expired; sign in again",
            )),
            Rotation::Revoked { .. } => Err(AuthError::Unauthenticated(
                "the session has ended; sign in again",
            )),
            Rotation::TooOld { .. } => {
                self.cache.clear();
                Err(AuthError::Unauthenticated(
                    "the session has reached its maximum age; sign in again",
                ))
            }
            Rotation::UserDisabled { .. } => {
                self.cache.clear();
                Err(AuthError::Unauthenticated(
                    "the session has ended; sign in again",
                ))
            }
            Rotation::Reused { user_id, family_id } => {
                self.cache.clear();
                let actor = Actor {
                    id: user_id,
                    label: "refresh token reuse".to_owned(),
                    ip: ip.map(str::to_owned),
                    content_types: None,
                };
                self.store
                    .audit(
                        &actor,
                        AuditEvent::on("auth.refresh_reused", "session", family_id)
                            .with(json!({ "effect": "session revoked" })),
                    )
                    .await?;
                Err(AuthError::Unauthenticated(
                    "this refresh token was already used, so the session has been ended; sign in again",
                ))
            }
        }
    }

    /// Ends the caller's session, and the session of `refresh_token` if it is theirs too.
    pub async fn logout(
        &self,
        principal: &Principal,
        refresh_token: Option<&str>,
        ip: Option<String>,
    ) -> Result<(), AuthError> {
        let PrincipalKind::User { session_id } = &principal.kind else {
            return Err(AuthError::Forbidden(
                "an API token has no session; revoke it with DELETE /tokens/{id}".into(),
            ));
        };
        let mut sessions = vec![session_id.clone()];
        if let Some(token) = refresh_token
            && let Some(other) = self
                .store
                .session_of_token(&principal.id, &token_hash(token))
                .await?
            && other != *session_id
        {
            sessions.push(other);
        }
        for session in sessions {
            self.store.close_session(&principal.id, &session).await?;
            self.store
                .audit(
                    &principal.actor(ip.clone()),
                    AuditEvent::on("auth.logout", "session", session),
                )
                .await?;
        }
        self.cache.clear();
        Ok(())
    }

    /// Ends every user's session at once, audited; returns how many were open. Their access
    /// tokens stop working at once here, within `recheck_after` on other instances.
    pub async fn revoke_all_sessions(&self, actor: &Actor) -> Result<u64, AuthError> {
        let ended = self.store.revoke_all_sessions(actor).await?;
        self.cache.clear();
        Ok(ended)
    }

    fn refresh_expiry(&self) -> DateTime<Utc> {
        Utc::now()
            + chrono::TimeDelta::from_std(self.config.refresh_ttl)
                .unwrap_or(chrono::TimeDelta::days(14))
    }

    /// Sessions opened before this have reached their maximum age.
    fn oldest_session_start(&self) -> DateTime<Utc> {
        chrono::TimeDelta::from_std(self.config.max_session_age)
            .ok()
            .and_then(|age| Utc::now().checked_sub_signed(age))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn session(
        &self,
        user: User,
        session_id: &str,
        refresh_token: String,
    ) -> Result<Session, AuthError> {
        Ok(Session {
            access_token: self
                .keys
                .issue(&user.id, session_id, self.config.access_ttl)?,
            refresh_token,
            expires_in: self.config.access_ttl.as_secs(),
            user,
        })
    }

    // ----------------------------------------------------------------------------------------
    // Per request
    // ----------------------------------------------------------------------------------------

    /// The principal of a bearer credential: an access token or an API token.
    pub async fn authenticate(&self, credential: &str) -> Result<Principal, AuthError> {
        if credential.starts_with(API_TOKEN_PREFIX) {
            return self.authenticate_api_token(credential).await;
        }
        let claims = self.keys.verify(credential)?;
        let key = format!("s:{}", claims.sid);
        let principal = match self.cache.get(&key) {
            Ok(cached) => cached,
            Err(generation) => {
                let principal = self.load_session(&claims.sub, &claims.sid).await?;
                // The access token's own `exp` is checked on every request, above.
                self.cache.put(key, principal.clone(), generation, None);
                principal
            }
        };
        principal
            .filter(|p| p.id == claims.sub)
            .ok_or(AuthError::Unauthenticated(
                "the session has ended; sign in again",
            ))
    }

    async fn load_session(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<Principal>, AuthError> {
        let user = match self.store.user(user_id).await {
            Ok(UserCredentials { user, .. }) => user,
            Err(herald_store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if user.disabled || !self.store.session_live(&user.id, session_id).await? {
            return Ok(None);
        }
        Ok(Some(Principal {
            id: user.id,
            label: user.email,
            role: user.role,
            content_types: user.content_types,
            kind: PrincipalKind::User {
                session_id: session_id.to_owned(),
            },
        }))
    }

    async fn authenticate_api_token(&self, credential: &str) -> Result<Principal, AuthError> {
        let hash = token_hash(credential);
        let key = format!("t:{hash}");
        let principal = match self.cache.get(&key) {
            Ok(cached) => cached,
            Err(generation) => {
                let now = Utc::now();
                let token = self.store.api_token_by_hash(&hash).await?;
                // A token that expires is trusted no longer than until then: it stops working
                // at its `expires_at`, not up to `recheck_after` later.
                let mut expires_at = None;
                let principal = match token {
                    Some(token) if token.is_live(now) => {
                        expires_at = token.expires_at;
                        if token.last_used_at.is_none_or(|at| now - at > TOUCH_EVERY) {
                            self.store.touch_api_token(&token.id).await?;
                        }
                        Some(Principal {
                            id: format!("token:{}", token.id),
                            label: token.name,
                            role: token.role,
                            content_types: token.content_types,
                            kind: PrincipalKind::Token,
                        })
                    }
                    _ => None,
                };
                self.cache
                    .put(key, principal.clone(), generation, expires_at);
                principal
            }
        };
        principal.ok_or(AuthError::Unauthenticated(
            "the API token is not valid, has expired or was revoked",
        ))
    }

    // ----------------------------------------------------------------------------------------
    // Users
    // ----------------------------------------------------------------------------------------

    /// Creates a user after checking the e-mail and the password policy.
    pub async fn create_user(
        &self,
        request: NewUserRequest,
        actor: &Actor,
    ) -> Result<User, AuthError> {
        let email = check_email(&request.email)?;
        check_policy(&request.password, &email)?;
        let password_hash = self.hasher.hash(request.password).await?;
        let user = self
            .store
            .create_user(
                NewUser {
                    email,
                    password_hash,
                    role: request.role,
                    content_types: request.content_types,
                },
                actor,
            )
            .await?;
        Ok(user)
    }

    /// Changes a user. A new password or disabling ends their sessions at once.
    pub async fn update_user(
        &self,
        id: &str,
        patch: UserPatch,
        actor: &Actor,
    ) -> Result<User, AuthError> {
        let current = self.store.user(id).await?.user;
        let email = patch.email.as_deref().map(check_email).transpose()?;
        let password_hash = match patch.password {
            Some(password) => {
                check_policy(&password, email.as_deref().unwrap_or(&current.email))?;
                Some(self.hasher.hash(password).await?)
            }
            None => None,
        };
        let user = self
            .store
            .update_user(
                id,
                UserChange {
                    email,
                    password_hash,
                    role: patch.role,
                    content_types: patch.content_types,
                    disabled: patch.disabled,
                },
                actor,
            )
            .await?;
        self.cache.clear();
        Ok(user)
    }

    pub async fn user(&self, id: &str) -> Result<User, AuthError> {
        Ok(self.store.user(id).await?.user)
    }

    pub async fn list_users(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<User>, AuthError> {
        Ok(self.store.list_users(after, limit).await?)
    }

    /// On a database without users, creates the first admin: `email` (or
    /// `admin@herald.local`) with `password`, or with a generated one that the caller shows
    /// once. Returns `None` when users exist.
    pub async fn ensure_first_admin(
        &self,
        email: Option<&str>,
        password: Option<&str>,
    ) -> Result<Option<FirstAdmin>, AuthError> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let email = email.unwrap_or(DEFAULT_ADMIN_EMAIL).to_owned();
        let (password, generated) = match password {
            Some(password) => (password.to_owned(), false),
            None => (random_token(""), true),
        };
        let request = NewUserRequest {
            email: email.clone(),
            password: password.clone(),
            role: Role::Admin,
            content_types: None,
        };
        match self.create_user(request, &Actor::system()).await {
            Ok(user) => Ok(Some(FirstAdmin {
                email: user.email,
                generated_password: generated.then_some(password),
            })),
            // Another instance sharing the database created it first.
            Err(AuthError::Validation(errors))
                if errors.0.iter().any(|e| e.code == ErrorCode::NotUnique) =>
            {
                Ok(None)
            }
            Err(AuthError::Validation(errors)) => Err(AuthError::Config(format!(
                "the first admin cannot be created (HERALD_ADMIN_EMAIL / HERALD_ADMIN_PASSWORD): {errors}"
            ))),
            Err(other) => Err(other),
        }
    }

    // ----------------------------------------------------------------------------------------
    // API tokens
    // ----------------------------------------------------------------------------------------

    /// Creates a token; the secret in the answer is never shown again.
    pub async fn create_token(
        &self,
        request: NewToken,
        actor: &Actor,
    ) -> Result<(ApiToken, String), AuthError> {
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid(
                "name",
                ErrorCode::TooLong,
                "a name of 1 to 100 characters",
            ));
        }
        if request.expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(invalid(
                "expires_at",
                ErrorCode::TooSmall,
                "must be in the future",
            ));
        }
        let secret = random_token(API_TOKEN_PREFIX);
        let token = self
            .store
            .create_api_token(
                NewApiToken {
                    name: name.to_owned(),
                    token_hash: token_hash(&secret),
                    prefix: secret.chars().take(SHOWN_PREFIX_CHARS).collect(),
                    role: request.role,
                    content_types: request.content_types,
                    expires_at: request.expires_at,
                },
                actor,
            )
            .await?;
        Ok((token, secret))
    }

    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>, AuthError> {
        Ok(self.store.list_api_tokens().await?)
    }

    /// Revokes a token; it stops working at once on this instance, within seconds on others.
    pub async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<ApiToken, AuthError> {
        let token = self.store.revoke_api_token(id, actor).await?;
        self.cache.clear();
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_recheck_longer_than_an_access_token_is_refused() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}/auth.db", dir.path().display());
        let store = Store::connect(&url).await.expect("a database");
        let keys = || Keys::new(b"a-test-signing-secret-of-at-least-32-bytes", &[]).expect("keys");
        let config = AuthConfig {
            access_ttl: Duration::from_secs(60),
            recheck_after: Duration::from_secs(61),
            ..AuthConfig::default()
        };
        let refused = Auth::new(store.clone(), keys(), config.clone());
        assert!(
            matches!(&refused, Err(AuthError::Config(m)) if m.contains("auth.recheck_seconds")),
            "{refused:?}"
        );
        let config = AuthConfig {
            recheck_after: Duration::from_secs(60),
            ..config
        };
        assert!(Auth::new(store.clone(), keys(), config).is_ok());
        store.close().await;
    }
}
