// The entries of one content type: search, status and locale filters, sort, cursor paging.

import { api, contentLocales, contentTypes, query } from '../api.js';
import { badge, h, mount, uid, when } from '../dom.js';
import { go } from '../router.js';
import { session } from '../session.js';

export const STATUSES = ['draft', 'in_review', 'approved', 'published', 'archived'];
const SORTS = [
  ['-updated_at', 'Recently updated'],
  ['updated_at', 'Least recently updated'],
  ['-created_at', 'Newest'],
  ['created_at', 'Oldest'],
  ['slug', 'Slug A–Z'],
  ['-slug', 'Slug Z–A'],
];

/** The title of an entry: its title field, else its slug. */
export function titleOf(type, entry) {
  const field = type && type.title_field;
  const value = field && entry.fields ? entry.fields[field] : null;
  return typeof value === 'string' && value ? value : entry.slug || entry.id;
}

function select(label, name, options, value) {
  const id = uid(name);
  return h(
    'div',
    { class: 'field-inline' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name },
      options.map(([v, text]) => h('option', { value: v, selected: v === value ? true : undefined }, text)),
    ),
  );
}

export async function listView(main, { type: typeName }, params) {
  const types = await contentTypes();
  const locales = await contentLocales();
  const type = types.find((t) => t.name === typeName);
  if (!type) {
    mount(main, h('h1', {}, 'Unknown content type'));
    return;
  }
  const filters = {
    q: params.get('q') || '',
    status: params.get('status') || '',
    locale: params.get('locale') || '',
    sort: params.get('sort') || '-updated_at',
  };
  const qId = uid('q');
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const next = {};
        for (const [k, v] of data.entries()) if (v) next[k] = v;
        go(`/entries/${typeName}`, next);
      },
    },
    h('div', { class: 'field-inline grow' }, h('label', { for: qId }, 'Search'), h('input', { id: qId, name: 'q', type: 'search', value: filters.q })),
    select('Status', 'status', [['', 'Any status'], ...STATUSES.map((s) => [s, s.replace('_', ' ')])], filters.status),
    locales.all.length
      ? select('Locale', 'locale', [['', 'Any locale'], ...[...new Set([...locales.all, filters.locale].filter(Boolean))].map((l) => [l, l === locales.default ? `${l} (default)` : l])], filters.locale)
      : h('div', { class: 'field-inline' }, h('label', { for: 'locale-filter' }, 'Locale'), h('input', { id: 'locale-filter', name: 'locale', value: filters.locale, size: 6, placeholder: 'any' })),
    select('Sort', 'sort', SORTS, filters.sort),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const tbody = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  let cursor = null;
  let shown = 0;

  async function load() {
    more.disabled = true;
    problem.hidden = true;
    let page;
    try {
      page = await api('GET', `/entries/${typeName}${query({ ...filters, limit: 25, cursor })}`);
    } catch (e) {
      // Keep what is shown; the same page can be asked for again.
      problem.textContent = `Could not load ${shown ? 'more ' : ''}entries: ${e.message}${e.code === 'invalid_query' ? '' : ' Try again.'}`;
      problem.hidden = false;
      more.disabled = false;
      more.hidden = !shown || !cursor;
      if (!shown) count.textContent = '';
      if (shown) more.focus();
      return;
    }
    for (const entry of page.items) {
      tbody.append(
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/entries/${typeName}/${entry.id}` }, titleOf(type, entry))),
          h('td', {}, badge(entry.status)),
          h('td', {}, entry.locale),
          h('td', {}, entry.slug),
          h('td', {}, when(entry.updated_at)),
        ),
      );
    }
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    count.textContent = shown ? `${shown} shown${cursor ? ', more available' : ''}` : 'No entries match.';
  }
  more.addEventListener('click', load);

  mount(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, type.label || type.name),
      session.can('editor') ? h('a', { class: 'button primary', href: `#/entries/${typeName}/new` }, `New ${(type.label || type.name).toLowerCase()}`) : null,
    ),
    type.description ? h('p', { class: 'muted' }, type.description) : null,
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, `${type.label || type.name} entries`),
        h('thead', {}, h('tr', {}, ['Title', 'Status', 'Locale', 'Slug', 'Updated'].map((c) => h('th', { scope: 'col' }, c)))),
        tbody,
      ),
    ),
    count,
    problem,
    more,
  );
  await load();
}
