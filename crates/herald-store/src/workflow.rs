//! The review workflow (contract §3): submit, approve, reject, publish and unpublish, now or at
//! a given time. Each step checks the entry's status and its type's `workflow` rules, writes a
//! new version carrying the new status (so the history shows every step, with a note), its
//! audit row and, when the bucket must change, the publish job, all in one transaction: the job
//! table is an outbox, so a publication is never lost nor done without its record.
//!
//! `updated_by` stays the last editor of the content: a status change does not make its actor
//! an editor, which is what `workflow.four_eyes` compares the approver with.

use chrono::{DateTime, Utc};
use herald_model::{ContentType, ErrorCode, FieldError, ValidationErrors};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

use crate::audit::{Actor, record};
use crate::batch::{Batch, BatchError};
use crate::entity::{entries, publish_jobs, revisions};
use crate::entries::{check_version, entry_event, find, find_to_write, revision_row};
use crate::jobs::{
    JobKind, JobStatus, NewJob, cancel_queued, close_job, find_job, insert_job, save_progress,
};
use crate::time::now_micros;
use crate::types::parse_fields;
use crate::writer::WriteTxn;
use crate::{Entry, Job, Status, Store, StoreError};

/// Longest comment kept in a revision note (the column holds 255 characters).
const MAX_NOTE: usize = 255;

/// A workflow step asked for by a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// draft → in_review (editor and above).
    Submit,
    /// in_review → approved (publisher and above; four eyes when the type asks for them),
    /// with an optional comment.
    Approve { comment: Option<String> },
    /// in_review or approved → draft, with an optional comment for the editor.
    Reject { comment: Option<String> },
    /// approved (or, without review, draft or in_review) → published, now or at `at`.
    Publish { at: Option<DateTime<Utc>> },
    /// Takes the live version out of the bucket, now or at `at`.
    Unpublish { at: Option<DateTime<Utc>> },
}

impl Transition {
    /// The audit action.
    pub fn action(&self) -> &'static str {
        match self {
            Transition::Submit => "entry.submit",
            Transition::Approve { .. } => "entry.approve",
            Transition::Reject { .. } => "entry.reject",
            Transition::Publish { .. } => "entry.publish",
            Transition::Unpublish { .. } => "entry.unpublish",
        }
    }
}

/// The entry after a transition, and the job that carries it to the bucket, if any.
#[derive(Debug, Clone)]
pub struct Transitioned {
    pub entry: Entry,
    pub job: Option<Job>,
}

/// What a scheduled publication or unpublication did when its time came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheduled {
    /// The entry changed as planned (or already had): the bucket must follow.
    Applied,
    /// No longer applicable (the entry changed after it was scheduled): the job is cancelled.
    Cancelled(String),
}

impl Store {
    /// Carries out a workflow step on the entry at `expected_version` (any when `None`).
    pub async fn transition(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: Option<i64>,
        transition: Transition,
        actor: &Actor,
    ) -> Result<Transitioned, StoreError> {
        // A step that names no version and loses to a concurrent writer is checked and
        // applied again on the new version, rather than refused for a version the client
        // never named.
        crate::entries::any_version(expected_version, || {
            self.transition_once(
                content_type,
                id,
                expected_version,
                transition.clone(),
                actor,
            )
        })
        .await
    }

    async fn transition_once(
        &self,
        content_type: &ContentType,
        id: &str,
        expected_version: Option<i64>,
        transition: Transition,
        actor: &Actor,
    ) -> Result<Transitioned, StoreError> {
        let txn = self.begin_write().await?;
        let current = find_to_write(&txn, &content_type.name, id).await?;
        check_version(&current, expected_version)?;
        let status = parse_status(&current.status)?;
        let now = now_micros();
        let action = transition.action();
        let mut job_id = None;
        let mut details = json!({});
        match transition {
            Transition::Submit => {
                require(
                    status == Status::Draft,
                    format!(
                        "only a draft can be submitted for review; this entry is {}",
                        status.as_str()
                    ),
                )?;
                bump(
                    &txn,
                    &current,
                    Status::InReview,
                    actor,
                    "submitted for review".into(),
                    Vec::new(),
                )
                .await?;
            }
            Transition::Approve { comment } => {
                require(
                    status == Status::InReview,
                    format!(
                        "only an entry in review can be approved; this entry is {}{}",
                        status.as_str(),
                        if status == Status::Draft {
                            " (submit it first)"
                        } else {
                            ""
                        }
                    ),
                )?;
                if content_type.workflow.four_eyes && current.updated_by == actor.id {
                    return Err(StoreError::FourEyes(
                        "you edited this entry last: another publisher must approve it \
                         (workflow.four_eyes)"
                            .into(),
                    ));
                }
                check_references_public(&txn, content_type, &current, None).await?;
                let note = match comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                    Some(comment) => format!("approved: {comment}"),
                    None => "approved".to_owned(),
                };
                bump(&txn, &current, Status::Approved, actor, note, Vec::new()).await?;
                details = json!({"comment": comment});
            }
            Transition::Reject { comment } => {
                require(
                    matches!(status, Status::InReview | Status::Approved),
                    format!(
                        "only an entry in review or approved can be rejected; this entry is {}",
                        status.as_str()
                    ),
                )?;
                let note = match comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                    Some(comment) => format!("rejected: {comment}"),
                    None => "rejected".to_owned(),
                };
                cancel_queued(&txn, id, JobKind::Publish, "the entry was rejected").await?;
                bump(
                    &txn,
                    &current,
                    Status::Draft,
                    actor,
                    note,
                    vec![(entries::Column::PublishAt, Expr::value(None::<i64>))],
                )
                .await?;
                details = json!({"comment": comment});
            }
            Transition::Publish { at } => {
                let allowed = if content_type.workflow.review {
                    status == Status::Approved
                } else {
                    matches!(status, Status::Draft | Status::InReview | Status::Approved)
                };
                if !allowed {
                    return Err(StoreError::InvalidTransition(match status {
                        Status::Published => format!(
                            "version {} is already published; edit the entry to publish a new version",
                            current.version
                        ),
                        Status::Archived => "an archived entry cannot be published".into(),
                        other => format!(
                            "`{}` entries must be approved before they are published; this one is {}",
                            content_type.name,
                            other.as_str()
                        ),
                    }));
                }
                // An entry from before `index` was reserved (or imported with it) would
                // overwrite its listing's newest page.
                if herald_model::slug::is_reserved(&current.slug) {
                    return Err(StoreError::Validation(ValidationErrors(vec![
                        FieldError::new(
                            "slug",
                            ErrorCode::InvalidSlug,
                            herald_model::slug::InvalidSlug::Reserved.to_string(),
                        ),
                    ])));
                }
                let at = at.map(|t| t.timestamp_micros()).filter(|t| *t > now);
                check_references_public(&txn, content_type, &current, Some(at.unwrap_or(now)))
                    .await?;
                cancel_queued(
                    &txn,
                    id,
                    JobKind::Publish,
                    "superseded by a newer publication",
                )
                .await?;
                match at {
                    None => {
                        let version = bump(
                            &txn,
                            &current,
                            Status::Published,
                            actor,
                            "published".into(),
                            published_columns(&current.slug, now),
                        )
                        .await?;
                        job_id = Some(
                            entry_job(
                                &txn,
                                JobKind::Publish,
                                &current,
                                Some(version),
                                None,
                                now,
                                actor,
                            )
                            .await?,
                        );
                        details = json!({"version": version});
                    }
                    Some(at) => {
                        set_schedule(&txn, &current, entries::Column::PublishAt, Some(at)).await?;
                        job_id = Some(
                            entry_job(
                                &txn,
                                JobKind::Publish,
                                &current,
                                Some(current.version),
                                Some(json!({"scheduled": true})),
                                at,
                                actor,
                            )
                            .await?,
                        );
                        details = json!({"scheduled_for": crate::time::from_micros(at), "version": current.version});
                    }
                }
            }
            Transition::Unpublish { at } => {
                let at = at.map(|t| t.timestamp_micros()).filter(|t| *t > now);
                // A campaign's end may be scheduled before it starts: after a scheduled
                // publication, not instead of one.
                let starts_before = |end: i64| current.publish_at.is_some_and(|start| start < end);
                let live = match (current.published_version, at) {
                    (Some(live), _) => Some(live),
                    (None, Some(end)) if starts_before(end) => None,
                    (None, Some(_)) if current.publish_at.is_some() => {
                        return Err(StoreError::InvalidTransition(
                            "the entry is not published, and its scheduled publication is not \
                             before that time"
                                .into(),
                        ));
                    }
                    (None, _) => {
                        return Err(StoreError::InvalidTransition(
                            "the entry is not published".into(),
                        ));
                    }
                };
                cancel_queued(
                    &txn,
                    id,
                    JobKind::Unpublish,
                    "superseded by a newer unpublication",
                )
                .await?;
                match at {
                    None => {
                        unpublish_now(&txn, content_type, &current, status, actor).await?;
                        job_id = Some(
                            entry_job(&txn, JobKind::Unpublish, &current, None, None, now, actor)
                                .await?,
                        );
                        details = json!({"version": live});
                    }
                    Some(at) => {
                        set_schedule(&txn, &current, entries::Column::UnpublishAt, Some(at))
                            .await?;
                        job_id = Some(
                            entry_job(
                                &txn,
                                JobKind::Unpublish,
                                &current,
                                None,
                                Some(json!({"scheduled": true})),
                                at,
                                actor,
                            )
                            .await?,
                        );
                        details =
                            json!({"scheduled_for": crate::time::from_micros(at), "version": live});
                    }
                }
            }
        }
        let written = find(&txn, &content_type.name, id).await?;
        let mut event = entry_event(action, &written);
        if let (Some(Value::Object(base)), Value::Object(extra)) = (event.details.as_mut(), details)
        {
            base.extend(extra);
        }
        if let (Some(Value::Object(base)), Some(job)) = (event.details.as_mut(), job_id) {
            base.insert("job".into(), json!(job));
        }
        record(&txn, actor, event).await?;
        let job = match job_id {
            Some(job_id) => Some(find_job(&txn, job_id).await?),
            None => None,
        };
        txn.commit().await?;
        Ok(Transitioned {
            entry: written.try_into()?,
            job,
        })
    }

    /// When a scheduled job's time has come: publishes (or unpublishes) the entry as it was
    /// scheduled, by `system`, or cancels the job when the entry changed since. Idempotent: a
    /// job resumed after a crash finds its step already recorded in its progress.
    pub async fn apply_scheduled(
        &self,
        content_type: &ContentType,
        job: &Job,
        worker: &str,
    ) -> Result<Scheduled, StoreError> {
        if job
            .progress
            .as_ref()
            .and_then(|p| p.get("transitioned"))
            .is_some_and(|t| t == &Value::Bool(true))
        {
            return Ok(Scheduled::Applied);
        }
        let entry_id = job.entry_id.as_deref().unwrap_or_default();
        let txn = self.begin_write().await?;
        let actor = Actor::system();
        let current = match find_to_write(&txn, &content_type.name, entry_id).await {
            Ok(current) => current,
            Err(StoreError::NotFound) => {
                let outcome = cancel_in(&txn, job.id, "the entry no longer exists".into()).await?;
                txn.commit().await?;
                return Ok(outcome);
            }
            Err(other) => return Err(other),
        };
        let status = parse_status(&current.status)?;
        let now = now_micros();
        let outcome = match job.kind {
            JobKind::Publish => {
                let allowed = if content_type.workflow.review {
                    status == Status::Approved
                } else {
                    matches!(status, Status::Draft | Status::InReview | Status::Approved)
                };
                let unchanged = match job.version {
                    Some(version) => same_content(&txn, &current, version).await?,
                    None => false,
                };
                if !unchanged || !allowed {
                    set_schedule(&txn, &current, entries::Column::PublishAt, None).await?;
                    let reason = format!(
                        "the entry changed after version {} was scheduled (it is now version {}, {}); schedule it again",
                        job.version.unwrap_or_default(),
                        current.version,
                        status.as_str()
                    );
                    cancel_in(&txn, job.id, reason).await?
                } else if let Some(errors) =
                    unpublished_references(&txn, content_type, &current, now).await?
                {
                    // Checked when it was scheduled, perhaps days ago: a referenced entry may
                    // have been unpublished since.
                    set_schedule(&txn, &current, entries::Column::PublishAt, None).await?;
                    let reason = format!(
                        "not published as scheduled: {errors}; publish the referenced entries, then schedule it again"
                    );
                    cancel_in(&txn, job.id, reason).await?
                } else {
                    let version = bump(
                        &txn,
                        &current,
                        Status::Published,
                        &actor,
                        "published as scheduled".into(),
                        published_columns(&current.slug, now),
                    )
                    .await?;
                    let written = find(&txn, &content_type.name, entry_id).await?;
                    let mut event = entry_event("entry.publish", &written);
                    if let Some(Value::Object(details)) = event.details.as_mut() {
                        details.insert("scheduled".into(), json!(true));
                        details.insert("job".into(), json!(job.id));
                        details.insert("version".into(), json!(version));
                    }
                    record(&txn, &actor, event).await?;
                    Scheduled::Applied
                }
            }
            JobKind::Unpublish => {
                if current.published_version.is_some() {
                    unpublish_now(&txn, content_type, &current, status, &actor).await?;
                    let written = find(&txn, &content_type.name, entry_id).await?;
                    let mut event = entry_event("entry.unpublish", &written);
                    if let Some(Value::Object(details)) = event.details.as_mut() {
                        details.insert("scheduled".into(), json!(true));
                        details.insert("job".into(), json!(job.id));
                    }
                    record(&txn, &actor, event).await?;
                } else {
                    set_schedule(&txn, &current, entries::Column::UnpublishAt, None).await?;
                }
                Scheduled::Applied
            }
            JobKind::Rebuild | JobKind::Notify => Scheduled::Applied,
        };
        if outcome == Scheduled::Applied {
            save_progress(&txn, &[job.id], worker, &json!({"transitioned": true})).await?;
        }
        txn.commit().await?;
        Ok(outcome)
    }
}

/// Cancels a job inside `txn`, saying why.
async fn cancel_in(txn: &WriteTxn, job_id: i64, reason: String) -> Result<Scheduled, StoreError> {
    close_job(txn, job_id, JobStatus::Cancelled, &reason).await?;
    Ok(Scheduled::Cancelled(reason))
}

/// When an entry is archived: takes its live version down (the caller writes the archived
/// version) and cancels its scheduled steps. Returns the unpublish job, if one was needed.
pub(crate) async fn unpublish_for_archive(
    txn: &WriteTxn,
    current: &entries::Model,
    actor: &Actor,
) -> Result<Option<i64>, StoreError> {
    cancel_queued(txn, &current.id, JobKind::Publish, "the entry was archived").await?;
    cancel_queued(
        txn,
        &current.id,
        JobKind::Unpublish,
        "the entry was archived",
    )
    .await?;
    // (`unpublished_columns` clears `unpublish_at` too.)
    let mut update = entries::Entity::update_many()
        .col_expr(entries::Column::PublishAt, Expr::value(None::<i64>));
    for (column, value) in unpublished_columns() {
        update = update.col_expr(column, value);
    }
    update
        .filter(entries::Column::Id.eq(&current.id))
        .exec(txn)
        .await?;
    if current.published_version.is_none() {
        return Ok(None);
    }
    let now = now_micros();
    let job = entry_job(txn, JobKind::Unpublish, current, None, None, now, actor).await?;
    let mut event = entry_event("entry.unpublish", current);
    if let Some(Value::Object(details)) = event.details.as_mut() {
        details.insert("job".into(), json!(job));
        details.insert("reason".into(), json!("archived"));
    }
    record(txn, actor, event).await?;
    Ok(Some(job))
}

/// A new content version makes a scheduled publication stale (it names the version that was
/// approved): cancel it.
pub(crate) async fn cancel_stale_schedule(
    txn: &WriteTxn,
    current: &entries::Model,
) -> Result<(), StoreError> {
    if current.publish_at.is_some() {
        cancel_queued(
            txn,
            &current.id,
            JobKind::Publish,
            "the entry was edited after it was scheduled",
        )
        .await?;
        entries::Entity::update_many()
            .col_expr(entries::Column::PublishAt, Expr::value(None::<i64>))
            .filter(entries::Column::Id.eq(&current.id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

fn require(condition: bool, message: String) -> Result<(), StoreError> {
    if condition {
        Ok(())
    } else {
        Err(StoreError::InvalidTransition(message))
    }
}

fn parse_status(status: &str) -> Result<Status, StoreError> {
    Status::parse(status).ok_or_else(|| StoreError::Corrupt(format!("status `{status}`")))
}

/// The columns a publication sets.
fn published_columns(slug: &str, now: i64) -> Vec<(entries::Column, SimpleExpr)> {
    vec![
        (entries::Column::PublishedSlug, Expr::value(slug)),
        (entries::Column::PublishedAt, Expr::value(now)),
        (entries::Column::PublishAt, Expr::value(None::<i64>)),
    ]
}

/// The columns an unpublication clears.
fn unpublished_columns() -> Vec<(entries::Column, SimpleExpr)> {
    vec![
        (entries::Column::PublishedVersion, Expr::value(None::<i64>)),
        (entries::Column::PublishedSlug, Expr::value(None::<String>)),
        (entries::Column::PublishedAt, Expr::value(None::<i64>)),
        (entries::Column::UnpublishAt, Expr::value(None::<i64>)),
    ]
}

/// Takes the live version down. A published entry goes back to `approved` when its type
/// has review (its content was approved and has not changed: it can be published again
/// without a new review), and to `draft` when it has none (nobody approved it; a draft of
/// such a type can be published as it is). One edited since keeps its status.
async fn unpublish_now(
    txn: &WriteTxn,
    content_type: &ContentType,
    current: &entries::Model,
    status: Status,
    actor: &Actor,
) -> Result<i64, StoreError> {
    let after = match status {
        Status::Published if content_type.workflow.review => Status::Approved,
        Status::Published => Status::Draft,
        other => other,
    };
    bump(
        txn,
        current,
        after,
        actor,
        "unpublished".into(),
        unpublished_columns(),
    )
    .await
}

/// Writes version `current.version + 1` with `status` and the same content, its revision
/// with `note`, and the `extra` column changes. Returns the new version.
async fn bump(
    txn: &WriteTxn,
    current: &entries::Model,
    status: Status,
    actor: &Actor,
    note: String,
    extra: Vec<(entries::Column, SimpleExpr)>,
) -> Result<i64, StoreError> {
    let version = current.version + 1;
    let now = now_micros();
    let mut update = entries::Entity::update_many()
        .col_expr(entries::Column::Status, Expr::value(status.as_str()))
        .col_expr(entries::Column::Version, Expr::value(version))
        .col_expr(entries::Column::UpdatedAt, Expr::value(now));
    for (column, value) in extra {
        update = update.col_expr(column, value);
    }
    // A publication records the version it makes live.
    if status == Status::Published {
        update = update.col_expr(entries::Column::PublishedVersion, Expr::value(version));
    }
    let note: String = note.chars().take(MAX_NOTE).collect();
    let mut batch = Batch::new(txn.get_database_backend());
    batch.push(
        &update
            .filter(entries::Column::Id.eq(&current.id))
            .filter(entries::Column::Version.eq(current.version)),
    );
    batch.push(&revision_row(
        &current.id,
        version,
        &current.slug,
        status,
        current.fields.clone(),
        actor,
        now,
        Some(note),
    ));
    match batch.execute(txn).await {
        Ok(()) => {}
        Err(BatchError::Database(e)) => return Err(e.into()),
        Err(BatchError::NoRow) => {
            let now_at = find(txn, &current.type_name, &current.id).await?;
            return Err(StoreError::VersionMismatch {
                current: now_at.version,
            });
        }
    }
    Ok(version)
}

/// Sets (or clears) `publish_at` or `unpublish_at`.
async fn set_schedule(
    txn: &WriteTxn,
    current: &entries::Model,
    column: entries::Column,
    at: Option<i64>,
) -> Result<(), StoreError> {
    entries::Entity::update_many()
        .col_expr(column, Expr::value(at))
        .filter(entries::Column::Id.eq(&current.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Queues a job about `entry`.
async fn entry_job(
    txn: &WriteTxn,
    kind: JobKind,
    entry: &entries::Model,
    version: Option<i64>,
    payload: Option<Value>,
    run_after: i64,
    actor: &Actor,
) -> Result<i64, StoreError> {
    insert_job(
        txn,
        NewJob {
            kind,
            type_name: Some(&entry.type_name),
            entry_id: Some(&entry.id),
            version,
            payload,
            run_after,
            created_by: &actor.id,
        },
    )
    .await
}

/// Whether `current` holds what version `version` held: the very version, or a later one made
/// by status changes alone (an unpublication of the live version meanwhile bumps the version
/// but changes no content), so a scheduled publication of it still stands.
async fn same_content(
    txn: &WriteTxn,
    current: &entries::Model,
    version: i64,
) -> Result<bool, StoreError> {
    if current.version == version {
        return Ok(true);
    }
    let Some(scheduled) = revisions::Entity::find_by_id((current.id.clone(), version))
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    Ok(scheduled.slug == current.slug
        && parse_fields(&scheduled.fields)? == parse_fields(&current.fields)?)
}

/// The references of `current` that are not public at `now`, if any (see
/// [`check_references_public`]).
async fn unpublished_references(
    txn: &WriteTxn,
    content_type: &ContentType,
    current: &entries::Model,
    now: i64,
) -> Result<Option<ValidationErrors>, StoreError> {
    match check_references_public(txn, content_type, current, Some(now)).await {
        Ok(()) => Ok(None),
        Err(StoreError::Validation(errors)) => Ok(Some(errors)),
        Err(other) => Err(other),
    }
}

/// Every entry the current version references must be public when it goes live: published
/// (and not archived), or itself on its way (a publish job queued or running, due no later
/// than `horizon` when one is given). Otherwise 422 with each reference's path.
async fn check_references_public(
    txn: &WriteTxn,
    content_type: &ContentType,
    current: &entries::Model,
    horizon: Option<i64>,
) -> Result<(), StoreError> {
    let fields = parse_fields(&current.fields)?;
    let validated = content_type
        .validate(Value::Object(fields))
        .map_err(StoreError::Validation)?;
    let mut ids: Vec<&str> = validated
        .references
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| *id != current.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    ids.dedup();
    let live: Vec<(String, String, Option<i64>)> = entries::Entity::find()
        .select_only()
        .column(entries::Column::Id)
        .column(entries::Column::Status)
        .column(entries::Column::PublishedVersion)
        .filter(entries::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?;
    let mut pending = publish_jobs::Entity::find()
        .select_only()
        .column(publish_jobs::Column::EntryId)
        .filter(publish_jobs::Column::EntryId.is_in(ids.iter().copied()))
        .filter(publish_jobs::Column::Kind.eq(JobKind::Publish.as_str()))
        .filter(
            publish_jobs::Column::Status
                .is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]),
        );
    if let Some(horizon) = horizon {
        pending = pending.filter(publish_jobs::Column::RunAfter.lte(horizon));
    }
    let pending: Vec<Option<String>> = pending.into_tuple().all(txn).await?;
    let public = |id: &str| {
        live.iter().any(|(lid, status, published)| {
            lid == id && published.is_some() && status != Status::Archived.as_str()
        }) || pending.iter().any(|p| p.as_deref() == Some(id))
    };
    let errors: Vec<FieldError> = validated
        .references
        .iter()
        .filter(|r| r.id != current.id && !public(&r.id))
        .map(|r| {
            FieldError::new(
                r.path.clone(),
                ErrorCode::ReferenceNotPublished,
                format!(
                    "the {} entry {} is not published: publish it first (or schedule it no later than this one)",
                    r.type_name, r.id
                ),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Validation(ValidationErrors(errors)))
    }
}
