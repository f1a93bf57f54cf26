// The form generated from a content type's schema: one widget per field type. Each widget is
// `{el, get()}`; `get()` returns the value to send (undefined for an empty optional value).

import { api, assetUrl, call, contentTypes, query } from '../api.js';
import { h, uid } from '../dom.js';
import { child } from './paths.js';

const labelOf = (field) => field.label || field.name.replace(/_/g, ' ');

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
    get: () => {
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
    get: () => {
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
    get: () => {
      if (!input.value.trim()) return undefined;
      try {
        return JSON.parse(input.value);
      } catch {
        return input.value;
      }
    },
  };
}

function objectWidget(field, value, path, ctx) {
  const children = (field.fields || []).map((f) => ({ name: f.name, node: build(f, value ? value[f.name] : undefined, child(path, f.name), ctx) }));
  const body = h('div', { class: 'object-fields' }, children.map((c) => c.node.el));
  return {
    el: wrap(field, path, ctx, body, null),
    get: () => {
      const out = {};
      for (const c of children) {
        const v = c.node.get();
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
    get: () => {
      const out = items.map((it) => it.node.get()).filter((v) => v !== undefined);
      return out.length || field.required ? out : undefined;
    },
  };
}

function referenceWidget(field, value, path, ctx) {
  const targets = field.to || [];
  let current = value && value.id ? { type: value.type || targets[0], id: value.id } : null;
  const id = uid('ref');
  const chosen = h('span', { class: 'chosen' });
  const search = h('input', { id, type: 'search', placeholder: `Search ${targets.join(', ')}`, autocomplete: 'off' });
  const results = h('ul', { class: 'picker-results', role: 'listbox', 'aria-label': 'Matching entries' });
  const clear = h('button', { type: 'button', class: 'small', onclick: () => choose(null) }, 'Clear');

  async function describe() {
    if (!current) {
      chosen.textContent = 'Nothing chosen';
      clear.hidden = true;
      return;
    }
    clear.hidden = false;
    chosen.textContent = `${current.type} ${current.id}`;
    try {
      const entry = await api('GET', `/entries/${current.type}/${current.id}`);
      const types = await contentTypes();
      const t = types.find((x) => x.name === current.type);
      const title = t && t.title_field ? entry.fields[t.title_field] : entry.slug;
      chosen.textContent = `${title || entry.slug} (${t ? t.label || t.name : current.type}, ${entry.locale})`;
    } catch {
      chosen.textContent = `${current.type} ${current.id} (not found)`;
    }
  }
  function choose(ref) {
    current = ref;
    results.replaceChildren();
    search.value = '';
    describe();
    ctx.changed();
  }
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = search.value.trim();
      results.replaceChildren();
      if (!q) return;
      const types = await contentTypes();
      for (const typeName of targets) {
        const t = types.find((x) => x.name === typeName);
        try {
          const page = await api('GET', `/entries/${typeName}${query({ q, limit: 8 })}`);
          for (const e of page.items) {
            const title = (t && t.title_field && e.fields[t.title_field]) || e.slug;
            results.append(
              h('li', {}, h('button', { type: 'button', class: 'option', role: 'option', onclick: () => choose({ type: typeName, id: e.id }) }, `${title} `, h('span', { class: 'muted' }, `${t ? t.label || t.name : typeName} · ${e.locale} · ${e.status}`))),
            );
          }
        } catch {
          // A type the user may not read: nothing to pick from it.
        }
      }
      if (!results.children.length) results.append(h('li', { class: 'muted' }, 'No match.'));
    }, 250);
  });
  describe();
  const control = h('div', { class: 'picker' }, h('div', { class: 'picker-current' }, chosen, clear), search, results);
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
    get: () => {
      const out = {};
      for (const n of nodes) {
        const v = n.node.get();
        if (v !== undefined) out[n.name] = v;
      }
      return out;
    },
  };
}
