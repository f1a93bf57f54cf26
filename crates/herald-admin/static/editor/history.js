// Revision history: the list of versions (a page at a time), a side-by-side diff against the current fields,
// and restore (a new draft version with the old fields). Restoring replaces what is in the
// editor, so unsaved edits are never dropped without asking; it sends If-Match so that a
// version saved meanwhile by someone else is not buried unseen.

import { api, call, query } from '../api.js';
import { h, mount, toast, when, who } from '../dom.js';
import { session } from '../session.js';
import { diffTable } from './diff.js';

const PAGE = 20;

export function historyPanel(type, entry, { etag, isDirty, onRestored, onStale, currentFields }) {
  const list = h('ol', { class: 'plain revisions' });
  const detail = h('div', { class: 'revision-detail' });
  const box = h('section', { class: 'card', 'aria-label': 'History' }, h('h2', {}, 'History'), list, detail);

  async function open(version) {
    const rev = await api('GET', `/entries/${type.name}/${entry.id}/revisions/${version}`);
    const problem = h('p', { class: 'error', role: 'alert', hidden: true });
    mount(
      detail,
      h('h3', {}, `Version ${rev.version} compared with the editor`),
      diffTable(type, rev.fields, currentFields(), `Version ${rev.version}`, 'Now in the editor'),
      session.can('editor')
        ? h(
            'button',
            {
              type: 'button',
              onclick: async () => {
                const question = isDirty()
                  ? `You have unsaved changes in the editor. Restoring version ${rev.version} replaces them, and they are not saved anywhere.\n\nRestore version ${rev.version} anyway and lose your unsaved changes?`
                  : `Restore version ${rev.version}? It becomes a new draft version; nothing is lost.`;
                if (!window.confirm(question)) return;
                try {
                  const tag = etag();
                  await call('POST', `/entries/${type.name}/${entry.id}/revisions/${rev.version}/restore`, { headers: tag ? { 'If-Match': tag } : {} });
                  toast(`Restored version ${rev.version} as a new draft.`);
                  onRestored();
                } catch (e) {
                  if (e.status === 412) {
                    if (window.confirm('Someone saved a newer version of this entry meanwhile. Nothing was restored.\n\nReload the entry to see it? (Unsaved changes in the editor are lost.)')) onStale();
                  } else {
                    mount(problem, [e.message, ...(e.details || []).map((d) => `${d.path}: ${d.message}`)].join(' — '));
                    problem.hidden = false;
                  }
                }
              },
            },
            `Restore version ${rev.version}`,
          )
        : null,
      problem,
    );
    const heading = detail.querySelector('h3');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  // Newest first, a page at a time: "Load older versions" follows `next_cursor`.
  const more = h('button', { type: 'button', class: 'small', hidden: true }, 'Load older versions');
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  box.insertBefore(h('div', { class: 'revisions-more' }, more, problem), detail);
  let cursor = null;
  async function load() {
    more.disabled = true;
    problem.hidden = true;
    try {
      const data = await api('GET', `/entries/${type.name}/${entry.id}/revisions${query({ limit: PAGE, cursor })}`);
      const revisions = Array.isArray(data) ? data : data.items || [];
      const first = !list.children.length;
      const items = revisions.map((r) =>
        h(
          'li',
          {},
          h('button', { type: 'button', class: 'link', onclick: () => open(r.version) }, `Version ${r.version}`),
          h('span', { class: 'muted' }, ` ${when(r.created_at || r.at)} · ${who(r.author, session.me)}${r.note ? ` · ${r.note}` : ''}`),
        ),
      );
      list.append(...items);
      cursor = (!Array.isArray(data) && data.next_cursor) || null;
      more.hidden = !cursor;
      more.textContent = 'Load older versions';
      // Keep the keyboard where the reader was: on the first of the versions just loaded.
      if (!first && items.length) items[0].querySelector('button').focus();
    } catch (e) {
      mount(problem, `History: ${e.message}`);
      problem.hidden = false;
      more.hidden = false;
      more.textContent = list.children.length ? 'Load older versions' : 'Try again';
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  load();
  return box;
}
