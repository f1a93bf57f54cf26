// Revision history: the list of versions, a side-by-side diff against the current fields,
// and restore (a new draft version with the old fields).

import { api } from '../api.js';
import { h, mount, toast, when, who } from '../dom.js';
import { session } from '../session.js';
import { diffTable } from './diff.js';

export function historyPanel(type, entry, { onRestored, currentFields }) {
  const list = h('ol', { class: 'plain revisions' });
  const detail = h('div', { class: 'revision-detail' });
  const box = h('section', { class: 'card', 'aria-label': 'History' }, h('h2', {}, 'History'), list, detail);

  async function open(version) {
    const rev = await api('GET', `/entries/${type.name}/${entry.id}/revisions/${version}`);
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
                if (!window.confirm(`Restore version ${rev.version}? It becomes a new draft version; nothing is lost.`)) return;
                try {
                  await api('POST', `/entries/${type.name}/${entry.id}/revisions/${rev.version}/restore`);
                  toast(`Restored version ${rev.version} as a new draft.`);
                  onRestored();
                } catch (e) {
                  toast(e.message, 'error');
                }
              },
            },
            `Restore version ${rev.version}`,
          )
        : null,
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
