// Revision history: the list of versions (a page at a time), with who saved each and when, and
// the comparison dialog: any two versions (or a version and what is in the editor now) side
// by side, the full width of the window, changed words marked; it opens on a version against
// the one before it. Restore (a new draft version with the old fields) is offered there.
// Restoring replaces what is in the editor, so unsaved edits are never dropped without asking;
// it sends If-Match so that a version saved meanwhile by someone else is not buried unseen.

import { api, call, query } from '../api.js';
import { author, authorName } from '../authors.js';
import { badge, h, mount, toast, uid, when } from '../dom.js';
import { session } from '../session.js';
import { diffTable } from './diff.js';

const PAGE = 20;
const EDITOR = 'editor';

export function historyPanel(type, entry, { etag, isDirty, onRestored, onStale, currentFields }) {
  const list = h('ol', { class: 'plain revisions' });
  const box = h(
    'section',
    { class: 'card', 'aria-label': 'History' },
    h('h2', {}, 'History'),
    h('p', { class: 'muted help' }, 'Choose a version to see what it changed, compare any two versions, or restore one.'),
    list,
  );
  // Versions by number, as loaded or fetched: a revision never changes.
  const revisions = new Map();
  const revision = (version) => {
    if (!revisions.has(version)) {
      revisions.set(
        version,
        api('GET', `/entries/${type.name}/${entry.id}/revisions/${version}`).catch((e) => {
          revisions.delete(version);
          throw e;
        }),
      );
    }
    return revisions.get(version);
  };

  async function restore(rev, done) {
    const question = isDirty()
      ? `You have unsaved changes in the editor. Restoring version ${rev.version} replaces them, and they are not saved anywhere.\n\nRestore version ${rev.version} anyway and lose your unsaved changes?`
      : `Restore version ${rev.version}? It becomes a new draft version; nothing is lost.`;
    if (!window.confirm(question)) return null;
    try {
      const tag = etag();
      await call('POST', `/entries/${type.name}/${entry.id}/revisions/${rev.version}/restore`, { headers: tag ? { 'If-Match': tag } : {} });
      done();
      toast(`Restored version ${rev.version} as a new draft.`);
      onRestored();
      return null;
    } catch (e) {
      if (e.status === 412) {
        if (window.confirm('Someone saved a newer version of this entry meanwhile. Nothing was restored.\n\nReload the entry to see it? (Unsaved changes in the editor are lost.)')) {
          done();
          onStale();
        }
        return null;
      }
      return [e.message, ...(e.details || []).map((d) => `${d.path}: ${d.message}`)].join(' — ');
    }
  }

  /** The comparison dialog, opened on `right` against `left`. */
  function compare(left, right, opener) {
    const titleId = uid('compare');
    const dialog = h('dialog', { class: 'card compare', 'aria-labelledby': titleId });
    const close = () => {
      dialog.close();
    };
    const pick = (label, value) => {
      const id = uid('version');
      const select = h(
        'select',
        { id },
        Array.from({ length: entry.version }, (_, i) => entry.version - i).map((v) =>
          h('option', { value: String(v) }, `Version ${v}${v === entry.version ? ' (current)' : ''}${v === entry.published_version ? ' (live)' : ''}`),
        ),
        session.can('editor') ? h('option', { value: EDITOR }, 'Now in the editor (not saved)') : null,
      );
      select.value = String(value);
      select.addEventListener('change', render);
      return { select, el: h('div', { class: 'field-inline' }, h('label', { for: id }, label), select) };
    };
    const from = pick('Compare', left);
    const to = pick('with', right);
    const allId = uid('all');
    const all = h('input', { id: allId, type: 'checkbox' });
    all.addEventListener('change', render);
    const body = h('div', { class: 'compare-body', 'aria-live': 'polite' });
    const actions = h('div', { class: 'actions' });
    const problem = h('p', { class: 'error', role: 'alert', hidden: true });
    const swap = h(
      'button',
      {
        type: 'button',
        class: 'small',
        onclick: () => {
          const a = from.select.value;
          from.select.value = to.select.value;
          to.select.value = a;
          render();
        },
      },
      '⇄ Swap',
    );
    mount(
      dialog,
      h('div', { class: 'compare-head' }, h('h2', { id: titleId }, 'Compare versions'), h('button', { type: 'button', class: 'link', onclick: close }, 'Close')),
      h('div', { class: 'filters compare-controls' }, from.el, swap, to.el, h('div', { class: 'check' }, all, h('label', { for: allId }, 'Show unchanged fields'))),
      body,
      problem,
      actions,
    );

    const side = async (value) => {
      if (value === EDITOR) return { version: null, fields: currentFields(), slug: null, title: 'Now in the editor', meta: 'not saved' };
      const rev = await revision(Number(value));
      const who = await authorName(rev.author);
      return { version: rev.version, fields: rev.fields, slug: rev.slug, status: rev.status, rev, title: `Version ${rev.version}`, meta: `${when(rev.created_at)} · ${who}${rev.note ? ` · ${rev.note}` : ''}` };
    };
    const head = (s) => h('span', { class: 'compare-title' }, s.title, s.status ? [' ', badge(s.status)] : null, h('span', { class: 'muted compare-meta' }, s.meta));

    let seq = 0;
    async function render() {
      const mine = ++seq;
      problem.hidden = true;
      let a;
      let b;
      try {
        [a, b] = await Promise.all([side(from.select.value), side(to.select.value)]);
      } catch (e) {
        if (mine !== seq) return;
        mount(body, h('p', { class: 'error' }, `Could not load the version: ${e.message}`));
        return;
      }
      if (mine !== seq) return;
      const extra = a.slug && b.slug ? [{ key: 'slug', label: 'Slug (page address)', left: a.slug, right: b.slug }] : [];
      mount(body, diffTable(type, a.fields, b.fields, head(a), head(b), { extra, all: all.checked }));
      const restorable = [a, b].filter((s, i, both) => s.rev && s.version !== entry.version && both.findIndex((o) => o.version === s.version) === i);
      mount(
        actions,
        session.can('editor')
          ? restorable.map((s) =>
              h(
                'button',
                {
                  type: 'button',
                  onclick: async () => {
                    problem.hidden = true;
                    const failed = await restore(s.rev, close);
                    if (failed) {
                      problem.textContent = failed;
                      problem.hidden = false;
                    }
                  },
                },
                `Restore version ${s.version}`,
              ),
            )
          : null,
        h('button', { type: 'button', class: 'link', onclick: close }, 'Close'),
      );
    }

    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    render().then(() => from.select.focus());
  }

  // Newest first, a page at a time: "Load older versions" follows `next_cursor`.
  const more = h('button', { type: 'button', class: 'small', hidden: true }, 'Load older versions');
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  box.append(h('div', { class: 'revisions-more' }, more, problem));
  let cursor = null;
  async function load() {
    more.disabled = true;
    problem.hidden = true;
    try {
      const data = await api('GET', `/entries/${type.name}/${entry.id}/revisions${query({ limit: PAGE, cursor })}`);
      const page = Array.isArray(data) ? data : data.items || [];
      const first = !list.children.length;
      const items = page.map((r) => {
        revisions.set(r.version, Promise.resolve(r));
        // A version opens against the one before it; the first against what is in the editor
        // (or, for those who cannot edit, the current version).
        const open = (event) =>
          r.version > 1 ? compare(r.version - 1, r.version, event.currentTarget) : compare(1, session.can('editor') ? EDITOR : entry.version, event.currentTarget);
        return h(
          'li',
          {},
          h('button', { type: 'button', class: 'link', onclick: open }, `Version ${r.version}`),
          r.version === entry.published_version ? h('span', { class: 'badge status-published' }, 'live') : null,
          h('span', { class: 'muted' }, ` ${when(r.created_at || r.at)} · `, author(r.author), r.note ? ` · ${r.note}` : ''),
        );
      });
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
