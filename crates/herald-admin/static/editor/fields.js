// The form generated from a content type's schema: one widget per field type. Each widget is
// `{el, get(report)}`; `get()` returns the value to send (undefined for an empty optional value).
// While saving, `report(path, message)` collects what the browser can tell is wrong before
// asking the server (a number that is not one, invalid JSON, an empty list item): such a value
// is shown beside its field instead of being silently dropped or sent half-typed.

import { api, assetUrl, call, contentTypes, query } from '../api.js';
import { h, uid } from '../dom.js';
import { child } from './paths.js';

const labelOf = (field) => field.label || field.name.replace(/_/g, ' ');
const ignore = () => {};

/** A labelled field with help, an error slot and, optionally, a counter. */
function wrap(field, path, ctx, control, inputId, extra = null) {
  const helpId = uid('help');
  const errId = uid('err');
  const errors = h('div', { class: 'field-error', id: errId, hidden: true, role: 'alert' });
  ctx.slots.register(path, errors);
  const isGroup = !inputId;
  // Only a single control is described by the help and error; a group's legend names it.
  const target = isGroup ? null : control.matches('input, textarea, select') ? control : control.querySelector(`#${inputId}`);
  if (target) target.setAttribute('aria-describedby', `${field.help ? helpId : ''} ${errId}`.trim());
  else if (isGroup) control.setAttribute('aria-describedby', `${field.help ? helpId : ''} ${errId}`.trim());
  const title = isGroup
    ? h('legend', {}, labelOf(field), field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null)
    : h('label', { for: inputId }, labelOf(field), field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
  return h(
    isGroup ? 'fieldset' : 'div',
    { class: `field field-${field.type}`, dataset: { path } },
    title,
    field.help ? h('p', { class: 'help', id: helpId }, field.help) : null,
    control,
    extra,
    errors,
  );
}

function counter(input, max, min) {
  const out = h('span', { class: 'counter', 'aria-live': 'polite' });
  const update = () => {
    const n = [...input.value].length;
    out.textContent = max ? `${n} / ${max}` : `${n} characters`;
    out.classList.toggle('over', Boolean((max && n > max) || (min && n > 0 && n < min)));
  };
  input.addEventListener('input', update);
  update();
  return out;
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
  const out = h('div', { class: 'markdown-preview', 'aria-live': 'polite' });
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
        report(path, field.type === 'integer' ? 'Enter a whole number, such as 25.' : 'Enter a number, such as 19.90 (with a dot).');
        return undefined;
      }
      if (input.value === '') return field.required ? null : undefined;
      const n = Number(input.value);
      return Number.isNaN(n) ? input.value : n;
    },
  };
}

/** datetime values are RFC 3339; the input shows local time. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function dateWidget(field, value, path, ctx) {
  const id = uid('in');
  const isDateTime = field.type === 'datetime';
  const input = h('input', { id, type: isDateTime ? 'datetime-local' : 'date' });
  input.value = value ? (isDateTime ? toLocalInput(value) : value) : '';
  input.addEventListener('input', ctx.changed);
  const note = isDateTime ? h('span', { class: 'counter' }, `Your local time (${Intl.DateTimeFormat().resolvedOptions().timeZone})`) : null;
  return {
    el: wrap(field, path, ctx, input, id, note),
    get: (report = ignore) => {
      if (input.validity.badInput) {
        report(path, isDateTime ? 'Enter a complete date and time.' : 'Enter a complete date.');
        return undefined;
      }
      if (!input.value) return undefined;
      return isDateTime ? new Date(input.value).toISOString() : input.value;
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
        report(path, `Not valid JSON: ${e.message}`);
        return undefined;
      }
    },
  };
}

function objectWidget(field, value, path, ctx) {
  const children = (field.fields || []).map((f) => ({ name: f.name, node: build(f, value ? value[f.name] : undefined, child(path, f.name), ctx) }));
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
  const items = [];
  const box = h('ol', { class: 'list-items' });
  const add = h('button', { type: 'button', class: 'small' }, `Add ${labelOf(itemField).toLowerCase()}`);
  const counterEl = h('span', { class: 'counter' });

  function render() {
    box.replaceChildren();
    items.forEach((item, i) => {
      // Re-register under the new index so errors like fields.products[2] land here.
      const node = item.node;
      const controls = h(
        'div',
        { class: 'item-controls' },
        h('button', { type: 'button', class: 'small', 'aria-label': `Move item ${i + 1} up`, disabled: i === 0 ? true : undefined, onclick: () => move(i, -1) }, '↑'),
        h('button', { type: 'button', class: 'small', 'aria-label': `Move item ${i + 1} down`, disabled: i === items.length - 1 ? true : undefined, onclick: () => move(i, 1) }, '↓'),
        h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove item ${i + 1}`, onclick: () => remove(i) }, 'Remove'),
      );
      box.append(h('li', { class: 'list-item' }, node.el, controls));
    });
    const max = field.max_items;
    counterEl.textContent = `${items.length}${max ? ` / ${max}` : ''} items`;
    add.disabled = Boolean(max && items.length >= max);
  }
  function rebuild() {
    // Rebuild the widgets so each one registers its error slot at its current index.
    const values = items.map((it) => it.node.get());
    items.length = 0;
    values.forEach((v, i) => items.push({ node: build(itemField, v, child(path, i), ctx) }));
    render();
  }
  function move(i, delta) {
    const [it] = items.splice(i, 1);
    items.splice(i + delta, 0, it);
    rebuild();
    ctx.changed();
    const buttons = box.children[i + delta] && box.children[i + delta].querySelectorAll('.item-controls button');
    if (buttons) buttons[delta < 0 ? 0 : 1].focus();
  }
  function remove(i) {
    items.splice(i, 1);
    rebuild();
    ctx.changed();
    add.focus();
  }
  add.addEventListener('click', () => {
    items.push({ node: build(itemField, undefined, child(path, items.length), ctx) });
    render();
    ctx.changed();
    const last = box.lastElementChild;
    const focusable = last && last.querySelector('input, select, textarea, button');
    if (focusable) focusable.focus();
  });
  (Array.isArray(value) ? value : []).forEach((v, i) => items.push({ node: build(itemField, v, child(path, i), ctx) }));
  render();
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
        else if (!inner) report(child(path, i), `Item ${i + 1} is empty: fill it in or remove it.`);
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

function assetWidget(field, value, path, ctx) {
  let current = value && value.id ? { id: value.id, alt: value.alt || '' } : null;
  const fileId = uid('file');
  const altId = uid('alt');
  const preview = h('div', { class: 'asset-preview' });
  const file = h('input', { id: fileId, type: 'file', accept: (field.accept || []).join(',') || undefined });
  const alt = h('input', { id: altId, type: 'text', placeholder: 'Describe the image for people who cannot see it' });
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const remove = h('button', { type: 'button', class: 'small danger', onclick: () => set(null) }, 'Remove');
  alt.value = current ? current.alt : '';
  alt.addEventListener('input', ctx.changed);

  async function show() {
    preview.replaceChildren();
    remove.hidden = !current;
    if (!current) return;
    try {
      const meta = await api('GET', `/assets/${current.id}`);
      const caption = h('span', { class: 'muted' }, `${meta.filename} · ${meta.content_type} · ${Math.round(meta.bytes / 1024)} KiB${meta.width ? ` · ${meta.width}×${meta.height}` : ''}`);
      if (String(meta.content_type).startsWith('image/')) {
        const img = h('img', { alt: alt.value || meta.filename, src: await assetUrl(current.id) });
        preview.append(img, caption);
      } else {
        preview.append(caption);
      }
    } catch (e) {
      preview.append(h('span', { class: 'error' }, `Asset ${current.id}: ${e.message}`));
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
      status.textContent = `Too large: at most ${Math.round(field.max_bytes / 1048576)} MiB.`;
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
  show();
  const control = h(
    'div',
    { class: 'asset' },
    preview,
    h('div', { class: 'asset-row' }, file, status, remove),
    h('label', { for: altId }, 'Alt text'),
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

/** The widget of one field. */
export function build(field, value, path, ctx) {
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
