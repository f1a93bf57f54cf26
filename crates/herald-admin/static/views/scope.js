// The content-type scope of a user or an API token: every type, or only some (contract §3,
// `content_types`; `null` means all of them).

import { h, uid } from '../dom.js';

/**
 * A group of checkboxes: "All content types", or one box per type. `get()` returns `null` for
 * all, the chosen names, or `undefined` (with the error shown) when none is chosen.
 */
export function scopePicker(types, current, { legend = 'Content types' } = {}) {
  const allId = uid('scope');
  const errId = uid('scope-err');
  const all = h('input', { id: allId, type: 'checkbox', checked: !current });
  const error = h('p', { class: 'error', id: errId, hidden: true });
  const boxes = types.map((t) => {
    const id = uid('scope');
    const input = h('input', { id, type: 'checkbox', value: t.name, checked: Boolean(current && current.includes(t.name)) });
    return { input, el: h('span', { class: 'check' }, input, h('label', { for: id }, t.label || t.name)) };
  });
  const sync = () => {
    for (const b of boxes) b.input.disabled = all.checked;
  };
  all.addEventListener('change', () => {
    sync();
    error.hidden = true;
    if (!all.checked && boxes[0]) boxes[0].input.focus();
  });
  for (const b of boxes) b.input.addEventListener('change', () => (error.hidden = true));
  sync();
  const el = h(
    'fieldset',
    { class: 'scope', 'aria-describedby': errId },
    h('legend', {}, legend),
    h('span', { class: 'check' }, all, h('label', { for: allId }, 'All content types')),
    h('div', { class: 'scope-types' }, boxes.map((b) => b.el)),
    error,
  );
  return {
    el,
    get() {
      if (all.checked) return null;
      const chosen = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
      if (!chosen.length) {
        error.textContent = 'Choose at least one content type, or All content types.';
        error.hidden = false;
        if (boxes[0]) boxes[0].input.focus();
        return undefined;
      }
      return chosen;
    },
    reset() {
      all.checked = true;
      for (const b of boxes) b.input.checked = false;
      error.hidden = true;
      sync();
    },
  };
}

/** The scope for people. */
export function scopeText(types, scope) {
  if (!scope) return 'all';
  return scope.map((name) => (types.find((t) => t.name === name) || {}).label || name).join(', ');
}
