// The entry editor: the form generated from the schema, save with If-Match, validation errors
// beside their fields (the server's, and what the browser can tell before sending), the 412
// conflict dialog, and the status, history and preview panels.

import { api, call, contentTypes } from '../api.js';
import { badge, h, mount, toast, uid, who } from '../dom.js';
import { go, replaceHash, setLeaveGuard } from '../router.js';
import { session } from '../session.js';
import { diffTable } from '../editor/diff.js';
import { buildForm, defaultFields } from '../editor/fields.js';
import { historyPanel } from '../editor/history.js';
import { ErrorSlots, pathLabel } from '../editor/paths.js';
import { previewPanel, workflowPanel } from '../editor/workflow.js';
import { titleOf } from './list.js';

export async function entryView(main, { type: typeName, id }, _query, options = {}) {
  const types = await contentTypes();
  const type = types.find((t) => t.name === typeName);
  if (!type) {
    mount(main, h('h1', {}, 'Unknown content type'));
    return;
  }
  let isNew = !id || id === 'new';
  let entry = null;
  let etag = null;
  if (!isNew) {
    const res = await call('GET', `/entries/${typeName}/${encodeURIComponent(id)}`);
    entry = res.data;
    etag = res.etag;
  }
  const canEdit = session.can('editor');
  const slots = new ErrorSlots();
  // `edits` counts changes in the form. A save clears `dirty` only if nothing changed while
  // its request was under way: what was typed meanwhile is not in the saved version.
  let dirty = false;
  let edits = 0;
  const markDirty = (text = 'Unsaved changes') => {
    dirty = true;
    state.textContent = text;
    state.classList.add('dirty');
  };
  let previewJson = null;
  const ctx = {
    slots,
    changed: () => {
      edits += 1;
      if (!dirty) markDirty();
    },
    // For viewers, who may not read uploads: an asset's published description, by its path.
    assetInfo: (path) => {
      if (!entry) return Promise.resolve(null);
      previewJson = previewJson || api('GET', `/entries/${typeName}/${entry.id}/preview`).catch(() => null);
      return previewJson.then((doc) => {
        let at = doc;
        for (const part of String(path).split(/(?=[.[])/)) {
          if (!at || typeof at !== 'object') return null;
          at = part.startsWith('[') ? at[Number(part.slice(1, -1))] : at[part.replace(/^\./, '')];
        }
        if (!at || typeof at !== 'object' || !at.url) return null;
        return { ...at, filename: decodeURIComponent(String(at.url).split('/').pop()) };
      });
    },
  };
  const state = h('span', { class: 'save-state', 'aria-live': 'polite' }, isNew ? 'New' : 'Saved');
  setLeaveGuard(() => (dirty ? 'You have unsaved changes.' : null));

  const form = buildForm(type, entry ? entry.fields : defaultFields(type), ctx);
  const summary = h('div', { class: 'error-summary', role: 'alert', hidden: true });
  const slugId = uid('slug');
  const slug = h('input', { id: slugId, value: entry ? entry.slug : '', placeholder: 'derived from the title' });
  slug.addEventListener('input', ctx.changed);
  const slugErr = h('div', { class: 'field-error', hidden: true });
  slots.register('slug', slugErr);
  const localeId = uid('locale');
  const locale = h('input', { id: localeId, placeholder: 'default locale', size: 8 });
  const localeErr = h('div', { class: 'field-error', hidden: true });
  slots.register('locale', localeErr);
  const meta = h(
    'div',
    { class: 'entry-meta' },
    h('div', { class: 'field' }, h('label', { for: slugId }, 'Slug'), slug, slugErr),
    isNew && type.localized ? h('div', { class: 'field' }, h('label', { for: localeId }, 'Locale'), locale, localeErr) : null,
  );
  const saveButton = h('button', { type: 'submit', class: 'primary' }, isNew ? 'Create draft' : 'Save');
  const fieldset = h('fieldset', { class: 'plainset', disabled: canEdit ? undefined : true }, h('legend', { class: 'visually-hidden' }, 'Fields'), meta, form.el);
  const editor = h(
    'form',
    { class: 'editor', novalidate: true, onsubmit: (e) => (e.preventDefault(), save(false)) },
    summary,
    fieldset,
    canEdit ? h('div', { class: 'savebar' }, saveButton, state) : h('p', { class: 'muted' }, 'You can read this entry; your role cannot change it.'),
  );

  /** Shows errors beside their fields and, for those with no field, in the summary. */
  function showErrors(message, details) {
    slots.clear();
    const lost = slots.show(details);
    mount(
      summary,
      h('p', {}, h('strong', {}, message), lost.length ? ':' : ''),
      lost.length ? h('ul', {}, lost.map((d) => h('li', {}, `${pathLabel(type, d.path)}: ${d.message}`))) : null,
    );
    summary.hidden = false;
    if (!lost.length || lost.length !== details.length) return lost;
    summary.tabIndex = -1;
    summary.focus();
    return lost;
  }

  async function save(overwriteEtag) {
    slots.clear();
    summary.hidden = true;
    // What the browser already knows is wrong is shown at once, without a round trip.
    const problems = [];
    const fields = form.get((path, message) => problems.push({ path, message }));
    if (problems.length) {
      showErrors(problems.length === 1 ? '1 field needs fixing before saving' : `${problems.length} fields need fixing before saving`, problems);
      return;
    }
    saveButton.disabled = true;
    const started = edits;
    try {
      let res;
      if (isNew) {
        const body = { fields };
        if (slug.value) body.slug = slug.value;
        if (locale.value) body.locale = locale.value;
        res = await call('POST', `/entries/${typeName}`, { body });
      } else {
        const body = { fields };
        if (slug.value && slug.value !== entry.slug) body.slug = slug.value;
        res = await call('PUT', `/entries/${typeName}/${entry.id}`, { body, headers: { 'If-Match': overwriteEtag || etag } });
      }
      const typedMeanwhile = edits !== started;
      toast(isNew ? 'Draft created.' : 'Saved.');
      if (isNew) {
        if (typedMeanwhile) {
          // Opening the new entry would rebuild the form from what was saved: carry on here.
          isNew = false;
          entry = res.data;
          etag = res.etag;
          replaceHash(`#/entries/${typeName}/${entry.id}`);
          saveButton.textContent = 'Save';
          refreshPanels();
          markDirty(`Saved version ${entry.version}; changes made since are not saved yet`);
        } else {
          dirty = false;
          go(`/entries/${typeName}/${res.data.id}`);
        }
      } else {
        entry = res.data;
        etag = res.etag;
        refreshPanels();
        if (typedMeanwhile) {
          markDirty(`Saved version ${entry.version}; changes made since are not saved yet`);
        } else {
          dirty = false;
          state.textContent = `Saved version ${entry.version}`;
          state.classList.remove('dirty');
        }
      }
    } catch (e) {
      if (e.status === 412) {
        await conflict();
      } else if (e.code === 'validation_failed' || e.code === 'slug_taken') {
        showErrors(e.message, e.details.length ? e.details : [{ path: 'slug', message: e.message }]);
      } else {
        mount(summary, h('p', {}, e.message));
        summary.hidden = false;
      }
    } finally {
      saveButton.disabled = false;
    }
  }

  // 412: someone saved in between. Show their fields against ours; reload or overwrite knowingly.
  async function conflict() {
    const res = await call('GET', `/entries/${typeName}/${entry.id}`);
    const theirs = res.data;
    const mine = form.get();
    // The slug is compared too: theirs may have renamed the page address, or mine may.
    const mySlug = slug.value && slug.value !== entry.slug ? slug.value : null; // null: not changed by me
    let slugRow = null;
    if (mySlug && mySlug !== theirs.slug) slugRow = { label: 'Slug (page address)', left: theirs.slug, right: mySlug };
    else if (!mySlug && theirs.slug !== entry.slug) slugRow = { label: 'Slug (page address)', left: theirs.slug, right: `${entry.slug} (not changed by you)` };
    const dialog = h('dialog', { class: 'card wide', 'aria-labelledby': 'conflict-title' });
    const close = () => {
      dialog.close();
      dialog.remove();
    };
    mount(
      dialog,
      h('h2', { id: 'conflict-title' }, 'Someone else saved this entry meanwhile'),
      h('p', {}, `Version ${theirs.version} was saved by ${who(theirs.updated_by, session.me)}${theirs.updated_by === session.me.id ? ' (in another window)' : ''} while you were editing. Compare, then choose.`),
      diffTable(type, theirs.fields, mine, `Saved (version ${theirs.version})`, 'Yours (not saved)', slugRow ? [slugRow] : []),
      slugRow && !mySlug ? h('p', { class: 'note' }, `They changed the slug to “${theirs.slug}”; you did not change it, so overwriting keeps theirs.`) : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => { close(); dirty = false; entryView(main, { type: typeName, id: entry.id }); } }, 'Reload theirs (discard mine)'),
        h('button', { type: 'button', class: 'danger', onclick: () => { close(); save(res.etag); } }, 'Overwrite with mine'),
        h('button', { type: 'button', class: 'link', onclick: close }, 'Cancel (keep editing)'),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  const side = h('aside', { class: 'side', 'aria-label': 'Status, preview and history' });
  let workflow = null;
  const reload = (opts) => entryView(main, { type: typeName, id: entry.id }, null, opts);
  function refreshPanels() {
    if (!entry) return;
    workflow = workflowPanel(type, entry, {
      etag,
      onChanged: reload,
      isDirty: () => dirty,
      showErrors: (details) => {
        slots.clear();
        return slots.show(details);
      },
    });
    mount(
      side,
      workflow.el,
      previewPanel(type, entry),
      historyPanel(type, entry, {
        etag: () => etag,
        isDirty: () => dirty,
        onRestored: () => {
          dirty = false;
          reload({ focus: 'workflow' });
        },
        onStale: () => {
          dirty = false;
          reload();
        },
        currentFields: () => form.get(),
      }),
    );
    heading.replaceChildren(titleOf(type, entry), ' ', badge(entry.status));
  }

  const heading = h('h1', {}, isNew ? `New ${(type.label || type.name).toLowerCase()}` : '');
  mount(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: `#/entries/${typeName}` }, type.label || type.name)),
    heading,
    h('div', { class: 'editor-layout' }, editor, side),
  );
  refreshPanels();
  if (options.focus === 'workflow' && workflow) workflow.focus();
}
