//! The publishing job queue. A transition that changes the bucket inserts its job in its own
//! transaction (an outbox), so a job exists exactly when the change does.
//!
//! Jobs that write the bucket (`publish`, `unpublish`, `rebuild`) run one batch at a time across
//! every server sharing the database: a claim locks the `publish_state` row (`SELECT … FOR
//! UPDATE` on PostgreSQL; on SQLite every write transaction is exclusive), takes nothing while
//! another worker holds a live lease, and otherwise marks the due jobs `running` under its own
//! lease. A worker renews its lease while it works; when a worker dies its lease runs out and the
//! next claim resumes its jobs from their recorded progress. `notify` jobs (webhooks) run beside
//! them, each claimed with `FOR UPDATE SKIP LOCKED`. Failures are retried with exponential
//! backoff up to a maximum number of attempts, and the last error stays on the job.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{Actor, AuditEvent, record};
use crate::entity::{publish_jobs, publish_state};
use crate::time::{from_micros, now_micros};
use crate::{Store, StoreError};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Writes an entry's published version (and the locales falling back to it) to the bucket.
    Publish,
    /// Removes an entry's objects from the bucket.
    Unpublish,
    /// Re-renders every published entry (of one type, or all).
    Rebuild,
    /// Sends the paths a batch changed to the CDN purge URL and the webhooks.
    Notify,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::Publish,
        JobKind::Unpublish,
        JobKind::Rebuild,
        JobKind::Notify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Publish => "publish",
            JobKind::Unpublish => "unpublish",
            JobKind::Rebuild => "rebuild",
            JobKind::Notify => "notify",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Jobs that write the bucket, one batch at a time.
    pub fn writes_bucket(self) -> bool {
        self != JobKind::Notify
    }
}

const BUCKET_KINDS: [&str; 3] = ["publish", "unpublish", "rebuild"];
/// The bucket jobs of single entries.
const ENTRY_KINDS: [&str; 2] = ["publish", "unpublish"];

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its time (`run_after`) or for a worker.
    Queued,
    /// A worker holds it.
    Running,
    Done,
    /// Gave up after its last attempt; `error` says why.
    Failed,
    /// Superseded (a newer transition of the entry) or no longer applicable; `error` says why.
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A job, as `GET /publish/jobs/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub status: JobStatus,
    /// The content type (absent for a rebuild of every type and for notifications).
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub entry_id: Option<String>,
    /// The version to publish: the one made live, or for a scheduled publication the one that
    /// was scheduled.
    pub version: Option<i64>,
    /// Not before this time (a scheduled publication, or the next retry).
    pub run_after: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    /// The last failure, or why the job was cancelled.
    pub error: Option<String>,
    /// How far a running job got (a rebuild: `done` of `total`).
    #[schema(value_type = Option<Object>)]
    pub progress: Option<Value>,
    /// What the job changed: the paths written and removed, or the notification receipts.
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Internal parameters (a notification's paths, whether a publication was scheduled).
    #[serde(skip)]
    pub payload: Option<Value>,
}

impl TryFrom<publish_jobs::Model> for Job {
    type Error = StoreError;

    fn try_from(row: publish_jobs::Model) -> Result<Self, StoreError> {
        let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Ok(Job {
            kind: JobKind::parse(&row.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("job kind `{}`", row.kind)))?,
            status: JobStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("job status `{}`", row.status)))?,
            id: row.id,
            type_name: row.type_name,
            entry_id: row.entry_id,
            version: row.version,
            run_after: from_micros(row.run_after),
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            error: row.error,
            progress: json(row.progress),
            result: json(row.result),
            created_at: from_micros(row.created_at),
            created_by: row.created_by,
            started_at: row.started_at.map(from_micros),
            finished_at: row.finished_at.map(from_micros),
            payload: json(row.payload),
        })
    }
}

/// Filters of `GET /publish/jobs`, newest first.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    pub entry_id: Option<String>,
    /// Only jobs of these types (a caller limited to some content types).
    pub types: Option<Vec<String>>,
    /// Only jobs with a smaller id (the previous page's last id).
    pub before: Option<i64>,
    pub limit: u64,
}

/// How many times a job is tried before it fails for good.
pub const MAX_ATTEMPTS: i32 = 8;
/// The first retry waits this long; each later one twice as long as the one before.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
const MAX_RETRY: Duration = Duration::from_secs(300);

/// The wait before attempt `attempts + 1`.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    FIRST_RETRY.saturating_mul(1u32 << exponent).min(MAX_RETRY)
}

/// Whether a job's progress says its database step is done and only the bucket is left (the
/// publisher's `indexes` phase).
fn progress_has_bucket_step(progress: Option<&str>) -> bool {
    progress
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .is_some_and(|p| p.get("phase").and_then(Value::as_str) == Some(BUCKET_STEP_PHASE))
}

/// The `phase` of a publish batch's progress once its transaction is committed.
pub const BUCKET_STEP_PHASE: &str = "indexes";

impl Job {
    /// Whether the job's change is recorded in the database and only the bucket is left.
    pub fn bucket_step_pending(&self) -> bool {
        self.progress
            .as_ref()
            .and_then(|p| p.get("phase"))
            .and_then(Value::as_str)
            == Some(BUCKET_STEP_PHASE)
    }
}

/// A job to insert.
pub(crate) struct NewJob<'a> {
    pub(crate) kind: JobKind,
    pub(crate) type_name: Option<&'a str>,
    pub(crate) entry_id: Option<&'a str>,
    pub(crate) version: Option<i64>,
    pub(crate) payload: Option<Value>,
    pub(crate) run_after: i64,
    pub(crate) created_by: &'a str,
}

/// Inserts a job through `db` (the transaction of the change it carries out).
pub(crate) async fn insert_job(
    db: &impl ConnectionTrait,
    job: NewJob<'_>,
) -> Result<i64, StoreError> {
    let now = now_micros();
    let inserted = publish_jobs::Entity::insert(publish_jobs::ActiveModel {
        kind: Set(job.kind.as_str().to_owned()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        type_name: Set(job.type_name.map(str::to_owned)),
        entry_id: Set(job.entry_id.map(str::to_owned)),
        version: Set(job.version),
        payload: Set(job.payload.map(|p| p.to_string())),
        run_after: Set(job.run_after),
        attempts: Set(0),
        max_attempts: Set(MAX_ATTEMPTS),
        lease_until: Set(None),
        worker: Set(None),
        progress: Set(None),
        result: Set(None),
        error: Set(None),
        created_at: Set(now),
        created_by: Set(job.created_by.chars().take(255).collect()),
        started_at: Set(None),
        finished_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(inserted.last_insert_id)
}

/// Cancels the entry's queued jobs of `kind` (a new transition supersedes them).
pub(crate) async fn cancel_queued(
    db: &impl ConnectionTrait,
    entry_id: &str,
    kind: JobKind,
    reason: &str,
) -> Result<u64, StoreError> {
    let result = publish_jobs::Entity::update_many()
        .col_expr(
            publish_jobs::Column::Status,
            Expr::value(JobStatus::Cancelled.as_str()),
        )
        .col_expr(publish_jobs::Column::Error, Expr::value(reason))
        .col_expr(publish_jobs::Column::FinishedAt, Expr::value(now_micros()))
        .filter(publish_jobs::Column::EntryId.eq(entry_id))
        .filter(publish_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
        .filter(publish_jobs::Column::Kind.eq(kind.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub(crate) async fn find_job(db: &impl ConnectionTrait, id: i64) -> Result<Job, StoreError> {
    publish_jobs::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_into()
}

/// The update that makes jobs `worker`'s: running, leased, one more attempt.
fn claim_update(
    worker: &str,
    now: i64,
    lease: Duration,
) -> sea_orm::UpdateMany<publish_jobs::Entity> {
    publish_jobs::Entity::update_many()
        .col_expr(
            publish_jobs::Column::Status,
            Expr::value(JobStatus::Running.as_str()),
        )
        .col_expr(publish_jobs::Column::Worker, Expr::value(worker))
        .col_expr(
            publish_jobs::Column::LeaseUntil,
            Expr::value(now + micros(lease)),
        )
        .col_expr(
            publish_jobs::Column::Attempts,
            Expr::col(publish_jobs::Column::Attempts).add(1),
        )
        .col_expr(publish_jobs::Column::StartedAt, Expr::value(now))
}

/// Marks a job cancelled (or, with `Failed`, failed for good) inside `db`, saying why.
pub(crate) async fn close_job(
    db: &impl ConnectionTrait,
    id: i64,
    status: JobStatus,
    reason: &str,
) -> Result<(), StoreError> {
    publish_jobs::Entity::update_many()
        .col_expr(publish_jobs::Column::Status, Expr::value(status.as_str()))
        .col_expr(publish_jobs::Column::Error, Expr::value(reason))
        .col_expr(publish_jobs::Column::LeaseUntil, Expr::value(None::<i64>))
        .col_expr(publish_jobs::Column::FinishedAt, Expr::value(now_micros()))
        .filter(publish_jobs::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl Store {
    /// A page of jobs, newest first.
    pub async fn jobs(&self, query: &JobQuery) -> Result<Vec<Job>, StoreError> {
        let mut select = publish_jobs::Entity::find();
        if let Some(status) = query.status {
            select = select.filter(publish_jobs::Column::Status.eq(status.as_str()));
        }
        if let Some(kind) = query.kind {
            select = select.filter(publish_jobs::Column::Kind.eq(kind.as_str()));
        }
        if let Some(entry_id) = &query.entry_id {
            select = select.filter(publish_jobs::Column::EntryId.eq(entry_id));
        }
        if let Some(types) = &query.types {
            select = select.filter(publish_jobs::Column::TypeName.is_in(types.iter().cloned()));
        }
        if let Some(before) = query.before {
            select = select.filter(publish_jobs::Column::Id.lt(before));
        }
        select
            .order_by_desc(publish_jobs::Column::Id)
            .limit(query.limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(Job::try_from)
            .collect()
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Job, StoreError> {
        find_job(&self.read, id).await
    }

    /// Queues a rebuild of one type (or all), or returns the one already queued or running for
    /// the same scope (`false`), so that repeating the command resumes rather than restarts.
    pub async fn enqueue_rebuild(
        &self,
        type_name: Option<&str>,
        actor: &Actor,
    ) -> Result<(Job, bool), StoreError> {
        let txn = self.begin_write().await?;
        // Two requests at once take turns on this row (PostgreSQL; on SQLite every write
        // transaction is exclusive): the second sees the first one's job.
        publish_state::Entity::find_by_id(1)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let mut pending = publish_jobs::Entity::find()
            .filter(publish_jobs::Column::Kind.eq(JobKind::Rebuild.as_str()))
            .filter(
                publish_jobs::Column::Status
                    .is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]),
            );
        pending = match type_name {
            Some(name) => pending.filter(publish_jobs::Column::TypeName.eq(name)),
            None => pending.filter(publish_jobs::Column::TypeName.is_null()),
        };
        if let Some(existing) = pending.one(&txn).await? {
            // The request is recorded all the same, naming the job it joined.
            record(
                &txn,
                actor,
                AuditEvent::on("publish.rebuild", "job", existing.id.to_string())
                    .with(serde_json::json!({"type": type_name, "joined": true})),
            )
            .await?;
            txn.commit().await?;
            return Ok((existing.try_into()?, false));
        }
        let id = insert_job(
            &txn,
            NewJob {
                kind: JobKind::Rebuild,
                type_name,
                entry_id: None,
                version: None,
                payload: None,
                run_after: now_micros(),
                created_by: &actor.id,
            },
        )
        .await?;
        record(
            &txn,
            actor,
            AuditEvent::on("publish.rebuild", "job", id.to_string())
                .with(serde_json::json!({"type": type_name})),
        )
        .await?;
        let job = find_job(&txn, id).await?;
        txn.commit().await?;
        Ok((job, true))
    }

    /// Claims the next batch of bucket jobs for `worker`: the jobs of a worker whose lease ran
    /// out (to resume them), else up to `max` due `publish`/`unpublish` jobs in id order (with
    /// every job waiting to retry its bucket step), or one `rebuild`. Nothing while another
    /// worker holds a live lease on a bucket job.
    pub async fn claim_bucket_jobs(
        &self,
        worker: &str,
        lease: Duration,
        max: u64,
    ) -> Result<Vec<Job>, StoreError> {
        let txn = self.begin_write().await?;
        // Claimers queue on this row lock (PostgreSQL), so each sees the previous one's claim.
        publish_state::Entity::find_by_id(1)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let now = now_micros();
        let running = publish_jobs::Entity::find()
            .filter(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .filter(publish_jobs::Column::Kind.is_in(BUCKET_KINDS))
            .order_by_asc(publish_jobs::Column::Id)
            .all(&txn)
            .await?;
        if running
            .iter()
            .any(|job| job.lease_until.is_some_and(|until| until > now))
        {
            txn.commit().await?;
            return Ok(Vec::new());
        }
        let claimed: Vec<publish_jobs::Model> = if running.is_empty() {
            // Publications and unpublications first, so that a long rebuild (which gives way
            // between its chunks) never holds up a scheduled one for long.
            let due = |kinds: &[&'static str], limit: u64| {
                publish_jobs::Entity::find()
                    .filter(publish_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
                    .filter(publish_jobs::Column::RunAfter.lte(now))
                    .filter(publish_jobs::Column::Kind.is_in(kinds.iter().copied()))
                    .order_by_asc(publish_jobs::Column::Id)
                    .limit(limit)
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            };
            let mut entries = due(&ENTRY_KINDS, Ord::max(max, 1)).all(&txn).await?;
            if entries.is_empty() {
                due(&[JobKind::Rebuild.as_str()], 1).all(&txn).await?
            } else {
                // Batches whose change is recorded but whose pages, manifest or deletions
                // failed come along before their retry is due: the pages in the bucket are
                // theirs until written, and this batch may delete an object one of them
                // still names. Their steps run first, in the same pass.
                let waiting = publish_jobs::Entity::find()
                    .filter(publish_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
                    .filter(publish_jobs::Column::RunAfter.gt(now))
                    .filter(publish_jobs::Column::Kind.is_in(BUCKET_KINDS))
                    .filter(publish_jobs::Column::Progress.is_not_null())
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                    .all(&txn)
                    .await?;
                entries.extend(
                    waiting
                        .into_iter()
                        .filter(|job| progress_has_bucket_step(job.progress.as_deref())),
                );
                entries
            }
        } else {
            // A worker stopped in the middle of these: resume them, unless they were tried
            // too often already.
            let (spent, resumable): (Vec<_>, Vec<_>) = running.into_iter().partition(|job| {
                job.attempts >= job.max_attempts
                    && !progress_has_bucket_step(job.progress.as_deref())
            });
            for job in spent {
                publish_jobs::Entity::update_many()
                    .col_expr(
                        publish_jobs::Column::Status,
                        Expr::value(JobStatus::Failed.as_str()),
                    )
                    .col_expr(
                        publish_jobs::Column::Error,
                        Expr::value(format!(
                            "the worker stopped during each of {} attempts (lease expired)",
                            job.attempts
                        )),
                    )
                    .col_expr(publish_jobs::Column::FinishedAt, Expr::value(now))
                    .col_expr(publish_jobs::Column::LeaseUntil, Expr::value(None::<i64>))
                    .filter(publish_jobs::Column::Id.eq(job.id))
                    .exec(&txn)
                    .await?;
            }
            resumable
        };
        let ids: Vec<i64> = claimed.iter().map(|job| job.id).collect();
        if !ids.is_empty() {
            claim_update(worker, now, lease)
                .filter(publish_jobs::Column::Id.is_in(ids.clone()))
                .exec(&txn)
                .await?;
        }
        let jobs = if ids.is_empty() {
            Vec::new()
        } else {
            publish_jobs::Entity::find()
                .filter(publish_jobs::Column::Id.is_in(ids))
                .order_by_asc(publish_jobs::Column::Id)
                .all(&txn)
                .await?
        };
        txn.commit().await?;
        jobs.into_iter().map(Job::try_from).collect()
    }

    /// Claims one due notification job (or one whose worker's lease ran out).
    pub async fn claim_notify_job(
        &self,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<Job>, StoreError> {
        let txn = self.begin_write().await?;
        let now = now_micros();
        let candidate = publish_jobs::Entity::find()
            .filter(publish_jobs::Column::Kind.eq(JobKind::Notify.as_str()))
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(publish_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
                            .add(publish_jobs::Column::RunAfter.lte(now)),
                    )
                    .add(
                        Condition::all()
                            .add(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
                            .add(publish_jobs::Column::LeaseUntil.lt(now)),
                    ),
            )
            .order_by_asc(publish_jobs::Column::Id)
            .limit(1)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .one(&txn)
            .await?;
        let Some(candidate) = candidate else {
            txn.commit().await?;
            return Ok(None);
        };
        let claimed = claim_update(worker, now, lease)
            .filter(publish_jobs::Column::Id.eq(candidate.id))
            .filter(publish_jobs::Column::Status.eq(candidate.status.clone()))
            .exec(&txn)
            .await?;
        let job = if claimed.rows_affected == 1 {
            Some(find_job(&txn, candidate.id).await?)
        } else {
            None
        };
        txn.commit().await?;
        Ok(job)
    }

    /// Renews `worker`'s lease on its running jobs; `false` when it holds none any more (its
    /// lease ran out and another worker took them over): it must stop.
    pub async fn renew_lease(
        &self,
        worker: &str,
        ids: &[i64],
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let result = publish_jobs::Entity::update_many()
            .col_expr(
                publish_jobs::Column::LeaseUntil,
                Expr::value(now_micros() + micros(lease)),
            )
            .filter(publish_jobs::Column::Id.is_in(ids.iter().copied()))
            .filter(publish_jobs::Column::Worker.eq(worker))
            .filter(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .exec(&self.write)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Records how far `worker` got with its jobs, so that a successor can resume.
    pub async fn save_job_progress(
        &self,
        ids: &[i64],
        worker: &str,
        progress: &Value,
    ) -> Result<(), StoreError> {
        save_progress(&self.write, ids, worker, progress).await
    }

    /// Marks `worker`'s jobs done with their result and, when `notify` is given, queues the
    /// notification of the paths they changed, in one transaction.
    pub async fn complete_jobs(
        &self,
        ids: &[i64],
        worker: &str,
        result: Option<&Value>,
        notify: Option<Value>,
    ) -> Result<Option<i64>, StoreError> {
        let txn = self.begin_write().await?;
        let now = now_micros();
        let notify_id = match notify {
            Some(payload) => Some(
                insert_job(
                    &txn,
                    NewJob {
                        kind: JobKind::Notify,
                        type_name: None,
                        entry_id: None,
                        version: None,
                        payload: Some(payload),
                        run_after: now,
                        created_by: "system",
                    },
                )
                .await?,
            ),
            None => None,
        };
        // The result names the notification, whose deliveries (and failures) show on it.
        let result = result.map(|result| {
            let mut result = result.clone();
            if let (Some(id), Value::Object(map)) = (notify_id, &mut result) {
                map.insert("notify_job".into(), Value::from(id));
            }
            result
        });
        publish_jobs::Entity::update_many()
            .col_expr(
                publish_jobs::Column::Status,
                Expr::value(JobStatus::Done.as_str()),
            )
            .col_expr(
                publish_jobs::Column::Result,
                Expr::value(result.as_ref().map(Value::to_string)),
            )
            .col_expr(publish_jobs::Column::Error, Expr::value(None::<String>))
            .col_expr(publish_jobs::Column::LeaseUntil, Expr::value(None::<i64>))
            .col_expr(publish_jobs::Column::FinishedAt, Expr::value(now))
            .filter(publish_jobs::Column::Id.is_in(ids.iter().copied()))
            .filter(publish_jobs::Column::Worker.eq(worker))
            .filter(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(notify_id)
    }

    /// Records a failed attempt: the job is queued again after the backoff delay, or fails for
    /// good after its last attempt (or at once when `retry` is false). Returns the new status.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry: bool,
    ) -> Result<JobStatus, StoreError> {
        let txn = self.begin_write().await?;
        let job = find_job(&txn, id).await?;
        let now = now_micros();
        // A job whose change the database already records has only the bucket left to bring
        // in line (pages, manifest, deletions): giving up would leave the bucket behind the
        // database for good, so it is retried until the bucket takes it.
        let give_up = !job.bucket_step_pending() && (!retry || job.attempts >= job.max_attempts);
        let status = if give_up {
            JobStatus::Failed
        } else {
            JobStatus::Queued
        };
        let mut update = publish_jobs::Entity::update_many()
            .col_expr(publish_jobs::Column::Status, Expr::value(status.as_str()))
            .col_expr(publish_jobs::Column::Error, Expr::value(error))
            .col_expr(publish_jobs::Column::LeaseUntil, Expr::value(None::<i64>))
            .col_expr(publish_jobs::Column::Worker, Expr::value(None::<String>));
        update = if give_up {
            update.col_expr(publish_jobs::Column::FinishedAt, Expr::value(now))
        } else {
            update.col_expr(
                publish_jobs::Column::RunAfter,
                Expr::value(now + micros(retry_delay(job.attempts))),
            )
        };
        update
            .filter(publish_jobs::Column::Id.eq(id))
            .filter(publish_jobs::Column::Worker.eq(worker))
            .filter(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(status)
    }

    /// Whether a publication or unpublication is due (a rebuild then gives way).
    pub async fn entry_jobs_due(&self) -> Result<bool, StoreError> {
        Ok(publish_jobs::Entity::find()
            .filter(publish_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
            .filter(publish_jobs::Column::RunAfter.lte(now_micros()))
            .filter(publish_jobs::Column::Kind.is_in(ENTRY_KINDS))
            .one(&self.read)
            .await?
            .is_some())
    }

    /// Puts a running job of this worker back in the queue, due now, with its progress and
    /// without counting the attempt: a rebuild giving way to due publications between its
    /// chunks resumes where it stopped.
    pub async fn yield_job(&self, id: i64, worker: &str) -> Result<(), StoreError> {
        let updated = publish_jobs::Entity::update_many()
            .col_expr(
                publish_jobs::Column::Status,
                Expr::value(JobStatus::Queued.as_str()),
            )
            .col_expr(publish_jobs::Column::Worker, Expr::value(None::<String>))
            .col_expr(publish_jobs::Column::LeaseUntil, Expr::value(None::<i64>))
            .col_expr(publish_jobs::Column::RunAfter, Expr::value(now_micros()))
            .col_expr(
                publish_jobs::Column::Attempts,
                Expr::col(publish_jobs::Column::Attempts).sub(1),
            )
            .filter(publish_jobs::Column::Id.eq(id))
            .filter(publish_jobs::Column::Worker.eq(worker))
            .filter(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .exec(&self.write)
            .await?;
        if updated.rows_affected == 0 {
            return Err(StoreError::JobsTakenOver);
        }
        Ok(())
    }

    /// Lets every running job be resumed at once. Only when no other process can be working
    /// on the database ([`Store::join_processes`]): their worker cannot be alive.
    pub(crate) async fn release_orphaned_jobs(&self) -> Result<u64, StoreError> {
        let result = publish_jobs::Entity::update_many()
            .col_expr(publish_jobs::Column::LeaseUntil, Expr::value(0i64))
            .filter(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
            .exec(&self.write)
            .await?;
        Ok(result.rows_affected)
    }

    /// Whether a bucket job is queued and due, or running (tests and the rebuild command wait
    /// on this).
    pub async fn bucket_work_pending(&self) -> Result<bool, StoreError> {
        let found = publish_jobs::Entity::find()
            .select_only()
            .column(publish_jobs::Column::Id)
            .filter(publish_jobs::Column::Kind.is_in(BUCKET_KINDS))
            .filter(
                Condition::any()
                    .add(publish_jobs::Column::Status.eq(JobStatus::Running.as_str()))
                    .add(
                        Condition::all()
                            .add(publish_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
                            .add(publish_jobs::Column::RunAfter.lte(now_micros())),
                    ),
            )
            .into_tuple::<i64>()
            .one(&self.read)
            .await?;
        Ok(found.is_some())
    }
}

/// Records the progress of jobs this worker holds. `JobsTakenOver` when any of them is no
/// longer this worker's: inside a transaction, that aborts the step it records, so two
/// workers never both apply the same batch (the update also locks the rows until commit).
pub(crate) async fn save_progress(
    db: &impl ConnectionTrait,
    ids: &[i64],
    worker: &str,
    progress: &Value,
) -> Result<(), StoreError> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let updated = publish_jobs::Entity::update_many()
        .col_expr(
            publish_jobs::Column::Progress,
            Expr::value(progress.to_string()),
        )
        .filter(publish_jobs::Column::Id.is_in(unique.iter().copied()))
        .filter(publish_jobs::Column::Worker.eq(worker))
        .exec(db)
        .await?;
    if updated.rows_affected < unique.len() as u64 {
        return Err(StoreError::JobsTakenOver);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_batch_is_recognised_by_its_progress() {
        assert!(progress_has_bucket_step(Some(
            r#"{"phase":"indexes","revision":3}"#
        )));
        assert!(!progress_has_bucket_step(Some(r#"{"transitioned":true}"#)));
        assert!(!progress_has_bucket_step(Some("not json")));
        assert!(!progress_has_bucket_step(None));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_limit() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(4), Duration::from_secs(8));
        assert_eq!(retry_delay(30), MAX_RETRY);
        assert_eq!(retry_delay(0), Duration::from_secs(1));
    }

    #[test]
    fn only_notifications_run_beside_bucket_jobs() {
        for kind in JobKind::ALL {
            assert_eq!(
                kind.writes_bucket(),
                BUCKET_KINDS.contains(&kind.as_str()),
                "{kind:?}"
            );
        }
    }
}
