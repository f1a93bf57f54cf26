//! The worker `herald serve` runs: it claims bucket jobs one batch at a time (the store makes
//! sure only one worker across all servers writes the bucket at a time, under a renewed
//! lease), and sends notifications beside them.
//!
//! A batch goes through these steps, each safe to repeat after a crash:
//!
//! 1. scheduled jobs apply their transition (recorded in the job's progress);
//! 2. the plan: which paths change, from the database ([`crate::sync`]);
//! 3. the new objects are rendered, checked against their JSON Schema and written;
//! 4. one transaction records them (`published_entries`, listing counters, redirects, the
//!    bucket revision) together with the remaining step in the jobs' progress;
//! 5. the touched index pages, `redirects.json`, the types' schemas and, last,
//!    `manifest.json` are written;
//! 6. only then are the objects that left the bucket deleted, the jobs completed and the
//!    notification queued.
//!
//! A worker that dies after step 4 leaves its jobs `running`; once its lease runs out the
//! next claim resumes them at step 5. Before step 4 nothing points at the new objects yet.
//! Past step 4 a batch is never given up (the store retries it, backing off, however often it
//! failed): the database already records the change, and the bucket must follow.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use herald_assets::AssetStorage;
use herald_model::Locales;
use herald_model::render::EntryMeta;
use herald_store::{Job, JobKind, JobStatus, Listing, Numbering, SlotChange, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::bucket::Bucket;
use crate::keys::{
    CacheClass, MANIFEST, REDIRECTS, index_key, page_key, parse_entry_key, schema_key,
};
use crate::notify::{NotifyTarget, deliver, delivery_keys};
use crate::render::{References, RenderFailure, Renderer, uses};
use crate::{PublishError, pages, rebuild, sync};

/// How many paths a job's result lists (a rebuild writes many more; it gives counts).
const MAX_LISTED_PATHS: usize = 1000;

/// The key of a job's progress listing what its attempt is about to write (before its
/// transaction records it).
const PLANNED: &str = "planned";

/// The keys an earlier attempt planned to write, from a job's progress.
fn planned(progress: Option<&Value>) -> BTreeSet<String> {
    progress
        .and_then(|p| p.get(PLANNED))
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or_default()
}

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Objects per index page.
    pub page_size: i64,
    /// Most publish and unpublish jobs handled in one batch.
    pub batch_size: u64,
    /// How long a claim holds jobs without renewal; renewed every third of it.
    pub lease: Duration,
    /// How often to look for due jobs (scheduled ones, and those queued by other servers)
    /// when not woken.
    pub poll: Duration,
    /// Objects written to the bucket at once.
    pub concurrency: usize,
    /// The CDN purge URL and the webhooks.
    pub notify: Vec<NotifyTarget>,
    /// Fault injection for the crash tests (`HERALD_PUBLISH_PAUSE`).
    pub pause: Option<Pause>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_size: 100,
            batch_size: 100,
            lease: Duration::from_secs(15),
            poll: Duration::from_millis(500),
            concurrency: 16,
            notify: Vec::new(),
            pause: None,
        }
    }
}

/// A pause at a named step of a batch (`after_objects`, `after_commit`, `after_manifest`,
/// `rebuild_chunk`), so that a test can kill the process exactly there. Set with
/// `HERALD_PUBLISH_PAUSE=<step>:<milliseconds>`; never in production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    pub step: String,
    pub duration: Duration,
}

impl Pause {
    /// `after_commit:3000`.
    pub fn parse(text: &str) -> Option<Pause> {
        let (step, millis) = text.split_once(':')?;
        Some(Pause {
            step: step.trim().to_owned(),
            duration: Duration::from_millis(millis.trim().parse().ok()?),
        })
    }
}

/// Wakes the worker when a transition queued a job (the API holds one).
#[derive(Debug, Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// The publishing pipeline of one server. Cheap to clone.
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    bucket: Bucket,
    /// The private store of uploads, copied from into the bucket as entries are published.
    assets: AssetStorage,
    renderer: Arc<Renderer>,
    locales: Locales,
    options: Options,
    /// This worker's name in the job table.
    worker: String,
    bucket_wake: Waker,
    notify_wake: Waker,
    client: reqwest::Client,
    /// Whether this process wrote every type's JSON Schema and `redirects.json` yet. The
    /// manifest names them all, and the schema set only changes with a restart, so the first
    /// batch writes them all (`redirects.json` as `{}` on a bucket that never had a redirect).
    fixed_written: AtomicBool,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("worker", &self.inner.worker)
            .field("bucket", &self.inner.bucket)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// What is left to do after a batch's transaction (step 5 and 6), kept in its jobs'
/// progress so that a successor can finish it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BucketStep {
    /// Always `indexes`: tells this progress from a rebuild's.
    pub(crate) phase: String,
    pub(crate) revision: i64,
    /// Index pages to write: (type, locale, page).
    pub(crate) pages: BTreeSet<(String, String, i64)>,
    /// Types whose every page is written (a rebuild).
    pub(crate) full: BTreeSet<String>,
    /// Objects to delete once the manifest is written.
    pub(crate) deletes: BTreeSet<String>,
    /// Types whose JSON Schema is written.
    pub(crate) types: BTreeSet<String>,
    pub(crate) redirects: bool,
    /// Entry objects written (at most [`MAX_LISTED_PATHS`]) and how many.
    pub(crate) written: Vec<String>,
    pub(crate) written_count: usize,
    /// Entries a rebuild could not render: `id: reason`.
    #[serde(default)]
    pub(crate) skipped: Vec<String>,
    pub(crate) jobs: BTreeSet<i64>,
}

impl BucketStep {
    pub(crate) const PHASE: &'static str = herald_store::BUCKET_STEP_PHASE;

    pub(crate) fn from_progress(progress: Option<&Value>) -> Option<BucketStep> {
        let progress = progress?;
        if progress.get("phase").and_then(Value::as_str) != Some(Self::PHASE) {
            return None;
        }
        serde_json::from_value(progress.clone()).ok()
    }

    pub(crate) fn to_progress(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Takes in what the database recorded: the pages to write, whether the redirects
    /// changed, the revision, and the public files to withdraw with the old objects.
    pub(crate) fn record(&mut self, applied: &herald_store::Applied) {
        self.pages.extend(applied.pages.iter().cloned());
        self.redirects |= applied.redirects_changed;
        self.revision = applied.revision;
        self.deletes.extend(applied.withdrawn.iter().cloned());
    }

    fn merge(&mut self, other: BucketStep) {
        self.revision = self.revision.max(other.revision);
        self.pages.extend(other.pages);
        self.full.extend(other.full);
        self.deletes.extend(other.deletes);
        self.types.extend(other.types);
        self.redirects |= other.redirects;
        for path in other.written {
            if self.written.len() < MAX_LISTED_PATHS && !self.written.contains(&path) {
                self.written.push(path);
            }
        }
        self.written_count += other.written_count;
        self.skipped.extend(other.skipped);
        self.jobs.extend(other.jobs);
    }
}

/// Renews the lease on a batch's jobs in the background; tells the batch when it is lost.
pub(crate) struct LeaseKeeper {
    lost: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl LeaseKeeper {
    fn start(publisher: &Publisher, ids: Vec<i64>) -> LeaseKeeper {
        let lost = Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        let store = publisher.inner.store.clone();
        let worker = publisher.inner.worker.clone();
        let lease = publisher.inner.options.lease;
        let task = tokio::spawn(async move {
            let mut renewed = tokio::time::Instant::now();
            loop {
                tokio::time::sleep(lease / 3).await;
                match store.renew_lease(&worker, &ids, lease).await {
                    Ok(true) => renewed = tokio::time::Instant::now(),
                    Ok(false) => {
                        flag.store(true, Ordering::SeqCst);
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot renew the publishing lease");
                        // Past two thirds of the lease without a renewal, another worker may
                        // claim the jobs any moment: stop writing before it can.
                        if renewed.elapsed() >= lease * 2 / 3 {
                            flag.store(true, Ordering::SeqCst);
                            break;
                        }
                    }
                }
            }
        });
        LeaseKeeper { lost, task }
    }

    /// `LeaseLost` once another worker may have taken the jobs over: stop writing.
    pub(crate) fn check(&self) -> Result<(), PublishError> {
        if self.lost.load(Ordering::SeqCst) {
            Err(PublishError::LeaseLost)
        } else {
            Ok(())
        }
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Publisher {
    /// A publisher writing to `bucket`, copying uploads from `assets`.
    pub fn new(
        store: Store,
        bucket: Bucket,
        assets: AssetStorage,
        renderer: Arc<Renderer>,
        locales: Locales,
        options: Options,
    ) -> Result<Publisher, PublishError> {
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| PublishError::Task(format!("HTTP client: {e}")))?;
        Ok(Publisher {
            inner: Arc::new(Inner {
                store,
                bucket,
                assets,
                renderer,
                locales,
                options,
                worker: format!("worker-{}", uuid::Uuid::now_v7()),
                bucket_wake: Waker::default(),
                notify_wake: Waker::default(),
                client,
                fixed_written: AtomicBool::new(false),
            }),
        })
    }

    /// What the API calls after queuing a job.
    pub fn waker(&self) -> Waker {
        self.inner.bucket_wake.clone()
    }

    pub fn bucket(&self) -> &Bucket {
        &self.inner.bucket
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    pub(crate) fn locales(&self) -> &Locales {
        &self.inner.locales
    }

    pub(crate) fn options(&self) -> &Options {
        &self.inner.options
    }

    pub(crate) fn worker(&self) -> &str {
        &self.inner.worker
    }

    /// Runs the worker until `stop` turns true: a batch in progress is finished first.
    pub fn spawn(&self, stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let publisher = self.clone();
        tokio::spawn(async move {
            futures::join!(
                publisher.run_loop(stop.clone(), false),
                publisher.run_loop(stop, true)
            );
        })
    }

    async fn run_loop(&self, mut stop: watch::Receiver<bool>, notifications: bool) {
        let wake = if notifications {
            &self.inner.notify_wake
        } else {
            &self.inner.bucket_wake
        };
        loop {
            if *stop.borrow() {
                break;
            }
            let round = if notifications {
                self.notify_round().await
            } else {
                self.bucket_round().await
            };
            let worked = round.unwrap_or_else(|error| {
                tracing::warn!(%error, "publishing worker");
                false
            });
            if worked {
                continue;
            }
            tokio::select! {
                changed = stop.changed() => if changed.is_err() { break },
                () = wake.0.notified() => {},
                () = tokio::time::sleep(self.inner.options.poll) => {},
            }
        }
    }

    /// Runs every due job until none is left (tests and tools).
    pub async fn run_until_idle(&self) -> Result<(), PublishError> {
        loop {
            let bucket = self.bucket_round().await?;
            let notify = self.notify_round().await?;
            if !bucket && !notify {
                return Ok(());
            }
        }
    }

    /// Works until job `id` is finished, calling `report` with it after each step (the
    /// rebuild command). When another server holds the job, waits for it.
    pub async fn drive(&self, id: i64, mut report: impl FnMut(&Job)) -> Result<Job, PublishError> {
        loop {
            let round = self.bucket_round();
            tokio::pin!(round);
            let worked = loop {
                tokio::select! {
                    worked = &mut round => break worked?,
                    () = tokio::time::sleep(Duration::from_millis(250)) => {
                        if let Ok(job) = self.inner.store.job(id).await {
                            report(&job);
                        }
                    }
                }
            };
            let job = self.inner.store.job(id).await?;
            report(&job);
            if matches!(
                job.status,
                JobStatus::Done | JobStatus::Failed | JobStatus::Cancelled
            ) {
                // Leave nothing half-sent: deliver what this run queued.
                while self.notify_round().await? {}
                return Ok(job);
            }
            if !worked {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// Claims and carries out one batch of bucket jobs; `false` when there was none.
    pub async fn bucket_round(&self) -> Result<bool, PublishError> {
        let options = &self.inner.options;
        let jobs = self
            .inner
            .store
            .claim_bucket_jobs(&self.inner.worker, options.lease, options.batch_size)
            .await?;
        if jobs.is_empty() {
            return Ok(false);
        }
        let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
        let lease = LeaseKeeper::start(self, ids.clone());
        let outcome = match jobs.first() {
            // A rebuild runs alone, unless it only has its bucket step left and comes along
            // with publications (see `claim_bucket_jobs`): then it is a batch like theirs.
            Some(job) if job.kind == JobKind::Rebuild && jobs.len() == 1 => {
                rebuild::run(self, job, &lease).await
            }
            _ => self.entry_batch(&jobs, &lease).await,
        };
        drop(lease);
        match outcome {
            Ok(()) => {}
            Err(PublishError::LeaseLost) => {
                tracing::warn!(
                    ?ids,
                    "publishing lease lost; another worker resumes the jobs"
                );
            }
            Err(error) => {
                tracing::warn!(%error, ?ids, "publish batch failed; it will be retried");
                let message = error.to_string();
                for id in ids {
                    self.inner
                        .store
                        .fail_job(id, &self.inner.worker, &message, true)
                        .await?;
                }
            }
        }
        Ok(true)
    }

    /// Publish and unpublish jobs: steps 1 to 6.
    async fn entry_batch(&self, jobs: &[Job], lease: &LeaseKeeper) -> Result<(), PublishError> {
        let store = &self.inner.store;
        let worker = self.inner.worker.as_str();
        let mut steps = Vec::new();
        let mut active = Vec::new();
        for job in jobs {
            if let Some(step) = BucketStep::from_progress(job.progress.as_ref()) {
                steps.push(step);
                continue;
            }
            let scheduled = job
                .payload
                .as_ref()
                .and_then(|p| p.get("scheduled"))
                .is_some_and(|s| s == &Value::Bool(true));
            if scheduled {
                let content_type = job
                    .type_name
                    .as_deref()
                    .and_then(|t| self.inner.renderer.schemas().get(t));
                let Some(content_type) = content_type else {
                    store
                        .fail_job(job.id, worker, "the content type no longer exists", false)
                        .await?;
                    continue;
                };
                match store.apply_scheduled(content_type, job, worker).await? {
                    herald_store::Scheduled::Applied => active.push(job),
                    herald_store::Scheduled::Cancelled(reason) => {
                        tracing::info!(job = job.id, %reason, "scheduled job cancelled");
                    }
                }
            } else {
                active.push(job);
            }
        }
        if !active.is_empty() {
            let mut entry_ids: Vec<String> =
                active.iter().filter_map(|j| j.entry_id.clone()).collect();
            entry_ids.sort_unstable();
            entry_ids.dedup();
            let plan = sync::plan(
                store,
                self.inner.renderer.schemas(),
                &self.inner.locales,
                &entry_ids,
            )
            .await?;
            let rendered = self.render(plan.changes).await?;
            let mut ok_jobs = Vec::new();
            for job in &active {
                match job.entry_id.as_ref().and_then(|id| rendered.failed.get(id)) {
                    Some(error) => {
                        tracing::warn!(job = job.id, %error, "cannot render the entry");
                        store.fail_job(job.id, worker, error, true).await?;
                    }
                    None => ok_jobs.push(job.id),
                }
            }
            // What an earlier attempt of these jobs wrote without recording it (it stopped
            // before its transaction), and what this one writes.
            let leftovers: BTreeSet<String> = active
                .iter()
                .flat_map(|job| planned(job.progress.as_ref()))
                .collect();
            let mut wanted: BTreeSet<String> = rendered
                .objects
                .iter()
                .map(|(key, _)| key.clone())
                .collect();
            wanted.extend(
                rendered
                    .assets
                    .iter()
                    .map(|a| herald_assets::public_key(&a.sha256, &a.filename).to_string()),
            );
            if !wanted.is_empty() && !ok_jobs.is_empty() {
                // Kept before the first object is written: should this attempt stop before
                // its transaction too, and the entries change meanwhile, the next one knows
                // what to take back. (Every active job is past its scheduled transition.)
                let planned: BTreeSet<&String> = leftovers.iter().chain(&wanted).collect();
                store
                    .save_job_progress(
                        &ok_jobs,
                        worker,
                        &json!({"transitioned": true, PLANNED: planned}),
                    )
                    .await?;
            }
            self.upload(&rendered).await?;
            lease.check()?;
            self.pause("after_objects").await;
            // Written before and wanted no more (the entry went offline or moved since), with
            // no row recording it: nothing names it, and nothing would ever delete it.
            let orphans = self
                .unrecorded(leftovers.difference(&wanted).cloned().collect())
                .await?;
            let changes = rendered.changes;
            if changes.is_empty() {
                if orphans.is_empty() {
                    store
                        .complete_jobs(&ok_jobs, worker, Some(&json!({"changed": []})), None)
                        .await?;
                } else {
                    // Deleted after the manifest, with the rest of the batch.
                    steps.push(BucketStep {
                        phase: BucketStep::PHASE.to_owned(),
                        revision: store.bucket_revision().await?,
                        deletes: orphans.into_iter().collect(),
                        jobs: ok_jobs.iter().copied().collect(),
                        ..BucketStep::default()
                    });
                }
            } else {
                let moves = sync::moves(&changes);
                let mut step = BucketStep {
                    phase: BucketStep::PHASE.to_owned(),
                    deletes: changes
                        .iter()
                        .filter(|c| c.new.is_none())
                        .map(SlotChange::path)
                        .chain(orphans)
                        .collect(),
                    types: changes.iter().map(|c| c.type_name.clone()).collect(),
                    written: rendered
                        .objects
                        .iter()
                        .take(MAX_LISTED_PATHS)
                        .map(|(key, _)| key.clone())
                        .collect(),
                    written_count: rendered.objects.len(),
                    jobs: ok_jobs.iter().copied().collect(),
                    ..BucketStep::default()
                };
                let applied = store
                    .apply_slot_changes(
                        &changes,
                        &moves,
                        Numbering::Next,
                        self.inner.options.page_size,
                        (&ok_jobs, worker),
                        |applied| {
                            let mut step = step.clone();
                            step.record(applied);
                            step.to_progress()
                        },
                    )
                    .await?;
                step.record(&applied);
                steps.push(step);
            }
        }
        self.pause("after_commit").await;
        if let Some(mut merged) = steps.pop() {
            for step in steps {
                merged.merge(step);
            }
            for job in jobs {
                if BucketStep::from_progress(job.progress.as_ref()).is_some() {
                    merged.jobs.insert(job.id);
                }
            }
            self.finish(merged, lease).await?;
        }
        Ok(())
    }

    /// Of `keys` (entry objects and public files an earlier attempt wrote), those no recorded
    /// object is or shows. Files are only judged once every published object's files are
    /// recorded ([`Store::assets_recorded`]).
    async fn unrecorded(&self, keys: Vec<String>) -> Result<Vec<String>, PublishError> {
        let store = &self.inner.store;
        let mut slots: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        let mut files = Vec::new();
        for key in &keys {
            match parse_entry_key(key) {
                Some((type_name, locale, slug)) => {
                    slots.entry(type_name).or_default().push((locale, slug));
                }
                None if key.starts_with("assets/") => files.push(key.clone()),
                None => {}
            }
        }
        let mut orphans = Vec::new();
        for (type_name, slots) in slots {
            let slugs: Vec<String> = slots.iter().map(|(_, slug)| (*slug).to_owned()).collect();
            let recorded: BTreeSet<(String, String)> = store
                .objects_at(type_name, &slugs)
                .await?
                .into_iter()
                .map(|o| (o.locale, o.slug))
                .collect();
            orphans.extend(
                slots
                    .into_iter()
                    .filter(|(l, s)| !recorded.contains(&((*l).to_owned(), (*s).to_owned())))
                    .map(|(locale, slug)| herald_model::render::entry_key(type_name, locale, slug)),
            );
        }
        if !files.is_empty() && store.assets_recorded().await? {
            let shown = store.shown_assets(&files).await?;
            orphans.extend(files.into_iter().filter(|f| !shown.contains(f)));
        }
        if !orphans.is_empty() {
            tracing::info!(
                objects = orphans.len(),
                "deleting objects an interrupted attempt wrote and no entry shows"
            );
        }
        Ok(orphans)
    }

    /// Renders the new objects of `changes`. Changes whose entry cannot be rendered are left
    /// out (their jobs fail with the reason); the others get their title.
    pub(crate) async fn render(&self, changes: Vec<SlotChange>) -> Result<Rendered, PublishError> {
        let store = &self.inner.store;
        let mut sources: Vec<String> = changes
            .iter()
            .filter_map(|c| c.new.as_ref().map(|n| n.entry_id.clone()))
            .collect();
        sources.sort_unstable();
        sources.dedup();
        let mut fields = HashMap::with_capacity(sources.len());
        for chunk in sources.chunks(500) {
            fields.extend(store.live_fields(chunk).await?);
        }
        let renderer = self.inner.renderer.clone();
        let mut reference_ids = Vec::new();
        let mut asset_uses: HashMap<String, Vec<String>> = HashMap::new();
        for change in &changes {
            if let (Some(new), Some(content_type)) =
                (&change.new, renderer.schemas().get(&change.type_name))
                && let Some(fields) = fields.get(&new.entry_id)
                && !asset_uses.contains_key(&new.entry_id)
            {
                let uses = uses(content_type, fields);
                reference_ids.extend(uses.entries);
                asset_uses.insert(new.entry_id.clone(), uses.assets);
            }
        }
        let asset_ids: Vec<&str> = asset_uses.values().flatten().map(String::as_str).collect();
        let references = References::load(store, &reference_ids)
            .await?
            .live_only()
            .with_assets(store, &asset_ids)
            .await?;
        tokio::task::spawn_blocking(move || {
            render_all(&renderer, changes, &fields, &asset_uses, &references)
        })
        .await
        .map_err(|e| PublishError::Task(e.to_string()))
    }

    /// Writes what a batch rendered: first the assets its entries use (copied from the
    /// private store), then the entry objects, several at a time, so that no object is
    /// readable before the files it points to.
    pub(crate) async fn upload(&self, rendered: &Rendered) -> Result<(), PublishError> {
        let (assets, bucket) = (self.inner.assets.clone(), self.inner.bucket.clone());
        bounded(
            rendered.assets.clone(),
            self.inner.options.concurrency,
            move |asset| {
                let (assets, bucket) = (assets.clone(), bucket.clone());
                async move { bucket.put_asset(&assets, &asset).await }
            },
        )
        .await?;
        self.inner
            .bucket
            .put_json_all(
                rendered.objects.clone(),
                CacheClass::Entry,
                self.inner.options.concurrency,
            )
            .await
    }

    /// Steps 5 and 6: pages, redirects, schemas, the manifest; then deletions, completion and
    /// the notification.
    pub(crate) async fn finish(
        &self,
        step: BucketStep,
        lease: &LeaseKeeper,
    ) -> Result<(), PublishError> {
        let store = &self.inner.store;
        let bucket = &self.inner.bucket;
        let page_size = store
            .listing_page_size()
            .await?
            .unwrap_or(self.inner.options.page_size);
        let listings = store.listings().await?;
        let mut pages = step.pages.clone();
        for listing in listings.iter().filter(|l| step.full.contains(&l.type_name)) {
            for page in 0..=listing.open_page(page_size) {
                pages.insert((listing.type_name.clone(), listing.locale.clone(), page));
            }
        }
        let open_pages: HashMap<(&str, &str), i64> = listings
            .iter()
            .map(|l| {
                (
                    (l.type_name.as_str(), l.locale.as_str()),
                    l.open_page(page_size),
                )
            })
            .collect();
        let mut changed: Vec<String> = Vec::new();
        let work: Vec<(String, String, i64, bool)> = pages
            .iter()
            .map(|(type_name, locale, page)| {
                let open = open_pages.get(&(type_name.as_str(), locale.as_str())) == Some(page);
                (type_name.clone(), locale.clone(), *page, open)
            })
            .collect();
        let (page_store, page_bucket) = (store.clone(), bucket.clone());
        let written = bounded(
            work,
            self.inner.options.concurrency,
            move |(type_name, locale, page, open)| {
                let (store, bucket) = (page_store.clone(), page_bucket.clone());
                async move {
                    let objects = store
                        .index_page(&type_name, &locale, page, page_size)
                        .await?;
                    let body = json_bytes(&pages::index_page(&type_name, &locale, page, &objects));
                    let mut keys = vec![page_key(&type_name, &locale, page)];
                    bucket
                        .put_json(&keys[0], body.clone(), CacheClass::Listing)
                        .await?;
                    if open {
                        let key = index_key(&type_name, &locale);
                        bucket.put_json(&key, body, CacheClass::Listing).await?;
                        keys.push(key);
                    }
                    Ok(keys)
                }
            },
        )
        .await?;
        changed.extend(written.into_iter().flatten());
        let first = !self.inner.fixed_written.load(Ordering::SeqCst);
        // The manifest names `redirects.json` even when no slug ever changed.
        if step.redirects || first {
            let map = store.redirect_map().await?;
            bucket
                .put_json(
                    REDIRECTS,
                    json_bytes(&pages::redirects(&map)),
                    CacheClass::Listing,
                )
                .await?;
            changed.push(REDIRECTS.to_owned());
        }
        let all_types: BTreeSet<String>;
        let types = if !first {
            &step.types
        } else {
            all_types = self
                .inner
                .renderer
                .schemas()
                .names()
                .map(str::to_owned)
                .collect();
            &all_types
        };
        for type_name in types {
            if let Some(content_type) = self.inner.renderer.schemas().get(type_name) {
                let schema = herald_model::json_schema::published_entry(content_type);
                let key = schema_key(type_name);
                bucket
                    .put_json(&key, json_bytes(&schema), CacheClass::Entry)
                    .await?;
                changed.push(key);
            }
        }
        lease.check()?;
        let revision = store.bucket_revision().await?;
        let manifest = pages::manifest(
            revision,
            Utc::now(),
            self.inner.renderer.schemas(),
            &self.inner.locales,
            &listings,
            page_size,
        );
        bucket
            .put_json(MANIFEST, json_bytes(&manifest), CacheClass::Listing)
            .await?;
        self.inner.fixed_written.store(true, Ordering::SeqCst);
        changed.push(MANIFEST.to_owned());
        self.pause("after_manifest").await;
        lease.check()?;
        let delete_bucket = bucket.clone();
        bounded(
            step.deletes.iter().cloned().collect::<Vec<_>>(),
            self.inner.options.concurrency,
            move |key| {
                let bucket = delete_bucket.clone();
                async move { bucket.delete(&key).await }
            },
        )
        .await?;
        let mut deleted: Vec<String> = step.deletes.iter().cloned().collect();
        for listing in listings.iter().filter(|l| step.full.contains(&l.type_name)) {
            deleted.extend(self.delete_pages_after(listing, page_size).await?);
        }
        let mut paths: Vec<String> = step.written.clone();
        paths.extend(deleted.iter().cloned());
        paths.extend(changed);
        paths.sort();
        paths.dedup();
        let whole_types: Vec<String> = step.full.iter().map(|t| format!("content/{t}/")).collect();
        let result = json!({
            "revision": revision,
            "written": step.written,
            "written_count": step.written_count,
            "deleted": deleted,
            "skipped": step.skipped,
            "paths": paths,
        });
        let notify = (!self.inner.options.notify.is_empty()).then(|| {
            let mut body = serde_json::Map::new();
            body.insert("revision".into(), json!(revision));
            body.insert(
                "published_at".into(),
                json!(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            );
            body.insert("paths".into(), json!(paths));
            if !whole_types.is_empty() {
                // A rebuild changed everything under these prefixes.
                body.insert("prefixes".into(), json!(whole_types));
            }
            json!({"body": Value::Object(body).to_string()})
        });
        let ids: Vec<i64> = step.jobs.iter().copied().collect();
        store
            .complete_jobs(&ids, &self.inner.worker, Some(&result), notify)
            .await?;
        self.inner.notify_wake.wake();
        Ok(())
    }

    /// Claims and sends one notification; `false` when none was due.
    pub async fn notify_round(&self) -> Result<bool, PublishError> {
        let store = &self.inner.store;
        let worker = self.inner.worker.as_str();
        let Some(job) = store
            .claim_notify_job(worker, self.inner.options.lease)
            .await?
        else {
            return Ok(false);
        };
        let lease = LeaseKeeper::start(self, vec![job.id]);
        let body = job
            .payload
            .as_ref()
            .and_then(|p| p.get("body"))
            .and_then(Value::as_str)
            .unwrap_or("{}")
            .as_bytes()
            .to_vec();
        let mut delivered: BTreeSet<String> = job
            .progress
            .as_ref()
            .and_then(|p| p.get("delivered"))
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default();
        let mut failures = Vec::new();
        let targets = &self.inner.options.notify;
        for (target, key) in targets.iter().zip(delivery_keys(targets)) {
            if delivered.contains(&key) {
                continue;
            }
            match deliver(&self.inner.client, target, &key, &body).await {
                Ok(()) => {
                    delivered.insert(key);
                }
                Err(error) => failures.push(error),
            }
        }
        lease.check()?;
        drop(lease);
        let progress = json!({"delivered": delivered});
        store
            .save_job_progress(&[job.id], worker, &progress)
            .await?;
        if failures.is_empty() {
            store
                .complete_jobs(&[job.id], worker, Some(&progress), None)
                .await?;
        } else {
            let error = failures.join("; ");
            tracing::warn!(job = job.id, %error, "notification failed; it will be retried");
            store.fail_job(job.id, worker, &error, true).await?;
        }
        Ok(true)
    }

    /// Deletes the pages of `listing` after its open one, left by a rebuild that numbered
    /// the listing again (without the holes unpublished entries left) or by a change of the
    /// page size. They follow each other from the open page up, so they are found by looking
    /// at the next page until one is missing, and deleted from the highest down: an
    /// interruption leaves them still in a row, for the rebuild's resumption to find.
    async fn delete_pages_after(
        &self,
        listing: &Listing,
        page_size: i64,
    ) -> Result<Vec<String>, PublishError> {
        let bucket = &self.inner.bucket;
        let mut orphans = Vec::new();
        let mut page = listing.open_page(page_size) + 1;
        loop {
            let key = page_key(&listing.type_name, &listing.locale, page);
            if !bucket.exists(&key).await? {
                break;
            }
            orphans.push(key);
            page += 1;
        }
        for key in orphans.iter().rev() {
            bucket.delete(key).await?;
        }
        if !orphans.is_empty() {
            tracing::info!(
                type_name = %listing.type_name,
                locale = %listing.locale,
                pages = orphans.len(),
                "deleted listing pages after the newest"
            );
        }
        Ok(orphans)
    }

    /// Fault injection: sleeps at `step` when `HERALD_PUBLISH_PAUSE` names it.
    pub(crate) async fn pause(&self, step: &str) {
        if let Some(pause) = &self.inner.options.pause
            && pause.step == step
        {
            tracing::warn!(
                step,
                millis = pause.duration.as_millis() as u64,
                "pausing (HERALD_PUBLISH_PAUSE)"
            );
            tokio::time::sleep(pause.duration).await;
        }
    }
}

/// Rendered changes.
pub(crate) struct Rendered {
    /// The changes that can be applied, with titles.
    pub(crate) changes: Vec<SlotChange>,
    /// (key, JSON) of every new object.
    pub(crate) objects: Vec<(String, Vec<u8>)>,
    /// The uploaded files the new objects point to, once each: they go public first.
    pub(crate) assets: Vec<herald_store::Asset>,
    /// Entry id → why it could not be rendered.
    pub(crate) failed: BTreeMap<String, String>,
}

fn render_all(
    renderer: &Renderer,
    changes: Vec<SlotChange>,
    fields: &HashMap<String, serde_json::Map<String, Value>>,
    asset_uses: &HashMap<String, Vec<String>>,
    references: &References,
) -> Rendered {
    let mut failed = BTreeMap::new();
    let mut objects = Vec::with_capacity(changes.len());
    let mut titled = Vec::with_capacity(changes.len());
    for mut change in changes {
        let Some(new) = change.new.as_mut() else {
            titled.push(change);
            continue;
        };
        let outcome = match (
            renderer.schemas().get(&change.type_name),
            fields.get(&new.entry_id),
        ) {
            // Its object would overwrite the listing's page of that name.
            _ if herald_model::slug::is_reserved(&change.slug) => Err(format!(
                "the slug `{}` is reserved for the listing pages: give the entry another slug",
                change.slug
            )),
            (Some(content_type), Some(fields)) => {
                let meta = EntryMeta {
                    id: &new.entry_id,
                    type_name: &change.type_name,
                    locale: &change.locale,
                    slug: &change.slug,
                    version: new.version,
                    published_at: new.published_at,
                    fallback_from: new.fallback_from.as_deref(),
                };
                renderer
                    .render(content_type, &meta, fields, references)
                    .map(|value| (value, content_type.title(fields).map(str::to_owned)))
                    .map_err(|failure: RenderFailure| failure.to_string())
            }
            (None, _) => Err(format!("no content type `{}`", change.type_name)),
            (_, None) => Err("the live version's fields are missing".to_owned()),
        };
        match outcome {
            Ok((value, title)) => {
                new.title = title;
                new.assets = asset_uses
                    .get(&new.entry_id)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| references.stored_asset(id))
                    .map(|a| herald_assets::public_key(&a.sha256, &a.filename).to_string())
                    .collect();
                objects.push((new.entry_id.clone(), change.path(), json_bytes(&value)));
                titled.push(change);
            }
            Err(error) => {
                failed.insert(new.entry_id.clone(), error);
            }
        }
    }
    // Everything of an entry that failed is left out, also what rendered before the failure.
    let changes = titled
        .into_iter()
        .filter(|c| {
            c.new
                .as_ref()
                .is_none_or(|n| !failed.contains_key(&n.entry_id))
        })
        .collect();
    let objects: Vec<(String, String, Vec<u8>)> = objects
        .into_iter()
        .filter(|(entry_id, _, _)| !failed.contains_key(entry_id))
        .collect();
    // Only the files of entries that rendered: an embargoed image of an entry that failed
    // stays private.
    let mut public: BTreeMap<(&str, &str), &herald_store::Asset> = BTreeMap::new();
    for (entry_id, _, _) in &objects {
        for id in asset_uses.get(entry_id).into_iter().flatten() {
            if let Some(asset) = references.stored_asset(id) {
                public.insert((&asset.sha256, &asset.filename), asset);
            }
        }
    }
    let assets = public.into_values().cloned().collect();
    let objects = objects
        .into_iter()
        .map(|(_, key, body)| (key, body))
        .collect();
    Rendered {
        changes,
        objects,
        assets,
        failed,
    }
}

/// Runs `work` on every item, at most `limit` at a time, as tasks of their own; the first
/// error stops the rest.
pub(crate) async fn bounded<T, R, F, Fut>(
    items: Vec<T>,
    limit: usize,
    work: F,
) -> Result<Vec<R>, PublishError>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<R, PublishError>> + Send + 'static,
    R: Send + 'static,
{
    let limit = limit.max(1);
    let mut set = tokio::task::JoinSet::new();
    let mut out = Vec::with_capacity(items.len());
    let joined = |joined: Result<Result<R, PublishError>, tokio::task::JoinError>| {
        joined.map_err(|e| PublishError::Task(e.to_string()))?
    };
    for item in items {
        while set.len() >= limit {
            if let Some(done) = set.join_next().await {
                out.push(joined(done)?);
            }
        }
        set.spawn(work(item));
    }
    while let Some(done) = set.join_next().await {
        out.push(joined(done)?);
    }
    Ok(out)
}

/// Compact JSON bytes.
pub(crate) fn json_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_parse() {
        assert_eq!(
            Pause::parse("after_commit:2500"),
            Some(Pause {
                step: "after_commit".into(),
                duration: Duration::from_millis(2500)
            })
        );
        assert_eq!(Pause::parse("after_commit"), None);
        assert_eq!(Pause::parse("x:soon"), None);
    }

    #[test]
    fn steps_merge() {
        let mut a = BucketStep {
            phase: BucketStep::PHASE.into(),
            revision: 3,
            jobs: [1].into(),
            ..BucketStep::default()
        };
        let b = BucketStep {
            phase: BucketStep::PHASE.into(),
            revision: 4,
            redirects: true,
            jobs: [2].into(),
            ..BucketStep::default()
        };
        a.merge(b);
        assert_eq!(a.revision, 4);
        assert!(a.redirects);
        assert_eq!(a.jobs, [1, 2].into());
        let progress = a.to_progress();
        assert_eq!(BucketStep::from_progress(Some(&progress)), Some(a));
        assert_eq!(
            BucketStep::from_progress(Some(&json!({"transitioned": true}))),
            None
        );
    }
}
