// The form generated from a content type's schema: one widget per field type. Each widget is
// `{el, get(report)}`; `get()` returns the value to send (undefined for an empty optional value).
// While saving, `report(path, message)` collects what the browser can tell is wrong before
// asking the server (a number that is not one, invalid JSON, an empty list item): such a value
// is shown beside its field instead of being silently dropped or sent half-typed.
//
// A widget's `path` (`fields.products[2]`) is a function: the index of a list item changes when
// items are moved or removed, and the widgets are moved with their item rather than rebuilt, so
// that nothing half-typed in them (a number that is not one yet, unfinished JSON) is lost.

import { api, assetUrl, call, contentTypes, query, releaseAssetUrls } from '../api.js';
import { h, uid } from '../dom.js';
import { session } from '../session.js';
import { child } from './paths.js';

const labelOf = (field) => field.label || field.name.replace(/_/g, ' ');
const ignore = () => {};
const pathFn = (path) => (typeof path === 'function' ? path : () => path);

/** The value a new entry, list item or object starts with: the schema's defaults, at every depth. */
export function defaultValue(field) {
  if (!field) return undefined;
  if (field.type === 'object') {
    const out = {};
    for (const f of field.fields || []) {
      const v = defaultValue(f);
      if (v !== undefined) out[f.name] = v;
    }
    if (field.default && typeof field.default === 'object') Object.assign(out, structuredClone(field.default));
    return Object.keys(out).length ? out : undefined;
  }
  return field.default === undefined || field.default === null ? undefined : structuredClone(field.default);
}

/** The `fields` a new entry of the type starts with. */
export function defaultFields(type) {
  return defaultValue({ type: 'object', fields: type.fields }) || {};
}

/** A size for people: 512 bytes, 48.2 KB, 3.4 MB (1 KB = 1024 bytes). */
export function formatBytes(n) {
  const bytes = Number(n);
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/**
 * A labelled field with help, an error slot and, optionally, a counter. A single control is
 * described by the help and the error and says whether it is required; a group (list, object)
 * is a fieldset named by its legend and described by its help and error.
 */
function wrap(field, path, ctx, control, inputId, extra = null) {
  const helpId = uid('help');
  const errId = uid('err');
  const errors = h('div', { class: 'field-error', id: errId, hidden: true, role: 'alert' });
  ctx.slots.register(path, errors);
  const isGroup = !inputId;
  const describedBy = `${field.help ? helpId : ''} ${errId}`.trim();
  const target = isGroup ? null : control.matches('input, textarea, select') ? control : control.querySelector(`#${inputId}`);
  if (target) {
    target.setAttribute('aria-describedby', describedBy);
    if (field.required) target.setAttribute('aria-required', 'true');
  }
  const star = field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null;
  const title = isGroup
    ? h('legend', {}, h('span', { class: 'label-text' }, labelOf(field)), star, field.required ? h('span', { class: 'visually-hidden' }, ' (required)') : null)
    : h('label', { for: inputId }, h('span', { class: 'label-text' }, labelOf(field)), star);
  const el = h(
    isGroup ? 'fieldset' : 'div',
    { class: `field field-${field.type}`, dataset: { path: path() }, 'aria-describedby': isGroup ? describedBy : undefined },
    title,
    field.help ? h('p', { class: 'help', id: helpId }, field.help) : null,
    control,
    extra,
    errors,
  );
  el.pathOf = path; // read again by a list when its items move
  return el;
}

/**
 * The visible count, and a polite announcement only near or past the limit, once typing
 * pauses (announcing every keystroke would drown what a screen reader user types).
 */
function counter(input, max, min) {
  const out = h('span', { class: 'counter' });
  const live = h('span', { class: 'visually-hidden', 'aria-live': 'polite' });
  let timer = null;
  const update = () => {
    const n = [...input.value].length;
    out.textContent = max ? `${n} / ${max}` : `${n} characters`;
    out.classList.toggle('over', Boolean((max && n > max) || (min && n > 0 && n < min)));
    if (!max) return;
    clearTimeout(timer);
    const near = n >= max - Math.max(5, Math.ceil(max * 0.1));
    timer = setTimeout(() => {
      const say = !near ? '' : n > max ? `${n - max} characters over the limit of ${max}` : `${max - n} characters left`;
      if (live.textContent !== say) live.textContent = say;
    }, 700);
  };
  input.addEventListener('input', update);
  update();
  return h('span', {}, out, live);
}

function textWidget(field, value, path, ctx, multiline) {
  const id = uid('in');
  const input = multiline
    ? h('textarea', { id, rows: field.type === 'markdown' ? 10 : 4 })
    : h('input', {
        id,
        type: field.type === 'url' ? 'url' : field.type === 'email' ? 'email' : 'text',
        required: field.required ? true : undefined,
      });
  input.value = value ?? '';
  if (field.max_length) input.setAttribute('maxlength', String(field.max_length * 2));
  input.addEventListener('input', ctx.changed);
  const count = counter(input, field.max_length, field.min_length);
  let extra = h('div', { class: 'field-meta' }, count);
  if (field.type === 'markdown') extra = h('div', {}, extra, markdownPreview(input));
  const el = wrap(field, path, ctx, input, id, extra);
  return { el, get: () => (input.value === '' && !field.required ? undefined : input.value) };
}

function markdownPreview(input) {
  // Not a live region: re-reading the whole preview after each pause in typing is noise.
  const out = h('div', { class: 'markdown-preview' });
  let timer = null;
  let seq = 0;
  const render = async () => {
    const mine = ++seq;
    try {
      const { html } = await api('POST', '/render/markdown', { markdown: input.value });
      // The one place HTML from elsewhere enters the page: sanitized by the server (ammonia).
      if (mine === seq) out.innerHTML = html;
    } catch {
      if (mine === seq) out.textContent = 'Preview unavailable.';
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  render();
  return h('details', { open: true, class: 'preview-box' }, h('summary', {}, 'Preview'), out);
}

function numberWidget(field, value, path, ctx) {
  const id = uid('in');
  const input = h('input', { id, type: 'number', step: field.type === 'integer' ? '1' : 'any', min: field.min, max: field.max });
  input.value = value ?? '';
  input.addEventListener('input', ctx.changed);
  const range = [field.min !== undefined && field.min !== null ? `min ${field.min}` : '', field.max !== undefined && field.max !== null ? `max ${field.max}` : ''].filter(Boolean).join(', ');
  return {
    el: wrap(field, path, ctx, input, id, range ? h('span', { class: 'counter' }, range) : null),
    get: (report = ignore) => {
      // A type="number" input reads '' for text that is not a number: say so, do not drop it.
      if (input.validity.badInput) {
        report(path(), field.type === 'integer' ? 'Enter a whole number, such as 25.' : 'Enter a number, such as 19.90 (with a dot).');
        return undefined;
      }
      if (input.value === '') return field.required ? null : undefined;
      const n = Number(input.value);
      return Number.isNaN(n) ? input.value : n;
    },
  };
}

/** datetime values are RFC 3339; the input shows local time, to the second. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function dateWidget(field, value, path, ctx) {
  const id = uid('in');
  const isDateTime = field.type === 'datetime';
  const input = h('input', { id, type: isDateTime ? 'datetime-local' : 'date', step: isDateTime ? '1' : undefined });
  input.value = value ? (isDateTime ? toLocalInput(value) : value) : '';
  // What the input shows for the stored value: while it still shows that, the stored string is
  // sent back as it is (the input cannot show its milliseconds or its offset, and rewriting
  // it would make an untouched field look changed in every save, conflict and history diff).
  const shown = input.value;
  input.addEventListener('input', ctx.changed);
  const note = isDateTime ? h('span', { class: 'counter' }, `Your local time (${Intl.DateTimeFormat().resolvedOptions().timeZone})`) : null;
  return {
    el: wrap(field, path, ctx, input, id, note),
    get: (report = ignore) => {
      if (input.validity.badInput) {
        report(path(), isDateTime ? 'Enter a complete date and time.' : 'Enter a complete date.');
        return undefined;
      }
      if (input.value === shown && value !== undefined && value !== null && value !== '') return value;
      if (!input.value) return undefined;
      return isDateTime ? new Date(input.value).toISOString().replace('.000Z', 'Z') : input.value;
    },
  };
}

function enumWidget(field, value, path, ctx) {
  const id = uid('in');
  const select = h(
    'select',
    { id },
    field.required ? null : h('option', { value: '' }, '—'),
    (field.values || []).map((v) => h('option', { value: v }, v)),
  );
  select.value = value ?? (field.required ? (field.values || [])[0] ?? '' : '');
  select.addEventListener('change', ctx.changed);
  return { el: wrap(field, path, ctx, select, id), get: () => (select.value === '' ? undefined : select.value) };
}

function booleanWidget(field, value, path, ctx) {
  const id = uid('in');
  const input = h('input', { id, type: 'checkbox' });
  input.checked = Boolean(value);
  input.addEventListener('change', ctx.changed);
  return { el: wrap(field, path, ctx, input, id), get: () => input.checked };
}

function jsonWidget(field, value, path, ctx) {
  const id = uid('in');
  const input = h('textarea', { id, rows: 6, class: 'mono', spellcheck: 'false' });
  input.value = value === undefined ? '' : JSON.stringify(value, null, 2);
  input.addEventListener('input', ctx.changed);
  return {
    el: wrap(field, path, ctx, input, id),
    get: (report = ignore) => {
      if (!input.value.trim()) return undefined;
      try {
        return JSON.parse(input.value);
      } catch (e) {
        report(path(), `Not valid JSON: ${e.message}`);
        return undefined;
      }
    },
  };
}

function objectWidget(field, value, path, ctx) {
  const children = (field.fields || []).map((f) => ({ name: f.name, node: build(f, value ? value[f.name] : undefined, () => child(path(), f.name), ctx) }));
  const body = h('div', { class: 'object-fields' }, children.map((c) => c.node.el));
  return {
    el: wrap(field, path, ctx, body, null),
    get: (report = ignore) => {
      const out = {};
      for (const c of children) {
        const v = c.node.get(report);
        if (v !== undefined) out[c.name] = v;
      }
      return Object.keys(out).length || field.required ? out : undefined;
    },
  };
}

function listWidget(field, value, path, ctx) {
  const itemField = { ...field.of, name: field.of && field.of.name ? field.of.name : 'item', label: (field.of && field.of.label) || 'Item' };
  const itemLabel = labelOf(itemField);
  const items = [];
  const box = h('ol', { class: 'list-items' });
  const add = h('button', { type: 'button', class: 'small' }, `Add ${itemLabel.toLowerCase()}`);
  const counterEl = h('span', { class: 'counter' });

  // Each item keeps its widget for good: moving or removing an item moves DOM nodes, and the
  // item's path (its index) is read when needed, so errors like fields.products[2] land on the
  // third item shown.
  function makeItem(v) {
    const item = {};
    item.node = build(itemField, v, () => child(path(), items.indexOf(item)), ctx);
    item.up = h('button', { type: 'button', class: 'small', onclick: () => move(item, -1) }, '↑');
    item.down = h('button', { type: 'button', class: 'small', onclick: () => move(item, 1) }, '↓');
    item.remove = h('button', { type: 'button', class: 'small danger', onclick: () => remove(item) }, 'Remove');
    item.li = h('li', { class: 'list-item' }, item.node.el, h('div', { class: 'item-controls' }, item.up, item.down, item.remove));
    return item;
  }
  function renumber() {
    const name = itemLabel.toLowerCase();
    items.forEach((item, i) => {
      const n = i + 1;
      item.up.setAttribute('aria-label', `Move ${name} ${n} up`);
      item.down.setAttribute('aria-label', `Move ${name} ${n} down`);
      item.remove.setAttribute('aria-label', `Remove ${name} ${n}`);
      item.up.disabled = i === 0;
      item.down.disabled = i === items.length - 1;
      const title = item.node.el.querySelector(':scope > label > .label-text, :scope > legend > .label-text');
      if (title) title.textContent = `${itemLabel} ${n}`;
      // An image item's alt text is named after the item ("Alt text of Product image 2").
      const altOf = item.node.el.querySelector(':scope > .asset > label > .alt-of');
      if (altOf) altOf.textContent = `${itemLabel} ${n}`;
      for (const el of item.li.querySelectorAll('[data-path]')) if (el.pathOf) el.dataset.path = el.pathOf();
    });
    const max = field.max_items;
    counterEl.textContent = `${items.length}${max ? ` / ${max}` : ''} items`;
    add.disabled = Boolean(max && items.length >= max);
  }
  function move(item, delta) {
    const i = items.indexOf(item);
    const j = i + delta;
    if (j < 0 || j >= items.length) return;
    const other = items[j];
    items.splice(i, 1);
    items.splice(j, 0, item);
    // Move the neighbour, not the item: the pressed button keeps the focus.
    if (delta < 0) item.li.after(other.li);
    else item.li.before(other.li);
    renumber();
    ctx.changed();
    const button = delta < 0 ? item.up : item.down;
    (button.disabled ? (delta < 0 ? item.down : item.up) : button).focus();
  }
  function remove(item) {
    const i = items.indexOf(item);
    items.splice(i, 1);
    item.li.remove();
    renumber();
    ctx.changed();
    const next = items[i] || items[i - 1];
    (next ? next.remove : add).focus();
  }
  add.addEventListener('click', () => {
    const item = makeItem(defaultValue(itemField));
    items.push(item);
    box.append(item.li);
    renumber();
    ctx.changed();
    const focusable = item.li.querySelector('input, select, textarea, button');
    if (focusable) focusable.focus();
  });
  for (const v of Array.isArray(value) ? value : []) {
    const item = makeItem(v);
    items.push(item);
    box.append(item.li);
  }
  renumber();
  return {
    el: wrap(field, path, ctx, h('div', {}, box, h('div', { class: 'field-meta' }, add, counterEl)), null),
    get: (report = ignore) => {
      // Indexes are those shown: an empty item is reported at its own index, never skipped
      // (skipping it would shift every later item's errors onto its neighbour).
      const out = [];
      items.forEach((it, i) => {
        let inner = false;
        const v = it.node.get((p, m) => {
          inner = true;
          report(p, m);
        });
        if (v !== undefined) out.push(v);
        else if (!inner) report(child(path(), i), `${itemLabel} ${i + 1} is empty: fill it in or remove it.`);
      });
      return out.length || field.required ? out : undefined;
    },
  };
}

function referenceWidget(field, value, path, ctx) {
  const targets = field.to || [];
  let current = value && value.id ? { type: value.type || targets[0], id: value.id } : null;
  const id = uid('ref');
  const listId = uid('options');
  const chosen = h('span', { class: 'chosen' });
  // The ARIA 1.2 combobox: focus stays in the input, arrow keys move the active option
  // (aria-activedescendant), Enter picks it, Escape closes the list.
  const search = h('input', {
    id,
    type: 'search',
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    placeholder: `Search ${targets.join(', ')}`,
    autocomplete: 'off',
  });
  const results = h('ul', { id: listId, class: 'picker-results', role: 'listbox', 'aria-label': `Matching ${targets.join(', ')} entries` });
  const note = h('p', { class: 'picker-note muted', 'aria-live': 'polite' });
  const clear = h('button', { type: 'button', class: 'small', onclick: () => choose(null) }, 'Clear');
  let options = [];
  let active = -1;

  async function describe() {
    if (!current) {
      chosen.textContent = 'Nothing chosen';
      clear.hidden = true;
      return;
    }
    clear.hidden = false;
    clear.setAttribute('aria-label', `Clear ${labelOf(field).toLowerCase()}`);
    chosen.textContent = `${current.type} ${current.id}`;
    try {
      const entry = await api('GET', `/entries/${current.type}/${current.id}`);
      const types = await contentTypes();
      const t = types.find((x) => x.name === current.type);
      const title = t && t.title_field ? entry.fields[t.title_field] : entry.slug;
      chosen.textContent = `${title || entry.slug} (${t ? t.label || t.name : current.type}, ${entry.locale}, ${entry.status.replace('_', ' ')})`;
    } catch {
      chosen.textContent = `${current.type} ${current.id} (not found)`;
    }
  }
  function close() {
    results.replaceChildren();
    options = [];
    active = -1;
    search.setAttribute('aria-expanded', 'false');
    search.removeAttribute('aria-activedescendant');
  }
  function setActive(i) {
    active = i;
    options.forEach((o, j) => {
      o.el.setAttribute('aria-selected', j === i ? 'true' : 'false');
      o.el.classList.toggle('active', j === i);
    });
    if (i >= 0) {
      search.setAttribute('aria-activedescendant', options[i].el.id);
      options[i].el.scrollIntoView({ block: 'nearest' });
    } else {
      search.removeAttribute('aria-activedescendant');
    }
  }
  function choose(ref) {
    current = ref;
    close();
    search.value = '';
    note.textContent = '';
    describe();
    ctx.changed();
  }
  let timer = null;
  let seq = 0;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      const q = search.value.trim();
      if (!q) {
        close();
        note.textContent = '';
        return;
      }
      const types = await contentTypes();
      const found = [];
      for (const typeName of targets) {
        const t = types.find((x) => x.name === typeName);
        try {
          const page = await api('GET', `/entries/${typeName}${query({ q, limit: 8 })}`);
          for (const e of page.items) {
            if (e.status === 'archived') continue;
            const title = (t && t.title_field && e.fields[t.title_field]) || e.slug;
            found.push({ ref: { type: typeName, id: e.id }, title, meta: `${t ? t.label || t.name : typeName} · ${e.locale} · ${e.status.replace('_', ' ')}` });
          }
        } catch {
          // A type the user may not read: nothing to pick from it.
        }
      }
      if (mine !== seq) return; // a newer search is under way
      close();
      options = found.map((o) => ({
        ...o,
        el: h(
          'li',
          {
            id: uid('opt'),
            role: 'option',
            'aria-selected': 'false',
            class: 'option',
            // Keep the focus in the input when an option is clicked.
            onmousedown: (e) => e.preventDefault(),
            onclick: () => choose(o.ref),
          },
          `${o.title} `,
          h('span', { class: 'muted' }, o.meta),
        ),
      }));
      results.append(...options.map((o) => o.el));
      search.setAttribute('aria-expanded', options.length ? 'true' : 'false');
      note.textContent = options.length
        ? `${options.length} ${options.length === 1 ? 'match' : 'matches'}: use the arrow keys and Enter to choose.`
        : 'No match.';
    }, 250);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!options.length) return;
      e.preventDefault();
      const n = options.length;
      setActive(e.key === 'ArrowDown' ? (active + 1) % n : active <= 0 ? n - 1 : active - 1);
    } else if (e.key === 'Enter') {
      // Never submit the editor form from the search box.
      if (search.value.trim() || options.length) e.preventDefault();
      if (active >= 0) choose(options[active].ref);
    } else if (e.key === 'Escape') {
      if (options.length) {
        e.preventDefault();
        close();
      }
    }
  });
  search.addEventListener('blur', () => setTimeout(() => document.activeElement !== search && close(), 150));
  describe();
  const control = h('div', { class: 'picker' }, h('div', { class: 'picker-current', 'aria-live': 'polite' }, chosen, clear), search, results, note);
  return {
    el: wrap(field, path, ctx, control, id),
    get: () => (current ? { type: current.type, id: current.id } : field.required ? null : undefined),
  };
}

/** Whether an uploaded asset fits the field: its media type (`accept`, with `image/*`) and size. */
function fits(field, asset) {
  const accept = field.accept || [];
  const typeOk = !accept.length || accept.some((a) => (a.endsWith('/*') ? String(asset.content_type).startsWith(a.slice(0, -1)) : asset.content_type === a));
  if (!typeOk) return `not a ${accept.join(' or ')} file`;
  if (field.max_bytes && asset.bytes > field.max_bytes) return `larger than ${formatBytes(field.max_bytes)}`;
  return null;
}

/** The `type` filter of GET /assets for the field: the family all its accepted types share. */
function assetTypeFilter(field) {
  const families = new Set((field.accept || []).map((a) => a.split('/')[0]));
  return families.size === 1 ? `${[...families][0]}/` : undefined;
}

const describeAsset = (meta) => `${meta.filename} · ${meta.content_type} · ${formatBytes(meta.bytes)}${meta.width ? ` · ${meta.width}×${meta.height}` : ''}`;

/** Thumbnails in the chooser are loaded only for images up to this size (originals are sent). */
const THUMB_MAX_BYTES = 2 * 1024 * 1024;

function assetWidget(field, value, path, ctx) {
  let current = value && value.id ? { id: value.id, alt: value.alt || '' } : null;
  const fileId = uid('file');
  const altId = uid('alt');
  const preview = h('div', { class: 'asset-preview' });
  const file = h('input', { id: fileId, type: 'file', accept: (field.accept || []).join(',') || undefined });
  const alt = h('input', { id: altId, type: 'text', placeholder: 'Describe the image for people who cannot see it' });
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const remove = h('button', { type: 'button', class: 'small danger', onclick: () => set(null) }, 'Remove');
  remove.setAttribute('aria-label', `Remove the file of ${labelOf(field)}`);
  alt.value = current ? current.alt : '';
  alt.addEventListener('input', ctx.changed);

  let shown = 0;
  async function show() {
    const mine = ++shown;
    preview.replaceChildren();
    releaseAssetUrls(); // the image this preview showed before
    remove.hidden = !current;
    if (!current) return;
    const shownId = current.id;
    try {
      const meta = await api('GET', `/assets/${current.id}`);
      const caption = h('span', { class: 'muted' }, describeAsset(meta));
      if (String(meta.content_type).startsWith('image/')) {
        const src = await assetUrl(current.id);
        if (mine !== shown) return; // another file was chosen meanwhile
        preview.append(h('img', { alt: alt.value || meta.filename, src }), caption);
      } else if (mine === shown) {
        preview.append(caption);
      }
    } catch (e) {
      if (mine !== shown) return;
      if (e.status === 403 && ctx.assetInfo) {
        // Viewers may not read uploads (contract: editor+): say what the entry uses, from the
        // JSON publishing would write for it, without an error.
        const info = await ctx.assetInfo(path());
        if (!current || current.id !== shownId) return;
        preview.append(
          h(
            'span',
            { class: 'muted asset-info' },
            info ? describeAsset(info) : `A file is chosen${current.alt ? ` (alt text: “${current.alt}”)` : ''}.`,
            ' The preview is shown to editors.',
          ),
        );
      } else {
        preview.append(h('span', { class: 'error' }, `Asset ${current.id}: ${e.message}`));
      }
    }
  }
  function set(next) {
    current = next;
    show();
    ctx.changed();
  }
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (field.max_bytes && f.size > field.max_bytes) {
      status.textContent = `Too large (${formatBytes(f.size)}): at most ${formatBytes(field.max_bytes)}.`;
      return;
    }
    const form = new FormData();
    if (alt.value) form.append('alt', alt.value);
    form.append('file', f);
    status.textContent = 'Uploading…';
    try {
      const { data } = await call('POST', '/assets', { body: form });
      status.textContent = `Uploaded ${data.filename}.`;
      set({ id: data.id, alt: alt.value });
    } catch (e) {
      status.textContent = `Upload failed: ${e.message}`;
    }
    file.value = '';
  });

  // Choose a file uploaded before (GET /assets?q=): a search box and a list of buttons, newest
  // first, with thumbnails of small images.
  const chooserId = uid('chooser');
  let timer = null;
  let seq = 0;
  const searchId = uid('assets');
  const choose = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': chooserId }, 'Choose an uploaded file…');
  const search = h('input', { id: searchId, type: 'search', autocomplete: 'off', placeholder: 'File name or alt text' });
  const results = h('ul', { class: 'plain asset-results' });
  const note = h('p', { class: 'muted picker-note', 'aria-live': 'polite' });
  const closeChooser = (focus = true) => {
    clearTimeout(timer); // a search typed but not sent yet
    seq += 1; // and the answer of one under way: not wanted any more
    chooser.hidden = true;
    choose.setAttribute('aria-expanded', 'false');
    results.replaceChildren();
    releaseAssetUrls();
    if (focus) choose.focus();
  };
  const chooser = h(
    'div',
    { id: chooserId, class: 'asset-chooser', hidden: true, role: 'group', 'aria-label': `Uploaded files for ${labelOf(field)}` },
    h('label', { for: searchId }, `Search uploaded files for ${labelOf(field)}`),
    search,
    note,
    results,
    h('button', { type: 'button', class: 'link', onclick: () => closeChooser() }, 'Close the list'),
  );
  async function find() {
    const mine = ++seq;
    note.textContent = 'Searching…';
    let page;
    try {
      page = await api('GET', `/assets${query({ q: search.value.trim(), type: assetTypeFilter(field), limit: 12 })}`);
    } catch (e) {
      if (mine === seq) note.textContent = `Could not search the uploads: ${e.message}`;
      return;
    }
    if (mine !== seq) return;
    results.replaceChildren();
    releaseAssetUrls();
    const items = page.items || [];
    for (const asset of items) {
      const unfit = fits(field, asset);
      const thumb = h('span', { class: 'asset-thumb', 'aria-hidden': 'true' });
      const button = h(
        'button',
        {
          type: 'button',
          class: 'asset-option',
          disabled: unfit ? true : undefined,
          onclick: () => {
            if (!alt.value && asset.alt) alt.value = asset.alt;
            set({ id: asset.id, alt: alt.value });
            status.textContent = `Chose ${asset.filename}.`;
            closeChooser();
          },
        },
        thumb,
        h('span', {}, h('strong', {}, asset.filename), h('span', { class: 'muted' }, ` ${describeAsset(asset).slice(asset.filename.length + 3)}`), asset.alt ? h('span', { class: 'muted' }, ` · alt: “${asset.alt}”`) : null, unfit ? h('span', { class: 'error' }, ` · ${unfit}`) : null),
      );
      results.append(h('li', {}, button));
      if (String(asset.content_type).startsWith('image/') && asset.bytes <= THUMB_MAX_BYTES) {
        assetUrl(asset.id)
          .then((src) => {
            // Not shown (a newer search replaced the list): the next sweep revokes it.
            if (mine === seq && button.isConnected) thumb.append(h('img', { alt: '', src }));
          })
          .catch(() => {});
      }
    }
    const n = items.length;
    const files = n === 1 ? 'file' : 'files';
    note.textContent = search.value.trim()
      ? n
        ? `${n} ${n === 1 ? 'file matches' : 'files match'}${page.next_cursor ? ' (the newest shown)' : ''}: choose one.`
        : 'No uploaded file matches.'
      : n
        ? `The ${n} newest ${files}: choose one, or search by file name or alt text.`
        : 'Nothing has been uploaded yet.';
  }
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(find, 250);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault(); // never submit the editor form from here
      clearTimeout(timer);
      find();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      closeChooser();
    }
  });
  choose.addEventListener('click', () => {
    if (!chooser.hidden) {
      closeChooser();
      return;
    }
    chooser.hidden = false;
    choose.setAttribute('aria-expanded', 'true');
    search.focus();
    find();
  });

  show();
  const control = h(
    'div',
    { class: 'asset' },
    preview,
    h('div', { class: 'asset-row' }, file, session.can('editor') ? choose : null, status, remove),
    chooser,
    h('label', { for: altId }, 'Alt text of ', h('span', { class: 'alt-of' }, labelOf(field))),
    alt,
  );
  return {
    el: wrap(field, path, ctx, control, fileId),
    get: () => {
      if (!current) return field.required ? null : undefined;
      return alt.value ? { id: current.id, alt: alt.value } : { id: current.id };
    },
  };
}

/** The widget of one field; `path` is a string or a function returning the current one. */
export function build(field, value, pathOrFn, ctx) {
  const path = pathFn(pathOrFn);
  switch (field.type) {
    case 'text':
    case 'url':
    case 'email':
      return textWidget(field, value, path, ctx, false);
    case 'long_text':
    case 'markdown':
      return textWidget(field, value, path, ctx, true);
    case 'integer':
    case 'number':
      return numberWidget(field, value, path, ctx);
    case 'date':
    case 'datetime':
      return dateWidget(field, value, path, ctx);
    case 'enum':
      return enumWidget(field, value, path, ctx);
    case 'boolean':
      return booleanWidget(field, value, path, ctx);
    case 'object':
      return objectWidget(field, value, path, ctx);
    case 'list':
      return listWidget(field, value, path, ctx);
    case 'reference':
      return referenceWidget(field, value, path, ctx);
    case 'asset':
      return assetWidget(field, value, path, ctx);
    default:
      return jsonWidget(field, value, path, ctx);
  }
}

/** The whole form of a content type: `{el, get()}` where get() returns `fields`. */
export function buildForm(type, fields, ctx) {
  const nodes = type.fields.map((f) => ({ name: f.name, node: build(f, fields[f.name], `fields.${f.name}`, ctx) }));
  return {
    el: h('div', { class: 'form-fields' }, nodes.map((n) => n.node.el)),
    get: (report = ignore) => {
      const out = {};
      for (const n of nodes) {
        const v = n.node.get(report);
        if (v !== undefined) out[n.name] = v;
      }
      return out;
    },
  };
}
