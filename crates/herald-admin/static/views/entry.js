// The entry editor: the form generated from the schema, save with If-Match, validation errors
// beside their fields (the server's, and what the browser can tell before sending), the 412
// conflict dialog (a three-way comparison; merge, overwrite with mine, or reload theirs), and
// the status, history and preview panels.

import { api, call, contentLocales, contentTypes } from '../api.js';
import { authorName } from '../authors.js';
import { badge, h, mount, toast, uid, when } from '../dom.js';
import { go, replaceHash, setLeaveGuard } from '../router.js';
import { session } from '../session.js';
import { show, threeWay } from '../editor/diff.js';
import { buildForm, defaultFields } from '../editor/fields.js';
import { historyPanel } from '../editor/history.js';
import { ErrorSlots, pathLabel } from '../editor/paths.js';
import { previewPanel, workflowPanel } from '../editor/workflow.js';
import { titleOf } from './list.js';

export async function entryView(main, { type: typeName, id }, _query, options = {}) {
  const types = await contentTypes();
  // The locales the server takes (GET /content-types): a new entry picks one, the default first.
  const locales = await contentLocales();
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
  // The fields as the form reads them for the version loaded (or last saved): what "changed by
  // me" is measured against in a conflict.
  let baseline = form.get();
  const summary = h('div', { class: 'error-summary', role: 'alert', hidden: true });
  const slugId = uid('slug');
  const slug = h('input', { id: slugId, value: entry ? entry.slug : '', placeholder: 'derived from the title' });
  slug.addEventListener('input', ctx.changed);
  const slugErr = h('div', { class: 'field-error', hidden: true });
  slots.register('slug', slugErr);
  const localeId = uid('locale');
  const locale = locales.all.length
    ? h('select', { id: localeId }, locales.all.map((l) => h('option', { value: l, selected: l === locales.default ? true : undefined }, l === locales.default ? `${l} (default)` : l)))
    : h('input', { id: localeId, placeholder: 'default locale', size: 8 });
  locale.addEventListener('change', ctx.changed);
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
    { class: 'editor', novalidate: true, onsubmit: (e) => (e.preventDefault(), save()) },
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

  async function save() {
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
        res = await call('PUT', `/entries/${typeName}/${entry.id}`, { body, headers: { 'If-Match': etag } });
      }
      const typedMeanwhile = edits !== started;
      toast(isNew ? 'Draft created.' : 'Saved.');
      if (isNew) {
        if (typedMeanwhile) {
          // Opening the new entry would rebuild the form from what was saved: carry on here.
          isNew = false;
          entry = res.data;
          etag = res.etag;
          baseline = fields;
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
        baseline = fields;
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

  // 412: someone saved in between. A three-way comparison: the version loaded (base), theirs
  // and mine, field by field, and three honest ways out: merge (theirs, with only the fields I
  // changed put on top, so their changes to other fields survive; a field both changed is said
  // so, and mine wins), overwrite with mine (exactly what is in my editor: their changes to
  // other fields are undone too), or reload theirs. When they changed no field I left alone,
  // merging and overwriting are the same, and only "Overwrite with mine" is offered.
  async function conflict() {
    const res = await call('GET', `/entries/${typeName}/${entry.id}`);
    const theirs = res.data;
    const mine = form.get();
    const rows = threeWay(type, entry.fields, baseline, theirs.fields, mine);
    // The slug too: theirs may have renamed the page address, or mine may.
    const mySlug = slug.value && slug.value !== entry.slug ? slug.value : null; // null: not changed by me
    const theirSlug = theirs.slug !== entry.slug ? theirs.slug : null;
    if (mySlug || theirSlug) {
      rows.unshift({
        name: 'slug',
        label: 'Slug (page address)',
        base: entry.slug,
        theirs: theirs.slug,
        mine: mySlug || entry.slug,
        byThem: Boolean(theirSlug),
        byMe: Boolean(mySlug),
        clash: Boolean(mySlug && theirSlug && mySlug !== theirSlug),
      });
    }
    const clashes = rows.filter((r) => r.clash);
    const mineOnly = rows.filter((r) => r.byMe);
    // What overwriting undoes beyond a merge: fields only they changed.
    const theirsOnly = rows.filter((r) => r.byThem && !r.byMe);
    const savedBy = await authorName(theirs.updated_by);
    const dialog = h('dialog', { class: 'card wide conflict', 'aria-labelledby': 'conflict-title' });
    const close = () => {
      dialog.close();
      dialog.remove();
    };
    const cell = (value, cls) => h('td', { class: cls }, h('pre', {}, show(value)));
    const whoChanged = (r) => (r.clash ? 'Both changed it: merging keeps yours' : r.byThem && r.byMe ? 'Both, to the same value' : r.byThem ? 'They changed it' : 'You changed it');
    const names = (list) => list.map((r) => `“${r.label}”`).join(', ');
    const table = rows.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'diff three-way' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Field'),
                h('th', { scope: 'col' }, `When you opened it (version ${entry.version})`),
                h('th', { scope: 'col' }, `Saved (version ${theirs.version})`),
                h('th', { scope: 'col' }, 'Yours (not saved)'),
                h('th', { scope: 'col' }, 'Changed by'),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map((r) =>
                h(
                  'tr',
                  { class: r.clash ? 'clash' : undefined, dataset: { field: r.name } },
                  h('th', { scope: 'row' }, r.label),
                  cell(r.base, 'base'),
                  cell(r.theirs, r.byThem ? 'new' : 'same'),
                  cell(r.mine, r.byMe ? 'new' : 'same'),
                  h('td', { class: 'who' }, r.clash ? h('strong', {}, whoChanged(r)) : whoChanged(r)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No differences in the fields.');
    const choice = (button, text) => h('li', {}, button, h('p', { class: 'muted' }, text));
    const reload = h('button', { type: 'button', onclick: () => { close(); dirty = false; entryView(main, { type: typeName, id: entry.id }); } }, 'Reload theirs (discard mine)');
    const choices = [];
    if (mineOnly.length && theirsOnly.length) {
      choices.push(
        choice(
          h('button', { type: 'button', class: clashes.length ? 'danger' : 'primary', onclick: () => { close(); merge(theirs, res.etag, mineOnly, 'merge'); } }, 'Merge: theirs plus my changes'),
          `Saves their version with the fields you changed put on top: their changes to ${names(theirsOnly)} are kept.${clashes.length ? ` In ${names(clashes)}, which you both changed, yours replaces theirs.` : ''}`,
        ),
      );
    }
    if (mineOnly.length) {
      const undone = [...clashes, ...theirsOnly];
      choices.push(
        choice(
          h('button', { type: 'button', class: undone.length ? 'danger' : 'primary', onclick: () => { close(); merge(theirs, res.etag, rows, 'overwrite'); } }, 'Overwrite with mine'),
          undone.length
            ? `Saves exactly what is in your editor: their changes to ${names(undone)} are replaced by yours. Theirs stays in the history and can be restored.`
            : 'Saves exactly what is in your editor. They changed nothing you did not change the same way, so nothing of theirs is lost.',
        ),
      );
    }
    choices.push(choice(reload, `Shows their version ${theirs.version}. Your unsaved changes are lost.`));
    mount(
      dialog,
      h('h2', { id: 'conflict-title' }, 'Someone else saved this entry meanwhile'),
      h('p', { class: 'saved-by' }, `Version ${theirs.version} was saved by ${savedBy}${theirs.updated_by === session.me.id ? ' (in another window)' : ''} at ${when(theirs.updated_at)}, while you were editing. Nothing of yours is saved yet: compare, then choose.`),
      table,
      clashes.length ? h('p', { class: 'note clash-note', role: 'note' }, h('strong', {}, 'Both of you changed '), names(clashes), ': whichever you choose, one of the two versions of it is replaced (it stays in the history).') : null,
      h('ul', { class: 'plain choices' }, choices),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'link', onclick: close }, 'Cancel (keep editing)')),
    );
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  /**
   * Saves their version with my values of the fields of `rows` on top, then shows the result:
   * a merge passes the fields I changed, an overwrite every field either side changed.
   */
  async function merge(theirs, theirEtag, rows, how) {
    const fields = { ...theirs.fields };
    const body = { fields };
    for (const r of rows) {
      if (r.name === 'slug') body.slug = r.mine;
      else if (r.mine === undefined) delete fields[r.name];
      else fields[r.name] = r.mine;
    }
    saveButton.disabled = true;
    try {
      const res = await call('PUT', `/entries/${typeName}/${entry.id}`, { body, headers: { 'If-Match': theirEtag } });
      dirty = false;
      toast(how === 'overwrite' ? `Saved yours over theirs as version ${res.data.version}.` : `Merged and saved as version ${res.data.version}.`);
      entryView(main, { type: typeName, id: entry.id });
    } catch (e) {
      if (e.status === 412) {
        await conflict();
      } else {
        showErrors(`Not saved: ${e.message}`, e.details && e.details.length ? e.details : []);
      }
    } finally {
      saveButton.disabled = false;
    }
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

