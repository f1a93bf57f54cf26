// Revision history: the list of versions, a side-by-side diff against the current fields,
// and restore (a new draft version with the old fields). Restoring replaces what is in the
// editor, so unsaved edits are never dropped without asking; it sends If-Match so that a
// version saved meanwhile by someone else is not buried unseen.

import { api, call } from '../api.js';
import { h, mount, toast, when, who } from '../dom.js';
import { session } from '../session.js';
import { diffTable } from './diff.js';

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

  (async () => {
    try {
      const data = await api('GET', `/entries/${type.name}/${entry.id}/revisions`);
      const revisions = Array.isArray(data) ? data : data.items || [];
      mount(
        list,
        revisions.map((r) =>
          h(
            'li',
            {},
            h('button', { type: 'button', class: 'link', onclick: () => open(r.version) }, `Version ${r.version}`),
            h('span', { class: 'muted' }, ` ${when(r.created_at || r.at)} · ${who(r.author, session.me)}${r.note ? ` · ${r.note}` : ''}`),
          ),
        ),
      );
    } catch (e) {
      mount(list, h('li', { class: 'error' }, e.message));
    }
  })();
  return box;
}
