// The dashboard: my drafts, waiting for my review (publishers), scheduled, recently published,
// and the publishing pipeline (recent jobs with their status and error).
//
// Drafts and entries in review come from the entry lists (`?status=`). "Scheduled" and
// "Recently published" come from the publishing jobs, which are the record of what goes to the
// site and when: a queued publish or unpublish whose time has not come is scheduled; a done
// publish is a publication (still live if the entry has a published version).

import { api, contentTypes, query } from '../api.js';
import { author } from '../authors.js';
import { badge, h, mount, when } from '../dom.js';
import { isActive, jobBadge, jobError, jobText, KIND_LABELS, listJobs } from '../jobs.js';
import { session } from '../session.js';
import { ownEdit } from '../editor/workflow.js';
import { titleOf } from './list.js';

const SHOWN = 10;

const PAGE = 50;
const MAX_PAGES = 10;

/**
 * Entries of every type the user may read that `keep` accepts, newest change first. Each
 * type's list is paged until it has SHOWN kept entries or ends (at most MAX_PAGES pages): the
 * filter runs here, so a draft of mine behind 50 newer drafts of others is still found.
 */
async function gather(types, params, keep = () => true) {
  const failures = [];
  const pages = await Promise.all(
    types.map(async (t) => {
      const kept = [];
      let cursor = null;
      try {
        for (let n = 0; n < MAX_PAGES; n += 1) {
          const page = await api('GET', `/entries/${t.name}${query({ ...params, sort: '-updated_at', limit: PAGE, cursor })}`);
          kept.push(...page.items.map((e) => ({ type: t, entry: e })).filter(keep));
          cursor = page.next_cursor;
          if (!cursor || kept.length >= SHOWN) break;
        }
      } catch (e) {
        if (e.status !== 403) failures.push(`${t.label || t.name}: ${e.message}`);
      }
      return kept;
    }),
  );
  const rows = pages
    .flat()
    .sort((a, b) => String(b.entry.updated_at).localeCompare(String(a.entry.updated_at)))
    .slice(0, SHOWN);
  return { rows, failures };
}

/** Loads (once) the entries jobs talk about. */
function entryCache(types) {
  const cache = new Map();
  return (job) => {
    const key = `${job.type}/${job.entry_id}`;
    if (!cache.has(key)) {
      const type = types.find((t) => t.name === job.type);
      cache.set(
        key,
        type ? api('GET', `/entries/${job.type}/${encodeURIComponent(job.entry_id)}`).then((entry) => ({ type, entry })).catch(() => null) : Promise.resolve(null),
      );
    }
    return cache.get(key);
  };
}

function entryLink(row) {
  return h('a', { href: `#/entries/${row.type.name}/${row.entry.id}` }, titleOf(row.type, row.entry));
}

function panel(title, { rows, failures = [] }, empty, extra = () => null) {
  return h(
    'section',
    { class: 'card panel', 'aria-label': title },
    h('h2', {}, title),
    rows.length
      ? h(
          'ul',
          { class: 'plain' },
          rows.map((row) =>
            h(
              'li',
              {},
              entryLink(row),
              ' ',
              h('span', { class: 'muted' }, `${row.type.label || row.type.name} · ${row.entry.locale}`),
              ' ',
              badge(row.entry.status),
              extra(row),
            ),
          ),
        )
      : h('p', { class: 'muted' }, empty),
    failures.length ? h('p', { class: 'error' }, `Could not load: ${failures.join('; ')}`) : null,
  );
}

/** Scheduled publications and unpublications: queued jobs whose time has not come. */
async function scheduled(types, entryOf) {
  const now = Date.now();
  const [publishes, unpublishes] = await Promise.all([
    listJobs({ status: 'queued', kind: 'publish', limit: 100 }),
    listJobs({ status: 'queued', kind: 'unpublish', limit: 100 }),
  ]);
  const jobs = [...publishes, ...unpublishes]
    .filter((j) => j.entry_id && new Date(j.run_after).getTime() > now && !j.error)
    .sort((a, b) => String(a.run_after).localeCompare(String(b.run_after)))
    .slice(0, SHOWN);
  const rows = await Promise.all(jobs.map(async (job) => ({ row: await entryOf(job), job })));
  return { rows: rows.filter(({ row }) => row).map(({ row, job }) => ({ ...row, job })) };
}

/** The latest publication of each entry that is still live, newest first. */
async function recentlyPublished(types, entryOf) {
  const jobs = (await listJobs({ status: 'done', kind: 'publish', limit: 100 }))
    .filter((j) => j.entry_id)
    .sort((a, b) => String(b.finished_at).localeCompare(String(a.finished_at)));
  const seen = new Set();
  const latest = jobs.filter((j) => !seen.has(j.entry_id) && seen.add(j.entry_id));
  const rows = await Promise.all(latest.slice(0, SHOWN * 2).map(async (job) => ({ row: await entryOf(job), job })));
  return { rows: rows.filter(({ row }) => row && row.entry.published_version).slice(0, SHOWN).map(({ row, job }) => ({ ...row, job })) };
}

/** The publishing pipeline: the latest jobs, failed ones with their error. */
function pipeline(types, entryOf) {
  const body = h('div', { class: 'pipeline-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const box = h('section', { class: 'card pipeline', 'aria-labelledby': 'pipeline-title' }, h('h2', { id: 'pipeline-title' }, 'Publishing'), body);
  let shown = '';
  let polls = 0;

  async function load() {
    try {
      const jobs = await listJobs({ limit: SHOWN });
      const failed = await listJobs({ status: 'failed', limit: 5 });
      const key = JSON.stringify([...jobs, ...failed].map((j) => [j.id, j.status, j.attempts]));
      if (key !== shown) {
        shown = key;
        const rows = await Promise.all(jobs.map(async (job) => ({ job, row: job.entry_id ? await entryOf(job) : null })));
        const olderFailures = failed.filter((f) => !jobs.some((j) => j.id === f.id));
        mount(
          body,
          jobs.length
            ? h(
                'div',
                { class: 'table-wrap' },
                h(
                  'table',
                  { class: 'jobs-table' },
                  h('caption', { class: 'visually-hidden' }, 'Latest publishing jobs'),
                  h('thead', {}, h('tr', {}, ['Job', 'Entry', 'Status', 'Details'].map((c) => h('th', { scope: 'col' }, c)))),
                  h('tbody', {}, rows.map(({ job, row }) => jobRow(job, row))),
                ),
              )
            : h('p', { class: 'muted' }, 'Nothing has been published yet.'),
          olderFailures.length
            ? h(
                'div',
                { class: 'older-failures' },
                h('h3', {}, 'Earlier failures'),
                h('ul', { class: 'plain' }, olderFailures.map((job) => h('li', {}, jobBadge(job), ` ${KIND_LABELS[job.kind] || job.kind} #${job.id} (${job.type || 'all types'}) `, jobError(job)))),
              )
            : null,
        );
      }
      polls += 1;
      if (jobs.some(isActive) && polls < 200) setTimeout(() => box.isConnected && load(), 2000);
    } catch (e) {
      mount(body, h('p', { class: 'error' }, `Publishing jobs: ${e.message}`));
    }
  }
  load();
  return box;
}

function jobRow(job, row) {
  const what = row
    ? [entryLink(row), h('span', { class: 'muted' }, ` ${row.type.label || row.type.name} · ${row.entry.locale}`)]
    : job.entry_id
      ? h('span', { class: 'muted' }, `${job.type} ${job.entry_id}`)
      : h('span', { class: 'muted' }, job.type ? `every ${job.type} entry` : 'every entry');
  return h(
    'tr',
    { dataset: { job: job.id, entry: job.entry_id || '' } },
    h('td', {}, `${KIND_LABELS[job.kind] || job.kind}${job.version ? ` v${job.version}` : ''}`),
    h('td', {}, what),
    h('td', {}, jobBadge(job)),
    h('td', {}, jobText(job), jobError(job)),
  );
}

export async function dashboardView(main) {
  const types = await contentTypes();
  const me = session.me.id;
  const entryOf = entryCache(types);
  const publisher = session.can('publisher');
  const [drafts, review, soon, published] = await Promise.all([
    gather(types, { status: 'draft' }, ({ entry }) => entry.updated_by === me || entry.created_by === me),
    // Under the four-eyes rule a publisher cannot approve their own last change: not theirs to review.
    publisher ? gather(types, { status: 'in_review' }, ({ type, entry }) => !ownEdit(type, entry)) : null,
    scheduled(types, entryOf).catch((e) => ({ rows: [], failures: [e.message] })),
    recentlyPublished(types, entryOf).catch((e) => ({ rows: [], failures: [e.message] })),
  ]);
  mount(
    main,
    h('h1', {}, 'Dashboard'),
    h(
      'div',
      { class: 'grid' },
      panel('My drafts', drafts, 'You have no drafts.'),
      review ? panel('Waiting for my review', review, 'Nothing is waiting for your review.', ({ entry }) => h('span', { class: 'muted' }, ' · edited by ', author(entry.updated_by))) : null,
      panel('Scheduled', soon, 'Nothing is scheduled.', ({ job }) =>
        h('span', { class: 'muted' }, job.kind === 'publish' ? ` publishes ${when(job.run_after)}` : ` unpublishes ${when(job.run_after)}`),
      ),
      panel('Recently published', published, 'Nothing is published yet.', ({ job, entry }) =>
        h('span', { class: 'muted' }, ` version ${job.version || entry.published_version} live since ${when(job.finished_at)}`),
      ),
    ),
    pipeline(types, entryOf),
  );
}
