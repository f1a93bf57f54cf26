// Error paths of the API (`fields.seo.title`, `fields.products[2]`) and where they show.

/** The path of a child: object key or list index. */
export function child(path, key) {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

/**
 * The registry of error slots: each field widget registers the element that shows its errors.
 * An error whose exact path has no slot goes to the nearest registered parent.
 */
export class ErrorSlots {
  constructor() {
    this.slots = new Map();
  }

  register(path, el) {
    this.slots.set(path, el);
  }

  clear() {
    for (const el of this.slots.values()) {
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
      while (path && !this.slots.has(path)) path = parent(path);
      const el = path ? this.slots.get(path) : null;
      if (!el) {
        lost.push(d);
        continue;
      }
      const line = document.createElement('span');
      line.textContent = path === d.path ? d.message : `${d.path}: ${d.message}`;
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

/** `fields.a.b[2]` → `fields.a.b`; `fields.a` → `fields`; `fields` → ''. */
export function parent(path) {
  const m = /^(.*)(\[\d+\]|\.[^.[\]]+)$/.exec(path);
  return m ? m[1] : '';
}
