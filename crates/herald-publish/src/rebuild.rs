//! Rebuilds (`herald publish rebuild [--type T]`, `POST /publish/rebuild`): every live entry is
//! rendered again and written, in chunks, oldest publication first; after each chunk the
//! objects are recorded and the job's progress saved (how many are done and the last one),
//! so an interrupted rebuild resumes where it stopped. Then the objects no live entry shows
//! any more are dropped from the listings, every page of the rebuilt types, the redirects,
//! the schemas and the manifest are written, and the dropped objects deleted, with the public
//! files no object shows any more.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use herald_model::{Locales, SchemaSet};
use herald_store::{Job, LiveEntry, Numbering, ObjectSource, SlotChange};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::worker::{BucketStep, LeaseKeeper, Publisher};
use crate::{PublishError, sync};

/// Entries rendered and recorded per step.
const CHUNK: usize = 500;
/// Objects read at once when looking for those no live entry shows.
const STALE_PAGE: u64 = 2_000;
/// Entries that could not be rendered, listed in the result (at most).
const MAX_SKIPPED: usize = 100;

/// A rebuild's progress while it writes objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct RebuildProgress {
    phase: String,
    /// Live entries handled so far, of `total`.
    done: usize,
    total: usize,
    /// The last entry handled: (published_at in microseconds, id).
    cursor: Option<(i64, String)>,
    /// Entries that could not be rendered: `id: reason`.
    skipped: Vec<String>,
}

/// The paths each live entry shows: its own, and those of the locales falling back to it.
fn placements(
    schemas: &SchemaSet,
    locales: &Locales,
    live: &[LiveEntry],
) -> HashMap<String, Vec<(String, Option<String>)>> {
    let mut by_slug: HashMap<(&str, &str), Vec<&LiveEntry>> = HashMap::new();
    for entry in live {
        by_slug
            .entry((entry.type_name.as_str(), entry.slug.as_str()))
            .or_default()
            .push(entry);
    }
    let mut shown: HashMap<String, Vec<(String, Option<String>)>> = HashMap::new();
    for ((type_name, slug), entries) in &by_slug {
        let localized = schemas.get(type_name).is_some_and(|t| t.localized);
        for locale in &locales.all {
            if let Some(source) = sync::desired(locales, localized, locale, slug, entries) {
                shown
                    .entry(source.entry_id)
                    .or_default()
                    .push((locale.clone(), source.fallback_from));
            }
        }
    }
    shown
}

/// The recording of a written chunk in the database, under way.
type Recording<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), PublishError>> + Send + 'a>>;

/// What a chunk wrote.
struct Written {
    /// The slot changes to record: those whose object changed.
    changed: Vec<SlotChange>,
    /// Objects that already showed their version: they keep their row.
    unchanged: Vec<SlotChange>,
    /// Entries that could not be rendered: id → reason.
    failed: BTreeMap<String, String>,
}

/// Renders the entries of `chunk` and writes their objects.
async fn write_chunk(
    publisher: &Publisher,
    shown: &HashMap<String, Vec<(String, Option<String>)>>,
    chunk: &[LiveEntry],
) -> Result<Written, PublishError> {
    let store = publisher.store();
    let mut changes = Vec::new();
    let mut slugs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for entry in chunk {
        for (locale, fallback_from) in shown.get(&entry.id).into_iter().flatten() {
            changes.push(SlotChange {
                type_name: entry.type_name.clone(),
                locale: locale.clone(),
                slug: entry.slug.clone(),
                old: None,
                new: Some(ObjectSource {
                    entry_id: entry.id.clone(),
                    version: entry.version,
                    fallback_from: fallback_from.clone(),
                    title: None,
                    published_at: entry.published_at,
                    assets: Vec::new(),
                }),
            });
        }
        slugs
            .entry(entry.type_name.as_str())
            .or_default()
            .push(entry.slug.clone());
    }
    let mut existing = HashMap::new();
    for (type_name, slugs) in slugs {
        for object in store.objects_at(type_name, &slugs).await? {
            existing.insert(
                (
                    object.type_name.clone(),
                    object.locale.clone(),
                    object.slug.clone(),
                ),
                object,
            );
        }
    }
    for change in &mut changes {
        change.old = existing.remove(&(
            change.type_name.clone(),
            change.locale.clone(),
            change.slug.clone(),
        ));
    }
    let rendered = publisher.render(changes).await?;
    publisher.upload(&rendered).await?;
    // Objects that already showed this version keep their row (and place in the listing).
    let (changed, unchanged) = rendered
        .changes
        .into_iter()
        .partition(|c| match (&c.old, &c.new) {
            (Some(old), Some(new)) => !sync::shows(old, new),
            _ => true,
        });
    Ok(Written {
        changed,
        unchanged,
        failed: rendered.failed,
    })
}

/// After a chunk is recorded: checks the lease, and says whether to give way because
/// publications are due (perhaps scheduled to the second): the rebuild then records what it
/// wrote and puts its job back ([`give_way`]); the next claim takes the publications, and the
/// one after resumes this rebuild at its cursor.
async fn after_chunk(
    publisher: &Publisher,
    lease: &LeaseKeeper,
    progress: &RebuildProgress,
) -> Result<bool, PublishError> {
    lease.check()?;
    publisher.pause("rebuild_chunk").await;
    Ok(progress.done < progress.total && publisher.store().entry_jobs_due().await?)
}

/// Puts the rebuild's job back in the queue, due at once, for the publications to run first.
async fn give_way(
    publisher: &Publisher,
    job: &Job,
    progress: &RebuildProgress,
) -> Result<(), PublishError> {
    tracing::info!(
        job = job.id,
        done = progress.done,
        "rebuild gives way to due publications"
    );
    publisher
        .store()
        .yield_job(job.id, publisher.worker())
        .await?;
    Ok(())
}

pub(crate) async fn run(
    publisher: &Publisher,
    job: &Job,
    lease: &LeaseKeeper,
) -> Result<(), PublishError> {
    if let Some(step) = BucketStep::from_progress(job.progress.as_ref()) {
        return publisher.finish(step, lease).await;
    }
    let store = publisher.store();
    let schemas = publisher.renderer().schemas();
    let worker = publisher.worker();
    let page_size = publisher.options().page_size;
    let scope = job.type_name.as_deref();
    if let Some(type_name) = scope
        && schemas.get(type_name).is_none()
    {
        store
            .fail_job(
                job.id,
                worker,
                &format!("no content type `{type_name}`"),
                false,
            )
            .await?;
        return Ok(());
    }
    let mut progress: RebuildProgress = job
        .progress
        .clone()
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default();
    progress.phase = "objects".to_owned();
    // An older bucket's objects do not all have their files recorded: the rebuild records
    // those of the objects it keeps, too.
    let assets_recorded = store.assets_recorded().await?;
    let live: Vec<LiveEntry> = store
        .live_entries(scope)
        .await?
        .into_iter()
        .filter(|e| schemas.get(&e.type_name).is_some())
        .collect();
    let shown = placements(schemas, publisher.locales(), &live);
    let start = match &progress.cursor {
        Some((at, id)) => live.partition_point(|e| {
            (e.published_at.timestamp_micros(), e.id.as_str()) <= (*at, id.as_str())
        }),
        None => 0,
    };
    progress.total = live.len();
    progress.done = start;
    tracing::info!(job = job.id, total = live.len(), from = start, "rebuilding");
    // Chunk N's rows are recorded while chunk N + 1 is rendered and written: its objects go
    // to the bucket before any row (and so any listing) points to them, and on a restart
    // everything after the saved cursor is simply written again.
    let mut recording: Option<Recording<'_>> = None;
    for chunk in live[start..].chunks(CHUNK) {
        let previous = async {
            match recording.take() {
                Some(recording) => recording.await.map(|()| true),
                None => Ok(false),
            }
        };
        let (written, recorded) = futures::join!(write_chunk(publisher, &shown, chunk), previous);
        let yielding = recorded? && after_chunk(publisher, lease, &progress).await?;
        let Written {
            changed: rows,
            unchanged,
            failed,
        } = written?;
        for (id, reason) in failed {
            tracing::warn!(entry = %id, %reason, "rebuild: cannot render the entry; skipped");
            if progress.skipped.len() < MAX_SKIPPED {
                progress.skipped.push(format!("{id}: {reason}"));
            }
        }
        progress.done += chunk.len();
        progress.cursor = chunk
            .last()
            .map(|e| (e.published_at.timestamp_micros(), e.id.clone()));
        let snapshot = serde_json::to_value(&progress).unwrap_or(Value::Null);
        let record: Recording<'_> = Box::pin(async move {
            if !assets_recorded && !unchanged.is_empty() {
                store.record_shown_assets(&unchanged).await?;
            }
            if rows.is_empty() {
                store
                    .save_job_progress(&[job.id], worker, &snapshot)
                    .await?;
            } else {
                // A path keeps its place in the listing until the rebuild's end, when every
                // page is written: the pages in the bucket list it there meanwhile.
                store
                    .apply_slot_changes(
                        &rows,
                        &[],
                        Numbering::KeepPlace,
                        page_size,
                        (&[job.id], worker),
                        |_| snapshot,
                    )
                    .await?;
            }
            Ok(())
        });
        if yielding {
            // This chunk's objects are in the bucket: recorded, a publication that runs
            // meanwhile sees them (and removes one whose entry it takes offline).
            record.await?;
            give_way(publisher, job, &progress).await?;
            return Ok(());
        }
        recording = Some(record);
    }
    if let Some(recording) = recording {
        recording.await?;
        // Nothing is left to write: the last steps follow at once.
        after_chunk(publisher, lease, &progress).await?;
    }
    // Objects no live entry shows any more (unpublished while nothing recorded it, or a
    // type's fallbacks changed) leave the listings and then the bucket.
    let wanted: HashSet<(&str, &str, &str)> = live
        .iter()
        .flat_map(|e| {
            shown
                .get(&e.id)
                .into_iter()
                .flatten()
                .map(|(locale, _)| (e.type_name.as_str(), locale.as_str(), e.slug.as_str()))
        })
        .collect();
    let mut stale: Vec<SlotChange> = Vec::new();
    for (type_name, locale) in store.object_groups(scope).await? {
        let mut after: Option<String> = None;
        loop {
            let page = store
                .objects_after(&type_name, &locale, after.as_deref(), STALE_PAGE)
                .await?;
            let last_page = page.len() < STALE_PAGE as usize;
            after = page.last().map(|o| o.slug.clone());
            stale.extend(
                page.into_iter()
                    .filter(|o| {
                        !wanted.contains(&(
                            o.type_name.as_str(),
                            o.locale.as_str(),
                            o.slug.as_str(),
                        ))
                    })
                    .map(|o| SlotChange {
                        type_name: o.type_name.clone(),
                        locale: o.locale.clone(),
                        slug: o.slug.clone(),
                        old: Some(o),
                        new: None,
                    }),
            );
            if last_page {
                break;
            }
        }
    }
    let types: BTreeSet<String> = match scope {
        Some(type_name) => [type_name.to_owned()].into(),
        None => schemas.names().map(str::to_owned).collect(),
    };
    let mut step = BucketStep {
        phase: BucketStep::PHASE.to_owned(),
        full: types.clone(),
        types,
        deletes: stale.iter().map(SlotChange::path).collect(),
        redirects: true,
        written_count: progress.done,
        skipped: progress.skipped.clone(),
        jobs: [job.id].into(),
        ..BucketStep::default()
    };
    // Newest first again, before the pages are written from the rows (entries published
    // while the rebuild gave way were numbered in between). A rebuild of every type writes
    // every page, so from here on the listings are paged with the current setting.
    store
        .resequence_listings(
            &step.full.iter().cloned().collect::<Vec<_>>(),
            scope.is_none().then_some(page_size),
        )
        .await?;
    let applied = store
        .apply_slot_changes(
            &stale,
            &[],
            Numbering::Next,
            page_size,
            (&[job.id], worker),
            |applied| {
                let mut step = step.clone();
                step.record(applied);
                step.to_progress()
            },
        )
        .await?;
    step.record(&applied);
    publisher.finish(step, lease).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn each_path_goes_to_one_entry() {
        let schemas = SchemaSet::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas"),
        )
        .expect("the example schemas");
        let locales = Locales::new(
            vec!["en".into(), "fr".into(), "fr-BE".into()],
            [("fr-BE".to_owned(), "fr".to_owned())]
                .into_iter()
                .collect(),
        )
        .expect("valid locales");
        let entry = |id: &str, locale: &str| LiveEntry {
            id: id.into(),
            type_name: "faq".into(),
            locale: locale.into(),
            slug: "returns".into(),
            version: 1,
            published_at: Utc::now(),
        };
        let shown = placements(&schemas, &locales, &[entry("a", "fr"), entry("b", "en")]);
        let mut of_a = shown.get("a").cloned().unwrap_or_default();
        of_a.sort();
        assert_eq!(
            of_a,
            [
                ("fr".to_owned(), None),
                ("fr-BE".to_owned(), Some("fr".to_owned()))
            ]
        );
        assert_eq!(
            shown.get("b").cloned().unwrap_or_default(),
            [("en".to_owned(), None)]
        );
    }
}
