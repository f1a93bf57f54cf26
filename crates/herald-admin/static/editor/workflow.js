// The Status box of the editor: the workflow steps the type's rules and the user's role allow
// (contract §3: submit, approve, reject with a comment, publish now or at a time, unpublish),
// why a step is not offered, the errors of a refused step, and the publishing job of the entry
// (GET /publish/jobs?entry_id=…), polled while it is queued or running. Every step sends
// If-Match with the version shown, so a step never applies to a version the user has not seen.

import { api, call } from '../api.js';
import { author } from '../authors.js';
import { badge, h, mount, toast, uid, when } from '../dom.js';
import { isActive, jobBadge, jobError, jobText, KIND_LABELS, listJobs } from '../jobs.js';
import { session } from '../session.js';
import { pathLabel } from './paths.js';

/** The review rules of a type, with the contract's defaults (both true). */
export function workflowOf(type) {
  const wf = (type && type.workflow) || {};
  return { review: wf.review !== false, four_eyes: wf.four_eyes !== false };
}

/** Whether the signed-in user may not approve the entry because they edited it last. */
export function ownEdit(type, entry) {
  return workflowOf(type).four_eyes && session.me && entry.updated_by === session.me.id;
}

/** The steps offered for the entry: `{action, blocked?}`; `blocked` says why it is disabled. */
export function actionsFor(type, entry) {
  const s = entry.status;
  const wf = workflowOf(type);
  const publisher = session.can('publisher');
  const out = [];
  if (s === 'archived') return out;
  if (session.can('editor') && s === 'draft' && (wf.review || !publisher)) out.push({ action: 'submit' });
  if (publisher && s === 'in_review') {
    out.push({
      action: 'approve',
      blocked: ownEdit(type, entry) ? 'You made the last change to this entry, so another publisher must approve it (four-eyes rule).' : null,
    });
  }
  if (publisher && (s === 'in_review' || s === 'approved')) out.push({ action: 'reject' });
  const publishable = wf.review ? s === 'approved' : ['draft', 'in_review', 'approved'].includes(s);
  if (publisher && publishable) out.push({ action: 'publish' });
  // A campaign's end can be scheduled before it starts (after its scheduled publication).
  if (publisher && (entry.published_version || entry.publish_at)) out.push({ action: 'unpublish' });
  return out;
}

const LABELS = {
  submit: 'Submit for review',
  approve: 'Approve',
  reject: 'Reject…',
  publish: 'Publish…',
  unpublish: 'Unpublish…',
};

const DONE = {
  submit: 'Submitted for review.',
  approve: 'Approved.',
  reject: 'Rejected: the entry is a draft again.',
  publish: 'Publishing started.',
  unpublish: 'Unpublishing started.',
};

function rulesText(type) {
  const wf = workflowOf(type);
  if (!wf.review) return `${type.label || type.name} entries can be published without review.`;
  return `${type.label || type.name} entries must be approved before they are published${wf.four_eyes ? ', by someone other than the person who last changed them' : ''}.`;
}

function nextStep(type, entry) {
  const wf = workflowOf(type);
  switch (entry.status) {
    case 'draft':
      return wf.review ? 'Next: submit it for review.' : 'Next: a publisher can publish it.';
    case 'in_review':
      return ownEdit(type, entry) ? 'Waiting for another publisher to approve it.' : 'Waiting for a publisher to approve or reject it.';
    case 'approved':
      return entry.publish_at ? 'Approved and scheduled.' : 'Approved: a publisher can publish it now or schedule it.';
    case 'published':
      return 'Live. Editing it starts a new draft; this version stays live until the next publish.';
    case 'archived':
      return 'Archived: not on the site.';
    default:
      return '';
  }
}

/**
 * The Status box. `etag` is the version shown; `showErrors(details)` puts errors beside the
 * fields and returns those that found none; `isDirty()` blocks steps on unsaved edits;
 * `onChanged()` reloads the entry after a step.
 */
export function workflowPanel(type, entry, { etag, onChanged, isDirty, showErrors }) {
  const titleId = uid('wf');
  const extra = h('div', { class: 'workflow-extra' });
  const message = h('div', { class: 'workflow-message', role: 'alert', tabindex: '-1', hidden: true });
  const heading = h('h2', { id: titleId, tabindex: '-1' }, 'Status');
  const box = h(
    'section',
    { class: 'card workflow', 'aria-labelledby': titleId },
    heading,
    h('p', { class: 'status-line' }, badge(entry.status), ` version ${entry.version}`, entry.published_version ? ` · live: version ${entry.published_version}` : ' · not live'),
    // `updated_by` is who last edited the content (a workflow step does not change it).
    h('p', { class: 'muted last-change' }, 'Content last edited by ', author(entry.updated_by)),
    entry.publish_at ? h('p', { class: 'muted' }, `Publishes ${when(entry.publish_at)}`) : null,
    entry.unpublish_at ? h('p', { class: 'muted' }, `Unpublishes ${when(entry.unpublish_at)}`) : null,
    h('p', { class: 'next-step' }, nextStep(type, entry)),
    h('p', { class: 'muted rules' }, rulesText(type)),
  );
  const offered = actionsFor(type, entry);
  const buttons = [];
  const notes = [];
  for (const { action, blocked } of offered) {
    const noteId = blocked ? uid('why') : null;
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: action === 'publish' || action === 'approve' ? 'primary' : action === 'unpublish' ? 'danger' : undefined,
          dataset: { action },
          disabled: blocked ? true : undefined,
          'aria-describedby': noteId || undefined,
          onclick: () => start(action),
        },
        LABELS[action],
      ),
    );
    if (blocked) notes.push(h('p', { class: 'note', id: noteId }, blocked));
  }
  if (buttons.length) box.append(h('div', { class: 'actions' }, buttons), ...notes);
  box.append(message, extra);
  const jobs = jobsBox(entry);
  box.append(jobs.el);

  function say(kind, ...content) {
    message.className = `workflow-message ${kind}`;
    mount(message, ...content);
    message.hidden = false;
    message.focus();
  }

  function reloadButton() {
    return h('button', { type: 'button', class: 'small', onclick: () => onChanged() }, 'Reload the entry');
  }

  async function run(action, body, submitButton) {
    message.hidden = true;
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    try {
      const headers = etag ? { 'If-Match': etag } : {};
      await call('POST', `/entries/${type.name}/${entry.id}/${action}`, { body, headers });
      toast(DONE[action]);
      onChanged({ focus: 'workflow' });
    } catch (e) {
      for (const b of box.querySelectorAll('button')) b.disabled = false;
      for (const b of box.querySelectorAll('button[aria-describedby]')) b.disabled = true;
      if (submitButton) submitButton.disabled = false;
      const step = LABELS[action].replace('…', '');
      if (e.status === 412 || e.code === 'version_mismatch') {
        say('error', h('p', {}, h('strong', {}, `${step}: not done. `), 'Someone changed this entry after you opened it. Reload it to see their change, then try again.'), reloadButton());
      } else if (e.code === 'validation_failed' || (e.details && e.details.length)) {
        const lost = showErrors(e.details);
        say(
          'error',
          h('p', {}, h('strong', {}, `${step}: not done. `), e.message),
          h('ul', {}, e.details.map((d) => h('li', {}, h('strong', {}, `${pathLabel(type, d.path)}: `), d.message))),
          lost.length < e.details.length ? h('p', {}, 'The problems are also shown beside their fields.') : null,
        );
      } else if (e.code === 'four_eyes') {
        say('error', h('p', {}, h('strong', {}, `${step}: not done. `), e.message || 'Someone else must approve what you changed.'));
      } else if (e.code === 'invalid_transition') {
        say('error', h('p', {}, h('strong', {}, `${step}: not done. `), e.message), reloadButton());
      } else {
        say('error', h('p', {}, h('strong', {}, `${step}: not done. `), e.message));
      }
    }
  }

  function form(action, content, submitLabel, submitClass, bodyOf) {
    const submit = h('button', { type: 'submit', class: submitClass }, submitLabel);
    const f = h(
      'form',
      {
        onsubmit: (e) => {
          e.preventDefault();
          const body = bodyOf();
          if (body === null) return;
          submit.disabled = true;
          run(action, body, submit);
        },
      },
      content,
      h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'link', onclick: () => { mount(extra); box.querySelector(`[data-action="${action}"]`).focus(); } }, 'Cancel')),
    );
    mount(extra, f);
  }

  function whenInput(label) {
    const id = uid('at');
    const hintId = uid('hint');
    const input = h('input', { id, type: 'datetime-local', 'aria-describedby': hintId });
    const error = h('p', { class: 'error', hidden: true });
    return {
      input,
      el: [h('label', { for: id }, label), h('p', { class: 'help', id: hintId }, `Your local time (${Intl.DateTimeFormat().resolvedOptions().timeZone}). Leave empty for now.`), input, error],
      value() {
        error.hidden = true;
        if (input.validity.badInput) {
          error.textContent = 'Enter a complete date and time, or leave it empty.';
          error.hidden = false;
          input.focus();
          return null;
        }
        return input.value ? { at: new Date(input.value).toISOString() } : {};
      },
    };
  }

  function start(action) {
    if (isDirty()) {
      say('error', h('p', {}, 'You have unsaved changes: save them first (or reload the entry to drop them).'));
      return;
    }
    message.hidden = true;
    if (action === 'reject') {
      const id = uid('comment');
      const comment = h('textarea', { id, rows: 3, maxlength: 255 });
      form('reject', [h('label', { for: id }, 'Why is it rejected? (the author sees this in the history)'), comment], 'Reject', 'danger', () =>
        comment.value.trim() ? { comment: comment.value.trim() } : {},
      );
      comment.focus();
    } else if (action === 'publish') {
      const at = whenInput('Publish at');
      form('publish', at.el, 'Publish', 'primary', () => at.value());
      at.input.focus();
    } else if (action === 'unpublish') {
      const at = whenInput('Take it off the site at');
      const says = entry.published_version
        ? 'The entry is removed from the site; it stays here and can be published again.'
        : `It is not live yet: pick a time after its scheduled publication (${when(entry.publish_at)}) to end the campaign then.`;
      form('unpublish', [h('p', {}, says), at.el], 'Unpublish', 'danger', () => at.value());
      at.input.focus();
    } else {
      run(action, {});
    }
  }

  return { el: box, focus: () => heading.focus() };
}

/** The latest publishing jobs of the entry, polled while one is queued or running. */
function jobsBox(entry) {
  const titleId = uid('jobs');
  const latest = h('div', { class: 'job-latest', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const earlier = h('div');
  const el = h('div', { class: 'jobs', 'aria-labelledby': titleId, role: 'group' }, h('h3', { id: titleId }, 'Publishing'), latest, earlier);
  let shown = '';
  let polls = 0;

  function line(job) {
    return [
      h('p', { class: 'job-line' }, jobBadge(job), ' ', `${KIND_LABELS[job.kind] || job.kind}${job.version ? ` version ${job.version}` : ''}: ${jobText(job)}`),
      jobError(job),
      job.status === 'failed' && job.kind === 'publish' ? h('p', { class: 'note' }, 'The site was not updated. Try publishing again, or ask IT to look at the error.') : null,
    ];
  }

  async function load() {
    try {
      const jobs = await listJobs({ entry_id: entry.id, limit: 5 });
      const key = JSON.stringify(jobs.map((j) => [j.id, j.status, j.attempts, j.error]));
      if (key !== shown) {
        shown = key;
        if (!jobs.length) {
          mount(latest, h('p', { class: 'muted' }, 'Not published yet.'));
          mount(earlier);
        } else {
          mount(latest, line(jobs[0]));
          mount(
            earlier,
            jobs.length > 1
              ? h('details', {}, h('summary', {}, `Earlier jobs (${jobs.length - 1})`), h('ul', { class: 'plain' }, jobs.slice(1).map((j) => h('li', {}, line(j)))))
              : null,
          );
        }
      }
      // Poll while something is under way, and stop once the panel has left the page.
      polls += 1;
      if (jobs.some(isActive) && polls < 400) setTimeout(() => el.isConnected && load(), polls < 20 ? 1000 : 3000);
    } catch (e) {
      mount(latest, h('p', { class: 'error' }, `Publishing jobs: ${e.message}`));
    }
  }
  load();
  return { el };
}

/** The JSON publishing would write for the current version. */
export function previewPanel(type, entry) {
  const out = h('pre', { class: 'json', tabindex: '0' }, 'Open to load.');
  const details = h('details', { class: 'card' }, h('summary', {}, 'Published JSON preview'), out);
  details.addEventListener('toggle', async () => {
    if (!details.open) return;
    try {
      out.textContent = JSON.stringify(await api('GET', `/entries/${type.name}/${entry.id}/preview`), null, 2);
    } catch (e) {
      out.textContent = [e.message, ...(e.details || []).map((d) => `${pathLabel(type, d.path)}: ${d.message}`)].join('\n');
    }
  });
  return details;
}
