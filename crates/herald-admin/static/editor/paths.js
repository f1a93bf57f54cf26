// Error paths of the API (`fields.seo.title`, `fields.products[2]`) and where they show.

/** The path of a child: object key or list index. */
export function child(path, key) {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

/**
 * The registry of error slots: each field widget registers the element that shows its errors,
 * with its path: a string, or a function for widgets inside list items, whose index changes
 * when items are moved or removed (the widgets are moved, not rebuilt, so what is half-typed in
 * them stays). An error whose exact path has no slot goes to the nearest registered parent. A
 * slot whose element has left the page (a removed list item) does not count, so
 * `fields.products[2]` always names the third item shown.
 */
export class ErrorSlots {
  constructor() {
    this.slots = new Map(); // element → () => its current path
  }

  register(path, el) {
    this.slots.set(el, typeof path === 'function' ? path : () => path);
  }

  /** The live slot of `path`, if any. */
  get(path) {
    for (const [el, pathOf] of this.slots) {
      if (!el.isConnected) continue;
      if (pathOf() === path) return el;
    }
    return null;
  }

  clear() {
    for (const [el] of this.slots) {
      if (!el.isConnected) {
        this.slots.delete(el);
        continue;
      }
      el.replaceChildren();
      el.hidden = true;
      const field = el.closest('.field');
      if (field) field.classList.remove('invalid');
      const input = field && field.querySelector('[aria-describedby]');
      if (input) input.removeAttribute('aria-invalid');
    }
  }

  /** Shows `details` beside their fields; returns the ones that found no field. */
  show(details) {
    const lost = [];
    let first = null;
    for (const d of details) {
      let path = d.path || '';
      while (path && !this.get(path)) path = parent(path);
      const el = path ? this.get(path) : null;
      if (!el) {
        lost.push(d);
        continue;
      }
      const line = document.createElement('span');
      line.textContent = path === d.path ? d.message : `${describe(d.path.slice(path.length))}: ${d.message}`;
      el.append(line);
      el.hidden = false;
      const field = el.closest('.field');
      if (field) {
        field.classList.add('invalid');
        const input = field.querySelector('input, textarea, select');
        if (input) input.setAttribute('aria-invalid', 'true');
        if (!first) first = input || field;
      }
    }
    if (first) first.focus();
    return lost;
  }
}

/** The rest of a path for people: `[2].title` → `item 3, title`. */
function describe(rest) {
  return rest
    .split(/(?=[.[])/)
    .map((part) => (part.startsWith('[') ? `item ${Number(part.slice(1, -1)) + 1}` : part.replace(/^\./, '')))
    .filter(Boolean)
    .join(', ');
}

/** `fields.a.b[2]` → `fields.a.b`; `fields.a` → `fields`; `fields` → ''. */
export function parent(path) {
  const m = /^(.*)(\[\d+\]|\.[^.[\]]+)$/.exec(path);
  return m ? m[1] : '';
}

/** A path for people, with the labels of the type: `fields.products[0]` → `Featured products, item 1`. */
export function pathLabel(type, path) {
  const parts = String(path || '').split(/(?=[.[])/);
  let fields = type ? type.fields : [];
  let listOf = null;
  const out = [];
  for (const raw of parts) {
    if (raw.startsWith('[')) {
      out.push(`item ${Number(raw.slice(1, -1)) + 1}`);
      fields = listOf && listOf.fields ? listOf.fields : [];
      continue;
    }
    const name = raw.replace(/^\./, '');
    if (name === 'fields' && out.length === 0 && raw === 'fields') continue;
    const spec = (fields || []).find((f) => f.name === name);
    out.push(spec ? spec.label || spec.name : name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' '));
    fields = spec && spec.fields ? spec.fields : [];
    listOf = spec && spec.of ? spec.of : null;
  }
  return out.join(', ') || String(path || '');
}
