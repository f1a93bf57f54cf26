//! The audit log: who did what, when and from where. Rows are only ever inserted (the database
//! refuses updates and deletes). Content changes write their row in the transaction of the
//! change itself, so a change is never without its audit row, nor a row without its change.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Insert, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::Value;

use crate::entity::audit_log;
use crate::time::{from_micros, now_micros};
use crate::{Store, StoreError};

/// Who acts: a signed-in user, an API token, or Herald itself (the publishing worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A user id, `token:<id>` for an API token, `system`, or `anonymous` for failed sign-ins.
    pub id: String,
    /// For people reading the log: an e-mail or a token's name.
    pub label: String,
    /// The client's address, when the action came over HTTP.
    pub ip: Option<String>,
    /// The content types a user or token is limited to (`None`: every type). Entry writes use
    /// it so that an entry cannot name an asset its writer may not see.
    pub content_types: Option<Vec<String>>,
}

impl Actor {
    /// Herald itself: the worker, the scheduler, start-up tasks.
    pub fn system() -> Actor {
        Actor {
            id: "system".to_owned(),
            label: "herald".to_owned(),
            ip: None,
            content_types: None,
        }
    }
}

/// What happened, for one audit row.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// A dotted name: `auth.login`, `user.update`, `entry.create`, … (see `docs/security.md`).
    pub action: &'static str,
    /// `user`, `token`, `entry`, `session`, …
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    /// Facts worth keeping (never a secret): the fields changed, a version, a reason.
    pub details: Option<Value>,
}

impl AuditEvent {
    /// An event about one target.
    pub fn on(
        action: &'static str,
        target_type: &'static str,
        target_id: impl Into<String>,
    ) -> Self {
        AuditEvent {
            action,
            target_type: Some(target_type),
            target_id: Some(target_id.into()),
            details: None,
        }
    }

    /// Adds details.
    pub fn with(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// One row of the audit log, as `GET /audit` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

impl From<audit_log::Model> for AuditRecord {
    fn from(row: audit_log::Model) -> Self {
        AuditRecord {
            id: row.id,
            at: from_micros(row.at),
            actor_id: row.actor_id,
            actor_label: row.actor_label,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            ip: row.ip,
            details: row
                .details
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
        }
    }
}

/// Filters of `GET /audit`; every one optional. Newest first, `before` is the cursor.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<String>,
    /// An exact action, or a prefix ending in `.` (`auth.`).
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only rows with a smaller id (the previous page's last id).
    pub before: Option<i64>,
    pub limit: u64,
}

/// Which recent events [`Store::recent_event_times`] counts.
#[derive(Debug, Clone, Copy)]
pub enum EventKey<'a> {
    /// Events about this target id (e.g. failed sign-ins for one e-mail).
    Target(&'a str),
    /// Events from this address.
    Ip(&'a str),
}

/// Longest actor label or target id kept, in characters (columns are 255 wide).
const MAX_TEXT: usize = 255;

fn clip(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

/// Inserts one audit row through `db` (a transaction or a connection).
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    event: AuditEvent,
) -> Result<(), StoreError> {
    audit_row(actor, event).exec_without_returning(db).await?;
    Ok(())
}

/// The insert of an event's row, to run on its own ([`record`]) or in a [`crate::batch::Batch`].
pub(crate) fn audit_row(actor: &Actor, event: AuditEvent) -> Insert<audit_log::ActiveModel> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        at: Set(now_micros()),
        actor_id: Set(Some(clip(&actor.id))),
        actor_label: Set(clip(&actor.label)),
        action: Set(event.action.to_owned()),
        target_type: Set(event.target_type.map(str::to_owned)),
        target_id: Set(event.target_id.as_deref().map(clip)),
        ip: Set(actor.ip.as_deref().map(|ip| ip.chars().take(64).collect())),
        details: Set(event.details.map(|d| d.to_string())),
        ..Default::default()
    })
}

impl Store {
    /// Records an event on its own (one that changes nothing else in the database, such as a
    /// sign-in or a failed one).
    pub async fn audit(&self, actor: &Actor, event: AuditEvent) -> Result<(), StoreError> {
        record(&self.write, actor, event).await
    }

    /// A page of the audit log, newest first.
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let mut select = audit_log::Entity::find();
        if let Some(actor) = &query.actor_id {
            select = select.filter(audit_log::Column::ActorId.eq(actor));
        }
        if let Some(action) = &query.action {
            select = if action.ends_with('.') {
                select.filter(audit_log::Column::Action.starts_with(action))
            } else {
                select.filter(audit_log::Column::Action.eq(action))
            };
        }
        if let Some(target_type) = &query.target_type {
            select = select.filter(audit_log::Column::TargetType.eq(target_type));
        }
        if let Some(target_id) = &query.target_id {
            select = select.filter(audit_log::Column::TargetId.eq(target_id));
        }
        if let Some(since) = query.since {
            select = select.filter(audit_log::Column::At.gte(since.timestamp_micros()));
        }
        if let Some(until) = query.until {
            select = select.filter(audit_log::Column::At.lt(until.timestamp_micros()));
        }
        if let Some(before) = query.before {
            select = select.filter(audit_log::Column::Id.lt(before));
        }
        Ok(select
            .order_by_desc(audit_log::Column::Id)
            .limit(query.limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(AuditRecord::from)
            .collect())
    }

    /// When the most recent `action` events for `key` happened since `since`, newest first,
    /// at most `limit` of them (the sign-in limiter counts failures with this).
    pub async fn recent_event_times(
        &self,
        action: &str,
        key: EventKey<'_>,
        since: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let select = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::At)
            .filter(audit_log::Column::Action.eq(action))
            .filter(audit_log::Column::At.gte(since.timestamp_micros()));
        let select = match key {
            EventKey::Target(id) => select.filter(audit_log::Column::TargetId.eq(id)),
            EventKey::Ip(ip) => select.filter(audit_log::Column::Ip.eq(ip)),
        };
        let times: Vec<i64> = select
            .order_by_desc(audit_log::Column::At)
            .limit(limit)
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(times.into_iter().map(from_micros).collect())
    }
}
