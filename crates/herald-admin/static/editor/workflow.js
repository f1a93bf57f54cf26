// Workflow actions the user's role allows (contract §3): submit, approve, reject with a
// comment, publish now or at a time, unpublish; and the preview of the published JSON.
// A route the server does not have yet answers 404: the user is told, nothing breaks.

import { api } from '../api.js';
import { badge, h, mount, toast, uid, when } from '../dom.js';
import { session } from '../session.js';

function actionsFor(entry) {
  const s = entry.status;
  const out = [];
  if (session.can('editor') && s === 'draft') out.push('submit');
  if (session.can('publisher') && s === 'in_review') out.push('approve', 'reject');
  if (session.can('publisher') && ['approved', 'draft', 'in_review'].includes(s)) out.push('publish');
  if (session.can('publisher') && (s === 'published' || entry.published_version)) out.push('unpublish');
  return out;
}

const LABELS = {
  submit: 'Submit for review',
  approve: 'Approve',
  reject: 'Reject…',
  publish: 'Publish…',
  unpublish: 'Unpublish',
};

/** The status box with the buttons. `isDirty()` blocks actions on unsaved edits. */
export function workflowPanel(type, entry, { onChanged, isDirty }) {
  const extra = h('div', { class: 'workflow-extra' });
  const box = h(
    'section',
    { class: 'card workflow', 'aria-label': 'Status and workflow' },
    h('h2', {}, 'Status'),
    h('p', {}, badge(entry.status), ` version ${entry.version}`, entry.published_version ? ` · live: version ${entry.published_version}` : ' · not live'),
    entry.publish_at ? h('p', { class: 'muted' }, `Publishes ${when(entry.publish_at)}`) : null,
    entry.unpublish_at ? h('p', { class: 'muted' }, `Unpublishes ${when(entry.unpublish_at)}`) : null,
  );
  const buttons = actionsFor(entry).map((action) =>
    h('button', { type: 'button', class: action === 'publish' || action === 'approve' ? 'primary' : undefined, dataset: { action }, onclick: () => start(action) }, LABELS[action]),
  );
  if (buttons.length) box.append(h('div', { class: 'actions' }, buttons));
  box.append(extra);

  async function run(action, body) {
    try {
      await api('POST', `/entries/${type.name}/${entry.id}/${action}`, body);
      toast(`${LABELS[action].replace('…', '')}: done.`);
      onChanged();
    } catch (e) {
      if (e.status === 404 && e.code === 'not_found') toast(`${LABELS[action].replace('…', '')} is not available on this server yet.`, 'error');
      else toast(e.code === 'four_eyes' ? 'Someone else must approve or publish what you wrote.' : e.message, 'error');
    }
  }

  function start(action) {
    if (isDirty()) {
      toast('Save your changes first.', 'error');
      return;
    }
    if (action === 'reject') {
      const id = uid('comment');
      const comment = h('textarea', { id, rows: 3 });
      mount(
        extra,
        h(
          'form',
          { onsubmit: (e) => (e.preventDefault(), run('reject', comment.value ? { comment: comment.value } : {})) },
          h('label', { for: id }, 'Why is it rejected? (the author sees this)'),
          comment,
          h('button', { type: 'submit', class: 'danger' }, 'Reject'),
        ),
      );
      comment.focus();
    } else if (action === 'publish') {
      const id = uid('at');
      const at = h('input', { id, type: 'datetime-local' });
      mount(
        extra,
        h(
          'form',
          {
            onsubmit: (e) => {
              e.preventDefault();
              run('publish', at.value ? { at: new Date(at.value).toISOString() } : {});
            },
          },
          h('label', { for: id }, 'Publish at (leave empty for now)'),
          at,
          h('button', { type: 'submit', class: 'primary' }, 'Publish'),
        ),
      );
      at.focus();
    } else {
      run(action, {});
    }
  }
  return box;
}

/** The JSON publishing would write for the current version. */
export function previewPanel(type, entry) {
  const out = h('pre', { class: 'json' }, 'Open to load.');
  const details = h('details', { class: 'card' }, h('summary', {}, 'Published JSON preview'), out);
  details.addEventListener('toggle', async () => {
    if (!details.open) return;
    try {
      out.textContent = JSON.stringify(await api('GET', `/entries/${type.name}/${entry.id}/preview`), null, 2);
    } catch (e) {
      out.textContent = e.message;
    }
  });
  return details;
}
