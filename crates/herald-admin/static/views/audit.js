// Admins: the audit log with filters (actor, action, target, period) and cursor paging.

import { api, query } from '../api.js';
import { h, mount, uid, when } from '../dom.js';
import { go } from '../router.js';

const FILTERS = [
  ['actor', 'Actor', 'text'],
  ['action', 'Action (or prefix like auth.)', 'text'],
  ['target_type', 'Target type', 'text'],
  ['target_id', 'Target id', 'text'],
  ['since', 'Since', 'date'],
  ['until', 'Until', 'date'],
];

export async function auditView(main, _args, params) {
  const values = {};
  const inputs = FILTERS.map(([name, label, type]) => {
    const id = uid('a');
    values[name] = params.get(name) || '';
    return h('div', { class: 'field-inline' }, h('label', { for: id }, label), h('input', { id, name, type, value: values[name] }));
  });
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        const next = {};
        for (const [k, v] of new FormData(form).entries()) if (v) next[k] = v;
        go('/audit', next);
      },
    },
    inputs,
    h('button', { type: 'submit' }, 'Apply'),
  );
  const tbody = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let cursor = null;
  const apiParams = { ...values };
  if (apiParams.since) apiParams.since = new Date(`${apiParams.since}T00:00:00`).toISOString();
  if (apiParams.until) apiParams.until = new Date(`${apiParams.until}T23:59:59`).toISOString();

  const problem = h('p', { class: 'error', role: 'alert', hidden: true });

  async function load() {
    more.disabled = true;
    problem.hidden = true;
    let page;
    try {
      page = await api('GET', `/audit${query({ ...apiParams, limit: 50, cursor })}`);
    } catch (e) {
      problem.textContent = `Could not load the audit log: ${e.message}`;
      problem.hidden = false;
      more.disabled = false;
      return;
    } finally {
      more.disabled = false;
    }
    for (const row of page.items) {
      tbody.append(
        h(
          'tr',
          {},
          h('td', {}, when(row.at)),
          h('td', {}, row.actor_label || row.actor_id || ''),
          h('td', {}, h('code', {}, row.action)),
          h('td', {}, [row.target_type, row.target_id].filter(Boolean).join(' ')),
          h('td', {}, row.details ? JSON.stringify(row.details) : ''),
        ),
      );
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', load);
  mount(
    main,
    h('h1', {}, 'Audit log'),
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', {}, h('thead', {}, h('tr', {}, ['When', 'Actor', 'Action', 'Target', 'Details'].map((c) => h('th', { scope: 'col' }, c)))), tbody),
    ),
    problem,
    more,
  );
  await load();
}
