// The dashboard: my drafts, waiting for review, scheduled, recently published, across types.
// The API filters by status; "mine" and "scheduled" are filtered here in the browser.

import { api, contentTypes, query } from '../api.js';
import { badge, h, mount, when } from '../dom.js';
import { session } from '../session.js';
import { titleOf } from './list.js';

async function gather(types, params, keep = () => true) {
  const pages = await Promise.all(
    types.map((t) =>
      api('GET', `/entries/${t.name}${query({ ...params, limit: 50 })}`)
        .then((page) => page.items.map((e) => ({ type: t, entry: e })))
        .catch(() => []),
    ),
  );
  return pages
    .flat()
    .filter(keep)
    .sort((a, b) => String(b.entry.updated_at).localeCompare(String(a.entry.updated_at)))
    .slice(0, 10);
}

function panel(title, rows, empty, extra = () => null) {
  return h(
    'section',
    { class: 'card panel', 'aria-label': title },
    h('h2', {}, title),
    rows.length
      ? h(
          'ul',
          { class: 'plain' },
          rows.map(({ type, entry }) =>
            h(
              'li',
              {},
              h('a', { href: `#/entries/${type.name}/${entry.id}` }, titleOf(type, entry)),
              ' ',
              h('span', { class: 'muted' }, `${type.label || type.name} · ${entry.locale}`),
              ' ',
              badge(entry.status),
              extra(entry),
            ),
          ),
        )
      : h('p', { class: 'muted' }, empty),
  );
}

export async function dashboardView(main) {
  const types = await contentTypes();
  const me = session.me.id;
  const [drafts, review, scheduled, published] = await Promise.all([
    gather(types, { status: 'draft' }, ({ entry }) => entry.updated_by === me || entry.created_by === me),
    gather(types, { status: 'in_review' }),
    gather(types, {}, ({ entry }) => entry.publish_at || entry.unpublish_at),
    gather(types, { status: 'published' }),
  ]);
  mount(
    main,
    h('h1', {}, 'Dashboard'),
    h(
      'div',
      { class: 'grid' },
      panel('My drafts', drafts, 'You have no drafts.'),
      panel('Waiting for review', review, 'Nothing is waiting for review.'),
      panel('Scheduled', scheduled, 'Nothing is scheduled.', (e) =>
        h('span', { class: 'muted' }, e.publish_at ? ` publishes ${when(e.publish_at)}` : ` unpublishes ${when(e.unpublish_at)}`),
      ),
      panel('Recently published', published, 'Nothing is published yet.'),
    ),
  );
}
